package luabind

import (
	"errors"
	"fmt"
	"reflect"

	lua "github.com/yuin/gopher-lua"
	luar "layeh.com/gopher-luar"
)

// Go values for scripts. gopher-luar maps a Go value to Lua: a function
// becomes a Lua function, a struct or pointer a userdata whose exported
// fields and methods scripts reach with . and :. On top of it, Expose makes
// Go errors what the s3 module's are: a function or method whose last
// result is an error raises a non-nil one as an error table (code "Error"
// and the message, or the fields of an S3 error) and drops a nil one, so
//
//	local n = host:Count("x")        -- func (h *Host) Count(string) (int, error)
//
// returns the count, or raises an error that pcall returns as a table.

var errorInterface = reflect.TypeOf((*error)(nil)).Elem()

// Expose sets the global name of L to value, converted by gopher-luar, with
// Go error results turned into the module's error tables as described
// above (and so for the methods of the values those methods return). Call it
// after Open. A script reaches exactly the value's exported fields and
// methods: the sandbox's rules for everything else stay as Options set them.
// value must not be nil.
func Expose(L *lua.LState, name string, value any) error {
	if value == nil {
		return fmt.Errorf("luabind: Expose %q: nil value", name)
	}
	if name == "" {
		return errors.New("luabind: Expose: empty name")
	}
	if L.GetTypeMetatable(errorType) == lua.LNil {
		registerTypes(L)
	}
	L.SetGlobal(name, exposeValue(L, name, luar.New(L, value)))
	return nil
}

// exposeValue wraps v for Expose: functions get the error rule, and the
// metatables of userdata get it for their methods.
func exposeValue(L *lua.LState, name string, v lua.LValue) lua.LValue {
	switch v := v.(type) {
	case *lua.LFunction:
		return wrapGoFunc(L, name, v)
	case *lua.LUserData:
		patchMetatable(L, v)
	}
	return v
}

// exposedKey marks a metatable of gopher-luar's as already patched.
const exposedKey = "__s3lua_exposed"

// patchMetatable replaces the methods of ud's metatable (shared by all
// values of its Go type) with wrapped ones, and its __index with one that
// patches the values it returns.
func patchMetatable(L *lua.LState, ud *lua.LUserData) {
	mt, ok := ud.Metatable.(*lua.LTable)
	if !ok || mt.RawGetString(exposedKey) == lua.LTrue {
		return
	}
	mt.RawSetString(exposedKey, lua.LTrue)
	t := reflect.TypeOf(ud.Value)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	typeName := t.Name()
	if methods, ok := mt.RawGetString("methods").(*lua.LTable); ok {
		var names []lua.LValue
		methods.ForEach(func(k, _ lua.LValue) { names = append(names, k) })
		for _, k := range names {
			if fn, ok := methods.RawGet(k).(*lua.LFunction); ok {
				methods.RawSet(k, wrapGoFunc(L, typeName+":"+k.String(), fn))
			}
		}
	}
	if index, ok := mt.RawGetString("__index").(*lua.LFunction); ok {
		mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
			L.Push(index)
			L.Push(L.Get(1))
			L.Push(L.Get(2))
			L.Call(2, 1)
			if ud, ok := L.Get(-1).(*lua.LUserData); ok {
				patchMetatable(L, ud)
			}
			return 1
		}))
	}
}

// wrapGoFunc wraps a function gopher-luar made from a Go function: when the
// Go function's last result is an error, a non-nil one is raised as an error
// table naming name, and a nil one is dropped. Userdata results are
// patched too.
func wrapGoFunc(L *lua.LState, name string, fn *lua.LFunction) *lua.LFunction {
	returnsError := goFuncReturnsError(fn)
	return L.NewFunction(func(L *lua.LState) int {
		top := L.GetTop()
		L.Push(fn)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		n := L.GetTop() - top
		if returnsError && n > 0 {
			last := L.Get(-1)
			if ud, ok := last.(*lua.LUserData); ok {
				if err, ok := ud.Value.(error); ok {
					c := &call{L: L, name: name}
					c.raise(err)
				}
			}
			L.Pop(1)
			n--
		}
		for i := L.GetTop() - n + 1; i <= L.GetTop(); i++ {
			if ud, ok := L.Get(i).(*lua.LUserData); ok {
				patchMetatable(L, ud)
			}
		}
		return n
	})
}

// goFuncReturnsError reads the Go function behind a gopher-luar function
// (its first upvalue holds the reflect.Value) and reports whether its last
// result is an error.
func goFuncReturnsError(fn *lua.LFunction) bool {
	if len(fn.Upvalues) == 0 {
		return false
	}
	ud, ok := fn.Upvalues[0].Value().(*lua.LUserData)
	if !ok {
		return false
	}
	rv, ok := ud.Value.(reflect.Value)
	if !ok || rv.Kind() != reflect.Func {
		return false
	}
	t := rv.Type()
	return t.NumOut() > 0 && t.Out(t.NumOut()-1) == errorInterface
}
