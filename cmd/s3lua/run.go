package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/s3lua/s3lua/luabind"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/term"
)

// run is the whole command; it returns the exit status.
func run(argv []string) int {
	stderr := os.Stderr
	o, err := parseArgs(argv[1:])
	if err != nil {
		fmt.Fprintf(stderr, "s3lua: %v\n%s\n", err, usageLine)
		return 2
	}
	if o.help {
		fmt.Print(helpText)
		return 0
	}
	if o.version {
		fmt.Println(versionString())
		return 0
	}
	stdinTTY := term.IsTerminal(int(os.Stdin.Fd()))
	if o.script == "" && len(o.chunks) == 0 && !o.interactive {
		// As lua(1): a terminal gets the REPL, a pipe is the script.
		if stdinTTY {
			o.interactive = true
		} else {
			o.script = "-"
		}
	}

	if o.insecure {
		fmt.Fprintln(stderr, "s3lua: warning: --insecure: https certificates are not verified; anyone on the path can read and change the traffic")
	}
	sess, err := newS3Session(o)
	if err != nil {
		fmt.Fprintf(stderr, "s3lua: %v\n", err)
		return 1
	}
	defer sess.Close()

	L := lua.NewState(luabind.StateOptions())
	defer L.Close()
	if err := sess.open(L, newProgress(o.quiet, stderr)); err != nil {
		fmt.Fprintf(stderr, "s3lua: %v\n", err)
		return 1
	}
	in := newInterrupter()
	setArgTable(L, argv, o)
	p := newPrinter(L)

	// fail reports a raised error: status 1, also when the error is the
	// cancellation of a first Ctrl-C (the script raised it, as lua(1)
	// exits 1 after "interrupted!"); a second Ctrl-C exits 130 at once.
	fail := func(err error) int {
		L.RemoveContext() // the printer must run even after a cancellation
		v, tb := errorValue(err)
		p.writeError(stderr, "s3lua: ", v, tb)
		return 1
	}

	in.start(L)
	for _, c := range o.chunks {
		switch c.kind {
		case 'e':
			fn, err := L.Load(strings.NewReader(c.value), "(command line)")
			if err != nil {
				return fail(err)
			}
			if err := callChunk(L, fn, nil); err != nil {
				return fail(err)
			}
		case 'l':
			name, mod, ok := strings.Cut(c.value, "=")
			if !ok {
				mod = name
			}
			if err := L.CallByParam(lua.P{Fn: L.GetGlobal("require"), NRet: 1, Protect: true}, lua.LString(mod)); err != nil {
				return fail(err)
			}
			L.SetGlobal(name, L.Get(-1))
			L.Pop(1)
		}
	}
	if o.script != "" {
		fn, err := loadScript(L, o.script)
		if err != nil {
			return fail(err)
		}
		if err := callChunk(L, fn, o.scriptArgs); err != nil {
			return fail(err)
		}
	}
	in.stop(L)
	if o.interactive {
		return runREPL(L, sess, in, p, o)
	}
	return 0
}

// callChunk calls fn with args as ... and discards its results.
func callChunk(L *lua.LState, fn *lua.LFunction, args []string) error {
	L.Push(fn)
	for _, a := range args {
		L.Push(lua.LString(a))
	}
	err := L.PCall(len(args), lua.MultRet, nil)
	L.SetTop(0)
	return err
}

// loadScript compiles the script ("-" is stdin), skipping a first line that
// starts with '#' (a shebang) but keeping the line numbers right.
func loadScript(L *lua.LState, name string) (*lua.LFunction, error) {
	var src []byte
	var err error
	chunkName := name
	if name == "-" {
		src, err = io.ReadAll(bufio.NewReader(os.Stdin))
		chunkName = "stdin"
	} else {
		src, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", name, unwrapPathError(err))
	}
	if bytes.HasPrefix(src, []byte("#")) {
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			src = src[i:]
		} else {
			src = nil
		}
	}
	return L.Load(bytes.NewReader(src), chunkName)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// setArgTable builds the global arg as lua(1) does: the script at index 0,
// its arguments at 1.., the interpreter and its options at negative indices.
// Without a script the interpreter is at index 0.
func setArgTable(L *lua.LState, argv []string, o *options) {
	script := 0
	if o.scriptIdx >= 0 {
		script = o.scriptIdx + 1 // o.scriptIdx counts from argv[1]
	}
	t := L.CreateTable(len(argv), 1)
	for i, a := range argv {
		t.RawSetInt(i-script, lua.LString(a))
	}
	L.SetGlobal("arg", t)
}
