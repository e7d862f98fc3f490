package luabind

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The sandbox and the root directory.

// path checks file argument n against Options.Root and returns the name
// to give the engine: unchanged without a Root; with one, the name relative
// to Root (relative paths are relative to Root), or an argument error
// before any I/O. The check gives a clear message; the confinement itself
// is the engine's os.Root (Config.Root), which every open goes through, so
// a symbolic link swapped in after the check leads nowhere.
func (c *call) path(n int) string {
	file := c.str(n)
	if file == "" {
		c.argError(n, "file name expected, got an empty string")
	}
	if c.m.root == "" {
		return file
	}
	p, err := resolveInRoot(c.m.root, file)
	if err != nil {
		c.argError(n, "%s", err.Error())
	}
	rel, err := filepath.Rel(c.m.root, p)
	if err != nil {
		c.argError(n, "path '%s' %s", file, errOutsideRoot.Error())
	}
	return rel
}

// errOutsideRoot is the reason a path is refused.
var errOutsideRoot = errors.New("is outside the allowed root directory")

// resolveInRoot resolves file inside root (an absolute path with symbolic
// links already resolved): a relative file is joined to root; the parent
// directory's symbolic links are followed, and the file's own if it is a
// link; the result must lie inside root.
func resolveInRoot(root, file string) (string, error) {
	p := file
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	p = filepath.Clean(p)
	dir, base := filepath.Split(p)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if !within(root, p) {
				return "", fmt.Errorf("path '%s' %w", file, errOutsideRoot)
			}
			return "", fmt.Errorf("path '%s': directory %s does not exist", file, dir)
		}
		return "", fmt.Errorf("path '%s': %v", file, err)
	}
	real := filepath.Join(realDir, base)
	if base == "" || base == "." || base == ".." {
		real = realDir
	}
	if st, err := os.Lstat(real); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(real)
		if err != nil {
			return "", fmt.Errorf("path '%s' is a symbolic link that does not resolve: %v", file, err)
		}
		if !within(root, target) {
			return "", fmt.Errorf("path '%s' %w", file, errOutsideRoot)
		}
	}
	if !within(root, real) || real == root {
		return "", fmt.Errorf("path '%s' %w", file, errOutsideRoot)
	}
	return real, nil
}

// within reports whether p is root or inside it.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

// applySandbox removes what lets a script escape: see Options.Sandbox.
func applySandbox(L *lua.LState, m *module) {
	if g := L.GetGlobal("os"); g.Type() == lua.LTTable {
		t := g.(*lua.LTable)
		t.RawSetString("execute", lua.LNil)
		t.RawSetString("exit", lua.LNil)
		// The environment holds credentials (AWS_SECRET_ACCESS_KEY) and
		// steers the host's credential lookup.
		t.RawSetString("getenv", lua.LNil)
		t.RawSetString("setenv", lua.LNil)
		if m.root != "" {
			t.RawSetString("tmpname", lua.LNil)
			wrapPathArgs(L, t, "remove", m.root, 1)
			wrapPathArgs(L, t, "rename", m.root, 1, 2)
		}
	}
	if g := L.GetGlobal("io"); g.Type() == lua.LTTable {
		t := g.(*lua.LTable)
		t.RawSetString("popen", lua.LNil)
		if m.root != "" {
			wrapPathArgs(L, t, "open", m.root, 1)
			wrapPathArgs(L, t, "lines", m.root, 1)
			wrapPathArgs(L, t, "input", m.root, 1)
			wrapPathArgs(L, t, "output", m.root, 1)
		}
	}
	L.SetGlobal("loadfile", lua.LNil)
	L.SetGlobal("dofile", lua.LNil)
	if ls, ok := L.GetGlobal("loadstring").(*lua.LFunction); ok {
		L.SetGlobal("loadstring", L.NewFunction(sandboxLoadString(ls)))
		if _, ok := L.GetGlobal("load").(*lua.LFunction); ok {
			L.SetGlobal("load", L.NewFunction(sandboxLoad(ls)))
		}
	}
	// require: keep the preload searcher (package.loaders[1]), drop the
	// ones that read Lua files from disk.
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok {
			for i := loaders.Len(); i >= 2; i-- {
				loaders.RawSetInt(i, lua.LNil)
			}
		}
	}
}

// binaryChunk reports whether a chunk is precompiled bytecode. gopher-lua
// cannot load bytecode at all (it would be a syntax error); the sandbox
// refuses it explicitly so the rule does not depend on that.
func binaryChunk(s string) bool { return strings.HasPrefix(s, "\x1b") }

const binaryRefused = "attempt to load a binary chunk (not allowed in the sandbox)"

// sandboxLoadString is loadstring(s [, name]) refusing binary chunks.
func sandboxLoadString(orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		s := L.CheckString(1)
		if binaryChunk(s) {
			L.Push(lua.LNil)
			L.Push(lua.LString(binaryRefused))
			return 2
		}
		top := L.GetTop()
		L.Push(orig)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}
}

// sandboxLoad is load(fn [, name]) (Lua 5.1: fn returns the pieces; a
// string is accepted too) refusing binary chunks.
func sandboxLoad(loadstring *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		var chunk string
		switch src := L.Get(1).(type) {
		case lua.LString:
			chunk = string(src)
		case *lua.LFunction:
			var b strings.Builder
			for {
				L.Push(src)
				L.Call(0, 1)
				piece := L.Get(-1)
				L.Pop(1)
				s, ok := piece.(lua.LString)
				if piece == lua.LNil || (ok && s == "") {
					break
				}
				if !ok {
					if n, isNum := piece.(lua.LNumber); isNum {
						s = lua.LString(n.String())
					} else {
						L.Push(lua.LNil)
						L.Push(lua.LString("reader function must return a string"))
						return 2
					}
				}
				b.WriteString(string(s))
			}
			chunk = b.String()
		default:
			L.TypeError(1, lua.LTFunction)
		}
		if binaryChunk(chunk) {
			L.Push(lua.LNil)
			L.Push(lua.LString(binaryRefused))
			return 2
		}
		name := L.OptString(2, "=(load)")
		L.Push(loadstring)
		L.Push(lua.LString(chunk))
		L.Push(lua.LString(name))
		L.Call(2, 2)
		return 2
	}
}

// wrapPathArgs replaces t[name] by a function that resolves its string
// arguments at positions args inside root (an argument error otherwise),
// then calls the original.
func wrapPathArgs(L *lua.LState, t *lua.LTable, name, root string, args ...int) {
	orig, ok := t.RawGetString(name).(*lua.LFunction)
	if !ok {
		return
	}
	t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
		top := L.GetTop()
		for _, i := range args {
			s, ok := L.Get(i).(lua.LString)
			if !ok {
				continue
			}
			p, err := resolveInRoot(root, string(s))
			if err != nil {
				raiseMessage(L, fmt.Sprintf("bad argument #%d to '%s' (%s)", i, name, err.Error()))
			}
			L.Replace(i, lua.LString(p))
		}
		L.Push(orig)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}))
}
