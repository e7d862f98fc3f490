package engine

import (
	"mime"
	"testing"
)

func TestMIMEType(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"a.txt", "text/plain; charset=utf-8"},
		{"A.TXT", "text/plain; charset=utf-8"},
		{"dir.d/x.Json", "application/json"},
		{"data.csv", "text/csv; charset=utf-8"},
		{"README.md", "text/markdown; charset=utf-8"},
		{"logo.svg", "image/svg+xml"},
		{"p.webp", "image/webp"},
		{"m.wasm", "application/wasm"},
		{"a.tar", "application/x-tar"},
		{"a.tar.gz", "application/gzip"},
		{"a.zip", "application/zip"},
		{"a.7z", "application/x-7z-compressed"},
		{"v.mp4", "video/mp4"},
		{"v.mkv", "video/x-matroska"},
		{"t.parquet", "application/vnd.apache.parquet"},
		{"index.html", "text/html; charset=utf-8"},
		{"photo.JPG", "image/jpeg"},
		{"song.mp3", "audio/mpeg"},
		{"doc.pdf", "application/pdf"},
		{`c:\foo\bar\test.png`, "image/png"},
		{"noext", DefaultMIMEType},
		{"", DefaultMIMEType},
		{".profile", DefaultMIMEType},
		{"x.", DefaultMIMEType},
		{"x.unknownext123", DefaultMIMEType},
		{"dir.png/file", DefaultMIMEType},
	}
	for _, tt := range tests {
		if got := MIMEType(tt.path); got != tt.want {
			t.Errorf("MIMEType(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestMIMETypeTableParses guards against typos in the built-in table.
func TestMIMETypeTableParses(t *testing.T) {
	for ext, typ := range builtinMIMETypes {
		if ext[0] != '.' || ext != toLowerASCII(ext) {
			t.Errorf("table key %q: want a lower-case extension with its dot", ext)
		}
		if _, _, err := mime.ParseMediaType(typ); err != nil {
			t.Errorf("table entry %q: %q: %v", ext, typ, err)
		}
	}
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestContentDisposition(t *testing.T) {
	tests := []struct {
		path   string
		inline bool
		want   string
	}{
		// The reference's own cases (aws/s3.rkt tests).
		{"test.txt", false, `attachment; filename="test.txt"`},
		{"/foo/bar/test.txt", false, `attachment; filename="test.txt"`},
		{`c:\foo\bar\test.txt`, false, `attachment; filename="test.txt"`},
		{"/foo/bar/test.txt", true, "inline"},
		// Fixes (pitfall 21).
		{`say "hi".txt`, false, `attachment; filename="say \"hi\".txt"`},
		{`dir/a\b`, false, `attachment; filename="b"`},
		{"résumé.txt", false, `attachment; filename="r_sum_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`},
		{"日本 語.pdf", false, `attachment; filename="__ _.pdf"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%20%E8%AA%9E.pdf`},
		{"tab\there", false, `attachment; filename="tab_here"; filename*=UTF-8''tab%09here`},
		{"a;b=c,d.txt", false, `attachment; filename="a;b=c,d.txt"`},
		{"dir/", false, `attachment; filename="dir"`},
		{"", false, "attachment"},
		{"/", false, "attachment"},
	}
	for _, tt := range tests {
		got := ContentDisposition(tt.path, tt.inline)
		if got != tt.want {
			t.Errorf("ContentDisposition(%q, %v) = %s, want %s", tt.path, tt.inline, got, tt.want)
			continue
		}
		// What we send must parse back to the file name.
		if tt.inline || got == "attachment" {
			continue
		}
		_, params, err := mime.ParseMediaType(got)
		if err != nil {
			t.Errorf("ContentDisposition(%q): %q does not parse: %v", tt.path, got, err)
			continue
		}
		if want := baseName(tt.path); params["filename"] != want {
			t.Errorf("ContentDisposition(%q): parsed filename %q, want %q", tt.path, params["filename"], want)
		}
	}
}

func TestMimeTypeFor(t *testing.T) {
	custom := func(string) string { return "x/custom" }
	empty := func(string) string { return "" }
	tests := []struct {
		explicit string
		fn       func(string) string
		want     string
	}{
		{"a/b", custom, "a/b"},
		{"", custom, "x/custom"},
		{"", empty, "image/png"},
		{"", nil, "image/png"},
	}
	for _, tt := range tests {
		if got := mimeTypeFor(tt.explicit, tt.fn, "p.png"); got != tt.want {
			t.Errorf("mimeTypeFor(%q) = %q, want %q", tt.explicit, got, tt.want)
		}
	}
}
