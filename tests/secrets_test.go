package tests

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
)

// Recognisable credentials: neither may appear in any output, error, log or
// history file.
const (
	secretKey    = "SeCrEtKeY7MDENGbPxRfiCYzzRECOGNISABLE"
	sessionToken = "SeSsIoNtOkEnFwoGZXIvYXdzEJrRECOGNISABLE"
)

// secretsScript drives every error path of the module and prints each
// error as a script would (tostring, pretty.print, its fields), then ends
// with an uncaught S3 error (fields and traceback on stderr).
const secretsScript = `
local pretty = require "pretty"
local B = "secret-test-bucket"
local OUT = arg[1]
local calls = {
  function() return s3.list_buckets() end,
  function() s3.create_bucket(B) end,
  function() return s3.get_bytes(B .. "/missing") end,
  function() return s3.get_proc(B .. "/missing", function(r) return r:read() end) end,
  function() return s3.head(B .. "/missing") end,
  function() return s3.put_bytes("no-such-bucket-zz/k", "x", "text/plain") end,
  function() return s3.put(B .. "/w", function(w) error("writer failed") end, 10, "text/plain") end,
  function() return s3.copy(B .. "/missing", B .. "/dst") end,
  function() return s3.delete_multiple("no-such-bucket-zz", {"a", "b"}) end,
  function() return s3.ls("no-such-bucket-zz/") end,
  function() for _ in s3.list("no-such-bucket-zz/") do end end,
  function() return s3.get_acl(B .. "/missing") end,
  function() return s3.bucket_location("no-such-bucket-zz") end,
  function() return s3.initiate_multipart_upload("no-such-bucket-zz/k", "text/plain") end,
  function() return s3.upload_part(B .. "/k", "nosuchupload", 1, "x") end,
  function() return s3.complete_multipart_upload(B .. "/k", "nosuchupload", {{1, "etag"}}) end,
  function() return s3.abort_multipart_upload(B .. "/k", "nosuchupload") end,
  function() return s3.list_multipart_upload_parts(B .. "/k", "nosuchupload") end,
  function() return s3.multipart_put("no-such-bucket-zz/k", 1, function() return "x" end) end,
  function() return s3.get_file(B .. "/missing", OUT) end,
  function() return s3.put_file(B .. "/k", OUT .. ".does-not-exist") end,
  function() return s3.with({host = "127.0.0.1:9"}, s3.list_buckets) end,
  function() s3.set_credentials("AKIDX", "") end,
  function() return s3.credentials_from_file("nosuchprofile") end,
  function() return s3.delete_bucket("no-such-bucket-zz") end,
}
for i, f in ipairs(calls) do
  local ok, e = pcall(f)
  print(i, ok, tostring(e))
  pretty.print(e)
  if type(e) == "table" then for k, v in pairs(e) do print(k, v) end end
end
print(s3)
pretty.print(s3)
print(s3.host(), s3.region(), s3.scheme())
s3.get_bytes(B .. "/missing-final")
`

// TestSecretsNeverShown: with a recognisable secret key and session token
// in the environment, every error path of the module (run by the CLI
// against MinIO, which refuses the keys, and the embedded store, which
// takes any), the uncaught error's fields and traceback, and a REPL
// session leave neither in stdout, stderr, the history file or any file
// under HOME; the engine's errors, formatted every way, hold neither.
func TestSecretsNeverShown(t *testing.T) {
	servers := testenv.Servers(t)
	for _, srv := range servers {
		if srv.Name == testenv.NameVersityGW {
			continue // MinIO covers a server that checks signatures
		}
		t.Run(srv.Name, func(t *testing.T) {
			env := append(cliCleanEnv(t), "AWS_ACCESS_KEY_ID=AKIDRECOGNISABLE",
				"AWS_SECRET_ACCESS_KEY="+secretKey, "AWS_SESSION_TOKEN="+sessionToken)
			home := ""
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, "HOME="); ok {
					home = v
				}
			}
			hist := filepath.Join(home, "state", "history")
			env = append(env, "S3LUA_HISTORY="+hist)
			script := filepath.Join(home, "secrets.lua")
			cliWriteFile(t, script, secretsScript)
			out := filepath.Join(home, "out.bin")
			base := []string{"--endpoint", srv.Endpoint, "--max-tries", "1", "--quiet"}

			res := cliRun(t, env, "", append(base, script, out)...)
			if res.code != 1 {
				t.Errorf("script: exit %d, want 1 (the final uncaught error)\n%s", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, "stack traceback:") || !strings.Contains(res.stdout, "\n25\t") {
				t.Errorf("the script did not run every call:\nstdout %s\nstderr %s", res.stdout, res.stderr)
			}
			outputs := res.stdout + res.stderr

			// A REPL session: errors printed, an entry holding the secret
			// (dropped from the history), and the module shown.
			repl := cliRun(t, env, strings.Join([]string{
				`s3.get_bytes("no-such-bucket-zz/k")`,
				`k = "` + secretKey + `"`,
				`t = "` + sessionToken + `"`,
				`s3.set_credentials("AKIDREPL", k, t)`,
				`s3.list_buckets()`,
				`=s3`,
				`error(setmetatable({}, {__tostring = function() return "custom" end}))`,
				`ok, e = pcall(s3.head, "no-such-bucket-zz/k") print(e)`,
			}, "\n")+"\n", append(base, "-i")...)
			outputs += repl.stdout + repl.stderr

			for _, s := range []string{secretKey, sessionToken} {
				if strings.Contains(outputs, s) {
					t.Errorf("output shows %q:\n%s", s, outputs)
				}
			}
			if data, err := os.ReadFile(hist); err != nil {
				t.Errorf("no history file: %v", err)
			} else if !strings.Contains(string(data), "s3.list_buckets()") {
				t.Errorf("history lacks the plain entries:\n%s", data)
			}
			filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || p == script {
					return nil
				}
				data, _ := os.ReadFile(p)
				for _, s := range []string{secretKey, sessionToken} {
					if strings.Contains(string(data), s) {
						t.Errorf("%s holds %q:\n%s", p, s, data)
					}
				}
				return nil
			})

			// The engine's errors, formatted every way.
			c, err := engine.New(engine.Config{Host: srv.Host, Scheme: "http", Region: srv.Region, MaxTries: 1,
				Credentials: engine.StaticCredentials{AccessKeyID: "AKIDRECOGNISABLE", SecretAccessKey: secretKey, SessionToken: sessionToken}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var errs []error
			_, e1 := c.ListBuckets(ctx)
			_, e2 := c.GetBytes(ctx, "no-such-bucket-zz/k", nil, nil)
			_, e3 := c.PutBytes(ctx, "no-such-bucket-zz/k", []byte("x"), "text/plain", http.Header{"X-Amz-Meta-Note": {"n"}})
			_, e4 := c.DeleteMultiple(ctx, "no-such-bucket-zz", []string{"a"})
			e5 := c.GetFile(ctx, "no-such-bucket-zz/k", filepath.Join(t.TempDir(), "f"), nil, engine.GetFileOptions{})
			_, e6 := c.InitiateMultipartUpload(ctx, "no-such-bucket-zz/k", "text/plain", nil)
			errs = append(errs, e1, e2, e3, e4, e5, e6)
			for i, err := range errs {
				for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
					s := fmt.Sprintf(verb, err)
					if strings.Contains(s, secretKey) || strings.Contains(s, sessionToken) {
						t.Errorf("error %d formatted with %s shows a secret: %s", i, verb, s)
					}
				}
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				if s := fmt.Sprintf(verb, c.Config()); strings.Contains(s, secretKey) || strings.Contains(s, sessionToken) {
					t.Errorf("the client's Config formatted with %s shows a secret: %s", verb, s)
				}
			}
		})
	}
}
