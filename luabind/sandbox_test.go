package luabind_test

import (
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/luabind"
)

// rogueListener counts the connections made to it: a sandboxed script must
// never reach it.
func rogueListener(t *testing.T) (addr string, count func() int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), n.Load
}

// TestSandboxEnvironment: the sandbox's globals are exactly the allow-list
// (plus s3 and what the host sets), the loaded-module table hands back
// nothing that was removed, and require loads preloaded modules only.
func TestSandboxEnvironment(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true})
	var names []string
	L.G.Global.ForEach(func(k, _ lua.LValue) { names = append(names, k.String()) })
	sort.Strings(names)
	want := "_G _VERSION assert coroutine error getmetatable io ipairs load loadstring math next os package pairs pcall print rawequal rawget rawset require s3 select setmetatable string table tonumber tostring type unpack xpcall"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("globals:\n got %s\nwant %s", got, want)
	}
	run(t, L, `
		local function keys(t) local k = {} for n in pairs(t) do k[#k + 1] = n end table.sort(k) return table.concat(k, " ") end
		assert(keys(os) == "clock date difftime time", "os: " .. keys(os))
		assert(keys(io) == "type write", "io: " .. keys(io))
		for _, name in ipairs({"debug", "channel", "io", "os", "package"}) do
			local m = package.loaded[name]
			assert(name ~= "debug" and name ~= "channel" or m == nil, name .. " is still loaded")
		end
		assert(package.loaded.os.execute == nil and package.loaded.io.popen == nil)
		assert(not pcall(require, "debug"))
		local ok, err = pcall(require, "some_module_on_disk")
		assert(not ok and err:find("preloaded modules only"), err)
		assert(require("os") == os, "os") assert(require("s3") == s3, "s3")
		assert(type(require("pretty").format({1})) == "string")
		assert(package.path == nil and package.loaders == nil and package.cpath == nil)
		-- binary chunks
		local f, e = loadstring("\27LuaQ\0")
		assert(f == nil and e:find("binary chunk"), e)
		local parts, i = {"\27Lua", "x"}, 0
		local g, e2 = load(function() i = i + 1 return parts[i] end)
		assert(g == nil and e2:find("binary chunk"), e2)
		assert(loadstring("return 40 + 2")() == 42)
		-- string.dump cannot produce one either
		assert(not pcall(string.dump, print))
	`)
}

// TestSandboxNoRootNoFiles: without Root, no function touches a file.
func TestSandboxNoRootNoFiles(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("v"), 0o644); err != nil {
		t.Fatal(err)
	}
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, AllowCredentials: true})
	L.SetGlobal("VICTIM", lua.LString(victim))
	run(t, L, `
		s3.create_bucket("nofiles")
		s3.put_bytes("nofiles/k", "x", "text/plain")
		assert(io.open == nil and io.lines == nil and os.remove == nil and os.rename == nil)
		local function refused(pattern, fn, ...)
			local ok, err = pcall(fn, ...)
			assert(not ok, "not refused")
			assert(tostring(err):find(pattern, 1, true), tostring(err))
		end
		refused("no file access", s3.get_file, "nofiles/k", VICTIM .. ".new")
		refused("no file access", s3.put_file, "nofiles/k2", VICTIM)
		refused("no file access", s3.multipart_put_file, "nofiles/k2", VICTIM)
		refused("no file access", s3.credentials_from_file)
		local fs = require "fs"
		refused("file access is disabled", fs.walk, ".")
		refused("file access is disabled", fs.md5, VICTIM)
		refused("file access is disabled", fs.stat, VICTIM)
	`)
	if _, err := os.Stat(victim + ".new"); err == nil {
		t.Error("a file was written")
	}
}

// TestSandboxEndpointAndCredentials: the endpoint and the credentials
// belong to the host; a script that tries to send requests (signed with
// the host's credentials) to its own listener reaches nothing.
func TestSandboxEndpointAndCredentials(t *testing.T) {
	rogue, count := rogueListener(t)
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, Buckets: []string{"allowed"}})
	L.SetGlobal("ROGUE", lua.LString(rogue))
	run(t, L, `
		s3.create_bucket("allowed")
		local function refused(pattern, fn, ...)
			local ok, err = pcall(fn, ...)
			assert(not ok, "not refused")
			assert(tostring(err):find(pattern, 1, true), tostring(err))
		end
		local host = s3.host()
		refused("belongs to the host", s3.host, ROGUE)
		refused("belongs to the host", s3.scheme, "https")
		refused("belongs to the host", s3.path_requests, false)
		refused("belongs to the host", s3.region, "eu-west-1")
		local called = false
		refused("belongs to the host", s3.with, {host = ROGUE}, function() called = true end)
		refused("belongs to the host", s3.with, {region = "x", max_tries = 2}, function() called = true end)
		assert(not called)
		refused("credentials belong to the host", s3.set_credentials, "AKID", "SECRET")
		refused("credentials belong to the host", s3.credentials_from_environment)
		refused("credentials belong to the host", s3.credentials_from_file)
		assert(s3.host() == host)
		-- settings that do not move requests stay the script's
		s3.max_tries(2)
		s3.with({max_tries = 3}, function() s3.put_bytes("allowed/k", "x", "text/plain") end)
		assert(s3.get_bytes("allowed/k") == "x")
	`)
	if n := count(); n != 0 {
		t.Errorf("the rogue listener got %d connections", n)
	}

	// The host may allow it explicitly.
	L2 := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, AllowEndpoint: true})
	L2.SetGlobal("ROGUE", lua.LString(rogue))
	run(t, L2, `
		s3.max_tries(1)
		s3.host(ROGUE)
		assert(s3.host() == ROGUE)
		assert(not pcall(s3.head, "b/k"))
	`)
	if count() == 0 {
		t.Error("AllowEndpoint: the request did not go where the script said")
	}
}

// TestSandboxCredentialsFromFileInRoot: with AllowCredentials,
// credentials_from_file reads .aws/credentials inside Root only; a link
// leading out is refused.
func TestSandboxCredentialsFromFileInRoot(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(outside, ".aws"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, ".aws", "credentials"), []byte("[default]\naws_access_key_id = OUT\naws_secret_access_key = OUTSIDE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(outside, ".aws", "credentials"))
	if err := os.Symlink(filepath.Join(outside, ".aws"), filepath.Join(root, ".aws")); err != nil {
		t.Fatal(err)
	}
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, Root: root, AllowCredentials: true})
	run(t, L, `
		local ok, err = pcall(s3.credentials_from_file)
		assert(not ok and tostring(err):find("credentials"), tostring(err))`)
	if err := os.Remove(filepath.Join(root, ".aws")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, ".aws"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ".aws", "credentials"), []byte("[p]\naws_access_key_id = IN\naws_secret_access_key = INSIDE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, L, `
		s3.credentials_from_file("p")
		local ok, err = pcall(s3.credentials_from_file, "missing")
		assert(not ok)`)
}

// TestSandboxFilesInRoot: io and os work inside Root through os.Root;
// "..", absolute paths and symbolic links leading out are refused.
func TestSandboxFilesInRoot(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "dir")); err != nil {
		t.Fatal(err)
	}
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, Root: root})
	L.SetGlobal("ROOT", lua.LString(root))
	L.SetGlobal("SECRET", lua.LString(secret))
	run(t, L, `
		local function refused(fn, ...)
			local ok, err = pcall(fn, ...)
			assert(not ok, "not refused")
			assert(tostring(err):find("outside the allowed root", 1, true), tostring(err))
		end
		refused(io.open, SECRET)
		refused(io.open, "../x", "w")
		refused(io.open, "link.txt")
		refused(io.open, "dir/secret.txt")
		refused(io.open, "dir/new.txt", "w")
		refused(io.lines, "link.txt")
		refused(os.remove, "link.txt")
		refused(os.remove, SECRET)
		refused(os.rename, "link.txt", "x")
		-- inside: the full file API
		local f = assert(io.open("a.txt", "w"))
		assert(io.type(f) == "file")
		f:write("line 1\n", 2, "\n")
		f:close()
		assert(io.type(f) == "closed file")
		assert(not pcall(f.write, f, "x"))
		local lines = {}
		for l in io.lines(ROOT .. "/a.txt") do lines[#lines + 1] = l end
		assert(#lines == 2 and lines[2] == "2")
		local g = assert(io.open("a.txt", "r+"))
		assert(g:read("*l") == "line 1")
		assert(g:read("*n") == 2)
		assert(g:seek("set", 0) == 0)
		g:write("LINE")
		assert(g:seek("set") == 0 and g:read("*a") == "LINE 1\n2\n")
		g:close()
		local h, msg = io.open("missing.txt")
		assert(h == nil and msg:find("missing.txt"), msg)
		assert(os.rename("a.txt", "b.txt"))
		assert(os.remove("b.txt"))
		assert(os.remove("b.txt") == nil)
	`)
	if b, _ := os.ReadFile(secret); string(b) != "secret" {
		t.Errorf("the file outside changed: %q", b)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files created outside the root: %v", entries)
	}
}

// TestSandboxMemoryBombs: string builders beyond the limit are Lua errors.
func TestSandboxMemoryBombs(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, MaxMemory: 64 << 20})
	run(t, L, `
		local ok, err = pcall(string.rep, "x", 2^40)
		assert(not ok and err:find("longer than the limit"), err)
		ok, err = pcall(string.rep, "x", 2^25)
		assert(not ok, "a quarter of MaxMemory is the string limit")
		local t = {}
		for i = 1, 2^10 do t[i] = string.rep("y", 2^14) end
		ok, err = pcall(table.concat, t, string.rep(",", 2^10))
		assert(not ok and err:find("table.concat"), err)`)
}
