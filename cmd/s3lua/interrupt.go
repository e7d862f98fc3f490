package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// Exit statuses after signals, as shells report them (128 + signal number).
const (
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

// interrupter turns SIGINT into context cancellation: the first Ctrl-C
// cancels the current context (the running S3 operation fails with
// "context canceled", and gopher-lua stops the script at its next
// instruction unless it catches the error); a second Ctrl-C exits at once
// with status 130. SIGTERM exits at once with status 143.
type interrupter struct {
	mu          sync.Mutex
	cancel      context.CancelFunc
	interrupted int    // Ctrl-C presses since the last reset
	idle        func() // set while the REPL waits at its prompt: SIGINT calls it and goes on
	sigs        chan os.Signal
}

func newInterrupter() *interrupter {
	in := &interrupter{sigs: make(chan os.Signal, 4)}
	signal.Notify(in.sigs, os.Interrupt, syscall.SIGTERM)
	go in.loop()
	return in
}

func (in *interrupter) loop() {
	for sig := range in.sigs {
		in.mu.Lock()
		if idle := in.idle; idle != nil && sig == os.Interrupt {
			in.mu.Unlock()
			idle()
			continue
		}
		in.interrupted++
		n, cancel := in.interrupted, in.cancel
		in.mu.Unlock()
		if sig == syscall.SIGTERM {
			os.Exit(exitTerminated)
		}
		if n > 1 || cancel == nil {
			// At once: no clean-up that could wait (the embedded store's
			// database is crash-safe).
			fmt.Fprintln(os.Stderr, "\ns3lua: interrupted")
			os.Exit(exitInterrupted)
		}
		cancel()
	}
}

// start gives L a fresh cancellable context and forgets earlier Ctrl-C
// presses (the REPL calls it before each evaluation).
func (in *interrupter) start(L *lua.LState) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.interrupted = 0
	in.setLocked(L)
}

func (in *interrupter) setLocked(L *lua.LState) {
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	L.SetContext(ctx)
}

// stop detaches the context: Ctrl-C between evaluations exits.
func (in *interrupter) stop(L *lua.LState) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cancel != nil {
		in.cancel()
		in.cancel = nil
	}
	L.RemoveContext()
}

// setIdle sets (or, with nil, clears) what a SIGINT does while the REPL
// waits for input instead of exiting.
func (in *interrupter) setIdle(f func()) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.idle = f
}

// wasInterrupted reports whether Ctrl-C was pressed since the last start.
func (in *interrupter) wasInterrupted() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.interrupted > 0
}

// renewIfCanceled gives L a new context when the current one was cancelled
// by Ctrl-C, so that a script that caught the error with pcall can go on.
// The press count is kept: the next Ctrl-C exits.
func (in *interrupter) renewIfCanceled(L *lua.LState) {
	ctx := L.Context()
	if ctx == nil || ctx.Err() == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.interrupted > 0 {
		in.setLocked(L)
	}
}

// wrapProtectedCalls replaces pcall and xpcall with versions that renew the
// state's context after catching a Ctrl-C cancellation. Without that, the
// cancelled context would stop the script at its next instruction, and
// catching the error would be pointless.
func (in *interrupter) wrapProtectedCalls(L *lua.LState) {
	for _, name := range []string{"pcall", "xpcall"} {
		orig := L.GetGlobal(name)
		if orig == lua.LNil {
			continue
		}
		L.SetGlobal(name, L.NewFunction(func(L *lua.LState) int {
			n := L.GetTop()
			L.Insert(orig, 1)
			L.Call(n, lua.MultRet)
			in.renewIfCanceled(L)
			return L.GetTop()
		}))
	}
}
