package luabind

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// This file is the one place where the module changes gopher-lua's base
// library. Preload (and so Open) applies all of it, in this order, so an
// embedder's state behaves exactly as the s3lua command's:
//
//  1. pcall and xpcall keep the caller's locals after a caught error
//     (gopher-lua#448), return every error value unchanged, and resume a
//     script after an interrupt it caught (see Interrupter);
//  2. coroutine.yield inside one of the module's callbacks is Lua's error
//     instead of a corrupted coroutine;
//  3. assert raises a non-string message as it is (Lua 5.2+);
//  4. os.exit accepts what Lua 5.2+ accepts and calls Options.Exit;
//  5. string.rep and table.concat refuse results longer than the string
//     limit (Options.MaxString), and table.concat no longer pushes every
//     piece on the stack (which overflowed gopher-lua's registry);
//  6. with Options.Sandbox, the state's environment is rebuilt from an
//     allow-list (sandboxEnvironment).
//
// The context of the state (for cancellation, interrupts and the memory
// guard) is managed here too: SetContext and Interrupter.

// Limits of the Lua state NewState creates: the registry (gopher-lua's
// value stack) and the call stack grow on demand up to these sizes, instead
// of gopher-lua's fixed defaults (a registry of 20,480 values, which
// table.concat of 2,600 strings or unpack of 6,000 values overflowed).
const (
	// RegistryMaxSize is the most values the registry holds: the bound of
	// unpack's results and of a call's arguments. About 16 bytes each.
	RegistryMaxSize = 1 << 21
	// CallStackSize is the deepest Lua call nesting (recursion depth). It
	// is kept moderate because gopher-lua builds the traceback of a "stack
	// overflow" in time quadratic in the depth: at 8,000 an endless
	// recursion fails within about a second; at 200,000 it would take many
	// minutes.
	CallStackSize = 8000
	// DefaultMaxString is the longest string string.rep and table.concat
	// build when Options.MaxString and Options.MaxMemory are unset: 1 GiB.
	DefaultMaxString = 1 << 30
)

// StateOptions are the gopher-lua options of NewState: a registry and a
// call stack that grow as needed (see RegistryMaxSize, CallStackSize).
func StateOptions() lua.Options {
	return lua.Options{
		RegistrySize:        1024 * 20,
		RegistryMaxSize:     RegistryMaxSize,
		RegistryGrowStep:    1024 * 32,
		CallStackSize:       CallStackSize,
		MinimizeStackMemory: true,
	}
}

// NewState returns a new Lua state with StateOptions, the standard
// libraries and the module opened with opts (Open): the state the s3lua
// command runs scripts in. Close it with L.Close.
func NewState(opts Options) (*lua.LState, error) {
	L := lua.NewState(StateOptions())
	if _, err := Open(L, opts); err != nil {
		L.Close()
		return nil, err
	}
	return L, nil
}

// applyBase applies this file's changes to L (see the top of the file).
func applyBase(L *lua.LState, m *module) error {
	if err := fixProtectedCalls(L, m); err != nil {
		return fmt.Errorf("luabind: %w", err)
	}
	guardYield(L, m)
	L.SetGlobal("assert", L.NewFunction(baseAssert))
	if osTable, ok := L.GetGlobal("os").(*lua.LTable); ok {
		osTable.RawSetString("exit", L.NewFunction(m.osExit))
	}
	if str, ok := L.GetGlobal("string").(*lua.LTable); ok {
		str.RawSetString("rep", L.NewFunction(m.stringRep))
	}
	if tbl, ok := L.GetGlobal("table").(*lua.LTable); ok {
		tbl.RawSetString("concat", L.NewFunction(m.tableConcat))
	}
	if m.opts.Sandbox {
		m.sandboxEnvironment(L)
	}
	m.ctl.install(L)
	return nil
}

// ---- pcall and xpcall ----

// fixProtectedCalls replaces pcall and xpcall.
//
// Why: gopher-lua (v1.1.2, issue yuin/gopher-lua#448) closes the upvalues of
// every frame on the stack when an error is raised inside pcall, not only of
// the frames the error unwinds. A closure made before the error then holds a
// private copy of the locals it shares with the caller, so after
//
//	local n = 0
//	local function inc() n = n + 1 end
//	pcall(error, "x")
//	inc()
//
// n is still 0. The replacements run the protected call on a fresh
// coroutine (which shares globals and upvalues but has its own stack), so
// the upvalue closing stays on that coroutine's frames. The coroutine
// tail-calls the built-in, so no Lua instruction runs on it after the
// built-in returns: a cancelled context cannot replace the caught error
// value by "context canceled" on the way out. Results, error values and
// xpcall handlers are as with the built-ins. Yielding across the protected
// call is not supported, as in Lua 5.1.
//
// After the call, a context cancelled by an interrupt the script has now
// caught is renewed (control.caught), so each interrupt behaves the same.
func fixProtectedCalls(L *lua.LState, m *module) error {
	builtinPcall, ok1 := L.GetGlobal("pcall").(*lua.LFunction)
	builtinXpcall, ok2 := L.GetGlobal("xpcall").(*lua.LFunction)
	if !ok1 || !ok2 {
		return errors.New("pcall/xpcall missing: open the base library first")
	}
	if !builtinPcall.IsG || !builtinXpcall.IsG {
		return nil // already replaced (Preload called twice)
	}
	// The runner is made at the first protected call: a state that never
	// makes one does not pay for compiling it.
	var run *lua.LFunction
	runner := func(L *lua.LState) *lua.LFunction {
		if run == nil {
			proto, err := runnerProto()
			if err != nil {
				L.RaiseError("luabind: %v", err)
			}
			run = L.NewFunctionFromProto(proto)
		}
		return run
	}
	pool := &threadPool{}
	L.SetGlobal("pcall", L.NewFunction(func(L *lua.LState) int {
		L.CheckAny(1)
		n := pool.call(L, runner(L), builtinPcall)
		m.ctl.caught(L, n)
		return n
	}))
	L.SetGlobal("xpcall", L.NewFunction(func(L *lua.LState) int {
		L.CheckAny(1)
		L.CheckAny(2)
		if L.GetTop() > 2 { // Lua 5.1's xpcall takes no arguments for f
			L.SetTop(2)
		}
		if handler, ok := L.Get(2).(*lua.LFunction); ok {
			L.Replace(2, L.NewFunction(m.ctl.handler(handler)))
		}
		n := pool.call(L, runner(L), builtinXpcall)
		m.ctl.caught(L, n)
		return n
	}))
	return nil
}

// runnerChunk names the runner's chunk, so that positions error() gives it
// can be told apart and replaced by the caller's (see fixWhere).
const runnerChunk = "s3lua-pcall"

// protectedRunner tail-calls the built-in protected call p: the built-in's
// results go straight back to the caller, with no instruction after it.
const protectedRunner = `return function(p, ...) return p(...) end`

// runnerProto is the compiled runner function (the one protectedRunner
// returns, which has no upvalues), compiled once per process.
var runnerProto = sync.OnceValues(func() (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(protectedRunner), runnerChunk)
	if err != nil {
		return nil, err
	}
	proto, err := lua.Compile(chunk, runnerChunk)
	if err != nil {
		return nil, err
	}
	if len(proto.FunctionPrototypes) != 1 {
		return nil, errors.New("protected-call runner: want one function")
	}
	return proto.FunctionPrototypes[0], nil
})

// threadPool keeps the coroutines of finished protected calls for reuse: a
// new one costs a register file and a call stack, a hundred times the price
// of the call itself. Nested calls each take their own.
type threadPool struct{ free []*lua.LState }

// get returns a coroutine of L that runs under L's current context.
func (p *threadPool) get(L *lua.LState) *lua.LState {
	var co *lua.LState
	if n := len(p.free); n > 0 {
		co, p.free = p.free[n-1], p.free[:n-1]
	} else {
		// Small, growable stacks: most protected calls are shallow.
		saved := L.Options
		L.Options.CallStackSize = max(saved.CallStackSize, lua.CallStackSize)
		L.Options.MinimizeStackMemory = true
		L.Options.RegistrySize = 256
		L.Options.RegistryMaxSize = max(saved.RegistryMaxSize, saved.RegistrySize, lua.RegistrySize)
		co, _ = L.NewThread()
		L.Options = saved
	}
	if ctx := L.Context(); ctx != nil {
		co.SetContext(ctx)
	} else {
		co.RemoveContext()
	}
	return co
}

// call runs builtin(args...) on a coroutine and pushes its results onto L.
func (p *threadPool) call(L *lua.LState, run, builtin *lua.LFunction) int {
	args := make([]lua.LValue, 0, L.GetTop()+1)
	args = append(args, builtin)
	for i := 1; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	co := p.get(L)
	state, err, rets := L.Resume(co, run, args...)
	switch state {
	case lua.ResumeOK:
		// A coroutine whose function returned is marked dead but is
		// clean: no frames, and nothing on its stack after SetTop(0).
		if len(p.free) < 16 {
			co.SetTop(0)
			co.Dead = false
			p.free = append(p.free, co)
		}
		// The built-in returns at least its status, so rets are exactly
		// its results.
		if len(rets) >= 2 && rets[0] == lua.LFalse {
			rets[1] = fixWhere(L, rets[1])
		}
		for _, v := range rets {
			L.Push(v)
		}
		return len(rets)
	case lua.ResumeYield:
		// The helper coroutine is abandoned; L runs again.
		L.G.CurrentThread = L
		L.RaiseError("attempt to yield across pcall")
		return 0
	default:
		// Only a failure of the runner itself gets here (the built-in
		// protected call catches the rest), such as a context cancelled
		// before the call: report it as pcall would.
		L.Push(lua.LFalse)
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) {
			L.Push(fixWhere(L, apiErr.Object))
		} else {
			L.Push(lua.LString(err.Error()))
		}
		return 2
	}
}

// fixWhere gives an error message the position the built-in pcall would
// have given it: a Go function called directly by pcall, such as error,
// names its nearest Lua caller, which on the coroutine is the runner.
func fixWhere(L *lua.LState, v lua.LValue) lua.LValue {
	msg, ok := v.(lua.LString)
	if !ok || !strings.HasPrefix(string(msg), runnerChunk+":") {
		return v
	}
	rest := string(msg)[len(runnerChunk)+1:]
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return v
	}
	text := strings.TrimPrefix(rest[i+1:], " ")
	if where := L.Where(1); where != "" {
		text = where + " " + text
	}
	return lua.LString(text)
}

// ---- coroutine.yield ----

// yieldAcrossMessage is Lua 5.1's message for a yield that would cross a C
// function.
const yieldAcrossMessage = "attempt to yield across metamethod/C-call boundary"

// guardYield wraps coroutine.yield (when it is still gopher-lua's) so that
// a callback of this module that yields gets Lua's error, which the module
// re-raises to the caller like any callback error; gopher-lua itself would
// corrupt the coroutine's stack. Any other yield is unchanged.
func guardYield(L *lua.LState, m *module) {
	co, ok := L.GetGlobal("coroutine").(*lua.LTable)
	if !ok {
		return
	}
	orig, ok := co.RawGetString("yield").(*lua.LFunction)
	if !ok || !orig.IsG {
		return
	}
	co.RawSetString("yield", L.NewFunction(func(L *lua.LState) int {
		if m.callbacks[L] > 0 {
			raiseMessage(L, yieldAcrossMessage)
		}
		return orig.GFunction(L)
	}))
}

// ---- assert and os.exit ----

// baseAssert is assert(v, message) raising a message that is not a string
// (an S3 error table from "local ok, err = pcall(...); assert(ok, err)") as
// it is, as Lua 5.2+ does, so that it keeps its fields; gopher-lua's assert
// accepts only strings. String messages behave as before.
func baseAssert(L *lua.LState) int {
	if L.ToBool(1) {
		return L.GetTop()
	}
	switch msg := L.Get(2); msg.Type() {
	case lua.LTNil:
		L.RaiseError("assertion failed!")
	case lua.LTString, lua.LTNumber:
		L.RaiseError("%s", L.ToString(2))
	default:
		L.Error(msg, 0)
	}
	return 0
}

// osExit is os.exit accepting what Lua 5.2+ accepts (nothing or true: 0;
// false: 1; a number: that status) instead of gopher-lua's, which takes
// numbers only and panics on anything else. It calls Options.Exit, or
// os.Exit when that is nil.
func (m *module) osExit(L *lua.LState) int {
	code := 0
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LBool:
		if !v {
			code = 1
		}
	case lua.LNumber:
		code = int(v)
	default:
		L.ArgError(1, "number or boolean expected, got "+v.Type().String())
	}
	if m.opts.Exit != nil {
		m.opts.Exit(code)
		return 0
	}
	os.Exit(code)
	return 0
}

// ---- string limits ----

// maxString is the longest string the module's string builders produce.
func (m *module) maxString() int64 {
	switch {
	case m.opts.MaxString > 0:
		return m.opts.MaxString
	case m.opts.MaxMemory > 0:
		return max(m.opts.MaxMemory/4, 1)
	}
	return DefaultMaxString
}

// tooLong raises the error of a string builder asked for n bytes.
func (m *module) tooLong(L *lua.LState, fn string, n float64) {
	raiseMessage(L, fmt.Sprintf("%s: result of %.0f bytes is longer than the limit of %d bytes", fn, n, m.maxString()))
}

// stringRep is string.rep(s, n) refusing results beyond maxString (the
// built-in would try to allocate them and end the process when it cannot).
func (m *module) stringRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckNumber(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if size := float64(len(s)) * float64(n); size > float64(m.maxString()) {
		m.tooLong(L, "string.rep", size)
	}
	L.Push(lua.LString(strings.Repeat(s, int(n))))
	return 1
}

// tableConcat is table.concat(t [, sep [, i [, j]]]) with gopher-lua's
// index rules, built in one buffer (gopher-lua's pushed every piece on the
// stack and overflowed its registry) and refusing results beyond
// maxString.
func (m *module) tableConcat(L *lua.LState) int {
	tbl := L.CheckTable(1)
	sep := L.OptString(2, "")
	n := tbl.Len()
	i := L.OptInt(3, 1)
	j := L.OptInt(4, n)
	if L.GetTop() == 3 && (i > n || i < 1) {
		L.Push(lua.LString(""))
		return 1
	}
	i = max(min(i, n), 1)
	j = min(j, n)
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	limit := m.maxString()
	var size int64
	for k := i; k <= j; k++ {
		v := tbl.RawGetInt(k)
		if !lua.LVCanConvToString(v) {
			L.RaiseError("invalid value (%s) at index %d in table for concat", v.Type().String(), k)
		}
		size += int64(len(lua.LVAsString(v)))
		if k != j {
			size += int64(len(sep))
		}
		if size > limit {
			m.tooLong(L, "table.concat", float64(size))
		}
	}
	var b strings.Builder
	b.Grow(int(size))
	for k := i; k <= j; k++ {
		b.WriteString(lua.LVAsString(tbl.RawGetInt(k)))
		if k != j {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// ---- the sandbox's environment ----

// sandboxGlobals are the base functions a sandboxed script keeps: none of
// them reaches the host, the file system or another function's environment.
// Left out: dofile, loadfile, getfenv, setfenv, collectgarbage, gcinfo,
// module, newproxy and anything an embedder's libraries added before Open.
var sandboxGlobals = []string{
	"_G", "_VERSION", "assert", "error", "ipairs", "next", "pairs", "pcall",
	"print", "rawequal", "rawget", "rawset", "select", "setmetatable",
	"getmetatable", "tonumber", "tostring", "type", "unpack", "xpcall",
	// Pure libraries, patched above where they needed it.
	"string", "table", "math", "coroutine",
	// Replaced below by sandbox versions.
	"load", "loadstring", "require", "package", "io", "os",
}

// sandboxOS are the os functions a sandbox keeps; os.remove and os.rename
// are added, confined to Root, when a Root is set.
var sandboxOS = []string{"time", "clock", "date", "difftime"}

// sandboxEnvironment rebuilds the global environment of a sandboxed state
// from the allow-lists above: every other global (debug, channel, dofile,
// ...) is removed, io and os are replaced by versions confined to Root (no
// file access at all without one), load and loadstring refuse binary
// chunks, and require finds preloaded modules only. The registry's table of
// loaded modules is cleaned the same way, so package.loaded cannot hand
// back what was removed.
func (m *module) sandboxEnvironment(L *lua.LState) {
	keep := map[string]bool{}
	for _, name := range sandboxGlobals {
		keep[name] = true
	}
	g := L.G.Global
	var drop []lua.LValue
	g.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); !ok || !keep[string(s)] {
			drop = append(drop, k)
		}
	})
	for _, k := range drop {
		g.RawSet(k, lua.LNil)
	}

	oldOS, _ := g.RawGetString("os").(*lua.LTable)
	osTable := L.NewTable()
	for _, name := range sandboxOS {
		if oldOS != nil {
			osTable.RawSetString(name, oldOS.RawGetString(name))
		}
	}
	ioTable := L.NewTable()
	m.sandboxIO(L, ioTable, osTable)
	g.RawSetString("os", osTable)
	g.RawSetString("io", ioTable)

	if ls, ok := g.RawGetString("loadstring").(*lua.LFunction); ok {
		g.RawSetString("loadstring", L.NewFunction(sandboxLoadString(ls)))
		g.RawSetString("load", L.NewFunction(sandboxLoad(ls)))
	} else {
		g.RawSetString("load", lua.LNil)
	}

	// package keeps preload (where Preload and embedders register modules)
	// and loaded; the loaders that read files from disk are gone.
	preload := L.NewTable()
	if pkg, ok := g.RawGetString("package").(*lua.LTable); ok {
		if p, ok := pkg.RawGetString("preload").(*lua.LTable); ok {
			preload = p
		}
	}
	loaded := L.NewTable()
	if old, ok := L.G.Registry.RawGetString("_LOADED").(*lua.LTable); ok {
		for _, name := range []string{"string", "table", "math", "coroutine"} {
			loaded.RawSetString(name, old.RawGetString(name))
		}
		// Modules already loaded from package.preload stay loaded.
		preload.ForEach(func(k, _ lua.LValue) {
			if v := old.RawGet(k); v != lua.LNil {
				loaded.RawSet(k, v)
			}
		})
	}
	loaded.RawSetString("_G", g)
	loaded.RawSetString("io", ioTable)
	loaded.RawSetString("os", osTable)
	pkg := L.NewTable()
	pkg.RawSetString("preload", preload)
	pkg.RawSetString("loaded", loaded)
	loaded.RawSetString("package", pkg)
	L.G.Registry.RawSetString("_LOADED", loaded)
	g.RawSetString("package", pkg)
	g.RawSetString("require", L.NewFunction(sandboxRequire(pkg)))
}

// sandboxRequire is require(name) finding package.loaded[name] or running
// package.preload[name], and nothing else.
func sandboxRequire(pkg *lua.LTable) lua.LGFunction {
	return func(L *lua.LState) int {
		name := L.CheckString(1)
		loaded, _ := pkg.RawGetString("loaded").(*lua.LTable)
		preload, _ := pkg.RawGetString("preload").(*lua.LTable)
		if loaded == nil || preload == nil {
			L.RaiseError("require: package.loaded and package.preload must be tables")
		}
		if v := loaded.RawGetString(name); v != lua.LNil {
			L.Push(v)
			return 1
		}
		loader := preload.RawGetString(name)
		if loader == lua.LNil {
			L.RaiseError("module '%s' not found:\n\tno field package.preload['%s'] (the sandbox loads preloaded modules only)", name, name)
		}
		L.Push(loader)
		L.Push(lua.LString(name))
		L.Call(1, 1)
		v := L.Get(-1)
		L.Pop(1)
		if v == lua.LNil {
			v = lua.LTrue
		}
		if got := loaded.RawGetString(name); got != lua.LNil {
			v = got
		}
		loaded.RawSetString(name, v)
		L.Push(v)
		return 1
	}
}

// binaryChunk reports whether a chunk is precompiled bytecode. gopher-lua
// cannot load bytecode at all (it would be a syntax error); the sandbox
// refuses it explicitly so the rule does not depend on that.
func binaryChunk(s string) bool { return strings.HasPrefix(s, "\x1b") }

const binaryRefused = "attempt to load a binary chunk (not allowed in the sandbox)"

// sandboxLoadString is loadstring(s [, name]) refusing binary chunks.
func sandboxLoadString(orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		s := L.CheckString(1)
		if binaryChunk(s) {
			L.Push(lua.LNil)
			L.Push(lua.LString(binaryRefused))
			return 2
		}
		top := L.GetTop()
		L.Push(orig)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}
}

// sandboxLoad is load(fn [, name]) (Lua 5.1: fn returns the pieces; a
// string is accepted too) refusing binary chunks.
func sandboxLoad(loadstring *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		var chunk string
		switch src := L.Get(1).(type) {
		case lua.LString:
			chunk = string(src)
		case *lua.LFunction:
			var b strings.Builder
			for {
				L.Push(src)
				L.Call(0, 1)
				piece := L.Get(-1)
				L.Pop(1)
				s, ok := piece.(lua.LString)
				if piece == lua.LNil || (ok && s == "") {
					break
				}
				if !ok {
					if n, isNum := piece.(lua.LNumber); isNum {
						s = lua.LString(n.String())
					} else {
						L.Push(lua.LNil)
						L.Push(lua.LString("reader function must return a string"))
						return 2
					}
				}
				b.WriteString(string(s))
			}
			chunk = b.String()
		default:
			L.TypeError(1, lua.LTFunction)
		}
		if binaryChunk(chunk) {
			L.Push(lua.LNil)
			L.Push(lua.LString(binaryRefused))
			return 2
		}
		name := L.OptString(2, "=(load)")
		L.Push(loadstring)
		L.Push(lua.LString(chunk))
		L.Push(lua.LString(name))
		L.Call(2, 2)
		return 2
	}
}

// ---- the state's context: interrupts and the memory guard ----

// controlKey is where the registry keeps the module's control.
const controlKey = "s3lua.control"

// control owns the context the module gives the state: a context derived
// from the host's (SetContext) that an interrupt or the memory guard can
// cancel on its own, with an error that says why.
type control struct {
	mu        sync.Mutex
	parent    context.Context
	cur       *scriptContext // nil until SetContext
	pending   bool           // an interrupt has cancelled cur and was not caught yet
	maxMemory int64
}

// install records c in L's registry, for SetContext and NewInterrupter, and
// gives L a context of its own when the memory guard needs one.
func (c *control) install(L *lua.LState) {
	ud := L.NewUserData()
	ud.Value = c
	L.G.Registry.RawSetString(controlKey, ud)
	if c.maxMemory > 0 && L.Context() == nil {
		c.set(L, context.Background())
	}
}

func controlOf(L *lua.LState) *control {
	if ud, ok := L.G.Registry.RawGetString(controlKey).(*lua.LUserData); ok {
		if c, ok := ud.Value.(*control); ok {
			return c
		}
	}
	return nil
}

// SetContext gives the script on L (a state opened by Open) the context
// ctx: cancelling ctx, or its deadline, stops the script at its next
// instruction and fails its running S3 operation (code "Canceled" or
// "Timeout"). Unlike L.SetContext, it keeps the module's own controls
// working: interrupts (NewInterrupter) and the memory guard
// (Options.MaxMemory). Call it on the goroutine that runs the script,
// before running it. On a state without the module it is L.SetContext.
func SetContext(L *lua.LState, ctx context.Context) {
	c := controlOf(L)
	if c == nil {
		L.SetContext(ctx)
		return
	}
	c.set(L, ctx)
}

func (c *control) set(L *lua.LState, parent context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil {
		c.cur.release()
	}
	c.parent = parent
	c.pending = false
	c.cur = newScriptContext(parent, c.maxMemory)
	L.SetContext(c.cur)
}

// caught runs after every protected call, with its n results on top of
// L's stack: if the call caught an error (status false) while an interrupt
// had cancelled the context, the script goes on under a fresh context, so
// that the next interrupt behaves as this one did. After a call that
// succeeded, the interrupt is left for the script's next instruction. A
// context cancelled by its parent, a deadline or the memory guard is left
// as it is: the script ends.
func (c *control) caught(L *lua.LState, n int) {
	ctx := L.Context()
	if ctx == nil || ctx.Err() == nil || n < 1 || L.Get(L.GetTop()-n+1) != lua.LFalse {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil || ctx != context.Context(c.cur) || !c.cur.interrupted() {
		return
	}
	c.cur.release()
	c.pending = false
	c.cur = newScriptContext(c.parent, c.maxMemory)
	L.SetContext(c.cur)
}

// handler wraps an xpcall message handler: after an interrupt, the
// handler's Lua code would stop at its first instruction (the context is
// cancelled), so it runs without the context; the interrupt then reaches
// the script when xpcall returns, as with pcall.
func (c *control) handler(h *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		top := L.GetTop()
		if ctx := L.Context(); ctx != nil && ctx.Err() != nil && c.isInterrupt(ctx) {
			L.RemoveContext()
			defer L.SetContext(ctx)
		}
		L.Push(h)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}
}

// isInterrupt reports whether ctx is the script context, cancelled by an
// interrupt.
func (c *control) isInterrupt(ctx context.Context) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur != nil && ctx == context.Context(c.cur) && c.cur.interrupted()
}

// NewInterrupter returns a function that interrupts the script running on
// L (a state opened by Open), as Ctrl-C does in the s3lua command: the
// script's running S3 operation fails with an error of code "Canceled", or
// its Lua code stops at the next instruction with "context canceled". A
// script may catch that error with pcall and go on; every interrupt then
// behaves the same. The function may be called from any goroutine; it
// returns false, doing nothing, when there is no script context (SetContext
// was not called) or when the previous interrupt has not reached the
// script yet (neither caught nor ended it): a caller that wants a
// force-quit rule applies it then. Call NewInterrupter itself on the
// script's goroutine.
func NewInterrupter(L *lua.LState) func() bool {
	c := controlOf(L)
	if c == nil {
		return func() bool { return false }
	}
	return c.interrupt
}

func (c *control) interrupt() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil || c.pending || c.cur.Err() != nil {
		return false
	}
	c.pending = true
	c.cur.cancel(context.Canceled, true)
	return true
}

// scriptContext is the context the module gives a script: the host's,
// plus a cancellation of its own whose Err says why (an interrupt is
// context.Canceled; the memory guard, a MemoryLimitError).
type scriptContext struct {
	context.Context // the parent: Deadline and Value
	done            chan struct{}
	stop            func() bool // detaches from the parent
	guard           *memoryEntry

	mu   sync.Mutex
	err  error
	intr bool
}

func newScriptContext(parent context.Context, maxMemory int64) *scriptContext {
	s := &scriptContext{Context: parent, done: make(chan struct{})}
	s.stop = context.AfterFunc(parent, func() { s.cancel(parent.Err(), false) })
	if maxMemory > 0 {
		s.guard = guardMemory(maxMemory, s)
	}
	return s
}

func (s *scriptContext) Done() <-chan struct{} { return s.done }

func (s *scriptContext) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *scriptContext) cancel(err error, interrupt bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err, s.intr = err, interrupt
	close(s.done)
}

func (s *scriptContext) interrupted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.intr
}

// release detaches the context from its parent and the memory guard (it
// is being replaced).
func (s *scriptContext) release() {
	s.stop()
	if s.guard != nil {
		s.guard.remove()
	}
}
