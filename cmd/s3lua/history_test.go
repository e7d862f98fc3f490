package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHistory: multi-line entries keep their lines through the file,
// entries holding a secret known at save time are dropped (earlier ones
// too), and the file is private.
func TestHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "history")
	var secrets []string
	h := &history{path: path, secrets: func() []string { return secrets }}
	h.add("t = { 'one', -- first\n'two' }")
	h.add("sk = 'LiteralSecretKey123'")
	h.add("s3.set_credentials('AKID', sk)") // by name: never kept
	h.add("   ")
	h.add("print(1)")
	if err := h.save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "t = { 'one', -- first\u2424'two' }\nsk = 'LiteralSecretKey123'\nprint(1)\n"
	if string(data) != want {
		t.Fatalf("history file %q, want %q", data, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// The literal becomes the key in use: the earlier entry goes.
	secrets = []string{"LiteralSecretKey123", "abc"} // "abc" is too short to filter by
	if err := h.save(); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if strings.Contains(string(data), "LiteralSecretKey123") || !strings.Contains(string(data), "print(1)") {
		t.Fatalf("history file after the key changed: %q", data)
	}

	// A new session reads the entries back, each with its lines.
	again := &history{path: path}
	again.load()
	if len(again.entries) != 2 || fromHistoryLine(again.entries[0]) != "t = { 'one', -- first\n'two' }" {
		t.Fatalf("loaded %q", again.entries)
	}
	// Loading filters too.
	filtered := &history{path: path, secrets: func() []string { return []string{"print(1)"} }}
	filtered.load()
	if len(filtered.entries) != 1 {
		t.Fatalf("loaded with a filter: %q", filtered.entries)
	}
}
