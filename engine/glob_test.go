package engine

import (
	"errors"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "abc", true},
		{"*", "", true},
		{"*", "a/b", false},
		{"*.log", "app.log", true},
		{"*.log", "x/app.log", false},
		{"logs/*/app.log", "logs/2026/app.log", true},
		{"logs/*/app.log", "logs/2026/01/app.log", false},
		{"**", "a/b/c", true},
		{"**/x", "x", true},
		{"**/x", "a/b/x", true},
		{"**/x", "a/bx", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**", "a/x/y", true},
		{"a/**", "a", true},
		{"a/**", "ab", false},
		{"a**b", "axxb", true},
		{"a**b", "ax/b", false},
		{"?", "a", true},
		{"?", "é", true},
		{"?", "/", false},
		{"?", "ab", false},
		{"app-??.log", "app-01.log", true},
		{"app-??.log", "app-1.log", false},
		{"[abc]", "b", true},
		{"[abc]", "d", false},
		{"[a-z]x", "qx", true},
		{"[a-z]x", "Qx", false},
		{"[!a]", "b", true},
		{"[!a]", "a", false},
		{"[!a]", "/", false},
		{"x[!a]y", "x/y", false},
		{"[^a]", "b", true},
		{"[a-z]", "/", false},
		{"{a,b}.txt", "a.txt", true},
		{"{a,b}.txt", "b.txt", true},
		{"{a,b}.txt", "c.txt", false},
		{"{a,{b,c}}", "c", true},
		{"{x/*,y}", "x/z", true},
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`a\?`, "a?", true},
		{`\[a]`, "[a]", true},
		{`\{a,b}`, "{a,b}", true},
		{`a\\b`, `a\b`, true},
		{"exact/key", "exact/key", true},
		{"exact/key", "exact/key2", false},
		{"logs/2026-*/app-??.log.gz", "logs/2026-01/app-07.log.gz", true},
		{"logs/2026-*/app-??.log.gz", "logs/2025-01/app-07.log.gz", false},
	}
	for _, tt := range tests {
		got, err := GlobMatch(tt.pattern, tt.name)
		if err != nil {
			t.Errorf("GlobMatch(%q, %q): %v", tt.pattern, tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("GlobMatch(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestGlobErrors(t *testing.T) {
	tests := []struct{ pattern, reason string }{
		{"a[", `unclosed "["`},
		{"[abc", `unclosed "["`},
		{"{a,b", `unclosed "{"`},
		{`a\`, "trailing backslash"},
		{"[]", "empty character class at offset 0"},
		{"x[!]", "empty character class at offset 1"},
	}
	for _, tt := range tests {
		_, err := CompileGlob(tt.pattern)
		var ge *GlobError
		if !errors.As(err, &ge) {
			t.Errorf("CompileGlob(%q): error %v, want a *GlobError", tt.pattern, err)
			continue
		}
		if ge.Reason != tt.reason || ge.Pattern != tt.pattern {
			t.Errorf("CompileGlob(%q): %+v, want reason %q", tt.pattern, ge, tt.reason)
		}
	}
}

func TestGlobLiteralPrefix(t *testing.T) {
	tests := []struct{ pattern, prefix string }{
		{"logs/2026-*/app-??.log.gz", "logs/2026-"},
		{"*", ""},
		{"a/b/c", "a/b/c"},
		{"a/**", "a"},
		{"a/**/x", "a"},
		{"a/b**", "a/b"},
		{"a/?", "a/"},
		{"a/[xy]", "a/"},
		{"a/{x,y}", "a/"},
		{`a\*b/*`, "a*b/"},
		{`a\\`, `a\`},
	}
	for _, tt := range tests {
		g, err := CompileGlob(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.LiteralPrefix(); got != tt.prefix {
			t.Errorf("LiteralPrefix(%q) = %q, want %q", tt.pattern, got, tt.prefix)
		}
		if got := GlobLiteralPrefix(tt.pattern); got != tt.prefix {
			t.Errorf("GlobLiteralPrefix(%q) = %q, want %q", tt.pattern, got, tt.prefix)
		}
	}
	if MustCompileGlob(`a\*`).HasWildcard() || !MustCompileGlob("a*").HasWildcard() {
		t.Error("HasWildcard: escaped star counted or star missed")
	}
}

// Every name a pattern matches starts with its literal prefix: listing from
// the prefix loses nothing.
func TestGlobLiteralPrefixLosesNothing(t *testing.T) {
	names := []string{"a", "a/", "a/b", "a/b/c", "ab", "a-b", "x", "x/a", "a*b/c", "a/x/y"}
	patterns := []string{"a/**", "a/**/c", "a*", "a/*", "**", "**/a", "a{,/b}", "a/?", `a\*b/*`, "{a,x}/**"}
	for _, p := range patterns {
		g := MustCompileGlob(p)
		for _, n := range names {
			if g.Match(n) && len(n) < len(g.LiteralPrefix()) || g.Match(n) && n[:len(g.LiteralPrefix())] != g.LiteralPrefix() {
				t.Errorf("%q matches %q but its literal prefix is %q", p, n, g.LiteralPrefix())
			}
		}
	}
}

func TestPathFilter(t *testing.T) {
	tests := []struct {
		include, exclude []string
		rel              string
		want             bool
	}{
		{nil, nil, "a/b.txt", true},
		{[]string{"*.txt"}, nil, "b.txt", true},
		{[]string{"*.txt"}, nil, "deep/er/b.txt", true},
		{[]string{"*.txt"}, nil, "b.log", false},
		{nil, []string{"*.tmp"}, "x/y.tmp", false},
		{nil, []string{"*.tmp"}, "x/y.txt", true},
		{[]string{"docs/*.md"}, nil, "docs/a.md", true},
		{[]string{"docs/*.md"}, nil, "x/docs/a.md", false},
		{[]string{"docs/**"}, nil, "docs/x/y.md", true},
		{[]string{"/top.txt"}, nil, "top.txt", true},
		{[]string{"/top.txt"}, nil, "a/top.txt", false},
		{[]string{"*.txt", "*.md"}, []string{"secret*"}, "a/secret.txt", false},
		{[]string{"*.txt", "*.md"}, []string{"secret*"}, "a/readme.md", true},
		{nil, []string{"tmp/"}, "a/tmp/x", false},
		{nil, []string{"tmp/"}, "tmp/x/y", false},
		{nil, []string{"tmp/"}, "a/tmp", true},
		{nil, []string{"a/b/"}, "a/b/c", false},
		{nil, []string{"a/b/"}, "x/a/b/c", true},
		{nil, []string{"**/cache/**"}, "x/cache/y", false},
	}
	for _, tt := range tests {
		f, err := NewPathFilter(tt.include, tt.exclude)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(tt.rel); got != tt.want {
			t.Errorf("include %q exclude %q: Match(%q) = %v, want %v", tt.include, tt.exclude, tt.rel, got, tt.want)
		}
	}
	if _, err := NewPathFilter([]string{"ok"}, []string{"bad["}); err == nil || err.Error() != `bad glob pattern "bad[": unclosed "["` {
		t.Errorf("bad exclude: %v", err)
	}
}

func TestGlobLiteralBraces(t *testing.T) {
	for _, tt := range []struct{ pattern, name string }{
		{`\{a,b}`, "{a,b}"}, {`x}`, "x}"}, {`a]`, "a]"}, {`{a,b}}`, "a}"}, {`[}]`, "}"}, {`[!}]x`, "ax"},
	} {
		if ok, err := GlobMatch(tt.pattern, tt.name); !ok || err != nil {
			t.Errorf("GlobMatch(%q, %q) = %v, %v; want true", tt.pattern, tt.name, ok, err)
		}
	}
}
