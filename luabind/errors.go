package luabind

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Metatable names, kept in the registry (never globals).
const (
	errorType  = "s3.error"
	bodyType   = "s3.body"
	writerType = "s3.writer"
)

// errorFields are the fields of an error table, in the order __tostring
// and ErrorMessage consider them.
var errorFields = []string{"op", "code", "message", "status", "request_id", "host_id", "method", "bucket", "key", "region"}

// callbackError is a Lua error raised inside a callback (a ls_proc fold,
// a get_proc reader, a put writer, a multipart get_part, a progress or
// path_to_mime_proc function). The engine returns it unchanged (errors.As
// finds it) and the module re-raises Value, the very value the callback
// raised.
type callbackError struct {
	Value     lua.LValue
	Traceback string
}

func (e *callbackError) Error() string {
	if s, ok := e.Value.(lua.LString); ok {
		return "lua callback: " + string(s)
	}
	return "lua callback raised a " + e.Value.Type().String()
}

// fromPCall wraps the error of a protected call of a Lua callback.
func fromPCall(err error) error {
	var api *lua.ApiError
	if errors.As(err, &api) {
		return &callbackError{Value: api.Object, Traceback: api.StackTrace}
	}
	return err
}

// usageError is a misuse detected while a callback runs (a writer that
// wrote too few bytes, get_part returning a non-string). It is raised as a
// plain Lua error string.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// partialDeleteError is a delete_multiple that deleted some keys only: its
// error table lists them as deleted.
type partialDeleteError struct {
	err     error
	deleted []string
}

func (e *partialDeleteError) Error() string { return e.err.Error() }
func (e *partialDeleteError) Unwrap() error { return e.err }

// raise turns an error from the engine into a Lua error and never returns:
// a callback's own error value is re-raised as is; a usage error as a
// string; anything else as an error table.
func (c *call) raise(err error) {
	var cb *callbackError
	if errors.As(err, &cb) {
		rememberTraceback(c.L, cb)
		// Level 0: a string keeps exactly the text (and position) it was
		// raised with; a table stays the same table.
		c.L.Error(cb.Value, 0)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		raiseMessage(c.L, ue.msg)
	}
	var ae *argumentError
	if errors.As(err, &ae) {
		raiseMessage(c.L, ae.Error())
	}
	c.L.Error(c.errorTable(err), 1)
}

// errorTable builds the error table for err: same metatable for all, with
// status (integer, S3 answers only), code, message, request_id, host_id,
// method, bucket, key, region where known, and op, the Lua function.
func (c *call) errorTable(err error) *lua.LTable {
	L := c.L
	t := L.CreateTable(0, 10)
	set := func(k, v string) {
		if v != "" {
			t.RawSetString(k, lua.LString(v))
		}
	}
	set("op", c.name)
	var (
		re  *engine.ResponseError
		rq  *engine.RequestError
		de  *engine.DeleteError
		cre *engine.CredentialsError
	)
	switch {
	case errors.As(err, &re):
		t.RawSetString("status", lua.LNumber(re.StatusCode))
		set("code", re.Code)
		msg := re.Message
		if msg == "" {
			msg = http.StatusText(re.StatusCode)
		}
		set("message", msg)
		set("request_id", re.RequestID)
		set("host_id", re.HostID)
		set("method", re.Method)
		set("bucket", re.Bucket)
		set("key", re.Key)
		set("region", re.Region)
	case errors.As(err, &de):
		set("code", "DeleteError")
		set("message", de.Error())
		set("method", "POST")
		failed := L.CreateTable(len(de.Errors), 0)
		for _, ke := range de.Errors {
			e := L.CreateTable(0, 3)
			e.RawSetString("key", lua.LString(ke.Key))
			e.RawSetString("code", lua.LString(ke.Code))
			e.RawSetString("message", lua.LString(ke.Message))
			failed.Append(e)
		}
		t.RawSetString("errors", failed)
	case errors.As(err, &rq):
		set("code", networkCode(rq.Err))
		msg := "request failed"
		if rq.Err != nil {
			msg = rq.Err.Error()
		}
		set("message", msg)
		set("method", rq.Method)
		set("bucket", rq.Bucket)
		set("key", rq.Key)
	case errors.As(err, &cre), errors.Is(err, engine.ErrNoCredentials):
		set("code", "NoCredentials")
		set("message", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		set("code", networkCode(err))
		set("message", err.Error())
	case errors.Is(err, fs.ErrExist):
		set("code", "FileExists")
		set("message", err.Error())
	case errors.Is(err, fs.ErrNotExist):
		set("code", "FileNotFound")
		set("message", err.Error())
	case errors.Is(err, fs.ErrPermission):
		set("code", "PermissionDenied")
		set("message", err.Error())
	default:
		set("code", "Error")
		set("message", err.Error())
	}
	var pd *partialDeleteError
	if errors.As(err, &pd) {
		t.RawSetString("deleted", stringsToTable(L, pd.deleted))
	}
	L.SetMetatable(t, L.GetTypeMetatable(errorType))
	return t
}

// networkCode names a failure without an S3 answer.
func networkCode(err error) string {
	switch {
	case errors.Is(err, engine.ErrNoCredentials):
		return "NoCredentials"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	}
	return "NetworkError"
}

// errorToString is the error table's __tostring: one readable line,
//
//	s3.get_bytes: GET bucket/key: 404 NoSuchKey: The specified key does not exist. (request id 17A...)
func errorToString(L *lua.LState) int {
	t := L.CheckTable(1)
	L.Push(lua.LString(formatErrorTable(t)))
	return 1
}

func formatErrorTable(t *lua.LTable) string {
	get := func(k string) string {
		switch v := t.RawGetString(k).(type) {
		case lua.LString:
			return string(v)
		case lua.LNumber:
			return v.String()
		}
		return ""
	}
	var b strings.Builder
	if op := get("op"); op != "" {
		// The module's functions are s3.<op>; a host's exposed function
		// or method (Expose) goes by its own name.
		if isModuleFunction(op) {
			op = "s3." + op
		}
		b.WriteString(op + ": ")
	}
	if m := get("method"); m != "" {
		b.WriteString(m + " ")
		if bucket := get("bucket"); bucket != "" {
			b.WriteString(oneLineKey(bucket + "/" + get("key")))
		} else {
			b.WriteString("/")
		}
		b.WriteString(": ")
	}
	if s := get("status"); s != "" {
		b.WriteString(s + " ")
	}
	b.WriteString(get("code"))
	if msg := get("message"); msg != "" {
		b.WriteString(": " + oneLine(msg))
	}
	var extra []string
	if r := get("region"); r != "" {
		extra = append(extra, "bucket region "+r)
	}
	if id := get("request_id"); id != "" {
		extra = append(extra, "request id "+id)
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// oneLineKey shows a bucket+path on one line: control characters (a key
// may hold a line break) are escaped as Go does in quoted strings.
func oneLineKey(bp string) string {
	if !strings.ContainsFunc(bp, unicode.IsControl) {
		return bp
	}
	q := strconv.Quote(bp)
	return q[1 : len(q)-1]
}

// IsErrorTable reports whether v is an error table raised by the s3
// module (an S3, network, credentials or file failure).
func IsErrorTable(L *lua.LState, v lua.LValue) bool {
	t, ok := v.(*lua.LTable)
	if !ok {
		return false
	}
	if L == nil || L.IsClosed() {
		// Without a usable state, the metatable's name decides.
		mt, ok := t.Metatable.(*lua.LTable)
		return ok && mt.RawGetString("__name") == lua.LString(errorType)
	}
	return t.Metatable == L.GetTypeMetatable(errorType) && t.Metatable != lua.LNil
}

// ErrorMessage returns the one-line message of a Lua error value, for a
// command line or a log: a string as is, an s3 error table through its
// __tostring, any other table through its __tostring if it has one, else
// its fields ("{code = ..., message = ...}") rather than "table: 0x...".
// It never calls into Lua code that could raise. It is safe with a nil
// state or after L.Close (a table's __tostring is then not called).
func ErrorMessage(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case *lua.LTable:
		if IsErrorTable(L, v) {
			return formatErrorTable(v)
		}
		if L == nil || L.IsClosed() {
			return formatFields(v)
		}
		if fn, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok {
			if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, v); err == nil {
				s := L.Get(-1)
				L.Pop(1)
				if str, ok := s.(lua.LString); ok {
					return string(str)
				}
			}
		}
		return formatFields(v)
	case nil:
		return "nil"
	}
	return v.String()
}

// ScriptError returns err, the result of running a script on L (L.DoString,
// L.PCall, ...), as an error whose message is one readable line: for a Lua
// error, ErrorMessage of the raised value ("s3.get_bytes: GET b/k: 404
// NoSuchKey: ..." for an S3 error, never "table: 0x..."). It wraps err, so
// errors.As still finds the *lua.ApiError and its Object. nil stays nil.
// Call it before L.Close when the script may have raised a table with a
// __tostring (after Close, the table's fields are shown instead).
func ScriptError(L *lua.LState, err error) error {
	var api *lua.ApiError
	if err == nil || !errors.As(err, &api) || api.Object == nil {
		return err
	}
	return &scriptError{msg: ErrorMessage(L, api.Object), err: err}
}

type scriptError struct {
	msg string
	err error
}

func (e *scriptError) Error() string { return e.msg }
func (e *scriptError) Unwrap() error { return e.err }

// formatFields shows a table's string-keyed scalar fields.
func formatFields(t *lua.LTable) string {
	var parts []string
	t.ForEach(func(k, v lua.LValue) {
		if len(parts) >= 12 {
			return
		}
		ks, ok := k.(lua.LString)
		if !ok {
			return
		}
		switch v.(type) {
		case lua.LString:
			parts = append(parts, fmt.Sprintf("%s = %q", ks, string(v.(lua.LString))))
		case lua.LNumber, lua.LBool:
			parts = append(parts, fmt.Sprintf("%s = %s", ks, v.String()))
		}
	})
	if len(parts) == 0 {
		return "(error object is a table value)"
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// tracebackKey is the registry field holding the last re-raised callback
// error and the traceback captured where the callback raised it.
const tracebackKey = "s3.callback_traceback"

func rememberTraceback(L *lua.LState, cb *callbackError) {
	if cb.Traceback == "" {
		return
	}
	t := L.CreateTable(0, 2)
	t.RawSetString("value", cb.Value)
	t.RawSetString("traceback", lua.LString(cb.Traceback))
	L.SetField(L.Get(lua.RegistryIndex), tracebackKey, t)
}

// CallbackTraceback returns the Lua traceback captured inside the callback
// that raised v, when v is the last error a module function re-raised from
// a callback (a ls_proc fold, a get_proc reader, ...); otherwise "". The
// traceback of the *lua.ApiError the script's caller gets starts at the s3
// function's call; this one shows the callback's own frames. For a command
// line that prints tracebacks.
func CallbackTraceback(L *lua.LState, v lua.LValue) string {
	t, ok := L.GetField(L.Get(lua.RegistryIndex), tracebackKey).(*lua.LTable)
	if !ok || t.RawGetString("value") != v || v == lua.LNil {
		return ""
	}
	return t.RawGetString("traceback").String()
}

// ErrorField is one field of an s3 error table, as ErrorFields lists it.
type ErrorField struct {
	Name, Value string
}

// detailFields are the fields ErrorFields lists, in the order a command
// line shows them.
var detailFields = []string{"status", "code", "message", "request_id", "method", "bucket", "key", "region", "host_id"}

// ErrorFields returns the fields of v, in the order status, code, message,
// request_id, method, bucket, key, region, host_id (those that are set),
// when v is an error table raised by the s3 module (IsErrorTable), and nil
// for any other value, even a table with fields of the same names: only
// the module's own errors are shown as S3 errors. For a command line that
// prints one line per field under ErrorMessage's line.
func ErrorFields(L *lua.LState, v lua.LValue) []ErrorField {
	if !IsErrorTable(L, v) { // nil or closed L: decided by the metatable's name
		return nil
	}
	t := v.(*lua.LTable)
	var out []ErrorField
	for _, f := range detailFields {
		switch fv := t.RawGetString(f).(type) {
		case lua.LString:
			text := oneLine(string(fv))
			if f == "bucket" || f == "key" {
				text = oneLineKey(string(fv)) // a key's spaces are its own
			}
			out = append(out, ErrorField{f, text})
		case lua.LNumber:
			out = append(out, ErrorField{f, fv.String()})
		}
	}
	return out
}

// moduleFunctionSet is built at its first use, not at every start.
var moduleFunctionSet = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	for _, f := range moduleFunctions() {
		set[f.name] = true
	}
	return set
})

func isModuleFunction(name string) bool { return moduleFunctionSet()[name] }
