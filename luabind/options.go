package luabind

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Options tables are declared as Go structs: each field with a `lua` tag is
// one option, named once, its type the field's type.
//
//	var o struct {
//		Exists   string        `lua:"exists" enum:"error,overwrite,resume"`
//		Workers  int64         `lua:"workers" range:"1,64"`
//		Inline   bool          `lua:"inline"`
//		Progress *lua.LFunction `lua:"progress"`
//		Headers  http.Header   `lua:"headers"`
//	}
//	o.Exists = "error" // defaults: whatever the fields hold before decoding
//	c.decodeOptions(3, &o)
//
// Field types: string (with an optional enum tag), bool, int, int64 (with
// an optional range tag "min,max"; "min," has no maximum; a bound may name
// one of the module's constants, "max_keys" (engine.MaxKeysPerPage) or
// "maxint32"), *lua.LFunction,
// *lua.LTable, http.Header (a header table), lua.LValue (any value), and a
// pointer to string, bool or int64 to tell an absent option from its zero
// value. An unknown key (a typo), a wrong type, a value out of range or
// not in the enum is an argument error naming the option.

var (
	luaFunctionType = reflect.TypeOf((*lua.LFunction)(nil))
	luaTableType    = reflect.TypeOf((*lua.LTable)(nil))
	luaValueType    = reflect.TypeOf((*lua.LValue)(nil)).Elem()
	headerType      = reflect.TypeOf(http.Header(nil))
)

// decodeOptions reads the optional options table at argument n into the
// struct dst points to. Absent or nil: dst is unchanged.
func (c *call) decodeOptions(n int, dst any) {
	v := c.L.Get(n)
	if v == lua.LNil {
		return
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		c.typeError(n, "table")
		return
	}
	if msg := decodeOptionsTable(t, dst); msg != "" {
		c.argError(n, "%s", msg)
	}
}

// decodeOptionsTable decodes t into dst (a pointer to a struct with lua
// tags) and says what is wrong, if anything.
func decodeOptionsTable(t *lua.LTable, dst any) string {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("luabind: decodeOptions needs a pointer to a struct")
	}
	sv := rv.Elem()
	fields := map[string]int{}
	for i := 0; i < sv.NumField(); i++ {
		if name := sv.Type().Field(i).Tag.Get("lua"); name != "" {
			fields[name] = i
		}
	}
	var bad string
	t.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		key, ok := k.(lua.LString)
		if !ok {
			bad = fmt.Sprintf("option names must be strings, got %s", typeName(k))
			return
		}
		i, ok := fields[string(key)]
		if !ok {
			bad = fmt.Sprintf("unknown option '%s' (valid: %s)", key, sortedKeys(fields))
			return
		}
		if v == lua.LNil {
			return
		}
		bad = setOption(sv.Field(i), sv.Type().Field(i), string(key), v)
	})
	return bad
}

// setOption stores v in the field f, checking its type and the field's
// enum or range.
func setOption(f reflect.Value, sf reflect.StructField, key string, v lua.LValue) string {
	wrongType := func(kind string) string {
		return fmt.Sprintf("option '%s' must be %s, got %s", key, article(kind), typeName(v))
	}
	switch f.Type() {
	case luaFunctionType:
		fn, ok := v.(*lua.LFunction)
		if !ok {
			return wrongType("function")
		}
		f.Set(reflect.ValueOf(fn))
		return ""
	case luaTableType:
		tb, ok := v.(*lua.LTable)
		if !ok {
			return wrongType("table")
		}
		f.Set(reflect.ValueOf(tb))
		return ""
	case luaValueType:
		f.Set(reflect.ValueOf(v))
		return ""
	case headerType:
		tb, ok := v.(*lua.LTable)
		if !ok {
			return wrongType("table")
		}
		h, msg := headersFromTable(tb)
		if msg != "" {
			return fmt.Sprintf("option '%s': %s", key, msg)
		}
		f.Set(reflect.ValueOf(h))
		return ""
	}
	target := f
	if f.Kind() == reflect.Pointer {
		target = reflect.New(f.Type().Elem()).Elem()
	}
	switch target.Kind() {
	case reflect.String:
		s, ok := v.(lua.LString)
		if !ok {
			return wrongType("string")
		}
		if enum := sf.Tag.Get("enum"); enum != "" && !inList(string(s), strings.Split(enum, ",")) {
			return fmt.Sprintf("option '%s': invalid value '%s' (valid: %s)", key, s, strings.ReplaceAll(enum, ",", ", "))
		}
		target.SetString(string(s))
	case reflect.Bool:
		b, ok := v.(lua.LBool)
		if !ok {
			return wrongType("boolean")
		}
		target.SetBool(bool(b))
	case reflect.Int, reflect.Int64:
		num, ok := v.(lua.LNumber)
		if !ok {
			return wrongType("integer")
		}
		i, ok := toInteger(num)
		if !ok {
			return wrongType("integer")
		}
		if r := sf.Tag.Get("range"); r != "" {
			min, max := parseRange(r)
			if i < min || i > max {
				return fmt.Sprintf("option '%s': %s", key, rangeMessage(i, min, max))
			}
		}
		target.SetInt(i)
	default:
		panic(fmt.Sprintf("luabind: option '%s': unsupported field type %s", key, f.Type()))
	}
	if f.Kind() == reflect.Pointer {
		p := reflect.New(target.Type())
		p.Elem().Set(target)
		f.Set(p)
	}
	return ""
}

// parseRange reads a range tag "min,max" ("min," for no maximum). A bound
// is a number or the name of one of the module's constants
// ("multipart_size_minimum"), so limits are stated once.
func parseRange(tag string) (min, max int64) {
	lo, hi, _ := strings.Cut(tag, ",")
	min = parseBound(tag, lo)
	max = math.MaxInt64
	if hi != "" {
		max = parseBound(tag, hi)
	}
	return min, max
}

func parseBound(tag, s string) int64 {
	if v, ok := constants[s]; ok {
		return v
	}
	switch s {
	case "maxint32":
		return math.MaxInt32
	case "max_keys":
		return engine.MaxKeysPerPage
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic("luabind: bad range tag " + tag)
	}
	return v
}

func inList(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}
