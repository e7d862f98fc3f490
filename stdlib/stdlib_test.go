package stdlib_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/stdlib"
	lua "github.com/yuin/gopher-lua"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func newState(t *testing.T, opts stdlib.Options) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	if err := stdlib.PreloadWith(L, opts); err != nil {
		t.Fatal(err)
	}
	return L
}

// eval runs chunk, which must return one string.
func eval(t *testing.T, L *lua.LState, chunk string) string {
	t.Helper()
	if err := L.DoString(chunk); err != nil {
		t.Fatalf("%s: %v", chunk, err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v.String()
}

func TestPrettyGolden(t *testing.T) {
	tests := []struct{ name, value string }{
		{"nested", `{ name = "bucket", size = 13, tags = { "a", "b" }, owner = { id = "x", display_name = "me" } }`},
		{"mixed_keys", `{ 10, 20, 30, z = true, a = false, [1.5] = "f", [-1] = "neg", ["with space"] = 1, ["end"] = 2 }`},
		{"long_array", `(function() local t = {} for i = 1, 120 do t[i] = i * i end return t end)()`},
		{"cycle", `(function() local t = { name = "loop" } t.self = t t.list = { t } return t end)()`},
		{"strings", `{ "plain", "tab\tnewline\n", 'quote " and \\', "\0\1\127", "héllo" }`},
		{"error_table", `{ status = 404, code = "NoSuchKey", message = "The specified key does not exist.", request_id = "17A2B", method = "GET", bucket = "b", key = "path/to/file" }`},
		{"deep", `(function() local t = { leaf = true } for i = 1, 14 do t = { level = 15 - i, child = t } end return t end)()`},
		{"scalars", `{ 1, -2, 3.25, 1e300, 0/0, math.huge, -math.huge, true, false }`},
		{"empty", `{ {}, { {} } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newState(t, stdlib.Options{})
			got := eval(t, L, `return require("pretty").format(`+tt.value+`)`) + "\n"
			golden := filepath.Join("testdata", "pretty_"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./stdlib -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("pretty.format(%s) =\n%s\nwant\n%s", tt.value, got, want)
			}
		})
	}
}

func TestPrettyOptionsAndBytes(t *testing.T) {
	tests := []struct{ name, chunk, want string }{
		{"max_items", `return pretty.format({1, 2, 3, 4, 5}, { max_items = 2 })`, `{ 1, 2, ... (3 more) }`},
		{"max_items_shared", `return pretty.format({1, 2, a = 1, b = 2}, { max_items = 3 })`, `{ 1, 2, a = 1, ... (1 more) }`},
		{"max_keys", `return pretty.format({1, 2, 3, a = 1, b = 2, c = 3}, { max_items = 2, max_keys = 2 })`,
			`{ 1, 2, a = 1, b = 2, ... (2 more) }`},
		{"max_keys_all", `return pretty.format({1, 2, 3, a = 1, b = 2}, { max_items = 1, max_keys = 10 })`,
			`{ 1, a = 1, b = 2, ... (2 more) }`},
		{"max_depth", `return pretty.format({ a = { b = {} } }, { max_depth = 1 })`, `{ a = {...} }`},
		{"scalar_string", `return pretty.format("x\ny")`, `"x\ny"`},
		{"max_string", `return pretty.format({ string.rep("a", 10) }, { max_string = 4 })`, `{ "aaaa" ... (6 more bytes) }`},
		{"nil", `return pretty.format(nil)`, `nil`},
		{"bytes_small", `return pretty.bytes(999)`, `999 B`},
		{"bytes_kib", `return pretty.bytes(1536)`, `1.5 KiB`},
		{"bytes_gib", `return pretty.bytes(3 * 1024 ^ 3)`, `3.0 GiB`},
		{"bad_opts", `local ok, err = pcall(pretty.format, 1, 2) return err`, `bad argument #2 to 'format' (table expected, got number)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newState(t, stdlib.Options{})
			got := eval(t, L, "local pretty = require 'pretty' "+tt.chunk)
			if !strings.HasSuffix(got, tt.want) {
				t.Errorf("%s = %q, want %q", tt.chunk, got, tt.want)
			}
		})
	}
}

func TestFS(t *testing.T) {
	dir := t.TempDir()
	mustWrite := func(rel, data string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite("b.txt", "Hello, world.")
	mustWrite("a/z.txt", "")
	mustWrite("a/b/c.txt", "abc")
	L := newState(t, stdlib.Options{})
	L.SetGlobal("dir", lua.LString(dir))
	got := eval(t, L, `
		local fs = require "fs"
		local out = {}
		for _, f in ipairs(fs.walk(dir)) do out[#out + 1] = f.rel .. ":" .. f.size end
		out[#out + 1] = fs.md5(fs.join(dir, "b.txt"))
		out[#out + 1] = tostring(fs.stat(dir).is_dir)
		local st, msg = fs.stat(fs.join(dir, "missing"))
		out[#out + 1] = tostring(st) .. " " .. tostring(msg ~= nil)
		return table.concat(out, " ")`)
	want := "a/b/c.txt:3 a/z.txt:0 b.txt:13 080aef839b95facf73ec599375e92d47 true nil true"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestFSNoFiles: with NoFiles, no fs function touches a file.
func TestFSNoFiles(t *testing.T) {
	L := newState(t, stdlib.Options{NoFiles: true})
	for _, chunk := range []string{`require("fs").walk(".")`, `require("fs").stat("/etc/passwd")`, `require("fs").md5("/etc/passwd")`, `require("fs").files(".")`, `require("fs").mkdir("x")`} {
		if got := eval(t, L, `local ok, err = pcall(function() `+chunk+` end) return tostring(ok) .. " " .. err`); !strings.Contains(got, "false") || !strings.Contains(got, "file access is disabled") {
			t.Errorf("%s: %q", chunk, got)
		}
	}
	if got := eval(t, L, `return require("fs").join("a", "b")`); got != "a/b" {
		t.Errorf("fs.join = %q", got)
	}
}

// TestFSRoot: with Root, fs reaches no file outside it: not through "..",
// an absolute path, or a symbolic link to a file or a directory outside.
func TestFSRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "in.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "dirlink")); err != nil {
		t.Fatal(err)
	}
	L := newState(t, stdlib.Options{Root: root})
	L.SetGlobal("outside", lua.LString(outside))
	L.SetGlobal("root", lua.LString(root))
	tests := []struct{ name, chunk, want string }{
		{"inside_absolute", `return require("fs").md5(root .. "/in.txt")`, "9dd4e461268c8034f5c8564e155c67a6"},
		{"absolute_outside", `local ok, err = pcall(require("fs").stat, "/etc/passwd") return err`, "outside the allowed root"},
		{"symlink_md5", `local ok, err = pcall(require("fs").md5, "link") return tostring(ok) .. " " .. err`, "false"},
		{"symlink_stat", `local st, err = require("fs").stat("link") return tostring(st) .. " " .. tostring(err)`, "nil"},
		{"dirlink_walk", `local ok, err = pcall(require("fs").walk, "dirlink") return tostring(ok)`, "false"},
		{"dirlink_md5", `local ok, err = pcall(require("fs").md5, "dirlink/secret") return tostring(ok)`, "false"},
		{"inside_relative", `return tostring(#require("fs").walk("."))`, "1"},
		{"outside_walk", `local ok, err = pcall(require("fs").walk, outside) return err`, "outside the allowed root"},
		{"dotdot_md5", `local ok, err = pcall(require("fs").md5, "../x") return err`, "outside the allowed root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eval(t, L, tt.chunk); !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestFSFilesAndMkdir: fs.files yields regular files in byte order of rel
// (as S3 lists keys, "a-b" before "a/b"); fs.mkdir makes parents and
// accepts an existing directory.
func TestFSFilesAndMkdir(t *testing.T) {
	dir := t.TempDir()
	L := newState(t, stdlib.Options{})
	L.SetGlobal("dir", lua.LString(dir))
	got := eval(t, L, `
		local fs = require "fs"
		local out = {}
		assert(fs.mkdir(fs.join(dir, "a", "c")) == true)
		assert(fs.mkdir(fs.join(dir, "a", "c")) == true, "existing directory")
		assert(fs.mkdir(fs.join(dir, "z", "y")))
		for _, rel in ipairs({"a/b", "a-b", "a.b", "a0", "a/c/d", "a/c-d", "B", "z/y/x"}) do
			local f = assert(io.open(fs.join(dir, rel), "w")); f:write(rel); f:close()
		end
		local ok, msg = fs.mkdir(fs.join(dir, "a0", "sub"))
		out[#out + 1] = tostring(ok) .. " " .. tostring(msg ~= nil)
		for f in fs.files(dir) do
			assert(f.size == #f.rel and f.path == fs.join(dir, f.rel) and f.mtime > 0)
			out[#out + 1] = f.rel
		end
		local ok2, err = pcall(fs.files, fs.join(dir, "missing"))
		out[#out + 1] = tostring(ok2)
		return table.concat(out, " ")`)
	want := "nil true B a-b a.b a/b a/c-d a/c/d a0 z/y/x false"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// Inside a root, and not outside it.
	L = newState(t, stdlib.Options{Root: dir})
	got = eval(t, L, `
		local fs = require "fs"
		assert(fs.mkdir("new/deep"))
		local n = 0
		for f in fs.files("a") do n = n + 1 end
		local ok, err = pcall(fs.mkdir, "../escape")
		return n .. " " .. tostring(ok) .. " " .. err`)
	if !strings.HasPrefix(got, "3 false") || !strings.Contains(got, "outside the allowed root") {
		t.Errorf("rooted: %q", got)
	}
	if st, err := os.Stat(filepath.Join(dir, "new", "deep")); err != nil || !st.IsDir() {
		t.Errorf("fs.mkdir inside the root: %v", err)
	}
}

func TestJSON(t *testing.T) {
	L := newState(t, stdlib.Options{})
	tests := []struct{ name, chunk, want string }{
		{"scalars", `return json.encode({1, 2.5, "a\"b", true, false, json.null})`, `[1,2.5,"a\"b",true,false,null]`},
		{"object sorted", `return json.encode({b = 1, a = {x = "<&>"}, [3] = "n"})`, `{"3":"n","a":{"x":"<&>"},"b":1}`},
		{"empty", `return json.encode({})`, `{}`},
		{"big integer", `return json.encode(2^53 - 1)`, `9007199254740991`},
		{"indent", `return json.encode({a = {1, 2}}, {indent = 2})`, "{\n  \"a\": [\n    1,\n    2\n  ]\n}"},
		{"indent string", `return json.encode({1}, {indent = "\t"})`, "[\n\t1\n]"},
		{"round trip", `local v = json.decode('{"a":[1,null,{"b":"\\u00e9"}],"c":-1.5e3,"d":true}')
			return json.encode(v)`, `{"a":[1,null,{"b":"é"}],"c":-1500,"d":true}`},
		{"null identity", `local v = json.decode('[null, 1]'); return tostring(v[1] == json.null) .. " " .. #v .. " " .. tostring(json.null)`, "true 2 json.null"},
		{"decode top null", `return tostring(json.decode("null") == json.null)`, "true"},
		{"decode string", `return json.decode('"x\\ny"')`, "x\ny"},
		{"cycle", `local t = {}; t.self = t; local ok, err = pcall(json.encode, t); return err`, "json.encode: value.self: cycle"},
		{"function", `local ok, err = pcall(json.encode, {a = {print}}); return err`, "json.encode: value.a[1]: cannot encode a function"},
		{"nan", `local ok, err = pcall(json.encode, 0/0); return err`, "cannot encode NaN"},
		{"bad key", `local ok, err = pcall(json.encode, {[true] = 1}); return err`, "cannot encode a boolean key"},
		{"invalid", `local ok, err = pcall(json.decode, '{"a": 1,\n "b": x}'); return err`, "json.decode: invalid character 'x' looking for beginning of value at position 16 (line 2, column 7)"},
		{"truncated", `local ok, err = pcall(json.decode, '[1, 2'); return err`, "json.decode: unexpected end of input at position 6"},
		{"trailing", `local ok, err = pcall(json.decode, '1 2'); return err`, "after top-level value at position 3"},
		{"bad option", `local ok, err = pcall(json.encode, 1, {indnt = 2}); return err`, "unknown option 'indnt'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eval(t, L, `local json = require "json" `+tt.chunk)
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestEveryModuleLoads requires every module Preload registers: the Lua ones
// are compiled at their first require, so this is where a broken one shows.
func TestEveryModuleLoads(t *testing.T) {
	for _, name := range stdlib.Modules() {
		t.Run(name, func(t *testing.T) {
			L := newState(t, stdlib.Options{})
			if got := eval(t, L, `return type(require(`+strconv.Quote(name)+`))`); got != "table" {
				t.Fatalf("require %q gave a %s, want a table", name, got)
			}
		})
	}
}
