package stdlib

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The Lua module "json": encoding/json does the parsing and the string
// escaping; this file maps JSON values to Lua values and back.
//
//	json.encode(value [, {indent = "  " or n}]) -> string
//	json.decode(string) -> value
//	json.null
//
// Objects decode to tables with string keys, arrays to sequences, null to
// json.null (so an array keeps its length), numbers to Lua numbers. A table
// encodes as an array when its keys are exactly 1..n (n > 0), otherwise as
// an object (number keys written as strings, keys sorted, so the output is
// stable); an empty table is {}. Integral numbers are written without a
// fraction. Cycles, functions, userdata other than json.null, NaN and
// infinities, and keys that are neither strings nor numbers are errors
// naming where in the value they are.

const jsonMaxDepth = 1000

type jsonModule struct {
	null lua.LValue
}

func jsonLoader(L *lua.LState) int {
	null := L.NewUserData()
	mt := L.NewTable()
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("json.null"))
		return 1
	}))
	mt.RawSetString("__metatable", lua.LString("json.null"))
	null.Metatable = mt
	m := &jsonModule{null: null}
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"encode": m.encode,
		"decode": m.decode,
	})
	mod.RawSetString("null", null)
	L.Push(mod)
	return 1
}

// encode implements json.encode(value [, {indent =}]).
func (m *jsonModule) encode(L *lua.LState) int {
	v := L.CheckAny(1)
	indent := ""
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		opts := L.CheckTable(2)
		var bad string
		opts.ForEach(func(k, val lua.LValue) {
			if k.String() != "indent" || k.Type() != lua.LTString {
				bad = fmt.Sprintf("unknown option '%s' (valid: indent)", k.String())
				return
			}
			switch val := val.(type) {
			case lua.LString:
				indent = string(val)
			case lua.LNumber:
				if val < 0 || val > 16 || float64(val) != math.Trunc(float64(val)) {
					bad = "option 'indent' must be a string or a whole number of spaces from 0 to 16"
					return
				}
				indent = strings.Repeat(" ", int(val))
			default:
				bad = fmt.Sprintf("option 'indent' must be a string or a number, got %s", val.Type())
			}
		})
		if bad != "" {
			L.ArgError(2, bad)
		}
	}
	e := &jsonEncoder{null: m.null, seen: map[*lua.LTable]bool{}}
	if err := e.value(v, "value", 0); err != nil {
		L.RaiseError("json.encode: %v", err)
	}
	out := e.buf.Bytes()
	if indent != "" {
		var b bytes.Buffer
		if err := json.Indent(&b, out, "", indent); err != nil {
			L.RaiseError("json.encode: %v", err)
		}
		out = b.Bytes()
	}
	L.Push(lua.LString(out))
	return 1
}

type jsonEncoder struct {
	buf  bytes.Buffer
	null lua.LValue
	seen map[*lua.LTable]bool
}

func (e *jsonEncoder) value(v lua.LValue, path string, depth int) error {
	if depth > jsonMaxDepth {
		return fmt.Errorf("%s: nested more than %d levels", path, jsonMaxDepth)
	}
	switch v := v.(type) {
	case *lua.LNilType:
		e.buf.WriteString("null")
	case lua.LBool:
		e.buf.WriteString(strconv.FormatBool(bool(v)))
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s: cannot encode %v", path, f)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			e.buf.WriteString(strconv.FormatInt(int64(f), 10))
		} else {
			e.buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		}
	case lua.LString:
		e.str(string(v))
	case *lua.LTable:
		return e.table(v, path, depth)
	case *lua.LUserData:
		if lua.LValue(v) == e.null {
			e.buf.WriteString("null")
			return nil
		}
		return fmt.Errorf("%s: cannot encode a userdata", path)
	default:
		return fmt.Errorf("%s: cannot encode a %s", path, v.Type())
	}
	return nil
}

func (e *jsonEncoder) str(s string) {
	enc := json.NewEncoder(&e.buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)               // a string always encodes
	e.buf.Truncate(e.buf.Len() - 1) // Encode's newline
}

func (e *jsonEncoder) table(t *lua.LTable, path string, depth int) error {
	if e.seen[t] {
		return fmt.Errorf("%s: cycle (the table contains itself)", path)
	}
	e.seen[t] = true
	defer delete(e.seen, t)

	n := t.Len()
	count := 0
	type pair struct {
		k string
		v lua.LValue
	}
	var pairs []pair
	var badKey lua.LValue
	isArray := n > 0
	t.ForEach(func(k, v lua.LValue) {
		count++
		switch k := k.(type) {
		case lua.LString:
			isArray = false
			pairs = append(pairs, pair{string(k), v})
		case lua.LNumber:
			if f := float64(k); f != math.Trunc(f) || f < 1 || f > float64(n) {
				isArray = false
			}
			pairs = append(pairs, pair{jsonNumberKey(k), v})
		default:
			isArray = false
			if badKey == nil {
				badKey = k
			}
		}
	})
	if isArray && count == n {
		e.buf.WriteByte('[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				e.buf.WriteByte(',')
			}
			if err := e.value(t.RawGetInt(i), fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		e.buf.WriteByte(']')
		return nil
	}
	if badKey != nil {
		return fmt.Errorf("%s: cannot encode a %s key", path, badKey.Type())
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	e.buf.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			e.buf.WriteByte(',')
		}
		e.str(p.k)
		e.buf.WriteByte(':')
		if err := e.value(p.v, path+"."+p.k, depth+1); err != nil {
			return err
		}
	}
	e.buf.WriteByte('}')
	return nil
}

func jsonNumberKey(k lua.LNumber) string {
	f := float64(k)
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// decode implements json.decode(string).
func (m *jsonModule) decode(L *lua.LState) int {
	s := L.CheckString(1)
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	v, err := m.decodeValue(L, d, 0)
	if err == nil {
		if _, err2 := d.Token(); err2 != io.EOF {
			err = fmt.Errorf("unexpected data after the value at position %d", d.InputOffset()+1)
		}
	}
	if err != nil {
		L.RaiseError("json.decode: %s", jsonErrorMessage(s, d, err))
	}
	L.Push(v)
	return 1
}

func (m *jsonModule) decodeValue(L *lua.LState, d *json.Decoder, depth int) (lua.LValue, error) {
	if depth > jsonMaxDepth {
		return nil, fmt.Errorf("nested more than %d levels", jsonMaxDepth)
	}
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case nil:
		return m.null, nil
	case bool:
		return lua.LBool(tok), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(tok), 64)
		if err != nil {
			return nil, fmt.Errorf("number %s out of range", tok)
		}
		return lua.LNumber(f), nil
	case string:
		return lua.LString(tok), nil
	case json.Delim:
		t := L.NewTable()
		switch tok {
		case '[':
			for i := 1; d.More(); i++ {
				v, err := m.decodeValue(L, d, depth+1)
				if err != nil {
					return nil, err
				}
				t.RawSetInt(i, v)
			}
		case '{':
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := m.decodeValue(L, d, depth+1)
				if err != nil {
					return nil, err
				}
				t.RawSetString(k.(string), v)
			}
		}
		if _, err := d.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// jsonErrorMessage says what is wrong and where (1-based byte position,
// line and column).
func jsonErrorMessage(s string, d *json.Decoder, err error) string {
	off := d.InputOffset()
	msg := err.Error()
	// The token stream's offsets are not always absolute: a whole-input
	// check names the first bad byte exactly.
	var scratch any
	var se *json.SyntaxError
	if errors.As(json.Unmarshal([]byte(s), &scratch), &se) {
		msg, off = se.Error(), se.Offset
		if off > 0 && off <= int64(len(s)) {
			off-- // Offset counts the bad byte as read
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || msg == "unexpected end of JSON input" {
		msg = "unexpected end of input"
		off = int64(len(s))
	}
	if off > int64(len(s)) {
		off = int64(len(s))
	}
	line := 1 + strings.Count(s[:off], "\n")
	col := off - int64(strings.LastIndexByte(s[:off], '\n'))
	return fmt.Sprintf("%s at position %d (line %d, column %d)", msg, off+1, line, col)
}
