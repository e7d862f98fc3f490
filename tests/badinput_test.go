package tests

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/luabind"
	"github.com/s3lua/s3lua/tests/testenv"
)

// countingFront is a reverse proxy in front of a real server that records
// every request it forwards, so a test can prove that a call sent none.
type countingFront struct {
	mu   sync.Mutex
	seen []string // "METHOD /path?query"
}

func (f *countingFront) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

func (f *countingFront) since(n int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen[n:]...)
}

// startCountingFront returns the front and a client (one try, no retry)
// that goes through it.
func startCountingFront(t *testing.T, srv testenv.Server) (*countingFront, *engine.Client) {
	t.Helper()
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	f := &countingFront{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the signature covers the front's address
		},
		Transport: &http.Transport{},
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, r.Method+" "+r.URL.RequestURI())
		f.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	c, err := engine.New(engine.Config{
		Host: strings.TrimPrefix(front.URL, "http://"), Scheme: "http", Region: srv.Region, MaxTries: 1,
		Credentials: engine.StaticCredentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

// badCall is one bad call through the Lua API.
type badCall struct {
	name string
	call string   // Lua statements; BUCKET, F (files) and KEYS1001 are set
	want []string // substrings of the error message: the function, the argument
	// sends: the call may reach the server (a writer producing the wrong
	// length is only known while the body streams); nothing may be left.
	sends bool
}

func badCalls() []badCall {
	arg := func(n, fn string) string { return "bad argument #" + n + " to '" + fn + "'" }
	return []badCall{
		// Types and nil.
		{"get_bytes no bp", `s3.get_bytes()`, []string{arg("1", "get_bytes"), "string expected, got nil"}, false},
		{"get_bytes table bp", `s3.get_bytes({})`, []string{arg("1", "get_bytes"), "string expected, got table"}, false},
		{"put_bytes nil data", `s3.put_bytes(BUCKET .. "/k")`, []string{arg("2", "put_bytes"), "got nil"}, false},
		{"put_bytes table data", `s3.put_bytes(BUCKET .. "/k", {}, "text/plain")`, []string{arg("2", "put_bytes"), "got table"}, false},
		{"put_bytes table mime", `s3.put_bytes(BUCKET .. "/k", "x", {})`, []string{arg("3", "put_bytes")}, false},
		{"put_bytes string heads", `s3.put_bytes(BUCKET .. "/k", "x", "text/plain", "heads")`, []string{arg("4", "put_bytes")}, false},
		{"head nil", `s3.head(nil)`, []string{arg("1", "head")}, false},
		{"delete boolean", `s3.delete(true)`, []string{arg("1", "delete"), "got boolean"}, false},
		{"copy no destination", `s3.copy(BUCKET .. "/exists.txt")`, []string{arg("2", "copy")}, false},
		{"copy nil source", `s3.copy(nil, BUCKET .. "/x")`, []string{arg("1", "copy")}, false},
		{"ls nil", `s3.ls(nil)`, []string{arg("1", "ls")}, false},
		{"ls_proc string proc", `s3.ls_proc(BUCKET .. "/", "notafunction", 0)`, []string{arg("2", "ls_proc"), "function expected"}, false},
		{"list string options", `s3.list(BUCKET .. "/", "opts")`, []string{arg("2", "list")}, false},
		{"get_proc nil reader", `s3.get_proc(BUCKET .. "/exists.txt", nil)`, []string{arg("2", "get_proc")}, false},
		{"put nil writer", `s3.put(BUCKET .. "/k", nil, 1, "text/plain")`, []string{arg("2", "put")}, false},
		{"put string length", `s3.put(BUCKET .. "/k", function() end, "ten", "text/plain")`, []string{arg("3", "put")}, false},
		{"put no mime", `s3.put(BUCKET .. "/k", function() end, 1)`, []string{arg("4", "put")}, false},
		{"create_bucket nil", `s3.create_bucket(nil)`, []string{arg("1", "create_bucket")}, false},
		{"delete_bucket table", `s3.delete_bucket({})`, []string{arg("1", "delete_bucket")}, false},
		{"sign_uri nil expiry", `s3.sign_uri(BUCKET .. "/k", "GET")`, []string{arg("3", "sign_uri")}, false},
		{"get_acl nil", `s3.get_acl(nil)`, []string{arg("1", "get_acl")}, false},
		{"put_acl string acl", `s3.put_acl(BUCKET .. "/exists.txt", "private")`, []string{arg("2", "put_acl")}, false},
		{"delete_multiple string keys", `s3.delete_multiple(BUCKET, "k")`, []string{arg("2", "delete_multiple")}, false},
		{"delete_multiple nil bucket", `s3.delete_multiple(nil, {"k"})`, []string{arg("1", "delete_multiple")}, false},
		{"delete_multiple table key", `s3.delete_multiple(BUCKET, {"a", {}})`, []string{arg("2", "delete_multiple")}, false},
		{"upload_part string part", `s3.upload_part(BUCKET .. "/k", "id", "one", "data")`, []string{arg("3", "upload_part")}, false},
		{"complete string parts", `s3.complete_multipart_upload(BUCKET .. "/k", "id", "parts")`, []string{arg("3", "complete_multipart_upload")}, false},
		{"multipart_put string get_part", `s3.multipart_put(BUCKET .. "/k", 2, "notfn")`, []string{arg("3", "multipart_put")}, false},
		{"get_file nil file", `s3.get_file(BUCKET .. "/exists.txt", nil)`, []string{arg("2", "get_file")}, false},
		{"put_file table file", `s3.put_file(BUCKET .. "/k", {})`, []string{arg("2", "put_file")}, false},
		{"with string settings", `s3.with("host", function() end)`, []string{arg("1", "with")}, false},
		{"with nil fn", `s3.with({}, nil)`, []string{arg("2", "with")}, false},
		{"valid_bucket_name nil", `s3.valid_bucket_name(nil)`, []string{arg("1", "valid_bucket_name")}, false},

		// Negative and reversed ranges.
		{"get_bytes negative begin", `s3.get_bytes(BUCKET .. "/exists.txt", nil, -1)`, []string{arg("3", "get_bytes")}, false},
		{"get_bytes reversed", `s3.get_bytes(BUCKET .. "/exists.txt", nil, 5, 2)`, []string{"'get_bytes'", "range"}, false},
		{"get_bytes negative end", `s3.get_bytes(BUCKET .. "/exists.txt", nil, 0, -3)`, []string{"'get_bytes'"}, false},
		{"get_bytes fractional begin", `s3.get_bytes(BUCKET .. "/exists.txt", nil, 1.5)`, []string{arg("3", "get_bytes")}, false},
		{"get_proc negative begin", `s3.get_proc(BUCKET .. "/exists.txt", function() end, nil, -2)`, []string{arg("4", "get_proc")}, false},
		{"get_proc reversed", `s3.get_proc(BUCKET .. "/exists.txt", function() end, nil, 10, 1)`, []string{"'get_proc'", "range"}, false},

		// Part numbers.
		{"upload_part 0", `s3.upload_part(BUCKET .. "/k", "uploadid", 0, "x")`, []string{arg("3", "upload_part")}, false},
		{"upload_part 10001", `s3.upload_part(BUCKET .. "/k", "uploadid", 10001, "x")`, []string{arg("3", "upload_part")}, false},
		{"upload_part -1", `s3.upload_part(BUCKET .. "/k", "uploadid", -1, "x")`, []string{arg("3", "upload_part")}, false},
		{"multipart_put 0 parts", `s3.multipart_put(BUCKET .. "/k", 0, function() return "x" end)`, []string{arg("2", "multipart_put")}, false},
		{"multipart_put 10001 parts", `s3.multipart_put(BUCKET .. "/k", 10001, function() return "x" end)`, []string{arg("2", "multipart_put")}, false},
		{"complete part 0", `s3.complete_multipart_upload(BUCKET .. "/k", "id", {{0, "etag"}})`, []string{arg("3", "complete_multipart_upload")}, false},
		{"complete part 10001", `s3.complete_multipart_upload(BUCKET .. "/k", "id", {{10001, "etag"}})`, []string{arg("3", "complete_multipart_upload")}, false},
		{"complete no parts", `s3.complete_multipart_upload(BUCKET .. "/k", "id", {})`, []string{arg("3", "complete_multipart_upload")}, false},

		// chunk_len and options.
		{"put chunk_len 100", `s3.put(BUCKET .. "/k", function(w) w:write("x") end, 1, "text/plain", nil, nil, {chunk_len = 100})`, []string{arg("7", "put"), "chunk_len"}, false},
		{"put_file chunk_len 1024", `s3.put_file(BUCKET .. "/k", F.small, {chunk_len = 1024})`, []string{arg("3", "put_file"), "chunk_len"}, false},
		{"put_file unknown option", `s3.put_file(BUCKET .. "/k", F.small, {bogus = 1})`, []string{arg("3", "put_file"), "bogus"}, false},
		{"put_file bad mode", `s3.put_file(BUCKET .. "/k", F.small, {mode = "sideways"})`, []string{arg("3", "put_file"), "mode"}, false},
		{"get_file bad exists", `s3.get_file(BUCKET .. "/exists.txt", F.out, nil, {exists = "sometimes"})`, []string{arg("4", "get_file"), "exists"}, false},
		{"list unknown option", `for _ in s3.list(BUCKET .. "/", {nope = 1}) do end`, []string{arg("2", "list"), "nope"}, false},
		{"with unknown setting", `s3.with({nope = 1}, function() end)`, []string{arg("1", "with"), "nope"}, false},
		{"with max_tries 0", `s3.with({max_tries = 0}, function() end)`, []string{arg("1", "with"), "max_tries"}, false},
		{"max_tries 0", `s3.max_tries(0)`, []string{arg("1", "max_tries")}, false},
		{"scheme ftp", `s3.scheme("ftp")`, []string{arg("1", "scheme")}, false},

		// max_each.
		{"ls_proc max_each 0", `s3.ls_proc(BUCKET .. "/", function(a) return a end, 0, 0)`, []string{arg("4", "ls_proc"), "out of range: 1 to 1000"}, false},
		{"ls_proc max_each 1001", `s3.ls_proc(BUCKET .. "/", function(a) return a end, 0, 1001)`, []string{arg("4", "ls_proc"), "out of range: 1 to 1000"}, false},
		{"list max_each 0", `for _ in s3.list(BUCKET .. "/", {max_each = 0}) do end`, []string{arg("2", "list"), "max_each"}, false},
		{"list max_each 1001", `for _ in s3.list(BUCKET .. "/", {max_each = 1001}) do end`, []string{arg("2", "list"), "max_each"}, false},
		{"glob max_each 0", `for _ in s3.glob(BUCKET .. "/*", {max_each = 0}) do end`, []string{arg("2", "glob"), "max_each"}, false},
		{"glob max_each 1001", `for _ in s3.glob(BUCKET .. "/*", {max_each = 1001}) do end`, []string{arg("2", "glob"), "max_each"}, false},
		{"glob wildcard bucket", `for _ in s3.glob("buck*/x") do end`, []string{arg("1", "glob")}, false},
		{"glob_match nil pattern", `s3.glob_match(nil, "x")`, []string{arg("1", "glob_match")}, false},

		// delete_multiple's 1000 keys.
		{"delete_multiple 1001 keys", `s3.delete_multiple(BUCKET, KEYS1001)`, []string{arg("2", "delete_multiple"), "1000"}, false},

		// Invalid bucket names.
		{"create_bucket too short", `s3.create_bucket("ab")`, []string{arg("1", "create_bucket")}, false},
		{"create_bucket upper case", `s3.create_bucket("Upper_Case")`, []string{arg("1", "create_bucket")}, false},
		{"create_bucket too long", `s3.create_bucket(string.rep("a", 64))`, []string{arg("1", "create_bucket")}, false},
		{"create_bucket leading dash", `s3.create_bucket("-leading")`, []string{arg("1", "create_bucket")}, false},
		{"create_bucket ip address", `s3.create_bucket("192.168.1.1")`, []string{arg("1", "create_bucket")}, false},
		{"create_bucket double dot", `s3.create_bucket("a..b")`, []string{arg("1", "create_bucket")}, false},
		{"create_bucket underscore", `s3.create_bucket("has_underscore")`, []string{arg("1", "create_bucket"), "invalid bucket name"}, false},

		// Bad bucket+path forms.
		{"get_bytes leading slash", `s3.get_bytes("/lead/k")`, []string{arg("1", "get_bytes"), "leading"}, false},
		{"get_bytes no slash", `s3.get_bytes("nobucketslash")`, []string{arg("1", "get_bytes"), "trailing"}, false},
		{"get_bytes slash only", `s3.get_bytes("/")`, []string{arg("1", "get_bytes")}, false},
		{"get_bytes empty", `s3.get_bytes("")`, []string{arg("1", "get_bytes")}, false},
		{"head bucket without slash", `s3.head(BUCKET)`, []string{arg("1", "head")}, false},
		{"copy bad destination", `s3.copy(BUCKET .. "/exists.txt", "noslash")`, []string{arg("2", "copy")}, false},
		{"put_bytes empty bp", `s3.put_bytes("", "x", "text/plain")`, []string{arg("1", "put_bytes")}, false},

		// Missing and unreadable files, a directory as a file.
		{"put_file missing", `s3.put_file(BUCKET .. "/k", F.missing)`, []string{"put_file", "missing.txt"}, false},
		{"put_file directory", `s3.put_file(BUCKET .. "/k", F.dir)`, []string{"put_file", "adir"}, false},
		{"put_file socket", `s3.put_file(BUCKET .. "/k", F.socket)`, []string{"put_file", "sock"}, false},
		{"multipart_put_file missing", `s3.multipart_put_file(BUCKET .. "/k", F.missing)`, []string{"multipart_put_file", "missing.txt"}, false},
		{"multipart_put_file directory", `s3.multipart_put_file(BUCKET .. "/k", F.dir)`, []string{"multipart_put_file", "adir"}, false},
		{"resume_multipart_put_file missing", `s3.resume_multipart_put_file(BUCKET .. "/k", F.missing)`, []string{"resume_multipart_put_file", "missing.txt"}, false},
		{"get_file into a directory", `s3.get_file(BUCKET .. "/exists.txt", F.dir)`, []string{"get_file", "adir"}, false},

		// A writer producing more or less than data_length.
		{"put negative length", `s3.put(BUCKET .. "/neg", function(w) end, -1, "text/plain")`, []string{arg("3", "put")}, false},
		{"put writer short", `s3.put(BUCKET .. "/short", function(w) w:write("abc") end, 10, "text/plain")`, []string{"put", "10"}, true},
		{"put writer long", `s3.put(BUCKET .. "/long", function(w) w:write(string.rep("x", 20)) end, 10, "text/plain")`, []string{"put", "10"}, true},

		// Batches and sync.
		{"batch workers 0", `s3.batch({workers = 0})`, []string{arg("1", "batch"), "workers"}, false},
		{"batch workers 257", `s3.batch({workers = 257})`, []string{arg("1", "batch"), "workers"}, false},
		{"batch unknown option", `s3.batch({nope = true})`, []string{arg("1", "batch"), "nope"}, false},
		{"batch string options", `s3.batch("fast")`, []string{arg("1", "batch")}, false},
		{"batch put_bytes nil data", `local b = s3.batch() b:put_bytes(BUCKET .. "/k")`, []string{arg("2", "put_bytes")}, false},
		{"batch put_file bad bp", `local b = s3.batch() b:put_file("noslash", F.small)`, []string{arg("1", "put_file")}, false},
		{"batch get_file nil file", `local b = s3.batch() b:get_file(BUCKET .. "/exists.txt")`, []string{arg("2", "get_file")}, false},
		{"batch copy nil source", `local b = s3.batch() b:copy(nil, BUCKET .. "/x")`, []string{arg("1", "copy")}, false},
		{"batch delete leading slash", `local b = s3.batch() b:delete("/b/k")`, []string{arg("1", "delete")}, false},
		{"sync nil destination", `s3.sync(F.dir)`, []string{arg("2", "sync")}, false},
		{"sync local to local", `s3.sync(F.dir, F.dir .. "2")`, []string{"'sync'"}, false},
		{"sync nested prefixes", `s3.sync("s3://" .. BUCKET .. "/a", "s3://" .. BUCKET .. "/a/b")`, []string{"s3.sync", "overlap"}, false},
		{"sync bad compare", `s3.sync(F.dir, "s3://" .. BUCKET .. "/p", {compare = "vibes"})`, []string{arg("3", "sync"), "compare"}, false},
		{"sync unknown option", `s3.sync(F.dir, "s3://" .. BUCKET .. "/p", {nope = 1})`, []string{arg("3", "sync"), "nope"}, false},
		{"sync workers 0", `s3.sync(F.dir, "s3://" .. BUCKET .. "/p", {workers = 0})`, []string{arg("3", "sync"), "workers"}, false},
		{"sync bad include", `s3.sync(F.dir, "s3://" .. BUCKET .. "/p", {include = {1, {}}})`, []string{arg("3", "sync"), "include"}, false},

		// Presign expiry.
		{"sign_uri expiry 0", `s3.sign_uri(BUCKET .. "/k", "GET", 0)`, []string{arg("3", "sign_uri")}, false},
		{"sign_uri expiry over 7 days", `s3.sign_uri(BUCKET .. "/k", "GET", 604801)`, []string{arg("3", "sign_uri")}, false},
		{"sign_uri negative expiry", `s3.sign_uri(BUCKET .. "/k", "GET", -5)`, []string{arg("3", "sign_uri")}, false},
	}
}

// TestBadInput: bad calls through the Lua API, on every server: each raises
// a clear error naming the function (and the argument), sends no request
// (a counting proxy in front of the server proves it), and leaves nothing
// on the server (no object, no multipart upload) or in the directory.
func TestBadInput(t *testing.T) {
	calls := badCalls()
	if len(calls) < 60 {
		t.Fatalf("%d bad calls, want at least 60", len(calls))
	}
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			direct, bucket := coreClient(t, srv)
			ctx := context.Background()
			if _, err := direct.PutBytes(ctx, bucket+"/exists.txt", []byte("0123456789"), "text/plain", nil); err != nil {
				t.Fatal(err)
			}
			front, c := startCountingFront(t, srv)
			dir := t.TempDir()
			files := map[string]string{
				"small":   filepath.Join(dir, "small.txt"),
				"missing": filepath.Join(dir, "missing.txt"),
				"dir":     filepath.Join(dir, "adir"),
				"socket":  filepath.Join(dir, "sock"),
				"out":     filepath.Join(dir, "out.txt"),
			}
			cliWriteFile(t, files["small"], "small file\n")
			os.Mkdir(files["dir"], 0o700)
			// A socket cannot be opened for reading, even by root.
			ln, err := net.Listen("unix", files["socket"])
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			before := dirListing(t, dir)

			L := lua.NewState()
			defer L.Close()
			if _, err := luabind.Open(L, luabind.Options{Client: c}); err != nil {
				t.Fatal(err)
			}
			L.SetGlobal("BUCKET", lua.LString(bucket))
			ft := L.NewTable()
			for k, v := range files {
				ft.RawSetString(k, lua.LString(v))
			}
			L.SetGlobal("F", ft)
			keys := L.NewTable()
			for i := 0; i < 1001; i++ {
				keys.Append(lua.LString("k" + string(rune('a'+i%26))))
			}
			L.SetGlobal("KEYS1001", keys)

			for _, bc := range calls {
				n := front.count()
				if err := L.DoString("ok_, err_ = pcall(function() " + bc.call + " end)"); err != nil {
					t.Fatalf("%s: %v", bc.name, err)
				}
				if lua.LVAsBool(L.GetGlobal("ok_")) {
					t.Errorf("%s: %s succeeded", bc.name, bc.call)
					continue
				}
				msg := luabind.ErrorMessage(L, L.GetGlobal("err_"))
				for _, w := range bc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%s: error %q lacks %q", bc.name, msg, w)
					}
				}
				if strings.Contains(msg, srv.SecretKey) {
					t.Errorf("%s: error shows the secret key", bc.name)
				}
				if sent := front.since(n); len(sent) > 0 && !bc.sends {
					t.Errorf("%s: sent %d request(s): %q", bc.name, len(sent), sent)
				}
			}

			// Nothing left: the one object put before, no upload, no file.
			keysLeft, err := direct.Ls(ctx, bucket+"/")
			if err != nil {
				t.Fatal(err)
			}
			if len(keysLeft) != 1 || keysLeft[0] != "exists.txt" {
				t.Errorf("objects left in the bucket: %q, want only exists.txt", keysLeft)
			}
			ups, err := direct.ListMultipartUploads(ctx, bucket)
			if err != nil {
				t.Fatal(err)
			}
			if len(ups) != 0 {
				t.Errorf("multipart uploads left: %+v", ups)
			}
			if after := dirListing(t, dir); strings.Join(after, "\n") != strings.Join(before, "\n") {
				t.Errorf("files changed: before %q, after %q", before, after)
			}
		})
	}
}

// dirListing names every entry under dir, sorted.
func dirListing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}
