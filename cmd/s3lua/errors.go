package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/term"
)

// s3ErrorFields are the fields of the s3 module's error tables, in the
// order they are printed.
var s3ErrorFields = []string{"status", "code", "message", "request_id", "method", "bucket", "key", "region", "host_id"}

// isS3Error reports whether v looks like an error table raised by the s3
// module: a table with a code or a status, or a request id.
func isS3Error(v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	if !ok {
		return false
	}
	for _, f := range []string{"code", "status", "request_id"} {
		if t.RawGetString(f) != lua.LNil {
			return true
		}
	}
	return false
}

// printer formats Lua values with the stdlib pretty printer.
type printer struct {
	L      *lua.LState
	format lua.LValue  // pretty.format, or nil when unavailable
	opts   *lua.LTable // its options: the terminal's width, a cap on long strings
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
	if err := L.CallByParam(lua.P{Fn: L.GetGlobal("require"), NRet: 1, Protect: true}, lua.LString("pretty")); err == nil {
		if m, ok := L.Get(-1).(*lua.LTable); ok {
			p.format = m.RawGetString("format")
		}
		L.Pop(1)
	}
	return p
}

// value returns v as the REPL shows it.
func (p *printer) value(v lua.LValue) string {
	if p.format != nil && p.format != lua.LNil {
		if err := p.L.CallByParam(lua.P{Fn: p.format, NRet: 1, Protect: true}, v, p.opts); err == nil {
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

// errorLine is the one-line form of an error value: a string as it is, a
// value with __tostring through it, an S3 error table from its fields, any
// other table through the pretty printer. Never "table: 0x...".
func (p *printer) errorLine(v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case *lua.LTable:
		if p.L.GetMetaField(x, "__tostring") != lua.LNil {
			return p.tostring(x)
		}
		if isS3Error(x) {
			return s3ErrorLine(x)
		}
		return p.value(x)
	case *lua.LNilType:
		return "(error object is a nil value)"
	}
	return p.tostring(v)
}

// s3ErrorLine builds "GET bucket/key: 404 NoSuchKey: message" from the fields.
func s3ErrorLine(t *lua.LTable) string {
	get := func(f string) string {
		if v := t.RawGetString(f); v != lua.LNil {
			return v.String()
		}
		return ""
	}
	var b strings.Builder
	if m := get("method"); m != "" {
		b.WriteString(m + " ")
	}
	b.WriteString(strings.TrimSuffix(get("bucket")+"/"+get("key"), "/"))
	b.WriteString(":")
	for _, f := range []string{"status", "code", "message"} {
		if s := get(f); s != "" {
			b.WriteString(" " + s)
		}
	}
	return strings.TrimPrefix(b.String(), ": ")
}

// writeError prints an error: its one-line form, then (for S3 error
// tables) one line per field, then the traceback if there is one.
func (p *printer) writeError(w io.Writer, prefix string, v lua.LValue, traceback string) {
	// Compile errors from gopher-lua end with a line break: one line only.
	fmt.Fprintf(w, "%s%s\n", prefix, strings.TrimRight(p.errorLine(v), "\r\n"))
	if t, ok := v.(*lua.LTable); ok && isS3Error(t) {
		for _, f := range s3ErrorFields {
			if fv := t.RawGetString(f); fv != lua.LNil {
				fmt.Fprintf(w, "  %-11s %s\n", f+":", fv.String())
			}
		}
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
