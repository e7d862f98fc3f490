package signature

import (
	"net/url"
	"slices"
	"strings"
)

// unreserved reports whether c is kept as is by RFC 3986 encoding (A-Za-z0-9-._~).
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// EscapePath returns the S3 canonical URI of a plain (unescaped) path: every byte outside
// A-Za-z0-9-._~ and '/' becomes %XX, exactly once; '/' runs and dot segments are kept as they
// are; the empty path is "/".
func EscapePath(path string) string {
	if path == "" {
		return "/"
	}
	n := 0
	for i := 0; i < len(path); i++ {
		if c := path[i]; !unreserved(c) && c != '/' {
			n++
		}
	}
	if n == 0 {
		return path
	}
	b := make([]byte, 0, len(path)+2*n)
	return string(appendEscaped(b, path, true))
}

// appendEscaped appends s with every byte outside the unreserved set (and '/' when keepSlash)
// written as %XX.
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// escapeComponent encodes a plain query key or value for the canonical query.
func escapeComponent(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

// EncodeQuery returns v in canonical form: keys and values RFC 3986 encoded (space is %20, '+'
// is %2B), sorted by encoded key then encoded value, a valueless key written "key=". Use it
// instead of url.Values.Encode, which writes spaces as '+'.
func EncodeQuery(v url.Values) string {
	pairs := make([]queryPair, 0, len(v))
	for k, vs := range v {
		ek := escapeComponent(k)
		if len(vs) == 0 {
			pairs = append(pairs, queryPair{ek, ""})
		}
		for _, val := range vs {
			pairs = append(pairs, queryPair{ek, escapeComponent(val)})
		}
	}
	sortPairs(pairs)
	return string(appendPairs(nil, pairs))
}

type queryPair struct{ key, value string } // both already in canonical encoding

func sortPairs(p []queryPair) {
	slices.SortFunc(p, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
}

func appendPairs(b []byte, p []queryPair) []byte {
	for i, kv := range p {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, kv.key...)
		b = append(b, '=')
		b = append(b, kv.value...)
	}
	return b
}

// parseRawQuery splits a raw query on '&' into canonical pairs. '+' is a literal plus (not a
// space), %XX is decoded, a '%' not followed by two hex digits is a literal '%', and a key
// without '=' gets the empty value.
func parseRawQuery(raw string, pairs []queryPair) []queryPair {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, queryPair{canonicalComponent(k), canonicalComponent(v)})
	}
	return pairs
}

// canonicalComponent re-encodes one raw query component: decode %XX, encode everything outside
// the unreserved set. Already canonical input is returned without allocating.
func canonicalComponent(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isUpperHex(s[i+1]) && isUpperHex(s[i+2]) && !unreserved(unhex(s[i+1])<<4|unhex(s[i+2])) {
			i += 2
			continue
		}
		if !unreserved(c) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
