package luabind_test

import (
	"slices"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/luabind"
)

// TestErrorFields: only the module's own error tables have fields for a
// command line; a script's table with the same field names has none.
func TestErrorFields(t *testing.T) {
	c, err := engine.New(engine.Config{Host: "127.0.0.1:9", Scheme: "http", MaxTries: 1,
		Credentials: engine.StaticCredentials{AccessKeyID: "AKID", SecretAccessKey: "secretsecret"}})
	if err != nil {
		t.Fatal(err)
	}
	L := openState(t, luabind.Options{Client: c})
	run(t, L, `
		local ok
		ok, module_error = pcall(s3.get_bytes, "bkt/some key")
		assert(not ok)
		lookalike = {status = 404, code = "NoSuchKey", bucket = "bkt", key = "k"}`)
	fields := luabind.ErrorFields(L, L.GetGlobal("module_error"))
	names := make([]string, 0, len(fields))
	got := map[string]string{}
	for _, f := range fields {
		names = append(names, f.Name)
		got[f.Name] = f.Value
	}
	if !slices.Equal(names, []string{"code", "message", "method", "bucket", "key"}) {
		t.Errorf("fields %v, want code, message, method, bucket, key in that order", names)
	}
	if got["code"] != "NetworkError" || got["key"] != "some key" || got["method"] != "GET" {
		t.Errorf("fields %v", got)
	}
	if f := luabind.ErrorFields(L, L.GetGlobal("lookalike")); f != nil {
		t.Errorf("a script's table has fields %v", f)
	}
	if f := luabind.ErrorFields(nil, L.GetGlobal("module_error")); len(f) != len(fields) {
		t.Errorf("nil state: %v, want the same fields", f)
	}
	if f := luabind.ErrorFields(nil, L.GetGlobal("lookalike")); f != nil {
		t.Errorf("nil state, a script's table: %v", f)
	}
	if f := luabind.ErrorFields(L, lua.LString("text")); f != nil {
		t.Errorf("a string: %v", f)
	}
}

// TestSecrets: the keys the host gave as static credentials and those the
// script installed are known to the host, without a request.
func TestSecrets(t *testing.T) {
	c, err := engine.New(engine.Config{Host: "127.0.0.1:9", Scheme: "http",
		Credentials: engine.StaticCredentials{AccessKeyID: "AKID", SecretAccessKey: "hostSecretKey", SessionToken: "hostToken"}})
	if err != nil {
		t.Fatal(err)
	}
	L := openState(t, luabind.Options{Client: c})
	if got := luabind.Secrets(L); !slices.Contains(got, "hostSecretKey") || !slices.Contains(got, "hostToken") {
		t.Errorf("Secrets = %q, want the host's static keys", got)
	}
	run(t, L, `s3.set_credentials("AKID2", "scriptSecretKey", "scriptToken")
		s3.set_credentials("AKID3", "laterSecretKey")`)
	got := luabind.Secrets(L)
	for _, want := range []string{"scriptSecretKey", "scriptToken", "laterSecretKey"} {
		if !slices.Contains(got, want) {
			t.Errorf("Secrets = %q, lacks %q", got, want)
		}
	}
	bare := lua.NewState()
	defer bare.Close()
	if luabind.Secrets(bare) != nil || luabind.Secrets(nil) != nil {
		t.Error("a state without the module has secrets")
	}
}
