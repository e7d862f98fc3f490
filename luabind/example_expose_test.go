package luabind_test

import (
	"fmt"
	"log"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/luabind"
)

// Catalog is a host program's own object.
type Catalog struct{ prices map[string]int }

// Price returns the price of item, or an error for an unknown item.
func (c *Catalog) Price(item string) (int, error) {
	p, ok := c.prices[item]
	if !ok {
		return 0, fmt.Errorf("no item %q", item)
	}
	return p, nil
}

// Give scripts a Go value of the host: its methods are callable from Lua,
// and an error result is raised as an error table, as the s3 module's are.
func ExampleExpose() {
	L := lua.NewState()
	defer L.Close()
	opts := luabind.Options{Client: nil, Sandbox: true, Globals: map[string]any{
		"catalog": &Catalog{prices: map[string]int{"tea": 4}},
	}}
	if _, err := luabind.Open(L, opts); err != nil {
		log.Fatal(err)
	}
	err := L.DoString(`
		print(catalog:Price("tea"))
		local ok, err = pcall(catalog.Price, catalog, "coffee")
		print(ok, err.code, err.message)
		print(tostring(err))
	`)
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// 4
	// false	Error	no item "coffee"
	// Catalog:Price: Error: no item "coffee"
}
