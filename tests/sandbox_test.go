package tests

import (
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/luabind"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// TestSandboxAttacks runs, against every server, a sandboxed script (Root,
// a one-bucket allow-list, a memory guard) that attacks each rule of the
// sandbox: the endpoint and the credentials (a rogue listener on loopback
// must receive nothing), files through "..", absolute paths, symbolic links
// and a directory swapped for a link during a download, the debug library,
// loaders, binary chunks and memory bombs. Between the attacks the script
// does real work on the allowed bucket, which must keep working.
func TestSandboxAttacks(t *testing.T) {
	rogue, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Close()
	var rogueConns atomic.Int64
	go func() {
		for {
			c, err := rogue.Accept()
			if err != nil {
				return
			}
			rogueConns.Add(1)
			c.Close()
		}
	}()

	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			client := enginetest.Client(t, srv)
			bucket := enginetest.Bucket(t, client, "sandbox-attack")
			other := enginetest.Bucket(t, client, "sandbox-other")
			base := t.TempDir()
			root, outside := filepath.Join(base, "root"), filepath.Join(base, "outside")
			for _, d := range []string{root, outside, filepath.Join(root, "sub")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			secret := filepath.Join(outside, "secret.txt")
			if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(secret, filepath.Join(root, "link.txt")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(root, "outlink")); err != nil {
				t.Fatal(err)
			}

			L := lua.NewState(luabind.StateOptions())
			defer L.Close()
			if _, err := luabind.Open(L, luabind.Options{
				Client: client, Sandbox: true, Root: root, Buckets: []string{bucket},
				MaxMemory: 512 << 20,
			}); err != nil {
				t.Fatal(err)
			}
			for k, v := range map[string]string{
				"BUCKET": bucket, "OTHER": other, "ROGUE": rogue.Addr().String(),
				"ROOT": root, "OUTSIDE": outside, "SECRET": secret,
			} {
				L.SetGlobal(k, lua.LString(v))
			}
			// swap replaces root/sub by a link to the outside directory, as
			// a hostile process could while a download runs.
			L.SetGlobal("swap", L.NewFunction(func(L *lua.LState) int {
				if err := os.Rename(filepath.Join(root, "sub"), filepath.Join(root, "sub-moved")); err != nil {
					L.RaiseError("swap: %v", err)
				}
				if err := os.Symlink(outside, filepath.Join(root, "sub")); err != nil {
					L.RaiseError("swap: %v", err)
				}
				return 0
			}))
			err := L.DoString(`
				local function refused(pattern, fn, ...)
					local ok, err = pcall(fn, ...)
					assert(not ok, "not refused: " .. pattern)
					assert(tostring(err):find(pattern, 1, true), pattern .. " / " .. tostring(err))
				end
				local k = BUCKET .. "/k"
				s3.put_bytes(k, string.rep("z", 300000), "application/octet-stream")

				-- the endpoint and the credentials
				refused("belongs to the host", s3.host, ROGUE)
				refused("belongs to the host", s3.scheme, "https")
				refused("belongs to the host", s3.path_requests, false)
				refused("belongs to the host", s3.region, "eu-central-1")
				refused("belongs to the host", s3.with, {host = ROGUE}, s3.get_bytes, k)
				refused("belongs to the host", s3.with, {scheme = "https", region = "x"}, s3.get_bytes, k)
				refused("credentials belong to the host", s3.set_credentials, "AKIDEXAMPLE", "x")
				refused("credentials belong to the host", s3.credentials_from_environment)
				refused("credentials belong to the host", s3.credentials_from_file)
				refused("is not allowed", s3.get_bytes, OTHER .. "/k")
				refused("is not allowed", s3.sign_uri, OTHER .. "/k", "GET", 60)
				assert(#s3.get_bytes(k) == 300000)

				-- files
				refused("outside the allowed root", s3.put_file, k, SECRET)
				refused("outside the allowed root", s3.put_file, k, "../outside/secret.txt")
				refused("outside the allowed root", s3.put_file, k, "link.txt")
				refused("outside the allowed root", s3.get_file, k, "outlink/stolen.txt")
				refused("outside the allowed root", s3.get_file, k, OUTSIDE .. "/stolen.txt")
				refused("outside the allowed root", s3.multipart_put_file, k, "outlink/secret.txt")
				refused("outside the allowed root", io.open, SECRET)
				refused("outside the allowed root", io.open, "outlink/new.txt", "w")
				refused("outside the allowed root", os.rename, "link.txt", "x")
				refused("outside the allowed root", require("fs").md5, SECRET)
				local swapped = false
				local ok = pcall(s3.get_file, k, "sub/f", nil, {progress = function()
					if not swapped then swapped = true; swap() end
				end})
				assert(swapped, "the download never reported progress")
				assert(not ok, "the download was committed through the swapped-in link")
				s3.get_file(k, "inside.bin")
				assert(require("fs").stat("inside.bin").size == 300000)

				-- the debug library, loaders, binary chunks
				assert(debug == nil and package.loaded.debug == nil and getfenv == nil)
				refused("preloaded modules only", require, "debug")
				assert(dofile == nil and loadfile == nil and package.loaders == nil)
				assert(loadstring("\27LuaQ\0") == nil)

				-- memory bombs
				refused("longer than the limit", string.rep, "x", 2^40)
				refused("longer than the limit", function() return ("x"):rep(2^40) end)
				local t = {}
				for i = 1, 100 do t[i] = string.rep("x", 2^20) end
				refused("longer than the limit", table.concat, t, string.rep("-", 2^20))

				-- still working
				s3.put_bytes(BUCKET .. "/done", "yes", "text/plain")
			`)
			if err != nil {
				t.Fatal(err)
			}
			if n := rogueConns.Load(); n != 0 {
				t.Errorf("the rogue listener received %d connections", n)
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 1 {
				t.Errorf("files written outside the root: %v", entries)
			}
			if b, _ := os.ReadFile(secret); string(b) != "secret" {
				t.Errorf("the secret changed: %q", b)
			}
		})
	}
}
