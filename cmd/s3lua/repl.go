package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
	"golang.org/x/term"
)

const (
	prompt         = "s3lua> "
	continuePrompt = ">> "
)

// historyPath is $S3LUA_HISTORY, or ${XDG_STATE_HOME:-~/.local/state}/s3lua/history.
func historyPath() string {
	if p := os.Getenv("S3LUA_HISTORY"); p != "" {
		return p
	}
	state := os.Getenv("XDG_STATE_HOME")
	if state == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "s3lua", "history")
}

// newLiner makes the line editor. liner edits only when $TERM names a
// terminal it knows; with TERM unset (a pty started without it, as by some
// CI runners and test harnesses) it would fall back to plain reads, with no
// completion, no history keys, and Ctrl-C killing the process. Its escape
// sequences are plain ANSI, so an unset TERM on a real terminal is taken as
// "xterm" for liner only; an explicit TERM=dumb is respected.
// It also reports whether liner edits (raw mode) or reads plain lines.
func newLiner() (*liner.State, bool) {
	if os.Getenv("TERM") == "" && term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())) {
		os.Setenv("TERM", "xterm")
		defer os.Unsetenv("TERM")
	}
	return liner.NewLiner(), liner.TerminalSupported()
}

// runREPL reads, evaluates and prints until Ctrl-D. It returns the exit status.
func runREPL(L *lua.LState, sess *s3Session, in *interrupter, p *printer, o *options) int {
	line, editing := newLiner()
	defer line.Close()
	var input prompter = line
	if term.IsTerminal(int(os.Stdin.Fd())) && !term.IsTerminal(int(os.Stdout.Fd())) {
		// liner refuses a terminal for input with output redirected
		// (s3lua | tee log): read plain lines instead.
		input = &plainPrompter{r: bufio.NewReader(os.Stdin), w: os.Stdout}
	}
	line.SetCtrlCAborts(true)
	line.SetTabCompletionStyle(liner.TabPrints)
	line.SetWordCompleter(func(text string, pos int) (string, []string, string) {
		return complete(L, text, pos)
	})

	hist := &history{path: historyPath(), secrets: func() []string { return sessionSecrets(L, o) }}
	hist.load()
	hist.install(line)
	saveHistory := func() {
		_ = hist.save()
		hist.install(line)
	}

	fmt.Printf("%s; s3 -> %s\nType Lua; an expression prints its value. Tab completes, Ctrl-D exits.\n",
		versionString(), sess.where)
	// At the prompt, SIGINT (Ctrl-C where the terminal is not in raw mode:
	// TERM=dumb, output redirected; or a kill -INT) does not end the REPL.
	// The terminal driver has already discarded the typed line; show that
	// with a fresh line.
	_, plain := input.(*plainPrompter)
	cooked := (plain || !editing) && term.IsTerminal(int(os.Stdin.Fd()))
	atPrompt := func() {
		if cooked {
			fmt.Print("\n" + prompt)
		}
	}
	for {
		in.setIdle(atPrompt)
		chunk, err := readChunk(input)
		in.setIdle(nil)
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			continue // Ctrl-C clears the line
		case errors.Is(err, io.EOF):
			fmt.Println()
			saveHistory()
			return 0
		case err != nil:
			fmt.Fprintf(os.Stderr, "s3lua: %v\n", err)
			saveHistory()
			return 1
		}
		if strings.TrimSpace(chunk) == "" {
			continue
		}
		hist.add(chunk)
		saveHistory()
		evalPrint(L, in, p, chunk)
		// The entry may have installed new keys (s3.set_credentials with
		// a variable): filter the history again against them.
		saveHistory()
	}
}

// prompter reads one line after showing a prompt: liner, or plainPrompter.
type prompter interface {
	Prompt(prompt string) (string, error)
}

// plainPrompter reads lines without editing.
type plainPrompter struct {
	r *bufio.Reader
	w io.Writer
}

func (p *plainPrompter) Prompt(prompt string) (string, error) {
	fmt.Fprint(p.w, prompt)
	s, err := p.r.ReadString('\n')
	if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// readChunk reads one complete chunk, asking for more lines while the
// parser stops at the end of the input.
func readChunk(line prompter) (string, error) {
	text, err := line.Prompt(prompt)
	if err != nil {
		return "", err
	}
	text = fromHistoryLine(text)
	for {
		if complete, _ := parseChunk(text); complete {
			return text, nil
		}
		more, err := line.Prompt(continuePrompt)
		if err != nil {
			return "", err
		}
		text += "\n" + fromHistoryLine(more)
	}
}

// parseChunk reports whether text is a complete chunk (or a complete
// expression), and whether it is an expression.
func parseChunk(text string) (complete, expr bool) {
	_, exprErr := parse.Parse(strings.NewReader(exprSource(text)), "stdin")
	if exprErr == nil {
		return true, true
	}
	_, err := parse.Parse(strings.NewReader(text), "stdin")
	if err == nil {
		return true, false
	}
	// Incomplete as a statement ("x =") or as an expression ("{ a = 1,"):
	// ask for more. Otherwise it is a syntax error, reported when run.
	return !incomplete(err) && !incomplete(exprErr), false
}

// exprSource turns "=expr" or "expr" into "return expr".
func exprSource(text string) string {
	return "return " + strings.TrimPrefix(strings.TrimLeft(text, " \t"), "=")
}

// incomplete reports whether a parse error is at the end of the input, so
// that more lines may complete the chunk.
func incomplete(err error) bool {
	var perr *parse.Error
	if errors.As(err, &perr) {
		return perr.Pos.Line == parse.EOF
	}
	if aerr, ok := err.(*lua.ApiError); ok {
		if perr, ok := aerr.Cause.(*parse.Error); ok {
			return perr.Pos.Line == parse.EOF
		}
	}
	// The lexer reports an unfinished long string or comment this way.
	return strings.Contains(err.Error(), "unterminated") || strings.Contains(err.Error(), "EOF")
}

// evalPrint runs one chunk with a fresh cancellable context and prints its
// values or its error.
func evalPrint(L *lua.LState, in *interrupter, p *printer, text string) {
	fn, err := L.Load(strings.NewReader(exprSource(text)), "stdin")
	if err != nil {
		fn, err = L.Load(strings.NewReader(text), "stdin")
	}
	if err != nil {
		v, _ := errorValue(err)
		p.writeError(os.Stderr, "", v, "")
		return
	}
	base := L.GetTop()
	in.start(L)
	L.Push(fn)
	err = L.PCall(0, lua.MultRet, nil)
	interrupted := in.wasInterrupted()
	in.stop(L)
	if err != nil {
		v, _ := errorValue(err)
		p.writeError(os.Stderr, "", v, "")
		if interrupted {
			fmt.Fprintln(os.Stderr, "(interrupted)")
		}
		L.SetTop(base)
		return
	}
	n := L.GetTop() - base
	if n > 0 {
		vals := make([]string, n)
		for i := 0; i < n; i++ {
			vals[i] = p.value(L.Get(base + 1 + i))
		}
		L.SetGlobal("_", L.Get(base+1))
		fmt.Println(strings.Join(vals, "\t"))
	}
	L.SetTop(base)
}
