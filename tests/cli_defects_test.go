package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/engine/localstore"
)

// TestCLIModuleErrorFields: an error table raised by the s3 module prints
// with one line per field, also after pcall and assert; the predicate is
// luabind's (the table's metatable), not the field names.
func TestCLIModuleErrorFields(t *testing.T) {
	res := cliRun(t, cliCleanEnv(t), "", "--local", "-e",
		`local ok, err = pcall(s3.get_bytes, "no-such-bucket-assert/k") assert(ok, err)`)
	if res.code != 1 {
		t.Fatalf("exit %d, want 1: %s", res.code, res.stderr)
	}
	for _, w := range []string{"s3lua: s3.get_bytes: GET no-such-bucket-assert/k: 404 NoSuchBucket",
		"\n  status:     404\n", "\n  code:       NoSuchBucket\n", "\n  bucket:     no-such-bucket-assert\n",
		"\n  key:        k\n", "stack traceback:"} {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("stderr does not contain %q:\n%s", w, res.stderr)
		}
	}
	// A copy of the fields into a plain table is the script's own table.
	res = cliRun(t, cliCleanEnv(t), "", "--local", "-e",
		`local ok, err = pcall(s3.get_bytes, "no-such-bucket-copy/k")
		 local mine = {} for k, v in pairs(err) do mine[k] = v end mine.attempt = 3 error(mine)`)
	if res.code != 1 || !strings.Contains(res.stderr, "attempt = 3") || strings.Contains(res.stderr, "\n  status:") {
		t.Errorf("a script's copy of an error table: exit %d, want 1, all fields on the first line and no field lines:\n%s",
			res.code, res.stderr)
	}
}

// TestCLILocalDirInUse: --local=DIR on a directory another store holds says
// so, instead of bolt's bare "timeout".
func TestCLILocalDirInUse(t *testing.T) {
	dir := t.TempDir()
	holder, err := localstore.Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	res := cliRun(t, cliCleanEnv(t), "", "--local="+dir, "-e", "print('ran')")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", res.code, res.stderr)
	}
	if res.stdout != "" {
		t.Errorf("the chunk ran: %q", res.stdout)
	}
	if !strings.Contains(res.stderr, "held by another s3lua process") || !strings.Contains(res.stderr, dir) ||
		strings.Contains(res.stderr, "timeout") {
		t.Errorf("stderr %q: want the directory and 'held by another s3lua process', not 'timeout'", res.stderr)
	}
}

// TestREPLMultiLineHistory: a multi-line entry keeps its lines in the
// history, so a "--" comment still ends at its line when it is recalled
// in a later session.
func TestREPLMultiLineHistory(t *testing.T) {
	env := cliCleanEnv(t)
	hist := filepath.Join(t.TempDir(), "history")
	env = append(env, "S3LUA_HISTORY="+hist)

	s := startREPL(t, env, "--local")
	s.send("t = { 'one', -- first\r")
	s.expect(">> ")
	s.send("'two' }\r")
	s.expect("s3lua> ")
	s.send("#t\r")
	s.expect("2")
	if code := s.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "-- first 'two'") {
		t.Fatalf("history joined the lines, the comment now swallows the rest:\n%s", data)
	}
	if !strings.Contains(string(data), "t = { 'one', -- first\u2424'two' }") {
		t.Fatalf("history lacks the entry with its line break:\n%s", data)
	}

	// Recalled (the entry before "#t"), it runs as typed: two elements.
	s = startREPL(t, env, "--local")
	s.send("\x1b[A\x1b[A\r")
	s.expect("s3lua> ")
	s.send("#t\r")
	s.expect("2")
	if code := s.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestREPLToString: a value with __tostring prints through it, a table
// without one through the pretty printer.
func TestREPLToString(t *testing.T) {
	s := startREPL(t, cliCleanEnv(t), "--local")
	s.send("setmetatable({}, { __tostring = function() return 'custom <' .. 'text>' end })\r")
	s.expect("custom <text>")
	s.send("{ plain = 1 }\r")
	s.expect("{ plain = 1 }")
	if code := s.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// TestREPLHistoryDropsSecrets: an entry holding the secret key or session
// token in use is never kept, whatever its form: the environment's, or a
// literal that later becomes the key through a variable.
func TestREPLHistoryDropsSecrets(t *testing.T) {
	const envSecret, envToken = "EnvSecretKey0123456789abcdefXYZ", "EnvSessionTokenQWERTY987654"
	const scriptSecret = "ScriptSecretKeyZZZ111222333"
	hist := filepath.Join(t.TempDir(), "history")
	env := append(cliCleanEnv(t), "S3LUA_HISTORY="+hist, "AWS_ACCESS_KEY_ID=AKIDENVHIST",
		"AWS_SECRET_ACCESS_KEY="+envSecret, "AWS_SESSION_TOKEN="+envToken)

	s := startREPL(t, env, "--local")
	s.send("kept = 'plain entry'\r")
	s.expect("s3lua> ")
	s.send("pasted = '" + envSecret + "'\r")
	s.expect("s3lua> ")
	s.send("tok = '" + envToken + "'\r")
	s.expect("s3lua> ")
	s.send("sk = '" + scriptSecret + "'\r")
	s.expect("s3lua> ")
	s.send("s3['set_' .. 'credentials']('AKIDLATER', sk)\r")
	s.expect("s3lua> ")
	if code := s.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "kept = 'plain entry'") {
		t.Errorf("history lacks the plain entry:\n%s", data)
	}
	for _, secret := range []string{envSecret, envToken, scriptSecret} {
		if strings.Contains(string(data), secret) {
			t.Errorf("history holds %q:\n%s", secret, data)
		}
	}
}
