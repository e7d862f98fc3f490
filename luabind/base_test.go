package luabind_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/luabind"
)

// stallListener accepts connections on loopback and never answers; each
// request it reads is announced on the returned channel.
func stallListener(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				r := bufio.NewReader(c)
				for {
					if _, err := http.ReadRequest(r); err != nil {
						return
					}
					ch <- struct{}{}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), ch
}

func stallClient(t *testing.T, addr string) *engine.Client {
	t.Helper()
	c, err := engine.New(engine.Config{
		Host: addr, Scheme: "http", PathStyle: true, MaxTries: 1,
		Credentials: engine.StaticCredentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInterruptEachTheSame: an interrupt that meets an S3 request fails it
// with the module's error table, code "Canceled", and pcall hands that
// table back unchanged; the script goes on, and the next interrupt behaves
// the same. An uncaught interrupt ends the script.
func TestInterruptEachTheSame(t *testing.T) {
	addr, accepted := stallListener(t)
	L := openState(t, luabind.Options{Client: stallClient(t, addr)})
	luabind.SetContext(L, context.Background())
	interrupt := luabind.NewInterrupter(L)
	go func() {
		for range accepted {
			for !interrupt() {
				// the previous interrupt has not reached the script yet
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	run(t, L, `
		for i = 1, 3 do
			local ok, err = pcall(s3.head, "bucket/key")
			assert(not ok, "head succeeded")
			assert(type(err) == "table", "error value: " .. tostring(err))
			assert(err.code == "Canceled", "code: " .. tostring(err.code))
		end
		local ok, err = xpcall(function() return s3.get_bytes("bucket/key") end, function(e) return e end)
		assert(not ok and err.code == "Canceled", tostring(err))
		done = true`)
	if L.GetGlobal("done") != lua.LTrue {
		t.Fatal("script did not finish")
	}
	err := L.DoString(`s3.head("bucket/key") reached = true`)
	if err == nil || L.GetGlobal("reached") == lua.LTrue {
		t.Fatalf("an uncaught interrupt did not end the script: %v", err)
	}
	if msg := luabind.ErrorMessage(L, err.(*lua.ApiError).Object); !strings.Contains(msg, "canceled") {
		t.Errorf("uncaught interrupt: %q", msg)
	}
}

// TestPcallKeepsErrorValues: with the state's context cancelled by the
// host, a caught error value is still the value raised (not "context
// canceled" from the protected call's own code).
func TestPcallKeepsErrorValues(t *testing.T) {
	L := openState(t, luabind.Options{Client: stallClient(t, "127.0.0.1:1")})
	ctx, cancel := context.WithCancel(context.Background())
	luabind.SetContext(L, ctx)
	L.SetGlobal("cancel_and_raise", L.NewFunction(func(L *lua.LState) int {
		cancel()
		t := L.NewTable()
		t.RawSetString("code", lua.LString("Mine"))
		L.Error(t, 0)
		return 0
	}))
	L.SetGlobal("check", L.NewFunction(func(L *lua.LState) int {
		ok := L.Get(1)
		tb, isTable := L.Get(2).(*lua.LTable)
		if ok != lua.LFalse || !isTable || tb.RawGetString("code").String() != "Mine" {
			L.Push(lua.LString("bad"))
			return 1
		}
		L.Push(lua.LString("good"))
		return 1
	}))
	// The host cancelled: the script ends at its next instruction, but the
	// value pcall returned is the table raised (checked by a Go function
	// called in the same instruction as pcall's result is used).
	fn, err := L.LoadString(`return check(pcall(cancel_and_raise))`)
	if err != nil {
		t.Fatal(err)
	}
	L.Push(fn)
	err = L.PCall(0, 1, nil)
	if err == nil {
		if got := L.Get(-1).String(); got != "good" {
			t.Errorf("pcall returned the wrong error value: %s", got)
		}
		return
	}
	if !strings.Contains(err.Error(), "canceled") {
		t.Errorf("unexpected error: %v", err)
	}
}

// TestNewStateLimits: the state of NewState grows its registry and call
// stack: table.concat of a million strings and unpack of 6,000 values work
// (gopher-lua's default state overflowed its registry).
func TestNewStateLimits(t *testing.T) {
	L, err := luabind.NewState(luabind.Options{Client: stallClient(t, "127.0.0.1:1")})
	if err != nil {
		t.Fatal(err)
	}
	defer L.Close()
	run(t, L, `
		local t = {}
		for i = 1, 1000000 do t[i] = "ab" end
		local s = table.concat(t, ",")
		assert(#s == 3 * 1000000 - 1, #s)
		local u = {}
		for i = 1, 6000 do u[i] = i end
		assert(select("#", unpack(u)) == 6000)
		local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
		assert(depth(7000) == 7000)
		local function endless() return 1 + endless() end
		local ok, err = pcall(endless)
		assert(not ok and err:find("overflow"), err)
		assert(table.concat({1, 2, 3}, "-", 2) == "2-3")
		assert(table.concat({}, "x") == "")
		assert(not pcall(table.concat, {1, {}, 3}))`)
}

// TestStringLimits: string builders refuse results beyond the limit with a
// Lua error instead of ending the process.
func TestStringLimits(t *testing.T) {
	L := openState(t, luabind.Options{Client: stallClient(t, "127.0.0.1:1")})
	run(t, L, `
		local ok, err = pcall(string.rep, "x", 2^40)
		assert(not ok and err:find("longer than the limit"), err)
		local ok2, err2 = pcall(function() return ("x"):rep(2^40) end)
		assert(not ok2 and err2:find("string.rep"), err2)
		assert(("ab"):rep(3) == "ababab")
		assert(string.rep("x", 0) == "" and string.rep("x", -1) == "")`)
	L2 := openState(t, luabind.Options{Client: stallClient(t, "127.0.0.1:1"), MaxString: 1000})
	run(t, L2, `
		assert(#string.rep("x", 1000) == 1000)
		assert(not pcall(string.rep, "x", 1001))
		local t = {}
		for i = 1, 101 do t[i] = "0123456789" end
		local ok, err = pcall(table.concat, t)
		assert(not ok and err:find("table.concat"), err)`)
}

// TestMemoryGuard: a script whose data outgrows MaxMemory is cancelled with
// a clear error, and the host goes on.
func TestMemoryGuard(t *testing.T) {
	L := openState(t, luabind.Options{Client: stallClient(t, "127.0.0.1:1"), MaxMemory: 64 << 20})
	err := L.DoString(`
		local keep = {}
		local s = string.rep("x", 2^20)
		while true do keep[#keep + 1] = s .. #keep end`)
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "memory limit exceeded") {
		t.Errorf("error %v, want the memory limit", err)
	}
	// A doubling string: each step is refused by the string limit or
	// stopped by the guard, never an allocation that ends the process.
	L2 := openState(t, luabind.Options{Client: stallClient(t, "127.0.0.1:1"), MaxMemory: 64 << 20})
	err = L2.DoString(`local s = "x" while true do s = s .. s end`)
	if err == nil || !strings.Contains(err.Error(), "memory limit exceeded") {
		t.Errorf("doubling: %v", err)
	}
	var mle *luabind.MemoryLimitError
	if ctxErr := L2.Context().Err(); !errors.As(ctxErr, &mle) || !errors.Is(ctxErr, context.Canceled) {
		t.Errorf("context error %v, want a MemoryLimitError matching context.Canceled", ctxErr)
	}
}

// TestErrorMessageWithoutState: ErrorMessage and IsErrorTable are safe
// with a nil state and after L.Close, and still format an S3 error.
func TestErrorMessageWithoutState(t *testing.T) {
	L, err := luabind.NewState(luabind.Options{Client: localClient(t)})
	if err != nil {
		t.Fatal(err)
	}
	err = L.DoString(`s3.create_bucket("emsg2"); s3.get_bytes("emsg2/missing")`)
	api, ok := err.(*lua.ApiError)
	if !ok {
		t.Fatalf("expected a Lua error, got %v", err)
	}
	plain := L.NewTable()
	plain.RawSetString("code", lua.LString("Mine"))
	withString := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString("custom")); return 1 }))
	L.SetMetatable(withString, mt)
	L.Close()
	for _, st := range []*lua.LState{nil, L} {
		if got := luabind.ErrorMessage(st, api.Object); !strings.HasPrefix(got, "s3.get_bytes: GET emsg2/missing: 404 NoSuchKey") {
			t.Errorf("S3 error: %q", got)
		}
		if !luabind.IsErrorTable(st, api.Object) || luabind.IsErrorTable(st, plain) {
			t.Error("IsErrorTable without a usable state")
		}
		if got := luabind.ErrorMessage(st, plain); !strings.Contains(got, `code = "Mine"`) {
			t.Errorf("plain table: %q", got)
		}
		if got := luabind.ErrorMessage(st, withString); strings.Contains(got, "0x") {
			t.Errorf("table with __tostring: %q", got)
		}
		if got := luabind.ErrorMessage(st, nil); got != "nil" {
			t.Errorf("nil: %q", got)
		}
	}
}

// TestScriptError: a script's S3 error becomes one readable line, and the
// *lua.ApiError stays reachable.
func TestScriptError(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t)})
	err := luabind.ScriptError(L, L.DoString(`s3.create_bucket("serr"); s3.get_bytes("serr/missing")`))
	if err == nil || !strings.HasPrefix(err.Error(), "s3.get_bytes: GET serr/missing: 404 NoSuchKey") {
		t.Errorf("ScriptError = %v", err)
	}
	var api *lua.ApiError
	if !errors.As(err, &api) || !luabind.IsErrorTable(L, api.Object) {
		t.Error("the *lua.ApiError is not reachable")
	}
	if luabind.ScriptError(L, nil) != nil {
		t.Error("nil became an error")
	}
}
