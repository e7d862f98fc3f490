package stdlib

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// fsModule implements the Lua module "fs": portable, read-only file system
// helpers (gopher-lua has no lfs).
type fsModule struct {
	root string // "" = anywhere
}

func (m *fsModule) loader(L *lua.LState) int {
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"walk": m.walk,
		"stat": m.stat,
		"md5":  m.md5,
		"join": fsJoin,
	})
	L.Push(mod)
	return 1
}

// errOutsideRoot is returned for a path that resolves outside Options.Root.
var errOutsideRoot = errors.New("path outside the allowed root")

// resolve checks p against the root and returns the path to use.
func (m *fsModule) resolve(p string) (string, error) {
	if m.root == "" {
		return p, nil
	}
	root, err := filepath.Abs(m.root)
	if err != nil {
		return "", err
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(root, p)
	}
	abs = filepath.Clean(abs)
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if realRoot, err := filepath.EvalSymlinks(root); err == nil {
		root = realRoot
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || (len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: %w", p, errOutsideRoot)
	}
	return abs, nil
}

// walk implements fs.walk(dir) -> {{path=, rel=, size=, mtime=}, ...}.
// Only regular files are listed; symbolic links are not followed.
func (m *fsModule) walk(L *lua.LState) int {
	dir := L.CheckString(1)
	p, err := m.resolve(dir)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	type entry struct {
		path, rel   string
		size, mtime int64
	}
	var files []entry
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(p, path)
		if err != nil {
			return err
		}
		files = append(files, entry{path: path, rel: filepath.ToSlash(rel), size: info.Size(), mtime: info.ModTime().Unix()})
		return nil
	})
	if err != nil {
		L.RaiseError("fs.walk: %v", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	out := L.CreateTable(len(files), 0)
	for _, f := range files {
		t := L.CreateTable(0, 4)
		t.RawSetString("path", lua.LString(f.path))
		t.RawSetString("rel", lua.LString(f.rel))
		t.RawSetString("size", lua.LNumber(f.size))
		t.RawSetString("mtime", lua.LNumber(f.mtime))
		out.Append(t)
	}
	L.Push(out)
	return 1
}

// stat implements fs.stat(path) -> {size=, mtime=, is_dir=} | nil, message.
func (m *fsModule) stat(L *lua.LState) int {
	name := L.CheckString(1)
	p, err := m.resolve(name)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	info, err := os.Stat(p)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	t := L.CreateTable(0, 3)
	t.RawSetString("size", lua.LNumber(info.Size()))
	t.RawSetString("mtime", lua.LNumber(info.ModTime().Unix()))
	t.RawSetString("is_dir", lua.LBool(info.IsDir()))
	L.Push(t)
	return 1
}

// md5 implements fs.md5(path) -> hex string, reading the file as a stream.
func (m *fsModule) md5(L *lua.LState) int {
	name := L.CheckString(1)
	p, err := m.resolve(name)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	f, err := os.Open(p)
	if err != nil {
		L.RaiseError("fs.md5: %v", err)
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		L.RaiseError("fs.md5: %v", err)
	}
	L.Push(lua.LString(hex.EncodeToString(h.Sum(nil))))
	return 1
}

// fsJoin implements fs.join(a, b, ...) -> path.
func fsJoin(L *lua.LState) int {
	parts := make([]string, L.GetTop())
	for i := range parts {
		parts[i] = L.CheckString(i + 1)
	}
	L.Push(lua.LString(filepath.Join(parts...)))
	return 1
}
