package engine

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Glob is a compiled glob pattern over "/"-separated names (S3 keys and
// relative paths). The syntax:
//
//   - any run of characters except "/" (possibly empty)
//     **       as a whole path segment ("a/**/b", "**/x", "logs/**"): any run
//     of characters including "/"; elsewhere ("a**b") it is "*"
//     ?        one character (a Unicode code point) except "/"
//     [abc]    one of the listed characters; [a-z] a range; [!a] or [^a] any
//     character but those listed, never "/"
//     {a,b}    either alternative (alternatives may hold wildcards and nest)
//     \x       the character x taken literally ("\*", "\{", "\\")
//
// A pattern matches a name as a whole, never a part of it. "dir/**" also
// matches "dir" itself, and "**/x" matches "x" at the top: "**" and the "/"
// next to it may stand for nothing. An unclosed "[" or "{", an empty class
// and a trailing "\" are errors of CompileGlob.
//
// Matching is github.com/bmatcuk/doublestar/v4's, with one change: a negated
// class never matches "/" (doublestar's does), so that no single-character
// wildcard crosses a path segment.
type Glob struct {
	pattern string // as given
	matcher string // pattern handed to doublestar
	prefix  string // see LiteralPrefix
}

// CompileGlob checks pattern and returns its matcher. The error names the
// pattern.
func CompileGlob(pattern string) (*Glob, error) {
	matcher := prepareForDoublestar(pattern)
	if !doublestar.ValidatePattern(matcher) {
		return nil, &GlobError{Pattern: pattern, Reason: globSyntaxReason(pattern)}
	}
	return &Glob{pattern: pattern, matcher: matcher, prefix: literalPrefix(pattern)}, nil
}

// MustCompileGlob is CompileGlob for patterns known to be valid; it panics
// on a bad one.
func MustCompileGlob(pattern string) *Glob {
	g, err := CompileGlob(pattern)
	if err != nil {
		panic(err)
	}
	return g
}

// GlobMatch reports whether name matches pattern (see Glob for the syntax).
func GlobMatch(pattern, name string) (bool, error) {
	g, err := CompileGlob(pattern)
	if err != nil {
		return false, err
	}
	return g.Match(name), nil
}

// GlobError is a malformed glob pattern.
type GlobError struct {
	Pattern string
	Reason  string
}

func (e *GlobError) Error() string {
	return fmt.Sprintf("bad glob pattern %q: %s", e.Pattern, e.Reason)
}

// Match reports whether name matches the whole pattern.
func (g *Glob) Match(name string) bool {
	// The pattern was validated, so doublestar reports no error here.
	ok, _ := doublestar.Match(g.matcher, name)
	return ok
}

// String returns the pattern as given.
func (g *Glob) String() string { return g.pattern }

// HasWildcard reports whether the pattern holds any wildcard (unescaped
// "*", "?", "[" or "{"); without one it matches exactly one name.
func (g *Glob) HasWildcard() bool { return metaIndex(g.pattern) >= 0 }

// LiteralPrefix returns the longest string every matching name starts with
// that can be read off the pattern: the text before the first wildcard,
// escapes resolved, minus a trailing "/" when "**" follows it (since
// "dir/**" matches "dir"). Listing only the keys under this prefix finds
// every match. A pattern without wildcards is its own literal prefix.
func (g *Glob) LiteralPrefix() string { return g.prefix }

// GlobLiteralPrefix is CompileGlob(pattern).LiteralPrefix() for a pattern
// that may not have been compiled; it does not check the syntax.
func GlobLiteralPrefix(pattern string) string { return literalPrefix(pattern) }

// HasGlobWildcard reports whether pattern holds an unescaped wildcard
// character ("*", "?", "[" or "{").
func HasGlobWildcard(pattern string) bool { return metaIndex(pattern) >= 0 }

// metaIndex returns the byte index of the first unescaped wildcard
// character of pattern, or -1.
func metaIndex(pattern string) int {
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case '*', '?', '[', '{':
			return i
		}
	}
	return -1
}

func literalPrefix(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch c {
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteByte(pattern[i])
			}
			continue
		case '*', '?', '[', '{':
			p := b.String()
			if c == '*' && strings.HasPrefix(pattern[i:], "**") && strings.HasSuffix(p, "/") {
				p = p[:len(p)-1]
			}
			return p
		}
		b.WriteByte(c)
	}
	return b.String()
}

// prepareForDoublestar rewrites every "[!...]" and "[^...]" of pattern to
// "[!.../]", so that a negated class never matches "/", and escapes a "}"
// that closes no "{" (doublestar refuses it; "\\{a}" is a literal name).
func prepareForDoublestar(pattern string) string {
	if !strings.ContainsAny(pattern, "[}") {
		return pattern
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '}' && depth == 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
		switch c {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case '\\':
			if i+1 < len(pattern) {
				i++
				b.WriteByte(pattern[i])
			}
		case '[':
			if i+1 >= len(pattern) || (pattern[i+1] != '!' && pattern[i+1] != '^') {
				continue
			}
			end := classEnd(pattern, i+2)
			if end < 0 || end == i+2 { // unclosed or empty: left for validation
				continue
			}
			b.WriteString(pattern[i+1 : end])
			b.WriteByte('/')
			b.WriteByte(']')
			i = end
		}
	}
	return b.String()
}

// classEnd returns the index of the "]" closing a class whose members start
// at i, or -1.
func classEnd(pattern string, i int) int {
	for ; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case ']':
			return i
		}
	}
	return -1
}

// globSyntaxReason names what is wrong with a pattern doublestar refused.
func globSyntaxReason(pattern string) string {
	depth, class := 0, false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\':
			if i+1 >= len(pattern) {
				return "trailing backslash"
			}
			i++
		case class:
			if c == ']' {
				class = false
			}
		case c == '[':
			j := i + 1
			if j < len(pattern) && (pattern[j] == '!' || pattern[j] == '^') {
				j++
			}
			if j < len(pattern) && pattern[j] == ']' {
				return fmt.Sprintf("empty character class at offset %d", i)
			}
			class = true
		case c == '{':
			depth++
		case c == '}':
			if depth > 0 {
				depth--
			}
		}
	}
	switch {
	case class:
		return "unclosed \"[\""
	case depth > 0:
		return "unclosed \"{\""
	}
	return "syntax error"
}

// PathFilter decides which relative paths a recursive operation or a sync
// takes, from include and exclude glob patterns, the way rsync and rclone
// read them: a pattern without "/" matches the file name (the last
// segment) at any depth, a pattern with "/" matches the whole relative path
// (a leading "/" only anchors it at the top and is dropped). A path is taken
// when it matches some include pattern, or there are none, and no exclude
// pattern. A pattern ending in "/" matches the paths under a matching
// directory ("tmp/" takes every path with a directory named tmp; "a/b/"
// every path under a/b/).
//
// A nil *PathFilter takes every path.
type PathFilter struct {
	include, exclude []pathPattern
}

type pathPattern struct {
	glob     *Glob
	wholeRel bool // the pattern has a "/": match the whole relative path
	dir      bool // the pattern ended in "/": match directories of the path
}

// NewPathFilter compiles include and exclude. It returns nil (take
// everything) when both are empty. The error names the bad pattern.
func NewPathFilter(include, exclude []string) (*PathFilter, error) {
	if len(include) == 0 && len(exclude) == 0 {
		return nil, nil
	}
	f := &PathFilter{}
	var err error
	if f.include, err = compilePathPatterns(include); err != nil {
		return nil, err
	}
	if f.exclude, err = compilePathPatterns(exclude); err != nil {
		return nil, err
	}
	return f, nil
}

func compilePathPatterns(patterns []string) ([]pathPattern, error) {
	out := make([]pathPattern, 0, len(patterns))
	for _, p := range patterns {
		pp := pathPattern{}
		body := p
		if len(body) > 1 && strings.HasSuffix(body, "/") && !strings.HasSuffix(body, "\\/") {
			pp.dir = true
			body = strings.TrimSuffix(body, "/")
		}
		if strings.Contains(body, "/") {
			pp.wholeRel = true
			body = strings.TrimPrefix(body, "/")
		}
		g, err := CompileGlob(body)
		if err != nil {
			return nil, &GlobError{Pattern: p, Reason: err.(*GlobError).Reason}
		}
		pp.glob = g
		out = append(out, pp)
	}
	return out, nil
}

// Match reports whether the filter takes rel, a "/"-separated path relative
// to the root of the operation.
func (f *PathFilter) Match(rel string) bool {
	if f == nil {
		return true
	}
	if len(f.include) > 0 && !anyPathMatch(f.include, rel) {
		return false
	}
	return !anyPathMatch(f.exclude, rel)
}

func anyPathMatch(patterns []pathPattern, rel string) bool {
	for _, p := range patterns {
		if p.match(rel) {
			return true
		}
	}
	return false
}

func (p pathPattern) match(rel string) bool {
	if !p.dir {
		if p.wholeRel {
			return p.glob.Match(rel)
		}
		return p.glob.Match(rel[strings.LastIndexByte(rel, '/')+1:])
	}
	// Directory pattern: try each directory of rel ("a", "a/b", ... for
	// whole-path patterns; each segment but the last for name patterns).
	start := 0
	for i := 0; i < len(rel); i++ {
		if rel[i] != '/' {
			continue
		}
		if p.wholeRel {
			if p.glob.Match(rel[:i]) {
				return true
			}
		} else if p.glob.Match(rel[start:i]) {
			return true
		}
		start = i + 1
	}
	return false
}
