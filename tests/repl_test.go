package tests

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// replSession is s3lua running in a real pseudo-terminal.
type replSession struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	mark int // expect searches output after this offset
	done chan struct{}
}

// startREPL starts s3lua with args in a pty of 120x40 and waits for the prompt.
func startREPL(t *testing.T, env []string, args ...string) *replSession {
	t.Helper()
	cmd := exec.Command(cliBinary(t), args...)
	cmd.Env = env
	if !hasEnv(env, "TERM") {
		cmd.Env = append(env, "TERM=xterm")
	}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	s := &replSession{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		tty.Close()
	})
	s.expect("s3lua> ")
	return s
}

// hasEnv reports whether env sets the variable name.
func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

// send types text into the terminal.
func (s *replSession) send(text string) {
	s.t.Helper()
	if _, err := s.tty.Write([]byte(text)); err != nil {
		s.t.Fatalf("write to the pty: %v", err)
	}
}

// expect waits until want appears in the output after the last match, and
// moves the mark past it.
func (s *replSession) expect(want string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		out := s.out.String()
		s.mu.Unlock()
		if i := strings.Index(out[s.mark:], want); i >= 0 {
			s.mark += i + len(want)
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %q in the REPL output within 30s; output after the last match:\n%s", want, out[s.mark:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exit sends Ctrl-D and returns the exit status.
func (s *replSession) exit() int {
	s.t.Helper()
	s.send("\x04")
	return cliWaitExit(s.t, s.cmd)
}

func TestREPL(t *testing.T) {
	env := cliCleanEnv(t)
	s := startREPL(t, env, "--local")

	// An expression prints its value, with or without a leading '='.
	s.send("1 + 41\r")
	s.expect("42")
	s.send("= 'a' .. 'b'\r")
	s.expect(`"ab"`)
	s.send("{ b = { 3, 2, 1 }, a = 'x' }\r")
	s.expect(`{ a = "x", b = { 3, 2, 1 } }`)

	// A multi-line function definition gets the continuation prompt.
	s.send("function double(x)\r")
	s.expect(">> ")
	s.send("return x * 2\r")
	s.expect(">> ")
	s.send("end\r")
	s.expect("s3lua> ")
	s.send("double(21), double(0.5)\r")
	s.expect("42\t1")

	// Tab completion: s3.li completes to the common prefix, a second tab
	// lists the candidates.
	s.send("s3.li\t\t")
	s.expect("s3.list_buckets")
	s.send("\x03") // Ctrl-C clears the line
	s.expect("s3lua> ")
	s.send("tbl = { inner = { alpha = 1, alps = 2 } }\r")
	s.expect("s3lua> ")
	s.send("tbl.inner.al\t\t")
	s.expect("tbl.inner.alps")
	s.send("\x03")
	s.expect("s3lua> ")

	// An S3 error prints its fields and the REPL goes on.
	s.send("s3.get_bytes('no-such-bucket-in-repl/key')\r")
	s.expect("NoSuchBucket")
	s.expect("bucket:")
	s.expect("s3lua> ")
	s.send("s3.create_bucket('repl-bucket'); s3.put_bytes('repl-bucket/k', 'v', 'text/plain')\r")
	s.expect("s3lua> ")
	s.send("s3.ls('repl-bucket/')\r")
	s.expect(`{ "k" }`)

	// Ctrl-C cancels a running evaluation; the REPL goes on.
	s.send("print('spinning') while true do end\r")
	s.expect("spinning")
	time.Sleep(100 * time.Millisecond)
	s.send("\x03")
	s.expect("canceled")
	s.expect("s3lua> ")
	s.send("'still here'\r")
	s.expect(`"still here"`)

	if code := s.exit(); code != 0 {
		t.Errorf("Ctrl-D: exit %d, want 0", code)
	}
}

func TestREPLHistoryAcrossSessions(t *testing.T) {
	env := cliCleanEnv(t)
	hist := filepath.Join(t.TempDir(), "state", "s3lua-history")
	env = append(env, "S3LUA_HISTORY="+hist)

	s := startREPL(t, env, "--local")
	s.send("'remember ' .. 'me'\r")
	s.expect(`"remember me"`)
	// An entry that sets credentials is not kept: no secret in the file.
	s.send("s3.set_credentials('AKIDHIST', 'secretNotInHistory')\r")
	s.expect("s3lua> ")
	if code := s.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatalf("history file: %v", err)
	}
	if !strings.Contains(string(data), "'remember ' .. 'me'") {
		t.Fatalf("history file lacks the entry:\n%s", data)
	}
	if strings.Contains(string(data), "secretNotInHistory") {
		t.Errorf("history file holds a secret key:\n%s", data)
	}

	// The second session recalls it with the up arrow.
	s = startREPL(t, env, "--local")
	s.send("\x1b[A\r")
	s.expect(`"remember me"`)
	if code := s.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestREPLDefaultHistoryPath(t *testing.T) {
	state := t.TempDir()
	var env []string
	for _, kv := range cliCleanEnv(t) {
		if !strings.HasPrefix(kv, "S3LUA_HISTORY=") {
			env = append(env, kv)
		}
	}
	env = append(env, "XDG_STATE_HOME="+state)
	s := startREPL(t, env, "--local")
	s.send("'xdg'\r")
	s.expect(`"xdg"`)
	if code := s.exit(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(filepath.Join(state, "s3lua", "history"))
	if err != nil || !strings.Contains(string(data), "'xdg'") {
		t.Errorf("history under $XDG_STATE_HOME/s3lua/history: %q, %v", data, err)
	}
}

func TestREPLAfterScript(t *testing.T) {
	script := filepath.Join(t.TempDir(), "setup.lua")
	cliWriteFile(t, script, "greeting = 'hello from ' .. arg[1]\n")
	s := startREPL(t, cliCleanEnv(t), "--local", "-i", script, "the script")
	s.send("greeting\r")
	s.expect(`"hello from the script"`)
	if code := s.exit(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// TestCLIProgressBarOnTerminal: with stderr a terminal, transfers draw a
// progress bar (the pipe case is TestCLINoProgressBarOnPipe); --quiet turns
// it off.
func TestCLIProgressBarOnTerminal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "eight.bin")
	cliWriteFile(t, file, strings.Repeat("x", 8<<20))
	chunk := `s3.create_bucket("bar-bucket")
		s3.put_file("bar-bucket/progress-visible.bin", "` + file + `")
		print("upload " .. s3.head("bar-bucket/progress-visible.bin")["content-length"])`
	for _, quiet := range []bool{false, true} {
		args := []string{"--local", "-e", chunk}
		if quiet {
			args = append([]string{"--quiet"}, args...)
		}
		cmd := exec.Command(cliBinary(t), args...)
		cmd.Env = append(cliCleanEnv(t), "TERM=xterm")
		tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(tty) // EIO when the process exits
		tty.Close()
		if code := cliWaitExit(t, cmd); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		text := string(out)
		if !strings.Contains(text, "upload 8388608") {
			t.Fatalf("upload did not finish:\n%q", text)
		}
		hasBar := strings.Contains(text, "progress-visible.bin") && strings.Contains(text, "MB")
		if hasBar == quiet {
			t.Errorf("quiet=%v: progress bar shown = %v; output:\n%q", quiet, hasBar, text)
		}
	}
}

// TestREPLPrintingAndCompletion: long arrays are cut with a count, a module
// table shows all its members, a bare name completes from the globals, an
// unfinished table constructor continues, and Ctrl-C cancels a running S3
// upload (nothing is stored) with the REPL going on.
func TestREPLPrintingAndCompletion(t *testing.T) {
	s := startREPL(t, cliCleanEnv(t), "--local")

	s.send("long = {} for i = 1, 300 do long[i] = i end\r")
	s.expect("s3lua> ")
	s.send("long\r")
	s.expect("1, 2, 3, 4, 5")
	s.expect("... (250 more)")
	s.expect("s3lua> ")

	s.send("=s3\r")
	s.expect("abort_multipart_upload = function")
	s.expect("valid_bucket_name = function")
	s.expect("with = function")
	s.expect("s3lua> ")

	s.send("{ z = 1, a = { y = true, b = 'x' }, 10, 20 }\r")
	s.expect(`{ 10, 20, a = { b = "x", y = true }, z = 1 }`)

	s.send("cfg = { name = 'a',\r")
	s.expect(">> ")
	s.send("size = 2 }\r")
	s.expect("s3lua> ")
	s.send("cfg.size\r")
	s.expect("2")

	s.send("pri\t")
	s.expect("print")
	s.send("('completed')\r")
	s.expect("completed")
	s.send("s3.valid_b\t")
	s.expect("s3.valid_bucket_name")
	s.send("('ab')\r")
	s.expect("false")

	s.send("s3.create_bucket('repl-cancel')\r")
	s.expect("s3lua> ")
	s.send(`print('uploading') s3.put('repl-cancel/endless', function(w) local c = string.rep('x', 65536) while true do w:write(c) local t = os.clock() while os.clock() - t < 0.01 do end end end, 256 * 1024 * 1024, 'application/octet-stream')` + "\r")
	s.expect("uploading")
	time.Sleep(300 * time.Millisecond) // let the upload start; correctness does not depend on it
	s.send("\x03")
	s.expect("canceled")
	s.expect("s3lua> ")
	s.send("#s3.ls('repl-cancel/')\r")
	s.expect("0")
	s.expect("s3lua> ")

	if code := s.exit(); code != 0 {
		t.Errorf("Ctrl-D: exit %d, want 0", code)
	}
}

// TestREPLPipedStdin: -i with stdin a pipe reads entries without line
// editing, prints values and errors, and ends at the end of input with 0.
func TestREPLPipedStdin(t *testing.T) {
	res := cliRun(t, cliCleanEnv(t), "1 + 1\nerror({code = 'Oops'})\nx = {\n7 }\nx[1]\n", "-i")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, w := range []string{"2", "7"} {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, res.stdout)
		}
	}
	// A script's own table prints whole; it is not an S3 error.
	if !strings.Contains(res.stderr, `{ code = "Oops" }`) || strings.Contains(res.stderr, "  code:") {
		t.Errorf("stderr does not show the raised table as it is:\n%s", res.stderr)
	}
}

// TestREPLWithoutTERM: on a terminal with TERM unset (CI runners, harnesses),
// the REPL still edits lines: Tab completes and Ctrl-C clears the line
// instead of killing the process.
func TestREPLWithoutTERM(t *testing.T) {
	s := startREPL(t, append(cliCleanEnv(t), "TERM="), "--local")
	s.send("s3.list_b\t")
	s.expect("s3.list_buckets")
	s.send("\x03")
	s.expect("s3lua> ")
	s.send("'still ' .. 'alive'\r")
	s.expect(`"still alive"`)
	s.send("os.getenv('TERM')\r")
	s.expect("nil") // scripts see the environment as it was
	if code := s.exit(); code != 0 {
		t.Errorf("Ctrl-D: exit %d, want 0", code)
	}
}

// TestREPLInterruptAtPrompt: Ctrl-C at the prompt of a terminal liner does
// not drive (TERM=dumb: the terminal driver drops the line and sends SIGINT)
// clears the line and does not end the REPL.
func TestREPLInterruptAtPrompt(t *testing.T) {
	s := startREPL(t, append(cliCleanEnv(t), "TERM=dumb"), "--local")
	s.send("error('typed before Ctrl-C')")
	time.Sleep(100 * time.Millisecond) // the line is being typed; correctness does not depend on it
	s.send("\x03")
	s.expect("s3lua> ")
	s.send("'after ' .. 'dumb'\r")
	s.expect(`"after dumb"`)
	if code := s.exit(); code != 0 {
		t.Errorf("TERM=dumb: exit %d, want 0", code)
	}
}
