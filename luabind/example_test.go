package luabind_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/engine/localstore"
	"github.com/s3lua/s3lua/luabind"
)

// Embed the module in a Go program: a client for the embedded store, a Lua
// state with s3 opened, and a script that creates a bucket, stores an
// object and reads it back.
func Example() {
	srv, err := localstore.Start("") // an in-memory S3 store on a loopback port
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ak, sk := srv.Credentials()
	client, err := engine.New(engine.Config{
		Host:        srv.Host(),
		Region:      srv.Region(),
		Scheme:      "http",
		PathStyle:   true,
		Credentials: engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk},
	})
	if err != nil {
		log.Fatal(err)
	}

	L := lua.NewState()
	defer L.Close()
	if _, err := luabind.Open(L, luabind.Options{Client: client}); err != nil {
		log.Fatal(err)
	}
	err = L.DoString(`
		s3.create_bucket("example")
		s3.put_bytes("example/hello.txt", "Hello, world.", "text/plain")
		print(s3.get_bytes("example/hello.txt"), #s3.ls("example/"))
	`)
	if err != nil {
		log.Fatal(err)
	}
	// Output: Hello, world.	1
}

// A sandboxed state confined to one bucket and one directory: the script
// cannot run programs, load code from disk, or touch another bucket.
func ExampleOptions_sandbox() {
	srv, err := localstore.Start("")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ak, sk := srv.Credentials()
	client, err := engine.New(engine.Config{
		Host: srv.Host(), Region: srv.Region(), Scheme: "http", PathStyle: true,
		Credentials: engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk},
	})
	if err != nil {
		log.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	opts := luabind.Options{Client: client, Sandbox: true, Buckets: []string{"reports"}}
	if _, err := luabind.Open(L, opts); err != nil {
		log.Fatal(err)
	}
	err = L.DoString(`
		print(os.execute, io.popen, loadfile, dofile)
		s3.create_bucket("reports")
		local ok, err = pcall(s3.ls, "payroll/")
		print(ok, err)
	`)
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// nil	nil	nil	nil
	// false	bad argument #1 to 'ls' (bucket 'payroll' is not allowed)
}

// S3 failures are error tables: pcall returns the table, whose fields a
// script can branch on and whose tostring is one line.
func ExampleErrorMessage() {
	srv, err := localstore.Start("")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ak, sk := srv.Credentials()
	client, err := engine.New(engine.Config{
		Host: srv.Host(), Region: srv.Region(), Scheme: "http", PathStyle: true,
		Credentials: engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk},
	})
	if err != nil {
		log.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	if _, err := luabind.Open(L, luabind.Options{Client: client}); err != nil {
		log.Fatal(err)
	}
	err = L.DoString(`
		s3.create_bucket("docs")
		local ok, err = pcall(s3.get_bytes, "docs/missing")
		print(err.status, err.code, err.key)
		s3.get_bytes("docs/missing")
	`)
	var api *lua.ApiError
	if errors.As(err, &api) {
		fmt.Println(luabind.IsErrorTable(L, api.Object))
	}
	// Output:
	// 404	NoSuchKey	missing
	// true
}

// A CPU limit for an untrusted script: a context with a deadline, given
// with SetContext, stops the script at its next instruction (and fails its
// running S3 operation); the host goes on. ScriptError makes the error one
// readable line.
func ExampleSetContext() {
	client, err := engine.New(engine.Config{
		Host: "127.0.0.1:9000", Scheme: "http",
		Credentials: engine.StaticCredentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"},
	})
	if err != nil {
		log.Fatal(err)
	}
	L, err := luabind.NewState(luabind.Options{Client: client, Sandbox: true, MaxMemory: 512 << 20})
	if err != nil {
		log.Fatal(err)
	}
	defer L.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	luabind.SetContext(L, ctx)
	err = L.DoString(`while true do end`)
	fmt.Println(luabind.ScriptError(L, err))
	// Output: <string>:1: context deadline exceeded
}
