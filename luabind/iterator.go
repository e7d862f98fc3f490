package luabind

import (
	"context"
	"errors"
	"io"

	lua "github.com/yuin/gopher-lua"
)

// pushPageIterator pushes the Lua iterator that s3.list, s3.glob,
// s3.list_versions and s3.inventory return: each call yields the next
// element of the pages next hands out that push accepts (push pushes it and
// returns true; false skips it), and nil after io.EOF. Each page request runs
// under the state's context of the moment (the iterator may be called long
// after the function returned, in the REPL under a new context), the trace
// events it made are delivered after it, and an error ends the iteration and
// is raised under the function's name. done, if set, runs once when the
// iteration ends, however it ends.
func pushPageIterator[T any](c *call, next func(context.Context) ([]T, error), push func(*lua.LState, T) bool, done func()) {
	m, name := c.m, c.name
	var page []T
	ended := false
	end := func() {
		ended = true
		if done != nil {
			done()
			done = nil
		}
	}
	c.L.Push(c.L.NewFunction(func(L *lua.LState) int {
		for {
			for len(page) > 0 {
				v := page[0]
				page = page[1:]
				if push(L, v) {
					return 1
				}
			}
			if ended {
				L.Push(lua.LNil)
				return 1
			}
			items, err := next(stateContext(L))
			if terr := m.deliverTrace(L); terr != nil && (err == nil || errors.Is(err, io.EOF)) {
				end()
				(&call{L: L, m: m, name: name}).raise(terr)
			}
			if err != nil && !errors.Is(err, io.EOF) {
				end()
				(&call{L: L, m: m, name: name}).raise(err)
			}
			page = items
			if err != nil {
				end()
			}
		}
	}))
}
