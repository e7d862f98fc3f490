package main

import (
	"strings"
	"testing"

	"github.com/yuin/gopher-lua/parse"
)

// FuzzParseChunk: the REPL's completeness check never panics and agrees
// with the parser: a chunk the parser accepts (as a statement or as an
// expression) is complete, and one it calls an expression parses as
// "return <chunk>". A chunk kept in the history comes back with its lines.
// (go test -fuzz=FuzzParseChunk ./cmd/s3lua/; tests/fuzz.sh.)
func FuzzParseChunk(f *testing.F) {
	for _, s := range []string{
		"1 + 1", "=x", "x = 1", "function f(x)", "function f(x)\nreturn x\nend", "{ a = 1,",
		"s = [[long", "x = = 1", "if x then", "t = { 'one', -- first\n'two' }", "--[[ open comment",
		"print('a\\\nb')", "return", "local function g() return end", "for i = 1, 3 do", "\"unfinished",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		complete, expr := parseChunk(text)
		if expr && !complete {
			t.Fatalf("%q: an expression that is not complete", text)
		}
		if _, err := parse.Parse(strings.NewReader(text), "stdin"); err == nil && !complete {
			t.Fatalf("%q: the parser accepts it but the REPL asks for more", text)
		}
		if expr {
			if _, err := parse.Parse(strings.NewReader(exprSource(text)), "stdin"); err != nil {
				t.Fatalf("%q: called an expression, but return <it> does not parse: %v", text, err)
			}
		}
		if !strings.Contains(text, lineBreakMark) && !strings.Contains(text, "\r") {
			if back := fromHistoryLine(toHistoryLine(text)); back != text {
				t.Fatalf("%q: the history gives back %q", text, back)
			}
			if strings.Contains(toHistoryLine(text), "\n") {
				t.Fatalf("%q: a history line with a line break", text)
			}
		}
	})
}
