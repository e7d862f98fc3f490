package engine

import (
	"mime"
	"strings"
	"unicode/utf8"
)

// DefaultMIMEType is what MIMEType returns for a path whose extension it does
// not know. The reference returned "application/x-unknown-content-type", a
// type no registry knows; we use the type RFC 2046 defines for arbitrary
// binary data, which browsers and S3 tools handle as a download.
const DefaultMIMEType = "application/octet-stream"

// builtinMIMETypes is consulted before mime.TypeByExtension so that the
// answer for common extensions does not depend on the host's
// /etc/mime.types (or on the Windows registry), which differs from machine
// to machine. Keys are lower-case extensions with the dot.
var builtinMIMETypes = map[string]string{
	// text
	".txt":  "text/plain; charset=utf-8",
	".text": "text/plain; charset=utf-8",
	".log":  "text/plain; charset=utf-8",
	".md":   "text/markdown; charset=utf-8",
	".csv":  "text/csv; charset=utf-8",
	".tsv":  "text/tab-separated-values; charset=utf-8",
	".htm":  "text/html; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".xml":  "text/xml; charset=utf-8",
	".ics":  "text/calendar; charset=utf-8",
	".yaml": "application/yaml",
	".yml":  "application/yaml",
	".toml": "application/toml",
	".lua":  "text/x-lua; charset=utf-8",
	// code and data
	".js":      "text/javascript; charset=utf-8",
	".mjs":     "text/javascript; charset=utf-8",
	".json":    "application/json",
	".jsonl":   "application/jsonl",
	".ndjson":  "application/x-ndjson",
	".map":     "application/json",
	".wasm":    "application/wasm",
	".pdf":     "application/pdf",
	".rtf":     "application/rtf",
	".parquet": "application/vnd.apache.parquet",
	".avro":    "application/avro",
	".sql":     "application/sql",
	".exe":     "application/octet-stream",
	".msi":     "application/octet-stream",
	".bin":     "application/octet-stream",
	".iso":     "application/octet-stream",
	// archives
	".zip": "application/zip",
	".gz":  "application/gzip",
	".tgz": "application/gzip",
	".tar": "application/x-tar",
	".bz2": "application/x-bzip2",
	".xz":  "application/x-xz",
	".zst": "application/zstd",
	".7z":  "application/x-7z-compressed",
	".rar": "application/vnd.rar",
	".jar": "application/java-archive",
	// office
	".doc":  "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls":  "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt":  "application/vnd.ms-powerpoint",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".epub": "application/epub+zip",
	// images
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".svg":  "image/svg+xml",
	".ico":  "image/vnd.microsoft.icon",
	".bmp":  "image/bmp",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	".heic": "image/heic",
	// audio and video
	".mp3":  "audio/mpeg",
	".wav":  "audio/wav",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".flac": "audio/flac",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".opus": "audio/opus",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".mkv":  "video/x-matroska",
	".webm": "video/webm",
	".mov":  "video/quicktime",
	".avi":  "video/x-msvideo",
	".ogv":  "video/ogg",
	".ts":   "video/mp2t",
	// fonts
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".otf":   "font/otf",
}

// MIMEType is the default Config.MIMEType: it guesses a Content-Type from
// the extension of path's last element, case-insensitively ("X.TXT" is text,
// unlike the reference). A built-in table of common types is consulted first,
// then mime.TypeByExtension; an unknown or missing extension gives
// DefaultMIMEType ("application/octet-stream").
func MIMEType(path string) string {
	ext := strings.ToLower(extension(path))
	if ext == "" {
		return DefaultMIMEType
	}
	if t, ok := builtinMIMETypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return DefaultMIMEType
}

// extension returns the extension (with its dot) of p's base name, where both
// '/' and '\' separate elements. A leading dot (".profile") is not an
// extension.
func extension(p string) string {
	base := baseName(p)
	i := strings.LastIndexByte(base, '.')
	if i <= 0 {
		return ""
	}
	return base[i:]
}

// baseName is the last element of p, treating both '/' and '\' as separators
// whatever the OS, so that a Windows path given on Unix (and vice versa)
// still yields the file name. Trailing separators are ignored.
func baseName(p string) string {
	p = strings.TrimRight(p, `/\`)
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// ContentDisposition returns the Content-Disposition header PutFile and
// MultipartPutFile send for path: "inline" when inline is true, else an
// attachment named by path's last element (both '/' and '\' separate
// elements). Following RFC 6266, '"' and '\' are escaped in the quoted
// filename and non-ASCII characters (and controls) are replaced by '_' there;
// a name that is not plain ASCII also gets an RFC 5987 filename* parameter,
// which clients prefer:
//
//	attachment; filename="report.pdf"
//	attachment; filename="r_sum_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt
func ContentDisposition(p string, inline bool) string {
	if inline {
		return "inline"
	}
	name := baseName(p)
	if name == "" || name == "." || name == ".." {
		return "attachment"
	}
	var fallback strings.Builder
	plain := true
	for _, r := range name {
		switch {
		case r == utf8.RuneError:
			plain = false
			fallback.WriteByte('_')
		case r == '"' || r == '\\':
			fallback.WriteByte('\\')
			fallback.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			plain = false
			fallback.WriteByte('_')
		case r >= 0x80:
			plain = false
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(r)
		}
	}
	v := `attachment; filename="` + fallback.String() + `"`
	if !plain {
		v += "; filename*=UTF-8''" + rfc5987Encode(name)
	}
	return v
}

// rfc5987Encode percent-encodes s as an RFC 5987 ext-value: everything but
// attr-char (ALPHA / DIGIT / "!#$&+-.^_`|~") is written as %XX of its UTF-8
// bytes. Invalid UTF-8 is encoded byte by byte, which is the best we can do.
func rfc5987Encode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// mimeTypeFor picks the Content-Type for an uploaded file: the explicit
// option, else the client's Config.MIMEType, else MIMEType.
func mimeTypeFor(explicit string, fn func(string) string, file string) string {
	if explicit != "" {
		return explicit
	}
	if fn != nil {
		if t := fn(file); t != "" {
			return t
		}
	}
	return MIMEType(file)
}
