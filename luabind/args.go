package luabind

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Argument checking. Every error has Lua's standard form, with the
// function's own name (gopher-lua's ArgError would derive it from the
// calling frame and print it unquoted, or as "?" for a call through a
// local alias or pcall):
//
//	bad argument #2 to 'put_bytes' (string expected, got nil)
//
// The position of the Lua code that made the call is prefixed, as luaL_error
// does (see raiseMessage).

// argError records "bad argument #n to 'name' (msg)" (see checkArgs), or
// raises it at once when the call does not collect argument errors.
func (c *call) argError(n int, format string, args ...any) {
	err := &argumentError{n: n, name: c.name, msg: fmt.Sprintf(format, args...)}
	if !c.collect {
		raiseMessage(c.L, err.Error())
	}
	if c.argErr == nil {
		c.argErr = err
	}
}

// raiseMessage raises msg as Lua's luaL_error does: prefixed with the position of
// the Lua code that called the running Go function ("chunk:line: "), or
// with nothing when the caller is not Lua code, as in
// pcall(s3.put_bytes, bp), where the message is exactly the standard one.
// (gopher-lua's RaiseError would take the nearest Lua frame instead.)
func raiseMessage(L *lua.LState, msg string) {
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
			msg = fmt.Sprintf("%s:%d: %s", dbg.Source, dbg.CurrentLine, msg)
		}
	}
	L.Error(lua.LString(msg), 0)
}

// typeError raises "bad argument #n to 'name' (want expected, got T)". A
// missing argument counts as nil, as the contract's example shows.
func (c *call) typeError(n int, want string) {
	c.argError(n, "%s expected, got %s", want, typeName(c.L.Get(n)))
}

func typeName(v lua.LValue) string { return v.Type().String() }

// isNone reports whether argument n is absent or nil: optional positional
// arguments may be nil.
func (c *call) isNone(n int) bool { return c.L.Get(n) == lua.LNil }

// str checks that argument n is a string (a number is converted, as Lua's
// luaL_checkstring does).
func (c *call) str(n int) string {
	switch v := c.L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	}
	c.typeError(n, "string")
	return ""
}

// optStr is str with a default for nil.
func (c *call) optStr(n int, def string) string {
	if c.isNone(n) {
		return def
	}
	return c.str(n)
}

// integer checks that argument n is a number with an integral value in
// [min, max]. A string that reads as a number is converted, as Lua's
// luaL_checkinteger (and gopher-lua's CheckInt) do.
func (c *call) integer(n int, min, max int64) int64 {
	num, ok := c.L.Get(n).(lua.LNumber)
	if s, isStr := c.L.Get(n).(lua.LString); isStr {
		num, ok = stringNumber(string(s))
	}
	if !ok {
		c.typeError(n, "number")
	}
	i, ok := toInteger(num)
	if !ok {
		c.argError(n, "number has no integer representation")
	}
	if i < min || i > max {
		c.argError(n, "%s", rangeMessage(i, min, max))
	}
	return i
}

func rangeMessage(i, min, max int64) string {
	if max == math.MaxInt64 {
		return fmt.Sprintf("%d is out of range: at least %d", i, min)
	}
	return fmt.Sprintf("%d is out of range: %d to %d", i, min, max)
}

// stringNumber reads a numeral as Lua's string-to-number coercion does
// (decimal, hexadecimal "0x..", surrounding space ignored).
func stringNumber(s string) (lua.LNumber, bool) {
	s = strings.TrimSpace(s)
	body, neg := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+"), strings.HasPrefix(s, "-")
	if len(body) > 2 && (body[:2] == "0x" || body[:2] == "0X") {
		u, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil || strings.HasPrefix(body[2:], "+") || strings.HasPrefix(body[2:], "-") {
			return 0, false
		}
		if neg {
			return -lua.LNumber(u), true
		}
		return lua.LNumber(u), true
	}
	if body == "" || strings.ContainsAny(body, "+-_xXpPiInN") && !isExponent(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return lua.LNumber(f), true
}

// isExponent reports whether the signs in a decimal numeral only follow
// its exponent mark ("1e+5").
func isExponent(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '+', '-':
			if i == 0 || (s[i-1] != 'e' && s[i-1] != 'E') {
				return false
			}
		case '_', 'x', 'X', 'p', 'P', 'i', 'I', 'n', 'N':
			return false
		}
	}
	return true
}

func toInteger(num lua.LNumber) (int64, bool) {
	f := float64(num)
	// float64(math.MaxInt64) is 2^63, itself out of range.
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || f >= 0x1p63 || f < -0x1p63 {
		return 0, false
	}
	return int64(f), true
}

// optInteger is integer with a default for nil.
func (c *call) optInteger(n int, def, min, max int64) int64 {
	if c.isNone(n) {
		return def
	}
	return c.integer(n, min, max)
}

// boolean checks that argument n is a boolean.
func (c *call) boolean(n int) bool {
	b, ok := c.L.Get(n).(lua.LBool)
	if !ok {
		c.typeError(n, "boolean")
	}
	return bool(b)
}

func (c *call) optBoolean(n int, def bool) bool {
	if c.isNone(n) {
		return def
	}
	return c.boolean(n)
}

// function checks that argument n is a function.
func (c *call) function(n int) *lua.LFunction {
	f, ok := c.L.Get(n).(*lua.LFunction)
	if !ok {
		c.typeError(n, "function")
	}
	return f
}

func (c *call) optFunction(n int) *lua.LFunction {
	if c.isNone(n) {
		return nil
	}
	return c.function(n)
}

// table checks that argument n is a table.
func (c *call) table(n int) *lua.LTable {
	t, ok := c.L.Get(n).(*lua.LTable)
	if !ok {
		c.typeError(n, "table")
	}
	return t
}

// bucketPath checks argument n as a bucket+path string ("bucket/key"), the
// bucket against Options.Buckets, and returns it with its parts.
func (c *call) bucketPath(n int) (bp, bucket, key string) {
	bp = c.str(n)
	bucket, key, err := engine.SplitBucketPath(bp)
	if err != nil {
		c.argError(n, "%s", oneLine(err.Error()))
	}
	c.allowBucket(n, bucket)
	return bp, bucket, key
}

// bucketName checks argument n as a bucket name (a trailing "/" is
// accepted, so "bucket/" works as in bucket+path strings).
func (c *call) bucketName(n int) string {
	b := strings.TrimSuffix(c.str(n), "/")
	if b == "" || strings.Contains(b, "/") {
		c.argError(n, "bucket name expected, got %q", c.str(n))
	}
	c.allowBucket(n, b)
	return b
}

// allowBucket enforces Options.Buckets.
func (c *call) allowBucket(n int, bucket string) {
	if c.m.buckets != nil && !c.m.buckets[bucket] {
		c.argError(n, "bucket '%s' is not allowed", bucket)
	}
}

// headers reads an optional header table {["x-amz-acl"] = "private"} at
// argument n: string names, string (or number) values.
func (c *call) headers(n int) http.Header {
	v := c.L.Get(n)
	if v == lua.LNil {
		return nil
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		c.typeError(n, "table")
		return nil
	}
	h, msg := headersFromTable(t)
	if msg != "" {
		c.argError(n, "%s", msg)
	}
	return h
}

// headersFromTable converts a Lua header table; msg says what is wrong.
func headersFromTable(t *lua.LTable) (h http.Header, msg string) {
	h = http.Header{}
	t.ForEach(func(k, v lua.LValue) {
		if msg != "" {
			return
		}
		name, ok := k.(lua.LString)
		if !ok || name == "" {
			msg = fmt.Sprintf("header names must be non-empty strings, got %s", typeName(k))
			return
		}
		switch v := v.(type) {
		case lua.LString:
			h.Set(string(name), string(v))
		case lua.LNumber:
			h.Set(string(name), v.String())
		default:
			msg = fmt.Sprintf("header '%s' must be a string, got %s", name, typeName(v))
		}
	})
	return h, msg
}

// article is "a kind", or "an integer".
func article(kind string) string {
	if kind == "integer" {
		return "an integer"
	}
	return "a " + kind
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}
