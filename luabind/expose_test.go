package luabind_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/luabind"
)

// inventory is a host's own object: a script calls its methods.
type inventory struct {
	Name  string
	items map[string]int
}

var errUnknownItem = errors.New("unknown item")

func (v *inventory) Count(item string) (int, error) {
	n, ok := v.items[item]
	if !ok {
		return 0, fmt.Errorf("inventory %s: %q: %w", v.Name, item, errUnknownItem)
	}
	return n, nil
}

func (v *inventory) Add(item string, n int) error {
	if n <= 0 {
		return fmt.Errorf("add %d: want a positive number", n)
	}
	v.items[item] += n
	return nil
}

func (v *inventory) Shelf(name string) *inventory {
	return &inventory{Name: name, items: map[string]int{}}
}

func (v *inventory) Names() []string {
	out := make([]string, 0, len(v.items))
	for k := range v.items {
		out = append(out, k)
	}
	return out
}

// A test calling a host struct's methods from Lua: results come back as Lua
// values, a nil error disappears, a non-nil one is an error table, and the
// methods of a returned value follow the same rule.
func TestExposeHostStruct(t *testing.T) {
	inv := &inventory{Name: "main", items: map[string]int{"apples": 3}}
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, Globals: map[string]any{
		"inv":   inv,
		"upper": strings.ToUpper,
		"check": func(s string) error {
			if s == "" {
				return errors.New("empty")
			}
			return nil
		},
	}})
	run(t, L, `
		assert(inv.Name == "main")
		assert(inv:Count("apples") == 3)
		assert(select("#", inv:Add("pears", 2)) == 0, "a nil error is dropped")
		assert(inv:count("pears") == 2, "lower-case method names work too")

		local ok, err = pcall(inv.Count, inv, "plums")
		assert(not ok and type(err) == "table", "an error result is raised as a table")
		assert(err.code == "Error" and err.message:find("unknown item", 1, true), tostring(err))
		assert(tostring(err):find("^inventory:Count: Error: ") and err.op == "inventory:Count", tostring(err))

		local ok2, err2 = pcall(function() return inv:Add("x", 0) end)
		assert(not ok2 and err2.message:find("want a positive number", 1, true))

		local shelf = inv:Shelf("top")
		local ok3, err3 = pcall(shelf.Count, shelf, "none")
		assert(not ok3 and err3.message:find('inventory top: "none"', 1, true), "methods of a returned value too")

		assert(upper("abc") == "ABC")
		assert(select("#", check("x")) == 0)
		local ok4, err4 = pcall(check, "")
		assert(not ok4 and err4.message == "empty")
		assert(#inv:Names() == 2)
	`)
	if inv.items["pears"] != 2 {
		t.Errorf("the script's Add did not reach the Go value: %v", inv.items)
	}
	// The sandbox still holds: Expose adds the values and nothing else.
	if err := L.DoString(`return os.execute`); err != nil || L.Get(-1) != lua.LNil {
		t.Errorf("os.execute under the sandbox: %v %v", L.Get(-1), err)
	}
}

func TestExposeErrors(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := luabind.Expose(L, "x", nil); err == nil {
		t.Error("Expose of nil: no error")
	}
	if err := luabind.Expose(L, "", 1); err == nil {
		t.Error("Expose with an empty name: no error")
	}
}
