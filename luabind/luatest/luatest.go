// Package luatest runs Lua test files as Go subtests, with a small set of
// assertions written in Lua.
//
// A test file defines global functions named test_*; RunFile runs each in a
// fresh state (from the caller's factory) as a subtest named after the
// function, in the order they appear in the file. The assertions, installed
// as globals by Open, are:
//
//	assert_eq(got, want [, msg])        deep equality for tables
//	assert_ne(got, unwanted [, msg])
//	assert_true(v [, msg])  assert_false(v [, msg])  assert_nil(v [, msg])
//	assert_type(v, "string" [, msg])
//	assert_match(s, pattern [, msg])    plain substring or Lua pattern
//	assert_contains(t, v [, msg])  assert_not_contains(t, v [, msg])
//	assert_error(fn, pattern, ...)      fn(...) raises; returns the error
//	assert_s3_error(fn, code [, status]) fn raises an s3 error table
//	skip(reason)                        ends the test as skipped
//	repr_value(v)                       a readable form of any value
package luatest

import (
	_ "embed"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/luabind"
)

//go:embed assert.lua
var assertSource string

// Open installs the assertion functions as globals of L.
func Open(L *lua.LState) error {
	fn, err := L.Load(strings.NewReader(assertSource), "assert.lua")
	if err != nil {
		return err
	}
	L.Push(fn)
	return L.PCall(0, 0, nil)
}

var testFunc = regexp.MustCompile(`(?m)^\s*function\s+(test_[A-Za-z0-9_]+)\s*\(`)

// TestNames returns the test_* functions defined in source, in order.
func TestNames(source string) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range testFunc.FindAllStringSubmatch(source, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	return names
}

// RunFile runs every test_* function of the Lua file at path as a subtest
// of t. newState returns a ready state for one test (module opened,
// globals set); RunFile installs the assertions, loads the file and calls
// the function. A failure reports the error's message and traceback.
func RunFile(t *testing.T, path string, newState func(t *testing.T, name string) *lua.LState) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	names := TestNames(string(src))
	if len(names) == 0 {
		t.Fatalf("%s: no test_* functions", path)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			L := newState(t, name)
			RunSource(t, L, path, string(src), name)
		})
	}
}

// RunSource loads source (named chunkName) into L and calls the global
// function name, failing t with the Lua error and traceback.
func RunSource(t *testing.T, L *lua.LState, chunkName, source, name string) {
	t.Helper()
	if err := Open(L); err != nil {
		t.Fatalf("luatest: assertions: %v", err)
	}
	fn, err := L.Load(strings.NewReader(source), chunkName)
	if err != nil {
		t.Fatalf("%v", err)
	}
	L.Push(fn)
	if err := L.PCall(0, 0, nil); err != nil {
		t.Fatalf("%s: %s", chunkName, describe(L, err))
	}
	f, ok := L.GetGlobal(name).(*lua.LFunction)
	if !ok {
		t.Fatalf("%s: %s is not a function", chunkName, name)
	}
	if err := L.CallByParam(lua.P{Fn: f, NRet: 0, Protect: true}); err != nil {
		if api, ok := err.(*lua.ApiError); ok {
			if tb, ok := api.Object.(*lua.LTable); ok {
				if reason, ok := tb.RawGetString("skip").(lua.LString); ok {
					t.Skip(string(reason))
				}
			}
		}
		t.Fatalf("%s", describe(L, err))
	}
}

func describe(L *lua.LState, err error) string {
	if api, ok := err.(*lua.ApiError); ok {
		return luabind.ErrorMessage(L, api.Object) + "\n" + api.StackTrace
	}
	return err.Error()
}

// Globals returns the sorted names of L's global functions starting with
// prefix (a helper for tests that check the module's surface).
func Globals(L *lua.LState, prefix string) []string {
	var out []string
	L.G.Global.ForEach(func(k, v lua.LValue) {
		if s, ok := k.(lua.LString); ok && strings.HasPrefix(string(s), prefix) {
			out = append(out, string(s))
		}
	})
	sort.Strings(out)
	return out
}
