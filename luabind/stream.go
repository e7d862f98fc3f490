package luabind

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// registerTypes creates the metatables of the module's values in L's
// registry (idempotent).
func registerTypes(L *lua.LState) {
	emt := L.NewTypeMetatable(errorType)
	emt.RawSetString("__tostring", L.NewFunction(errorToString))
	emt.RawSetString("__name", lua.LString(errorType))

	bmt := L.NewTypeMetatable(bodyType)
	bmt.RawSetString("__index", L.SetFuncs(L.NewTable(), bodyMethods))
	bmt.RawSetString("__tostring", L.NewFunction(bodyToString))
	bmt.RawSetString("__name", lua.LString(bodyType))

	wmt := L.NewTypeMetatable(writerType)
	wmt.RawSetString("__index", L.SetFuncs(L.NewTable(), writerMethods))
	wmt.RawSetString("__tostring", L.NewFunction(writerToString))
	wmt.RawSetString("__name", lua.LString(writerType))
}

// body is the read-only stream get_proc's reader (and put's reader) gets:
// it reads the response body as it arrives, in constant memory, and is
// valid only while the reader runs.
type body struct {
	r     *bufio.Reader
	owner string // "get_proc" or "put", for messages
	valid bool
}

var bodyMethods = map[string]lua.LGFunction{
	"read":  bodyRead,
	"lines": bodyLines,
	"close": bodyClose,
}

func newBody(L *lua.LState, r io.Reader, owner string) (*body, *lua.LUserData) {
	b := &body{r: bufio.NewReaderSize(r, 32<<10), owner: owner, valid: true}
	ud := L.NewUserData()
	ud.Value = b
	L.SetMetatable(ud, L.GetTypeMetatable(bodyType))
	return b, ud
}

// checkBody is the method receiver check: a body, still valid.
func checkBody(L *lua.LState, method string) *body {
	ud, ok := L.Get(1).(*lua.LUserData)
	var b *body
	if ok {
		b, ok = ud.Value.(*body)
	}
	if !ok {
		raiseMessage(L, fmt.Sprintf("bad argument #1 to '%s' (%s expected, got %s)", method, bodyType, typeName(L.Get(1))))
	}
	if !b.valid {
		raiseMessage(L, fmt.Sprintf("attempt to use a closed body: the body of %s is valid only while the reader runs", b.owner))
	}
	return b
}

func bodyToString(L *lua.LState) int {
	ud := L.CheckUserData(1)
	b, _ := ud.Value.(*body)
	state := "open"
	if b == nil || !b.valid {
		state = "closed"
	}
	L.Push(lua.LString(fmt.Sprintf("s3.body (%s)", state)))
	return 1
}

// bodyRead implements body:read(...) as file:read: formats "a", "l", "L",
// "n" (with or without a leading "*") or a byte count; nil at the end (""
// for "a"). No format means "l".
func bodyRead(L *lua.LState) int {
	b := checkBody(L, "read")
	top := L.GetTop()
	if top < 2 {
		L.Push(b.readFormat(L, "read", 2, lua.LString("l")))
		return 1
	}
	n := 0
	for i := 2; i <= top; i++ {
		v := b.readFormat(L, "read", i, L.Get(i))
		L.Push(v)
		n++
		if v == lua.LNil {
			break
		}
	}
	return n
}

// readFormat reads one value; argument i is used in error messages.
func (b *body) readFormat(L *lua.LState, method string, i int, f lua.LValue) lua.LValue {
	switch f := f.(type) {
	case lua.LNumber:
		n, ok := toInteger(f)
		if !ok || n < 0 {
			raiseMessage(L, fmt.Sprintf("bad argument #%d to '%s' (invalid byte count)", i-1, method))
		}
		return b.readN(L, n)
	case lua.LString:
		switch strings.TrimPrefix(string(f), "*") {
		case "a":
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, b.r); err != nil {
				b.fail(L, err)
			}
			return lua.LString(buf.String())
		case "l":
			return b.readLine(L, false)
		case "L":
			return b.readLine(L, true)
		case "n":
			return b.readNumber(L)
		}
	}
	raiseMessage(L, fmt.Sprintf("bad argument #%d to '%s' (invalid format)", i-1, method))
	return lua.LNil
}

func (b *body) readN(L *lua.LState, n int64) lua.LValue {
	if n == 0 {
		if _, err := b.r.Peek(1); err != nil {
			if err != io.EOF {
				b.fail(L, err)
			}
			return lua.LNil
		}
		return lua.LString("")
	}
	var buf bytes.Buffer
	got, err := io.CopyN(&buf, b.r, n)
	if err != nil && err != io.EOF {
		b.fail(L, err)
	}
	if got == 0 {
		return lua.LNil
	}
	return lua.LString(buf.String())
}

func (b *body) readLine(L *lua.LState, keepNewline bool) lua.LValue {
	line, err := b.r.ReadString('\n')
	if err != nil && err != io.EOF {
		b.fail(L, err)
	}
	if err == io.EOF && line == "" {
		return lua.LNil
	}
	if !keepNewline {
		line = strings.TrimSuffix(line, "\n")
	}
	return lua.LString(line)
}

// readNumber reads a number as file:read("n"): leading space skipped, the
// longest numeral read; nil when there is none.
func (b *body) readNumber(L *lua.LState) lua.LValue {
	for {
		c, err := b.r.ReadByte()
		if err != nil {
			if err != io.EOF {
				b.fail(L, err)
			}
			return lua.LNil
		}
		if !strings.ContainsRune(" \t\r\n\f\v", rune(c)) {
			_ = b.r.UnreadByte()
			break
		}
	}
	var tok []byte
	for len(tok) < 200 {
		c, err := b.r.ReadByte()
		if err != nil {
			if err != io.EOF {
				b.fail(L, err)
			}
			break
		}
		if !strings.ContainsRune("0123456789+-.eExXabcdefABCDEFpP", rune(c)) {
			_ = b.r.UnreadByte()
			break
		}
		tok = append(tok, c)
	}
	s := string(tok)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return lua.LNumber(v)
	}
	if v, err := strconv.ParseInt(s, 0, 64); err == nil {
		return lua.LNumber(v)
	}
	return lua.LNil
}

// fail raises a read failure (the connection broke, the context was
// cancelled) as an error table, which the reader may catch with pcall; if
// it does not, the table aborts the operation like any callback error.
func (b *body) fail(L *lua.LState, err error) {
	c := &call{L: L, name: b.owner}
	L.Error(c.errorTable(err), 1)
}

// bodyLines implements body:lines(...): an iterator over lines (or the
// given formats), ending with nil.
func bodyLines(L *lua.LState) int {
	b := checkBody(L, "lines")
	formats := []lua.LValue{lua.LString("l")}
	if L.GetTop() >= 2 {
		formats = formats[:0]
		for i := 2; i <= L.GetTop(); i++ {
			formats = append(formats, L.Get(i))
		}
	}
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if !b.valid {
			raiseMessage(L, fmt.Sprintf("attempt to use a closed body: the body of %s is valid only while the reader runs", b.owner))
		}
		for i, f := range formats {
			v := b.readFormat(L, "lines", i+2, f)
			L.Push(v)
			if v == lua.LNil {
				return i + 1
			}
		}
		return len(formats)
	}))
	return 1
}

// bodyClose is a no-op (the module closes the body when the reader
// returns); it returns true like file:close.
func bodyClose(L *lua.LState) int {
	checkBody(L, "close")
	L.Push(lua.LTrue)
	return 1
}

// writer is the object put's writer function gets: w:write(...) like a
// file, counted against data_length.
type writer struct {
	w       io.Writer
	limit   int64
	written int64
	valid   bool
	err     error // a write failure from the engine's side (the request failed)
}

var writerMethods = map[string]lua.LGFunction{
	"write": writerWrite,
	"flush": writerNoop,
	"close": writerNoop,
}

func newWriter(L *lua.LState, w io.Writer, limit int64) (*writer, *lua.LUserData) {
	wr := &writer{w: w, limit: limit, valid: true}
	ud := L.NewUserData()
	ud.Value = wr
	L.SetMetatable(ud, L.GetTypeMetatable(writerType))
	return wr, ud
}

func checkWriter(L *lua.LState, method string) (*writer, *lua.LUserData) {
	ud, ok := L.Get(1).(*lua.LUserData)
	var w *writer
	if ok {
		w, ok = ud.Value.(*writer)
	}
	if !ok {
		raiseMessage(L, fmt.Sprintf("bad argument #1 to '%s' (%s expected, got %s)", method, writerType, typeName(L.Get(1))))
	}
	if !w.valid {
		raiseMessage(L, fmt.Sprintf("attempt to use a closed writer: the writer of put is valid only while the writer function runs"))
	}
	return w, ud
}

func writerToString(L *lua.LState) int {
	ud := L.CheckUserData(1)
	w, _ := ud.Value.(*writer)
	if w == nil || !w.valid {
		L.Push(lua.LString("s3.writer (closed)"))
		return 1
	}
	L.Push(lua.LString(fmt.Sprintf("s3.writer (%d of %d bytes written)", w.written, w.limit)))
	return 1
}

// writerWrite implements w:write(...): strings and numbers, in order;
// returns w. Going past data_length is an error at once, before anything
// of the offending write is sent.
func writerWrite(L *lua.LState) int {
	w, ud := checkWriter(L, "write")
	for i := 2; i <= L.GetTop(); i++ {
		var s string
		switch v := L.Get(i).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = v.String()
		default:
			raiseMessage(L, fmt.Sprintf("bad argument #%d to 'write' (string expected, got %s)", i-1, typeName(v)))
		}
		if int64(len(s)) > w.limit-w.written {
			raiseMessage(L, fmt.Sprintf("put: write of %d bytes exceeds data_length (%d bytes, %d already written)", len(s), w.limit, w.written))
		}
		if len(s) == 0 {
			continue
		}
		n, err := io.WriteString(w.w, s)
		w.written += int64(n)
		if err != nil {
			w.err = err
			c := &call{L: L, name: "put"}
			L.Error(c.errorTable(err), 1)
		}
	}
	L.Push(ud)
	return 1
}

func writerNoop(L *lua.LState) int {
	checkWriter(L, "close")
	L.Push(lua.LTrue)
	return 1
}

// errShortWrite is returned to the engine when the writer returned having
// written less than data_length.
func shortWriteError(written, limit int64) error {
	return &usageError{msg: fmt.Sprintf("put: the writer wrote %d bytes, data_length is %d", written, limit)}
}
