package tests

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/luabind"
	"github.com/s3lua/s3lua/luabind/luatest"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// The Lua module's tests: every tests/lua/*_test.lua file runs against every
// server (MinIO, versitygw, the embedded store); each global test_* function
// is a subtest, in a fresh state with these globals:
//
//	BUCKET  a fresh bucket for the file (emptied and deleted afterwards)
//	SERVER  "minio", "versitygw" or "local"
//	PREFIX  a key prefix unique to the test function ("test_name/")
//	TMPDIR  an empty directory for the test's files
//	bp(k)   BUCKET .. "/" .. PREFIX .. k
//	OTHER_BUCKET  a second bucket that exists (sandbox_test.lua only)

// luaState returns a state with the module opened by opts and the test
// globals set.
func luaState(t *testing.T, opts luabind.Options, globals map[string]string) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	if _, err := luabind.Open(L, opts); err != nil {
		t.Fatalf("luabind.Open: %v", err)
	}
	for k, v := range globals {
		L.SetGlobal(k, lua.LString(v))
	}
	if err := L.DoString(`function bp(k) return BUCKET .. "/" .. PREFIX .. (k or "") end`); err != nil {
		t.Fatal(err)
	}
	return L
}

func TestLua(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("lua", "*_test.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Lua test files in tests/lua: %v", err)
	}
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			client := enginetest.Client(t, srv)
			for _, file := range files {
				name := strings.TrimSuffix(filepath.Base(file), ".lua")
				t.Run(name, func(t *testing.T) {
					bucket := enginetest.Bucket(t, client, "lua-"+strings.TrimSuffix(name, "_test"))
					globals := map[string]string{"BUCKET": bucket, "SERVER": srv.Name}
					opts := luabind.Options{Client: client}
					if name == "sandbox_test" {
						globals["OTHER_BUCKET"] = enginetest.Bucket(t, client, "lua-other")
					}
					luatest.RunFile(t, file, func(t *testing.T, fn string) *lua.LState {
						g := map[string]string{"PREFIX": fn + "/", "TMPDIR": t.TempDir()}
						for k, v := range globals {
							g[k] = v
						}
						o := opts
						if name == "sandbox_test" {
							o.Sandbox = true
							o.Root = g["TMPDIR"]
							o.Buckets = []string{bucket}
						}
						return luaState(t, o, g)
					})
				})
			}
		})
	}
}

// docExample is one ```lua block of docs/lua-api.md.
type docExample struct {
	line     int
	code     string
	requires []string // from a first line "-- requires: acl"
}

var requiresLine = regexp.MustCompile(`^--\s*requires:\s*(.+)$`)

func docExamples(t *testing.T, path string) []docExample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out  []docExample
		cur  *docExample
		b    strings.Builder
		line int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line++
		text := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(text) == "```lua":
			cur = &docExample{line: line + 1}
			b.Reset()
		case cur != nil && strings.TrimSpace(text) == "```":
			cur.code = b.String()
			if m := requiresLine.FindStringSubmatch(strings.SplitN(cur.code, "\n", 2)[0]); m != nil {
				for _, r := range strings.Split(m[1], ",") {
					cur.requires = append(cur.requires, strings.TrimSpace(r))
				}
			}
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			b.WriteString(text)
			b.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// serverHas reports whether srv supports a feature an example requires.
func serverHas(srv testenv.Server, feature string) bool {
	switch feature {
	case "acl":
		return srv.Name == testenv.NameMinIO
	case "tagging":
		return !srv.Local // gofakes3 has no tagging
	case "lifecycle":
		return srv.Name == testenv.NameMinIO
	case "policy":
		return !srv.Local
	case "cors":
		return srv.Name == testenv.NameVersityGW
	case "versioned-copy":
		return !srv.Local // gofakes3 ignores the versionId of a copy source
	case "signing":
		return !srv.Local
	}
	return true
}

// TestLuaDocs runs every ```lua example of docs/lua-api.md against every
// server, so the documentation cannot rot. Examples may use BUCKET (an
// empty bucket, emptied again after each example) and TMPDIR.
func TestLuaDocs(t *testing.T) {
	examples := docExamples(t, filepath.Join("..", "docs", "lua-api.md"))
	if len(examples) < 20 {
		t.Fatalf("docs/lua-api.md: only %d lua examples found", len(examples))
	}
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			client := enginetest.Client(t, srv)
			bucket := enginetest.Bucket(t, client, "lua-docs")
			for _, ex := range examples {
				t.Run(fmt.Sprintf("line%d", ex.line), func(t *testing.T) {
					for _, r := range ex.requires {
						if !serverHas(srv, r) {
							t.Skipf("%s does not support %s", srv.Name, r)
						}
					}
					defer enginetest.Empty(t, client, bucket)
					L := luaState(t, luabind.Options{Client: client}, map[string]string{
						"BUCKET": bucket, "SERVER": srv.Name, "PREFIX": "", "TMPDIR": t.TempDir(),
					})
					L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int { return 0 }))
					if err := L.DoString(ex.code); err != nil {
						var api *lua.ApiError
						if errors.As(err, &api) {
							t.Fatalf("docs/lua-api.md:%d: %s\n%s", ex.line, luabind.ErrorMessage(L, api.Object), api.StackTrace)
						}
						t.Fatalf("docs/lua-api.md:%d: %v", ex.line, err)
					}
				})
			}
		})
	}
}

// TestLuaCancel cancels the state's context while a transfer runs, from
// inside a put writer and inside a get reader: the call fails with a
// Canceled error table and leaves no object behind.
func TestLuaCancel(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			client := enginetest.Client(t, srv)
			bucket := enginetest.Bucket(t, client, "lua-cancel")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			L := luaState(t, luabind.Options{Client: client}, map[string]string{"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name})
			L.SetGlobal("cancel", L.NewFunction(func(L *lua.LState) int { cancel(); return 0 }))
			if err := L.DoString(`s3.put_bytes(BUCKET .. "/big", string.rep("x", 1048576), "text/plain")`); err != nil {
				t.Fatal(err)
			}
			L.SetContext(ctx)

			// A reader cancels after the first bytes: the read that follows
			// (or the next Lua instruction) fails.
			err := L.DoString(`
				local ok, err = pcall(s3.get_proc, BUCKET .. "/big", function(body)
					assert(body:read(10))
					cancel()
					while body:read(65536) do end
					return "read all"
				end)
				assert(not ok, "get_proc should fail after cancel")
				CANCEL_ERR = err`)
			if err == nil {
				t.Fatal("get_proc: expected the cancelled context to stop the script")
			}
			if !strings.Contains(err.Error(), "cancel") {
				t.Errorf("get_proc after cancel: error %v does not mention the cancellation", err)
			}

			// A writer cancels half-way: no object is created.
			ctx2, cancel2 := context.WithCancel(context.Background())
			defer cancel2()
			L2 := luaState(t, luabind.Options{Client: client}, map[string]string{"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name})
			L2.SetGlobal("cancel", L2.NewFunction(func(L *lua.LState) int { cancel2(); return 0 }))
			L2.SetContext(ctx2)
			err = L2.DoString(`
				s3.put(BUCKET .. "/cancelled", function(w)
					w:write(string.rep("y", 100000))
					cancel()
					for i = 1, 100 do w:write(string.rep("y", 1000)) end
				end, 200000, "text/plain")`)
			if err == nil {
				t.Fatal("put: expected the cancelled context to stop the script")
			}
			if _, herr := client.Head(context.Background(), bucket+"/cancelled", nil); !engine.IsNotFound(herr) {
				t.Errorf("put cancelled half-way: object exists or HEAD failed oddly: %v", herr)
			}

			// Cancelled from Go while the engine is copying (no Lua code runs
			// in between): get_file raises a Canceled error table and leaves
			// no file.
			ctx3, cancel3 := context.WithCancel(context.Background())
			defer cancel3()
			dir := t.TempDir()
			hook := func(desc string, total int64) (func(int64), func()) {
				return func(done int64) {
					if done > 0 {
						cancel3()
					}
				}, func() {}
			}
			L3 := luaState(t, luabind.Options{Client: client, Progress: hook},
				map[string]string{"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name, "TMPDIR": dir})
			L3.SetContext(ctx3)
			err = L3.DoString(`s3.get_file(BUCKET .. "/big", TMPDIR .. "/big.out")`)
			var api *lua.ApiError
			if !errors.As(err, &api) {
				t.Fatalf("get_file cancelled from Go: got %v", err)
			}
			tbl, ok := api.Object.(*lua.LTable)
			if !ok || tbl.RawGetString("code").String() != "Canceled" {
				t.Errorf("get_file cancelled from Go: error %s, want an error table with code Canceled", luabind.ErrorMessage(L3, api.Object))
			}
			if _, serr := os.Stat(filepath.Join(dir, "big.out")); serr == nil {
				t.Error("get_file cancelled: the file exists")
			}
		})
	}
}

// TestLuaProgressHook checks Options.Progress: called once per transfer
// with its size, updates up to the total, finish once, beside the script's
// own progress function.
func TestLuaProgressHook(t *testing.T) {
	srv := testenv.Local(t)
	client := enginetest.Client(t, srv)
	bucket := enginetest.Bucket(t, client, "lua-progress")
	var (
		starts       []string
		totals       []int64
		last         int64
		finishes     int
		updatesAfter int
	)
	opts := luabind.Options{Client: client, Progress: func(desc string, total int64) (func(int64), func()) {
		starts = append(starts, desc)
		totals = append(totals, total)
		done := false
		return func(n int64) {
				if done {
					updatesAfter++
				}
				last = n
			}, func() {
				done = true
				finishes++
			}
	}}
	dir := t.TempDir()
	L := luaState(t, opts, map[string]string{"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name, "TMPDIR": dir})
	err := L.DoString(`
		local f = assert(io.open(TMPDIR .. "/up.bin", "wb"))
		f:write(string.rep("z", 300000)); f:close()
		local calls, seen = 0, 0
		s3.put_file(BUCKET .. "/up.bin", TMPDIR .. "/up.bin", {progress = function(done, total)
			calls = calls + 1; seen = done; assert(total == 300000, "total " .. total)
		end})
		assert(calls > 0 and seen == 300000, "script progress: " .. calls .. " calls, last " .. seen)
		s3.get_file(BUCKET .. "/up.bin", TMPDIR .. "/down.bin")`)
	if err != nil {
		t.Fatal(err)
	}
	if len(starts) != 2 || finishes != 2 || updatesAfter != 0 {
		t.Fatalf("hook: starts %q, finishes %d, updates after finish %d", starts, finishes, updatesAfter)
	}
	if starts[0] != "put_file "+bucket+"/up.bin" || starts[1] != "get_file "+bucket+"/up.bin" {
		t.Errorf("hook descriptions: %q", starts)
	}
	if totals[0] != 300000 || totals[1] != 300000 || last != 300000 {
		t.Errorf("hook totals %v, last update %d", totals, last)
	}
	data, err := os.ReadFile(filepath.Join(dir, "down.bin"))
	if err != nil || len(data) != 300000 {
		t.Fatalf("downloaded file: %d bytes, %v", len(data), err)
	}
}

// TestLuaSignedRequests uses what sign_uri and uri_headers return to make
// real requests from Go: the servers that check signatures accept them.
func TestLuaSignedRequests(t *testing.T) {
	for _, srv := range testenv.Remotes(t) {
		t.Run(srv.Name, func(t *testing.T) {
			client := enginetest.Client(t, srv)
			bucket := enginetest.Bucket(t, client, "lua-signed")
			L := luaState(t, luabind.Options{Client: client}, map[string]string{"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name})
			if err := L.DoString(`
				s3.put_bytes(BUCKET .. "/k", "presigned body", "text/plain")
				URL = s3.sign_uri(BUCKET .. "/k", "GET", 300)
				URI, HEADERS = s3.uri_headers(BUCKET .. "/k", "GET")`); err != nil {
				t.Fatal(err)
			}
			get := func(u string, h map[string]string) string {
				req, err := http.NewRequest(http.MethodGet, u, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range h {
					if k == "host" {
						continue
					}
					req.Header.Set(k, v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %s: %s", u, resp.Status, b)
				}
				return string(b)
			}
			if got := get(L.GetGlobal("URL").String(), nil); got != "presigned body" {
				t.Errorf("presigned GET: %q", got)
			}
			headers := map[string]string{}
			L.GetGlobal("HEADERS").(*lua.LTable).ForEach(func(k, v lua.LValue) { headers[k.String()] = v.String() })
			if got := get(L.GetGlobal("URI").String(), headers); got != "presigned body" {
				t.Errorf("GET with uri_headers: %q", got)
			}
		})
	}
}

// TestLuaCredentials switches a state with wrong keys to the right ones
// with credentials_from_file, credentials_from_environment and
// set_credentials: the servers that check signatures then accept requests.
func TestLuaCredentials(t *testing.T) {
	for _, srv := range testenv.Remotes(t) {
		t.Run(srv.Name, func(t *testing.T) {
			client := enginetest.Client(t, srv)
			bucket := enginetest.Bucket(t, client, "lua-creds")
			wrong, err := client.WithConfig(func() engine.Config {
				cfg := client.Config()
				cfg.Credentials = engine.StaticCredentials{AccessKeyID: "AKIDWRONGWRONG", SecretAccessKey: "wrong-secret"}
				return cfg
			}())
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "credentials")
			content := fmt.Sprintf("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = nope\n\n[lua]\naws_access_key_id = %s\naws_secret_access_key = %s\n", srv.AccessKey, srv.SecretKey)
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
			t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
			t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
			t.Setenv("AWS_SESSION_TOKEN", "")
			L := luaState(t, luabind.Options{Client: wrong}, map[string]string{
				"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name, "AK": srv.AccessKey, "SK": srv.SecretKey})
			err = L.DoString(`
				local function refused() local ok = pcall(s3.ls, BUCKET .. "/"); return not ok end
				assert(refused(), "the wrong keys are refused")
				s3.credentials_from_file("lua")
				assert(not refused(), "credentials_from_file")
				s3.set_credentials("AKIDWRONGWRONG", "wrong-secret")
				assert(refused())
				s3.credentials_from_environment()
				assert(not refused(), "credentials_from_environment")
				s3.set_credentials("AKIDWRONGWRONG", "wrong-secret")
				s3.set_credentials(AK, SK)
				assert(not refused(), "set_credentials")
				local ok, err = pcall(s3.credentials_from_file, "no-such-profile")
				assert(not ok and type(err) == "table", tostring(err))
				assert(not tostring(err):find(SK, 1, true), "no secret in the error")`)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLuaListIteratorContext: the s3.list iterator uses the state's
// context of the moment it is called, as the REPL sets a new one for each
// line: an iterator made under a finished context still works under the
// next one, and stops with Canceled when the current one is cancelled.
func TestLuaListIteratorContext(t *testing.T) {
	srv := testenv.Local(t)
	client := enginetest.Client(t, srv)
	bucket := enginetest.Bucket(t, client, "lua-iterctx")
	L := luaState(t, luabind.Options{Client: client}, map[string]string{"BUCKET": bucket, "PREFIX": "", "SERVER": srv.Name})
	ctx1, cancel1 := context.WithCancel(context.Background())
	L.SetContext(ctx1)
	if err := L.DoString(`
		for i = 1, 3 do s3.put_bytes(BUCKET .. "/k" .. i, "x", "text/plain") end
		IT = s3.list(BUCKET .. "/", {max_each = 1})`); err != nil {
		t.Fatal(err)
	}
	cancel1()
	ctx2, cancel2 := context.WithCancel(context.Background())
	L.SetContext(ctx2)
	if err := L.DoString(`assert(IT().key == "k1", "first item")`); err != nil {
		t.Fatalf("iterator under a new context: %v", err)
	}
	cancel2() // the script below runs under a cancelled context: it stops
	err := L.DoString(`local ok, e = pcall(IT); assert(not ok); CODE = type(e) == "table" and e.code or tostring(e)`)
	if err == nil {
		if code := L.GetGlobal("CODE").String(); code != "Canceled" {
			t.Errorf("iterator under a cancelled context: code %s, want Canceled", code)
		}
	} else if !strings.Contains(err.Error(), "cancel") {
		t.Errorf("iterator under a cancelled context: %v", err)
	}
}
