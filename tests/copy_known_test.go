package tests

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// TestCopiesFromListingsSendNoHead: copy_prefix and an S3-to-S3 sync take
// each source's size and ETag from their listing, so a copy is one
// request (no HEAD of its source first); the copies keep content type and
// metadata, which the server carries over.
func TestCopiesFromListingsSendNoHead(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			c, heads := countingClient(t, srv, func(e engine.TraceEvent) bool { return e.Method == http.MethodHead })
			bucket := enginetest.Bucket(t, c, "s3lua-cpk")
			for _, k := range []string{"a", "b/c", "d"} {
				h := http.Header{"X-Amz-Meta-Origin": {"src-" + strings.ReplaceAll(k, "/", "-")}}
				if _, err := c.PutBytes(ctx, bucket+"/src/"+k, []byte("data of "+k), "text/x-test", h); err != nil {
					t.Fatal(err)
				}
			}
			heads.Store(0)
			sum, _, err := c.CopyPrefix(ctx, bucket+"/src/", bucket+"/dst/", engine.PrefixOptions{})
			if err != nil || sum.OK != 3 || sum.Failed != 0 {
				t.Fatalf("CopyPrefix: %+v, %v", sum, err)
			}
			if n := heads.Load(); n != 0 {
				t.Errorf("CopyPrefix sent %d HEAD requests, want none", n)
			}
			s, err := c.Sync(ctx, "s3://"+bucket+"/src/", "s3://"+bucket+"/synced/", engine.SyncOptions{})
			if err != nil || s.Copies != 3 {
				t.Fatalf("Sync: %+v, %v", s, err)
			}
			if n := heads.Load(); n != 0 {
				t.Errorf("Sync's copies sent %d HEAD requests, want none", n)
			}
			for _, dst := range []string{"dst", "synced"} {
				h, err := c.Head(ctx, bucket+"/"+dst+"/b/c", nil)
				if err != nil {
					t.Fatal(err)
				}
				if h.Get("Content-Type") != "text/x-test" || h.Get("X-Amz-Meta-Origin") != "src-b-c" {
					t.Errorf("%s/b/c: Content-Type %q, origin %q: the copy lost the source's headers", dst, h.Get("Content-Type"), h.Get("X-Amz-Meta-Origin"))
				}
				if got := getAll(t, c, bucket+"/"+dst+"/b/c"); string(got) != "data of b/c" {
					t.Errorf("%s/b/c = %q", dst, got)
				}
			}
		})
	}
}

// countingClient is a test client that counts the requests (attempts,
// through Config.Trace) for which match is true.
func countingClient(t *testing.T, srv testenv.Server, match func(engine.TraceEvent) bool) (*engine.Client, *atomic.Int64) {
	var n atomic.Int64
	c := enginetest.Client(t, srv, func(cfg *engine.Config) {
		cfg.Trace = func(e engine.TraceEvent) {
			if match(e) {
				n.Add(1)
			}
		}
	})
	return c, &n
}
