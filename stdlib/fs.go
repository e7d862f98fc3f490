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
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// fsModule implements the Lua module "fs": portable file system helpers
// (gopher-lua has no lfs). With a root, every access goes through os.Root
// (openat, one directory at a time), so neither "..", an absolute path nor
// a symbolic link, even one swapped in between two calls, reaches a file
// outside it. With noFiles, every function that touches a file fails.
type fsModule struct {
	root    *os.Root // nil = anywhere
	rootDir string   // the root's absolute path, as given
	realDir string   // the same with symbolic links resolved
	noFiles bool
}

func newFSModule(opts Options) (*fsModule, error) {
	m := &fsModule{noFiles: opts.NoFiles}
	if opts.Root == "" || opts.NoFiles {
		return m, nil
	}
	abs, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("stdlib: Root: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("stdlib: Root: %w", err)
	}
	m.root, m.rootDir, m.realDir = root, abs, abs
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		m.realDir = real
	}
	return m, nil
}

func (m *fsModule) loader(L *lua.LState) int {
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"walk":  m.walk,
		"files": m.files,
		"mkdir": m.mkdir,
		"stat":  m.stat,
		"md5":   m.md5,
		"join":  fsJoin,
	})
	L.Push(mod)
	return 1
}

// errOutsideRoot is returned for a path that lies outside Options.Root.
var errOutsideRoot = errors.New("path outside the allowed root")

// errNoFiles is returned by every file access with Options.NoFiles.
var errNoFiles = errors.New("file access is disabled")

// local turns a path of the script into the name to use: unchanged without
// a root; with one, a name relative to it ("." for the root itself). An
// absolute path must lie inside the root (as given or with its symbolic
// links resolved); a relative one is relative to it. This check is only for
// a clear message: os.Root enforces the confinement at every open.
func (m *fsModule) local(p string) (string, error) {
	if m.noFiles {
		return "", fmt.Errorf("%s: %w", p, errNoFiles)
	}
	if m.root == nil {
		return p, nil
	}
	rel := filepath.Clean(p)
	if filepath.IsAbs(rel) {
		var err error
		if rel, err = relInside(m.rootDir, rel); err != nil {
			if rel, err = relInside(m.realDir, filepath.Clean(p)); err != nil {
				return "", fmt.Errorf("%s: %w", p, errOutsideRoot)
			}
		}
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: %w", p, errOutsideRoot)
	}
	return rel, nil
}

// relInside returns p relative to dir when p lies inside it (lexically).
func relInside(dir, p string) (string, error) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", errOutsideRoot
	}
	return rel, nil
}

// display is the path fs.walk reports for a name returned by local.
func (m *fsModule) display(name string) string {
	if m.root == nil {
		return name
	}
	return filepath.Join(m.rootDir, name)
}

func (m *fsModule) open(name string) (*os.File, error) {
	if m.root != nil {
		return m.root.Open(name)
	}
	return os.Open(name)
}

func (m *fsModule) statFile(name string) (fs.FileInfo, error) {
	if m.root != nil {
		return m.root.Stat(name)
	}
	return os.Stat(name)
}

// dirFS is the directory name as an fs.FS (confined to the root, if any).
func (m *fsModule) dirFS(name string) (fs.FS, error) {
	if m.root != nil {
		sub, err := m.root.OpenRoot(name)
		if err != nil {
			return nil, err
		}
		return sub.FS(), nil
	}
	return os.DirFS(name), nil
}

// walk implements fs.walk(dir) -> {{path=, rel=, size=, mtime=}, ...}.
// Only regular files are listed; symbolic links are not followed.
func (m *fsModule) walk(L *lua.LState) int {
	dir := L.CheckString(1)
	name, err := m.local(dir)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	type entry struct {
		path, rel   string
		size, mtime int64
	}
	var files []entry
	fsys, err := m.dirFS(name)
	if err == nil {
		base := m.display(name)
		err = fs.WalkDir(fsys, ".", func(rel string, d fs.DirEntry, err error) error {
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
			files = append(files, entry{path: filepath.Join(base, filepath.FromSlash(rel)), rel: rel, size: info.Size(), mtime: info.ModTime().Unix()})
			return nil
		})
	}
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
	name, err := m.local(L.CheckString(1))
	if err != nil {
		L.ArgError(1, err.Error())
	}
	info, err := m.statFile(name)
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
	name, err := m.local(L.CheckString(1))
	if err != nil {
		L.ArgError(1, err.Error())
	}
	f, err := m.open(name)
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

// mkdir implements fs.mkdir(path) -> true | nil, message: the directory and
// any missing parents; an existing directory is fine.
func (m *fsModule) mkdir(L *lua.LState) int {
	name, err := m.local(L.CheckString(1))
	if err != nil {
		L.ArgError(1, err.Error())
	}
	if m.root != nil {
		err = m.root.MkdirAll(name, 0o777)
	} else {
		err = os.MkdirAll(name, 0o777)
	}
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// files implements fs.files(dir): an iterator for a generic for over the
// regular files under dir, yielding {path=, rel=, size=, mtime=} in the
// order s3.sync uses, the byte order of rel ("a-b" before "a/b", as S3
// lists keys). Symbolic links are not followed. Only the directories on
// the way to the current file are held in memory, so a tree of any size
// is walked in constant memory (up to the size of its largest directory).
// An unreadable directory raises an error from the iterator.
func (m *fsModule) files(L *lua.LState) int {
	dir := L.CheckString(1)
	name, err := m.local(dir)
	if err != nil {
		L.ArgError(1, err.Error())
	}
	if info, err := m.statFile(name); err != nil {
		L.RaiseError("fs.files: %v", err)
	} else if !info.IsDir() {
		L.RaiseError("fs.files: %s is not a directory", dir)
	}
	base := m.display(name)
	type level struct {
		rel     string // "" or "a/b/"
		entries []fs.DirEntry
	}
	var stack []*level
	read := func(rel string) error {
		f, err := m.open(filepath.Join(name, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		des, err := f.ReadDir(-1)
		f.Close()
		if err != nil {
			return err
		}
		key := func(d fs.DirEntry) string {
			if d.IsDir() {
				return d.Name() + "/"
			}
			return d.Name()
		}
		// A directory sorts as its name plus "/": the depth-first walk
		// then yields whole relative paths in byte order.
		sort.Slice(des, func(i, j int) bool { return key(des[i]) < key(des[j]) })
		stack = append(stack, &level{rel: rel, entries: des})
		return nil
	}
	if err := read(""); err != nil {
		L.RaiseError("fs.files: %v", err)
	}
	L.Push(L.NewFunction(func(L *lua.LState) int {
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			if len(top.entries) == 0 {
				stack = stack[:len(stack)-1]
				continue
			}
			d := top.entries[0]
			top.entries = top.entries[1:]
			rel := top.rel + d.Name()
			switch {
			case d.IsDir():
				if err := read(rel + "/"); err != nil {
					stack = nil
					L.RaiseError("fs.files: %v", err)
				}
			case d.Type().IsRegular():
				info, err := d.Info()
				if err != nil {
					continue // removed meanwhile
				}
				t := L.CreateTable(0, 4)
				t.RawSetString("path", lua.LString(filepath.Join(base, filepath.FromSlash(rel))))
				t.RawSetString("rel", lua.LString(rel))
				t.RawSetString("size", lua.LNumber(info.Size()))
				t.RawSetString("mtime", lua.LNumber(info.ModTime().Unix()))
				L.Push(t)
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}))
	return 1
}
