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
// The Lua modules are compiled once per process and shared by every state.
// With Options.Root set, fs works inside Root only, through os.Root, the same
// rule luabind's sandbox applies to get_file and put_file; with
// Options.NoFiles it touches no file at all.
package stdlib

import (
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

var (
	compileOnce sync.Once
	protos      map[string]*lua.FunctionProto
	compileErr  error
)

// compile parses and compiles every embedded module once.
func compile() (map[string]*lua.FunctionProto, error) {
	compileOnce.Do(func() {
		entries, err := fs.ReadDir(sources, ".")
		if err != nil {
			compileErr = fmt.Errorf("stdlib: %w", err)
			return
		}
		protos = make(map[string]*lua.FunctionProto)
		for _, e := range entries {
			name := strings.TrimSuffix(e.Name(), ".lua")
			src, err := sources.ReadFile(e.Name())
			if err != nil {
				compileErr = fmt.Errorf("stdlib: %w", err)
				return
			}
			chunk, err := parse.Parse(strings.NewReader(string(src)), "stdlib/"+e.Name())
			if err != nil {
				compileErr = fmt.Errorf("stdlib: parse %s: %w", e.Name(), err)
				return
			}
			proto, err := lua.Compile(chunk, "stdlib/"+e.Name())
			if err != nil {
				compileErr = fmt.Errorf("stdlib: compile %s: %w", e.Name(), err)
				return
			}
			protos[name] = proto
		}
	})
	return protos, compileErr
}

// Modules returns the names of the modules Preload registers, sorted.
func Modules() []string {
	p, _ := compile()
	names := []string{"fs", "json"}
	for n := range p {
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

// PreloadWith is Preload with options.
func PreloadWith(L *lua.LState, opts Options) error {
	p, err := compile()
	if err != nil {
		return err
	}
	for name, proto := range p {
		proto := proto
		L.PreloadModule(name, func(L *lua.LState) int {
			L.Push(L.NewFunctionFromProto(proto))
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
