package engine

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// A ListObjectsV2 page of 1000 keys took encoding/xml about 90 allocations
// and several microseconds per key: most of a listing's client time, and,
// since pages are fetched one after the other, wall time too
// (docs/performance.md). decodeListPage reads the page whole and scans it
// with the small scanner below, which knows the flat shape S3 sends; any
// document it is not sure about (CDATA, a DOCTYPE, an unknown entity, text
// mixed with elements, bad numbers, a truncated document) is decoded again
// by encoding/xml, so results and errors are exactly encoding/xml's.

// listBufPool recycles the buffers pages are read into.
var listBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512<<10); return &b }}

// decodeListPage decodes a ListObjectsV2 answer from body into p.
func decodeListPage(body io.Reader, p *listBucketResult) error {
	bp := listBufPool.Get().(*[]byte)
	defer listBufPool.Put(bp)
	buf := bytes.NewBuffer((*bp)[:0])
	_, err := buf.ReadFrom(io.LimitReader(body, maxCheckedBody))
	*bp = buf.Bytes()[:0]
	if err != nil {
		return err
	}
	s := listScanner{b: buf.Bytes()}
	if s.page(p) {
		return nil
	}
	*p = listBucketResult{}
	return xml.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(p)
}

// listScanner scans one document; every method returns false when the
// document needs encoding/xml.
type listScanner struct {
	b   []byte
	i   int
	tmp []byte // entity decoding
}

// token kinds
const (
	tokEOF = iota
	tokStart
	tokEnd
	tokText
)

// next returns the next token: a start tag's local name (selfClose set for
// <x/>), an end tag's local name, or a text run (raw, entities not
// decoded). Declarations and comments are skipped.
func (s *listScanner) next() (kind int, name []byte, selfClose bool, ok bool) {
	for {
		if s.i >= len(s.b) {
			return tokEOF, nil, false, true
		}
		if s.b[s.i] != '<' {
			j := bytes.IndexByte(s.b[s.i:], '<')
			if j < 0 {
				j = len(s.b) - s.i
			}
			text := s.b[s.i : s.i+j]
			s.i += j
			return tokText, text, false, true
		}
		rest := s.b[s.i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			// Only the usual declaration, first in the document; any other
			// processing instruction or declaration (another encoding,
			// version) is encoding/xml's to accept or refuse.
			j := bytes.Index(rest, []byte("?>"))
			if j < 0 || s.i != 0 || !isXMLDecl(rest[:j+2]) {
				return 0, nil, false, false
			}
			s.i += j + 2
			continue
		case bytes.HasPrefix(rest, []byte("<!--")):
			j := bytes.Index(rest[4:], []byte("-->"))
			if j < 0 {
				return 0, nil, false, false
			}
			s.i += 4 + j + 3
			continue
		case bytes.HasPrefix(rest, []byte("<!")):
			return 0, nil, false, false // CDATA, DOCTYPE
		}
		end := false
		j := 1
		if len(rest) > 1 && rest[1] == '/' {
			end, j = true, 2
		}
		k := j
		for k < len(rest) && nameByte(rest[k]) {
			k++
		}
		if k == j || k >= len(rest) {
			return 0, nil, false, false
		}
		name = rest[j:k]
		if !plainName(name) {
			return 0, nil, false, false // let encoding/xml judge the name
		}
		if c := bytes.IndexByte(name, ':'); c >= 0 {
			name = name[c+1:]
		}
		// The rest of the tag: attributes (skipped, but checked as
		// encoding/xml would: a name, '=', a quoted value without '<' or
		// '&') up to '>' or "/>"; anything else goes to encoding/xml.
		if k = attributesEnd(rest, k, end); k < 0 {
			return 0, nil, false, false
		}
		selfClose = rest[k-1] == '/' && !end
		s.i += k + 1
		if end {
			return tokEnd, name, false, true
		}
		return tokStart, name, selfClose, true
	}
}

// isXMLDecl reports whether b is the XML declaration the scanner accepts:
// <?xml version="1.0"?>, optionally with encoding="UTF-8" (or "utf-8") and
// standalone="yes" or "no", in that order, single or double quotes, and at
// most one space before ?>. (A hand-written match: compiling the
// equivalent regexp cost a third of a millisecond at the first listing.)
func isXMLDecl(b []byte) bool {
	rest, ok := bytes.CutPrefix(b, []byte("<?xml version="))
	if !ok {
		return false
	}
	if rest, ok = cutQuoted(rest, "1.0"); !ok {
		return false
	}
	if r, found := bytes.CutPrefix(rest, []byte(" encoding=")); found {
		if rest, ok = cutQuoted(r, "UTF-8", "utf-8"); !ok {
			return false
		}
	}
	if r, found := bytes.CutPrefix(rest, []byte(" standalone=")); found {
		if rest, ok = cutQuoted(r, "yes", "no"); !ok {
			return false
		}
	}
	rest = bytes.TrimPrefix(rest, []byte(" "))
	return string(rest) == "?>"
}

// cutQuoted cuts one of values, in single or double quotes, off the front
// of b.
func cutQuoted(b []byte, values ...string) ([]byte, bool) {
	if len(b) == 0 || (b[0] != '"' && b[0] != '\'') {
		return b, false
	}
	q := b[0]
	for _, v := range values {
		if len(b) >= len(v)+2 && string(b[1:1+len(v)]) == v && b[1+len(v)] == q {
			return b[len(v)+2:], true
		}
	}
	return b, false
}

// plainName reports whether a tag or attribute name is one the scanner is
// sure about: ASCII, [A-Za-z_] then [A-Za-z0-9_.-], with at most one ':'
// between two such parts. Other names (digits first, non-ASCII, stray
// colons) are left to encoding/xml, which accepts or refuses them itself.
func plainName(n []byte) bool {
	part := func(p []byte) bool {
		if len(p) == 0 || !(p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z' || p[0] == '_') {
			return false
		}
		for _, c := range p[1:] {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
				return false
			}
		}
		return true
	}
	if c := bytes.IndexByte(n, ':'); c >= 0 {
		return part(n[:c]) && part(n[c+1:])
	}
	return part(n)
}

// attributesEnd checks the attributes of a tag whose name ends at k and
// returns the index of its closing '>', or -1 when encoding/xml must judge
// the tag. An end tag may hold only white space.
func attributesEnd(rest []byte, k int, end bool) int {
	space := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for {
		spaced := false
		for k < len(rest) && space(rest[k]) {
			k, spaced = k+1, true
		}
		if k >= len(rest) {
			return -1
		}
		switch {
		case rest[k] == '>':
			return k
		case rest[k] == '/' && !end && k+1 < len(rest) && rest[k+1] == '>':
			return k + 1
		case end || !spaced:
			return -1
		}
		n := k
		for k < len(rest) && nameByte(rest[k]) {
			k++
		}
		if !plainName(rest[n:k]) {
			return -1
		}
		for k < len(rest) && space(rest[k]) {
			k++
		}
		if k >= len(rest) || rest[k] != '=' {
			return -1
		}
		k++
		for k < len(rest) && space(rest[k]) {
			k++
		}
		if k >= len(rest) || rest[k] != '"' && rest[k] != '\'' {
			return -1
		}
		q := rest[k]
		v := bytes.IndexByte(rest[k+1:], q)
		if v < 0 || bytes.ContainsAny(rest[k+1:k+1+v], "<&") || !xmlText(rest[k+1:k+1+v]) {
			return -1
		}
		k += 1 + v + 1
	}
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':' || c >= 0x80
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// text reads the text of the element whose start tag was just read, up to
// and including its end tag, entities decoded. An element inside it means
// encoding/xml is needed.
func (s *listScanner) text(name []byte, selfClose bool) (string, bool) {
	if selfClose {
		return "", true
	}
	var raw []byte
	for {
		kind, n, _, ok := s.next()
		switch {
		case !ok:
			return "", false
		case kind == tokText:
			if raw != nil {
				return "", false
			}
			raw = n
		case kind == tokEnd && bytes.Equal(n, name):
			return s.unescape(raw)
		default:
			return "", false
		}
	}
}

// unescape decodes the five XML entities and character references.
func (s *listScanner) unescape(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '&') < 0 {
		if !xmlText(raw) {
			return "", false
		}
		return string(raw), true
	}
	out := s.tmp[:0]
	for len(raw) > 0 {
		j := bytes.IndexByte(raw, '&')
		if j < 0 {
			out = append(out, raw...)
			break
		}
		out = append(out, raw[:j]...)
		raw = raw[j+1:]
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 {
			return "", false
		}
		ent := raw[:semi]
		raw = raw[semi+1:]
		switch string(ent) {
		case "lt":
			out = append(out, '<')
		case "gt":
			out = append(out, '>')
		case "amp":
			out = append(out, '&')
		case "apos":
			out = append(out, '\'')
		case "quot":
			out = append(out, '"')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return "", false
			}
			var n uint64
			var err error
			if ent[1] == 'x' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			if err != nil || n == 0 || n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
				return "", false
			}
			out = utf8.AppendRune(out, rune(n))
		}
	}
	s.tmp = out
	if !xmlText(out) {
		return "", false
	}
	return string(out), true
}

// xmlText reports whether b is text encoding/xml would return unchanged:
// valid UTF-8 of XML characters, no carriage return (encoding/xml
// normalises line ends).
func xmlText(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' {
			return false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return true
	}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		b = b[n:]
	}
	return true
}

// skip skips the element whose start tag was just read.
func (s *listScanner) skip(name []byte, selfClose bool) bool {
	if selfClose {
		return true
	}
	open := [][]byte{name}
	for len(open) > 0 {
		kind, n, sc, ok := s.next()
		switch {
		case !ok || kind == tokEOF:
			return false
		case kind == tokStart && !sc:
			open = append(open, n)
		case kind == tokEnd:
			if !bytes.Equal(n, open[len(open)-1]) {
				return false
			}
			open = open[:len(open)-1]
		}
	}
	return true
}

// children calls child for each element inside the element whose start tag
// was just read, up to its end tag; whitespace between them is skipped.
func (s *listScanner) children(parent []byte, selfClose bool, child func(name []byte, selfClose bool) bool) bool {
	if selfClose {
		return true
	}
	for {
		kind, name, sc, ok := s.next()
		switch {
		case !ok || kind == tokEOF:
			return false
		case kind == tokText:
			if !isSpace(name) {
				return false
			}
		case kind == tokEnd:
			return bytes.Equal(name, parent)
		case kind == tokStart:
			if !child(name, sc) {
				return false
			}
		}
	}
}

// page scans a whole document into p.
func (s *listScanner) page(p *listBucketResult) bool {
	var kind int
	var name []byte
	var sc, ok bool
	for { // up to the root element
		if kind, name, sc, ok = s.next(); !ok || kind == tokEOF || kind == tokEnd {
			return false
		}
		if kind == tokStart {
			break
		}
		if !isSpace(name) {
			return false
		}
	}
	str := func(dst *string) func(n []byte, sc bool) bool {
		return func(n []byte, sc bool) bool {
			v, ok := s.text(n, sc)
			*dst = v
			return ok
		}
	}
	ok = s.children(name, sc, func(n []byte, sc bool) bool {
		switch string(n) {
		case "IsTruncated":
			v, ok := s.text(n, sc)
			if !ok {
				return false
			}
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			p.IsTruncated = b
			return err == nil
		case "NextContinuationToken":
			return str(&p.NextContinuationToken)(n, sc)
		case "EncodingType":
			return str(&p.EncodingType)(n, sc)
		case "Contents":
			p.Contents = append(p.Contents, struct {
				Key          string `xml:"Key"`
				LastModified string `xml:"LastModified"`
				ETag         string `xml:"ETag"`
				Size         int64  `xml:"Size"`
				StorageClass string `xml:"StorageClass"`
				Owner        *struct {
					ID          string `xml:"ID"`
					DisplayName string `xml:"DisplayName"`
				} `xml:"Owner"`
			}{})
			o := &p.Contents[len(p.Contents)-1]
			return s.children(n, sc, func(n []byte, sc bool) bool {
				switch string(n) {
				case "Key":
					return str(&o.Key)(n, sc)
				case "LastModified":
					return str(&o.LastModified)(n, sc)
				case "ETag":
					return str(&o.ETag)(n, sc)
				case "StorageClass":
					return str(&o.StorageClass)(n, sc)
				case "Size":
					v, ok := s.text(n, sc)
					if !ok {
						return false
					}
					size, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					o.Size = size
					return err == nil
				case "Owner":
					if o.Owner == nil {
						o.Owner = &struct {
							ID          string `xml:"ID"`
							DisplayName string `xml:"DisplayName"`
						}{}
					}
					return s.children(n, sc, func(n []byte, sc bool) bool {
						switch string(n) {
						case "ID":
							return str(&o.Owner.ID)(n, sc)
						case "DisplayName":
							return str(&o.Owner.DisplayName)(n, sc)
						}
						return s.skip(n, sc)
					})
				}
				return s.skip(n, sc)
			})
		case "CommonPrefixes":
			p.CommonPrefixes = append(p.CommonPrefixes, struct {
				Prefix string `xml:"Prefix"`
			}{})
			cp := &p.CommonPrefixes[len(p.CommonPrefixes)-1]
			return s.children(n, sc, func(n []byte, sc bool) bool {
				if string(n) == "Prefix" {
					return str(&cp.Prefix)(n, sc)
				}
				return s.skip(n, sc)
			})
		}
		return s.skip(n, sc)
	})
	if !ok {
		return false
	}
	for { // only whitespace, comments and declarations after the root
		kind, name, _, ok := s.next()
		switch {
		case !ok:
			return false
		case kind == tokEOF:
			return true
		case kind != tokText || !isSpace(name):
			return false
		}
	}
}
