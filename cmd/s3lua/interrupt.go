package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/s3lua/s3lua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// Exit statuses after signals, as shells report them (128 + signal number).
const (
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

// interrupter turns SIGINT into luabind's interrupts: every Ctrl-C while
// a script runs interrupts it the same way (the running S3 operation fails
// with code "Canceled", Lua code stops at its next instruction with
// "context canceled"); a script that catches the error with pcall goes on,
// and the next Ctrl-C interrupts it again. Force quit: a Ctrl-C that comes
// while the previous one has not reached the script yet (neither caught nor
// ended it), or while no script runs, exits at once with status 130.
// SIGTERM exits at once with status 143.
type interrupter struct {
	mu          sync.Mutex
	interrupt   func() bool // luabind's interrupter of the running script; nil when none runs
	interrupted int         // Ctrl-C presses since the last start
	idle        func()      // set while the REPL waits at its prompt: SIGINT calls it and goes on
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
		if sig == syscall.SIGTERM {
			os.Exit(exitTerminated)
		}
		in.mu.Lock()
		if idle := in.idle; idle != nil {
			in.mu.Unlock()
			idle()
			continue
		}
		interrupt := in.interrupt
		delivered := interrupt != nil && interrupt()
		if delivered {
			in.interrupted++
		}
		in.mu.Unlock()
		if !delivered {
			// At once: no clean-up that could wait (the embedded store's
			// database is crash-safe).
			fmt.Fprintln(os.Stderr, "\ns3lua: interrupted")
			os.Exit(exitInterrupted)
		}
	}
}

// start gives L a fresh context for a script (or a REPL evaluation) and
// forgets earlier Ctrl-C presses.
func (in *interrupter) start(L *lua.LState) {
	luabind.SetContext(L, context.Background())
	in.mu.Lock()
	defer in.mu.Unlock()
	in.interrupted = 0
	in.interrupt = luabind.NewInterrupter(L)
}

// stop detaches the script: Ctrl-C between evaluations exits.
func (in *interrupter) stop(L *lua.LState) {
	in.mu.Lock()
	in.interrupt = nil
	in.mu.Unlock()
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
