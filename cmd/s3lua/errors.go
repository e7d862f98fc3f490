package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/s3lua/s3lua/luabind"
	lua "github.com/yuin/gopher-lua"
	"golang.org/x/term"
)

// printer formats Lua values with the stdlib pretty printer.
type printer struct {
	L       *lua.LState
	require lua.LValue  // the global require at start, to load pretty with
	loaded  bool        // whether format has been looked up
	format  lua.LValue  // pretty.format, or nil when unavailable
	opts    *lua.LTable // its options: the terminal's width, a cap on long strings
}

// replMaxString caps how much of a long string (a get_bytes result, say)
// the REPL prints.
const replMaxString = 4096

// replMaxKeys caps the keyed entries of a table the REPL prints; long
// arrays are cut at pretty's max_items (50), but a module such as s3 shows
// every member.
const replMaxKeys = 500

func newPrinter(L *lua.LState) *printer {
	p := &printer{L: L, opts: L.NewTable()}
	p.opts.RawSetString("max_string", lua.LNumber(replMaxString))
	p.opts.RawSetString("max_keys", lua.LNumber(replMaxKeys))
	if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w >= 40 {
		p.opts.RawSetString("width", lua.LNumber(w-1))
	}
	// pretty is loaded when the first value is shown: a script that never
	// shows one (no error, no REPL) does not pay for compiling it.
	p.require = L.GetGlobal("require")
	return p
}

// formatFunc returns pretty.format, loading pretty at the first call, or
// nil when it cannot be loaded.
func (p *printer) formatFunc() lua.LValue {
	if !p.loaded {
		p.loaded = true
		if err := p.L.CallByParam(lua.P{Fn: p.require, NRet: 1, Protect: true}, lua.LString("pretty")); err == nil {
			if m, ok := p.L.Get(-1).(*lua.LTable); ok {
				p.format = m.RawGetString("format")
			}
			p.L.Pop(1)
		}
	}
	return p.format
}

// value returns v as the REPL shows it: through its __tostring
// metamethod if it has one (as Lua's own REPL prints), else with the
// pretty printer.
func (p *printer) value(v lua.LValue) string {
	switch v.(type) {
	case *lua.LTable, *lua.LUserData:
		if p.L.GetMetaField(v, "__tostring") != lua.LNil {
			return p.tostring(v)
		}
	}
	if format := p.formatFunc(); format != nil && format != lua.LNil {
		if err := p.L.CallByParam(lua.P{Fn: format, NRet: 1, Protect: true}, v, p.opts); err == nil {
			s := p.L.Get(-1)
			p.L.Pop(1)
			return s.String()
		}
	}
	return p.tostring(v)
}

// tostring is Lua's tostring(v), honouring __tostring; it never raises.
func (p *printer) tostring(v lua.LValue) string {
	if err := p.L.CallByParam(lua.P{Fn: p.L.GetGlobal("tostring"), NRet: 1, Protect: true}, v); err == nil {
		s := p.L.Get(-1)
		p.L.Pop(1)
		return s.String()
	}
	return v.String()
}

// errorLine is the one-line form of an error value: a string as it is; an
// error table of the s3 module, or a value with __tostring, as luabind's
// ErrorMessage gives it; any other table through the pretty printer, with
// all its fields (a script's own table with a code or a status field is
// not an S3 error). Never "table: 0x...".
func (p *printer) errorLine(v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case *lua.LTable:
		if luabind.IsErrorTable(p.L, x) || p.L.GetMetaField(x, "__tostring") != lua.LNil {
			return luabind.ErrorMessage(p.L, x)
		}
		return p.value(x)
	case *lua.LNilType:
		return "(error object is a nil value)"
	}
	return p.tostring(v)
}

// writeError prints an error: its one-line form, then (for S3 error
// tables) one line per field, then the traceback if there is one.
func (p *printer) writeError(w io.Writer, prefix string, v lua.LValue, traceback string) {
	// Compile errors from gopher-lua end with a line break: one line only.
	fmt.Fprintf(w, "%s%s\n", prefix, strings.TrimRight(p.errorLine(v), "\r\n"))
	for _, f := range luabind.ErrorFields(p.L, v) {
		fmt.Fprintf(w, "  %-11s %s\n", f.Name+":", f.Value)
	}
	if traceback != "" {
		fmt.Fprintln(w, strings.TrimRight(traceback, "\n"))
	}
}

// errorValue extracts the raised value and the traceback from a PCall error.
func errorValue(err error) (lua.LValue, string) {
	if aerr, ok := err.(*lua.ApiError); ok {
		obj := aerr.Object
		if obj == nil {
			obj = lua.LString(aerr.Error())
		}
		return obj, aerr.StackTrace
	}
	return lua.LString(err.Error()), ""
}
