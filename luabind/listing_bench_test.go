package luabind

import (
	"context"
	"fmt"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/engine/localstore"
)

// BenchmarkLuaListing lists 5,000 keys in pages of 1,000 from the embedded
// store three ways: the engine's LsProc (the Go floor, as
// engine.BenchmarkLsProc), s3.ls_proc with a fold that counts the items,
// and a generic for over s3.list. The difference between a Lua row and the
// engine row in ns/key is the Lua overhead per listed object (item tables,
// calls into Lua). The process CPU includes the store's.
func BenchmarkLuaListing(b *testing.B) {
	const n = 5000
	srv, err := localstore.Start("")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ak, sk := srv.Credentials()
	c, err := engine.New(engine.Config{Host: srv.Host(), Region: srv.Region(), Scheme: "http", PathStyle: true,
		Credentials: engine.StaticCredentials{AccessKeyID: ak, SecretAccessKey: sk}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "bench", ""); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := c.PutBytes(ctx, fmt.Sprintf("bench/dir/key-%05d.txt", i), []byte("x"), "", nil); err != nil {
			b.Fatal(err)
		}
	}
	L := lua.NewState()
	defer L.Close()
	if _, err := Open(L, Options{Client: c}); err != nil {
		b.Fatal(err)
	}
	scripts := map[string]string{
		"ls_proc": `return s3.ls_proc("bench/dir/", function(acc, items) return acc + #items end, 0)`,
		"list":    `local k = 0 for it in s3.list("bench/dir/") do k = k + 1 end return k`,
	}
	for _, name := range []string{"engine", "ls_proc", "list"} {
		b.Run(name, func(b *testing.B) {
			var fn *lua.LFunction
			if name != "engine" {
				if fn, err = L.LoadString(scripts[name]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				count := 0
				if fn == nil {
					err = c.LsProc(ctx, "bench/dir/", engine.ListOptions{}, func(items []engine.Item) (bool, error) {
						count += len(items)
						return false, nil
					})
				} else {
					L.Push(fn)
					if err = L.PCall(0, 1, nil); err == nil {
						count = int(L.ToInt(-1))
						L.Pop(1)
					}
				}
				if err != nil || count != n {
					b.Fatalf("%d keys, %v", count, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/key")
			if used := processCPU() - cpu; used > 0 {
				b.ReportMetric(float64(used.Nanoseconds())/float64(b.N)/n, "cpu-ns/key")
			}
		})
	}
}
