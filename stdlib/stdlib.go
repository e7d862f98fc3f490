// Package stdlib holds the Lua modules that ship inside the s3lua binary and
// the small Go modules scripts need but gopher-lua lacks.
//
// Preload makes them available to require on a *lua.LState:
//
//	pretty  (Lua)  pretty.format(v [, {max_items=, max_depth=, indent=, width=, max_string=, max_keys=}]) -> string,
//	               pretty.print(...), pretty.bytes(n), pretty.quote(s).
//	               The printer the REPL uses: nested table literals, sorted keys,
//	               long tables cut with "... (N more)", cycles shown as <cycle>.
//	fs      (Go)   fs.walk(dir) -> array of {path=, rel=, size=, mtime=} for every
//	               regular file under dir, sorted by rel ('/'-separated);
//	               fs.files(dir) -> iterator over the same, in S3's byte order of rel
//	               ("a-b" before "a/b"), constant memory;
//	               fs.mkdir(path) -> true or nil, message (parents too; existing is fine);
//	               fs.stat(path) -> {size=, mtime=, is_dir=} or nil, message;
//	               fs.md5(path) -> lower-case hex MD5 of the file, read as a stream;
//	               fs.join(a, b, ...) -> the OS path join.
//	json    (Go)   json.encode(value [, {indent = "  " or n}]) -> string,
//	               json.decode(string) -> value, json.null (what null decodes to
//	               and encodes back); errors for cycles, functions and invalid
//	               input, with the position. Parsing by encoding/json.
//
// The Lua modules are compiled once per process, at their first require,
// and shared by every state.
// With Options.Root set, fs works inside Root only, through os.Root, the same
// rule luabind's sandbox applies to get_file and put_file; with
// Options.NoFiles it touches no file at all.
package stdlib

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

//go:embed *.lua
var sources embed.FS

// Options configures PreloadWith.
type Options struct {
	// Root, when set, confines the fs module to files inside Root: every
	// access goes through os.Root, so "..", absolute paths and symbolic
	// links cannot lead out of it. Relative paths are relative to Root.
	Root string
	// NoFiles makes every fs function that touches a file fail (fs.join
	// still works): for sandboxes without a Root.
	NoFiles bool
}

// compiled holds, per embedded module, its compilation: done once per
// process, at the first require of the module in any state, so a start that
// never requires it never parses it (compiling every module at every start
// was the largest part of the command's start-up after the Go runtime).
var compiled = func() map[string]func() (*lua.FunctionProto, error) {
	m := make(map[string]func() (*lua.FunctionProto, error))
	entries, _ := fs.ReadDir(sources, ".") // embedded: cannot fail
	for _, e := range entries {
		file := e.Name()
		m[strings.TrimSuffix(file, ".lua")] = sync.OnceValues(func() (*lua.FunctionProto, error) {
			return compile(file)
		})
	}
	return m
}()

// compile parses and compiles the embedded file.
func compile(file string) (*lua.FunctionProto, error) {
	src, err := sources.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("stdlib: %w", err)
	}
	chunk, err := parse.Parse(bytes.NewReader(src), "stdlib/"+file)
	if err != nil {
		return nil, fmt.Errorf("stdlib: parse %s: %w", file, err)
	}
	proto, err := lua.Compile(chunk, "stdlib/"+file)
	if err != nil {
		return nil, fmt.Errorf("stdlib: compile %s: %w", file, err)
	}
	return proto, nil
}

// Modules returns the names of the modules Preload registers, sorted.
func Modules() []string {
	names := []string{"fs", "json"}
	for n := range compiled {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preload registers every stdlib module with L so that require finds it.
// It does not load any of them.
func Preload(L *lua.LState) error {
	return PreloadWith(L, Options{})
}

// PreloadWith is Preload with options. A Lua module is compiled at its
// first require (once per process; an error there is raised by require).
func PreloadWith(L *lua.LState, opts Options) error {
	for name, proto := range compiled {
		L.PreloadModule(name, func(L *lua.LState) int {
			p, err := proto()
			if err != nil {
				L.RaiseError("%s", err.Error())
			}
			L.Push(L.NewFunctionFromProto(p))
			L.Call(0, 1)
			return 1
		})
	}
	fsm, err := newFSModule(opts)
	if err != nil {
		return err
	}
	L.PreloadModule("fs", fsm.loader)
	L.PreloadModule("json", jsonLoader)
	return nil
}

// Source returns the Lua source of an embedded module, e.g. Source("pretty").
func Source(name string) (string, error) {
	b, err := sources.ReadFile(path.Clean(name) + ".lua")
	if err != nil {
		return "", fmt.Errorf("stdlib: no module %q: %w", name, err)
	}
	return string(b), nil
}
