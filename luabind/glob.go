package luabind

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Glob patterns over keys: s3.glob lists, s3.glob_match only matches.

// globPattern checks argument n as a glob pattern and returns it compiled
// (nil after an argument error).
func (c *call) globPattern(n int, pattern string) *engine.Glob {
	g, err := engine.CompileGlob(pattern)
	if err != nil {
		c.argError(n, "%s", err.Error())
	}
	return g
}

// s3GlobMatch implements s3.glob_match(pattern, name) -> boolean.
func s3GlobMatch(c *call) (int, error) {
	pattern := c.str(1)
	name := c.str(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	g := c.globPattern(1, pattern)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	c.L.Push(lua.LBool(g.Match(name)))
	return 1, nil
}

// s3Glob implements s3.glob("bucket/key-pattern" [, {max_each=,
// start_after=}]): an
// iterator over the items of s3.list whose keys match the pattern, in
// listing order, listing only the keys under the pattern's literal prefix.
func s3Glob(c *call) (int, error) {
	bp, bucket, keyPattern := c.bucketPath(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if engine.HasGlobWildcard(bucket) || strings.Contains(bucket, `\`) {
		c.argError(1, "wildcard in the bucket name of %q: only the key may hold a pattern", bp)
	}
	g := c.globPattern(1, keyPattern)
	o := struct {
		MaxEach    int    `lua:"max_each" range:"1,max_keys"`
		StartAfter string `lua:"start_after"`
	}{MaxEach: engine.MaxKeysPerPage}
	c.decodeOptions(2, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt := engine.ListOptions{MaxEach: o.MaxEach, StartAfter: o.StartAfter}
	lister := c.client().NewLister(bucket+"/"+g.LiteralPrefix(), opt)
	var b itemTables
	pushPageIterator(c, eachPage(&b, lister.Next), func(L *lua.LState, it engine.Item) bool {
		if it.IsPrefix || !g.Match(it.Object.Key) {
			return false
		}
		L.Push(b.item(L, &it))
		return true
	}, nil)
	return 1, nil
}
