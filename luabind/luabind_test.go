package luabind_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/engine/localstore"
	"github.com/s3lua/s3lua/luabind"
)

func localClient(t *testing.T) *engine.Client {
	t.Helper()
	srv, err := localstore.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ak, sk := srv.Credentials()
	c, err := engine.New(engine.Config{
		Host: srv.Host(), Region: srv.Region(), Scheme: "http", PathStyle: true,
		Credentials: engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openState(t *testing.T, opts luabind.Options) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	if _, err := luabind.Open(L, opts); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return L
}

func run(t *testing.T, L *lua.LState, code string) {
	t.Helper()
	if err := L.DoString(code); err != nil {
		if api, ok := err.(*lua.ApiError); ok {
			t.Fatalf("%s\n%s", luabind.ErrorMessage(L, api.Object), api.StackTrace)
		}
		t.Fatal(err)
	}
}

// Every function and value of the reference, renamed by the contract's
// rule, is in the module, and the module table says so.
func TestReferenceNames(t *testing.T) {
	names := []string{
		// parameters
		"path_requests", "host", "region", "scheme", "max_tries", "path_to_mime_proc", "with",
		// authentication signatures
		"bucket_path_to_uri", "bucket_path_to_bucket_path_uri", "bucket_path_to_bucket_path", "uri_headers", "sign_uri",
		// conveniences
		"create_bucket", "valid_bucket_name", "delete_bucket", "list_buckets", "bucket_location",
		"ls_proc", "ls", "ll_star", "ll", "head", "delete", "delete_multiple", "copy", "get_acl", "put_acl",
		"get_proc", "get_bytes", "get_file", "put", "put_bytes", "put_file",
		// multipart
		"multipart_put", "multipart_put_file", "incomplete_multipart_put_file", "resume_multipart_put_file",
		"initiate_multipart_upload", "upload_part", "list_multipart_uploads", "list_multipart_upload_parts",
		"complete_multipart_upload", "abort_multipart_upload",
		// keys
		"credentials_from_file", "credentials_from_environment",
	}
	constants := []string{"aws_chunk_len_minimum", "aws_chunk_len_default", "multipart_size_minimum",
		"multipart_size_default", "multipart_number_minimum", "multipart_number_maximum"}
	L := openState(t, luabind.Options{Client: localClient(t)})
	mod := L.GetGlobal("s3").(*lua.LTable)
	for _, n := range luabind.FunctionNames() {
		if mod.RawGetString(n).Type() != lua.LTFunction {
			t.Errorf("s3.%s is %s, want a function", n, mod.RawGetString(n).Type())
		}
	}
	for _, n := range constants {
		if mod.RawGetString(n).Type() != lua.LTNumber {
			t.Errorf("s3.%s is %s, want a number", n, mod.RawGetString(n).Type())
		}
	}
	refs := luabind.ReferenceNames()
	byLua := map[string]string{}
	for ref, name := range refs {
		byLua[name] = ref
		if want := nameRule(ref); want != name && !(ref == "parameterize" && name == "with") {
			t.Errorf("reference %s is s3.%s, the name rule gives s3.%s", ref, name, want)
		}
	}
	for _, n := range names {
		if _, ok := byLua[n]; !ok {
			t.Errorf("s3.%s: not in the module table as a function of the reference", n)
		}
	}
	if len(refs) != len(names) {
		t.Errorf("the module table names %d functions of the reference, want %d: %v", len(refs), len(names), refs)
	}
}

// nameRule is the contract's rule from a reference name to a Lua name:
// drop a leading "s3-", "->" becomes "_to_", each of "- / & +" becomes
// "_", drop "?" and "!", "*" becomes "_star".
func nameRule(ref string) string {
	s := strings.TrimPrefix(ref, "s3-")
	s = strings.ReplaceAll(s, "->", "_to_")
	s = strings.NewReplacer("-", "_", "/", "_", "&", "_", "+", "_", "?", "", "!", "", "*", "_star").Replace(s)
	return s
}

// Every function of the module has its section in docs/lua-api.md (a
// heading, a settings row or a list item showing s3.name(...)), and every
// function a heading documents is in the module.
func TestFunctionsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "lua-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	var defining []string
	var headings []string
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case strings.HasPrefix(line, "### "):
			headings = append(headings, line)
			defining = append(defining, line)
		case strings.HasPrefix(line, "| `s3."), strings.HasPrefix(line, "- `s3."):
			defining = append(defining, line)
		}
	}
	names := map[string]bool{}
	for _, n := range luabind.FunctionNames() {
		names[n] = true
		re := regexp.MustCompile(`\bs3\.` + regexp.QuoteMeta(n) + `\(`)
		found := false
		for _, line := range defining {
			if re.MatchString(line) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("s3.%s has no section in docs/lua-api.md (a heading, settings row or list item showing `s3.%s(...)`)", n, n)
		}
	}
	call := regexp.MustCompile(`\bs3\.([a-z_]+)\(`)
	for _, h := range headings {
		for _, m := range call.FindAllStringSubmatch(h, -1) {
			if !names[m[1]] {
				t.Errorf("docs/lua-api.md documents s3.%s, which the module does not have: %s", m[1], h)
			}
		}
	}
}

// Settings belong to one state: a setter in one state changes neither
// another state nor the embedder's client.
func TestSettingsPerState(t *testing.T) {
	c := localClient(t)
	L1 := openState(t, luabind.Options{Client: c})
	L2 := openState(t, luabind.Options{Client: c})
	run(t, L1, `s3.region("eu-west-1"); s3.max_tries(1)`)
	run(t, L2, `assert(s3.region() == "us-east-1", s3.region()); assert(s3.max_tries() == 5)`)
	if got := c.Config().Region; got != "us-east-1" {
		t.Errorf("the embedder's client changed: region %q", got)
	}
	run(t, L1, `assert(s3.region() == "eu-west-1")`)
}

func TestPreloadThenRequire(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := luabind.Preload(L, luabind.Options{Client: localClient(t)}); err != nil {
		t.Fatal(err)
	}
	if L.GetGlobal("s3") != lua.LNil {
		t.Fatal("Preload set the global s3")
	}
	run(t, L, `local s3 = require "s3"; assert(type(s3.ls) == "function"); assert(require("s3") == s3)`)
}

func TestOpenErrors(t *testing.T) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	if _, err := luabind.Open(L, luabind.Options{Client: localClient(t)}); err == nil {
		t.Error("Open without the package library: no error")
	}
	L2 := lua.NewState()
	defer L2.Close()
	if _, err := luabind.Open(L2, luabind.Options{Client: localClient(t), Root: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("Open with a missing Root: no error")
	}
}

// A symbolic link inside Root that points outside is refused, for the s3
// file functions and, in the sandbox, for io.open.
func TestRootSymlinkEscape(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "link.txt")); err != nil {
		t.Skipf("symlink: %v", err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "dir")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "ok.txt"), []byte("ok"), 0o600); err != nil {
		t.Fatal(err)
	}
	L := openState(t, luabind.Options{Client: localClient(t), Sandbox: true, Root: root})
	run(t, L, `
		s3.create_bucket("bucket")
		local function refused(fn, ...)
			local ok, err = pcall(fn, ...)
			assert(not ok, "not refused")
			assert(tostring(err):find("outside the allowed root", 1, true), tostring(err))
		end
		refused(s3.put_file, "bucket/k", "link.txt")
		refused(s3.put_file, "bucket/k", "dir/secret.txt")
		refused(s3.get_file, "bucket/k", "dir/new.txt")
		refused(io.open, "link.txt")
		refused(io.open, "dir/secret.txt")
		s3.put_file("bucket/k", "ok.txt")
		assert(s3.get_bytes("bucket/k") == "ok")
	`)
	if _, err := os.Stat(filepath.Join(outside, "new.txt")); err == nil {
		t.Error("a file was written outside the root")
	}
}

// Without the sandbox nothing is removed.
func TestNoSandboxByDefault(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t)})
	run(t, L, `assert(os.execute and io.popen and loadfile and dofile and os.exit)`)
}

func TestErrorMessage(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t)})
	if got := luabind.ErrorMessage(L, lua.LString("x.lua:1: boom")); got != "x.lua:1: boom" {
		t.Errorf("string: %q", got)
	}
	tbl := L.NewTable()
	tbl.RawSetString("code", lua.LString("Custom"))
	if got := luabind.ErrorMessage(L, tbl); !strings.Contains(got, `code = "Custom"`) || strings.Contains(got, "0x") {
		t.Errorf("plain table: %q", got)
	}
	err := L.DoString(`s3.create_bucket("emsg"); s3.get_bytes("emsg/missing")`)
	api, ok := err.(*lua.ApiError)
	if !ok {
		t.Fatalf("expected a Lua error, got %v", err)
	}
	if !luabind.IsErrorTable(L, api.Object) {
		t.Fatalf("not an error table: %v", api.Object)
	}
	got := luabind.ErrorMessage(L, api.Object)
	if want := "s3.get_bytes: GET emsg/missing: 404 NoSuchKey"; !strings.HasPrefix(got, want) {
		t.Errorf("ErrorMessage = %q, want prefix %q", got, want)
	}
	if luabind.IsErrorTable(L, tbl) {
		t.Error("a plain table is not an error table")
	}
}

// The traceback captured inside a callback is available for the error the
// module re-raised.
func TestCallbackTraceback(t *testing.T) {
	L := openState(t, luabind.Options{Client: localClient(t)})
	err := L.DoString(`
		s3.create_bucket("tbtest")
		s3.put_bytes("tbtest/k", "x", "text/plain")
		local function deep() error({why = "inner"}) end
		s3.get_proc("tbtest/k", function(body) deep() end)`)
	api, ok := err.(*lua.ApiError)
	if !ok {
		t.Fatalf("expected a Lua error, got %v", err)
	}
	tb := luabind.CallbackTraceback(L, api.Object)
	if !strings.Contains(tb, "deep") {
		t.Errorf("callback traceback does not show the callback's frames:\n%s", tb)
	}
	if luabind.CallbackTraceback(L, lua.LString("other")) != "" {
		t.Error("traceback for an unrelated value")
	}
}
