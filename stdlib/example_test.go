package stdlib_test

import (
	"fmt"

	"github.com/s3lua/s3lua/stdlib"
	lua "github.com/yuin/gopher-lua"
)

func ExamplePreload() {
	L := lua.NewState()
	defer L.Close()
	if err := stdlib.Preload(L); err != nil {
		panic(err)
	}
	err := L.DoString(`
		local pretty = require "pretty"
		pretty.print({ bucket = "photos", keys = { "a.jpg", "b.jpg" }, size = 2048 })
		print(pretty.bytes(2048))`)
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// { bucket = "photos", keys = { "a.jpg", "b.jpg" }, size = 2048 }
	// 2.0 KiB
}
