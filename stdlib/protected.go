package stdlib

import (
	"errors"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// FixProtectedCalls replaces pcall and xpcall in L with versions that keep
// the caller's local variables intact after a caught error.
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
// n is still 0. Scripts that count failures in a helper function hit this at
// once. The replacements run the protected call on a fresh coroutine (which
// shares globals and upvalues but has its own stack), so the upvalue closing
// stays on that coroutine's frames. Results, error values and xpcall
// handlers are as with the built-ins. Yielding across the protected call is
// not supported, as in Lua 5.1 (the built-in crashes on it).
//
// FixProtectedCalls must run after the base library is open and before any
// other wrapper of pcall/xpcall is installed. luabind.Open calls it.
func FixProtectedCalls(L *lua.LState) error {
	builtinPcall, ok1 := L.GetGlobal("pcall").(*lua.LFunction)
	builtinXpcall, ok2 := L.GetGlobal("xpcall").(*lua.LFunction)
	if !ok1 || !ok2 {
		return errors.New("stdlib: pcall/xpcall missing: open the base library first")
	}
	runner, err := L.Load(strings.NewReader(protectedRunner), runnerChunk)
	if err != nil {
		return err
	}
	L.Push(runner)
	if err := L.PCall(0, 1, nil); err != nil {
		return err
	}
	run := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	pool := &threadPool{}
	L.SetGlobal("pcall", L.NewFunction(func(L *lua.LState) int {
		L.CheckAny(1)
		return pool.call(L, run, builtinPcall)
	}))
	L.SetGlobal("xpcall", L.NewFunction(func(L *lua.LState) int {
		L.CheckAny(1)
		L.CheckAny(2)
		if L.GetTop() > 2 { // Lua 5.1's xpcall takes no arguments for f
			L.SetTop(2)
		}
		return pool.call(L, run, builtinXpcall)
	}))
	return nil
}

// runnerChunk names the runner's chunk, so that positions error() gives it
// can be told apart and replaced by the caller's (see fixWhere).
const runnerChunk = "s3lua-pcall"

// protectedRunner calls the built-in protected call p with the arguments and
// returns the number of its results first, so that "no results" and "one
// nil" stay apart across Resume.
const protectedRunner = `
local select = select
local function counted(...) return select('#', ...), ... end
return function(p, ...) return counted(p(...)) end
`

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
		n := int(lua.LVAsNumber(rets[0]))
		if n >= 2 && rets[1] == lua.LFalse {
			rets[2] = fixWhere(L, rets[2])
		}
		for i := 1; i <= n; i++ {
			if i < len(rets) {
				L.Push(rets[i])
			} else {
				L.Push(lua.LNil)
			}
		}
		return n
	case lua.ResumeYield:
		// The helper coroutine is abandoned; L runs again.
		L.G.CurrentThread = L
		L.RaiseError("attempt to yield across pcall")
		return 0
	default:
		// Only a failure of the runner itself gets here (the built-in
		// protected call catches the rest): report it as pcall would.
		L.Push(lua.LFalse)
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) {
			L.Push(apiErr.Object)
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
