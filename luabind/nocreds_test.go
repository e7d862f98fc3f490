package luabind_test

import (
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/luabind"
)

// TestNoCredentialsErrorTable: a request without credentials raises an
// error table whose code says so (not a network error), naming the places
// looked at.
func TestNoCredentialsErrorTable(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	c, err := engine.New(engine.Config{Host: "127.0.0.1:9", Scheme: "http", Credentials: engine.EnvCredentials()})
	if err != nil {
		t.Fatal(err)
	}
	L := openState(t, luabind.Options{Client: c})
	run(t, L, `
		local ok, e = pcall(s3.list_buckets)
		assert(not ok and type(e) == "table", tostring(e))
		assert(e.code == "NoCredentials", tostring(e.code))
		assert(e.message:find("AWS_ACCESS_KEY_ID", 1, true), e.message)
		assert(e.status == nil)`)
}
