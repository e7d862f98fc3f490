package tests

// Integration tests of the engine's parallel Batch against MinIO, versitygw
// and the embedded store.

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
)

// TestEngineBatch runs mixed operations, some of which fail, and checks the
// counts, the results and the objects.
func TestEngineBatch(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c, bucket := xferClient(t, srv)
			ctx := context.Background()
			dir := t.TempDir()
			const n = 300
			seen := map[string]int{}
			var results []engine.BatchResult
			b, err := c.NewBatch(engine.BatchOptions{Workers: 8, OnResult: func(r engine.BatchResult) error {
				seen[r.Op.Op+" "+r.Op.BP]++
				results = append(results, r)
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if err := b.Submit(ctx, engine.BatchOp{Op: engine.OpPutBytes, BP: fmt.Sprintf("%s/k/%04d", bucket, i),
					Data: []byte(fmt.Sprint(i)), MIMEType: "text/plain"}); err != nil {
					t.Fatal(err)
				}
			}
			local := filepath.Join(dir, "up.txt")
			os.WriteFile(local, []byte("file body"), 0o666)
			must := func(op engine.BatchOp) {
				t.Helper()
				if err := b.Submit(ctx, op); err != nil {
					t.Fatal(err)
				}
			}
			must(engine.BatchOp{Op: engine.OpPutFile, BP: bucket + "/f/up.txt", File: local})
			must(engine.BatchOp{Op: engine.OpPutFile, BP: bucket + "/f/missing", File: filepath.Join(dir, "missing")})
			sum, err := b.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sum.OK != n+1 || sum.Failed != 1 || len(sum.Errors) != 1 || !errors.Is(sum.Errors[0].Err, fs.ErrNotExist) {
				t.Fatalf("round 1: %+v", sum)
			}
			if len(results) != n+2 {
				t.Fatalf("OnResult ran %d times, want %d", len(results), n+2)
			}
			for _, r := range results {
				if r.Op.Op == engine.OpPutBytes && (r.Err != nil || r.Header.Get("ETag") == "" || r.Bytes == 0) {
					t.Fatalf("put_bytes result %+v", r)
				}
			}

			// Round 2 on the same batch: gets (with directories made), heads,
			// a copy, failures, then deletes of everything.
			results = nil
			for i := range 20 {
				must(engine.BatchOp{Op: engine.OpGetFile, BP: fmt.Sprintf("%s/k/%04d", bucket, i),
					File: filepath.Join(dir, "down", "sub", fmt.Sprintf("%04d", i))})
			}
			must(engine.BatchOp{Op: engine.OpGetFile, BP: bucket + "/k/0000", File: filepath.Join(dir, "down", "sub", "0001")}) // exists: error
			must(engine.BatchOp{Op: engine.OpGetFile, BP: bucket + "/nope", File: filepath.Join(dir, "nope")})
			must(engine.BatchOp{Op: engine.OpHead, BP: bucket + "/f/up.txt"})
			must(engine.BatchOp{Op: engine.OpHead, BP: bucket + "/nope"})
			must(engine.BatchOp{Op: engine.OpCopy, From: bucket + "/f/up.txt", BP: bucket + "/f/copy.txt"})
			sum, err = b.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sum.OK != 22 || sum.Failed != 3 {
				t.Fatalf("round 2: ok %d failed %d: %v", sum.OK, sum.Failed, sum.Errors)
			}
			got, err := os.ReadFile(filepath.Join(dir, "down", "sub", "0007"))
			if err != nil || string(got) != "7" {
				t.Fatalf("downloaded file: %q %v", got, err)
			}
			if seen["get_file "+bucket+"/k/0000"] != 2 {
				t.Fatalf("seen %v", seen["get_file "+bucket+"/k/0000"])
			}
			if sum.Bytes != 10*1+10*2 { // bodies "0".."19"
				t.Fatalf("bytes %d", sum.Bytes)
			}

			// Round 3: delete everything (gathered into DeleteObjects).
			keys, err := c.Ls(ctx, bucket+"/")
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				must(engine.BatchOp{Op: engine.OpDelete, BP: bucket + "/" + k})
			}
			sum, err = b.Wait(ctx)
			if err != nil || sum.OK != int64(len(keys)) || sum.Failed != 0 {
				t.Fatalf("delete round: %+v %v", sum, err)
			}
			if left, _ := c.Ls(ctx, bucket+"/"); len(left) != 0 {
				t.Fatalf("left after delete: %v", left)
			}
		})
	}
}

// TestEngineBatchArguments: malformed operations are refused at Submit and
// not counted.
func TestEngineBatchArguments(t *testing.T) {
	c, err := engine.New(engine.Config{Host: "127.0.0.1:1", Scheme: "http",
		Credentials: engine.StaticCredentials{AccessKeyID: "a", SecretAccessKey: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewBatch(engine.BatchOptions{Workers: 257}); err == nil {
		t.Fatal("257 workers accepted")
	}
	b, err := c.NewBatch(engine.BatchOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, op := range []engine.BatchOp{
		{Op: "frobnicate", BP: "b/k"},
		{Op: engine.OpPutBytes, BP: "b/"},
		{Op: engine.OpDelete, BP: "nobucket"},
		{Op: engine.OpGetFile, BP: "b/k"},
		{Op: engine.OpGetFile, BP: "b/k", File: "x", Exists: "clobber"},
		{Op: engine.OpCopy, BP: "b/k", From: "b/"},
	} {
		if err := b.Submit(ctx, op); err == nil {
			t.Errorf("%+v accepted", op)
		}
	}
	sum, err := b.Wait(ctx)
	if err != nil || sum.OK+sum.Failed != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
}

// TestEngineBatchOnResultError: an error from OnResult cancels the batch and
// comes back unchanged; every queued operation is still counted.
func TestEngineBatchOnResultError(t *testing.T) {
	srv := testenv.Local(t)
	c, bucket := xferClient(t, srv)
	ctx := context.Background()
	boom := errors.New("boom")
	calls := 0
	b, err := c.NewBatch(engine.BatchOptions{Workers: 2, OnResult: func(engine.BatchResult) error {
		calls++
		if calls == 3 {
			return boom
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	queued := 0
	var got error
	for i := range 200 {
		queued++
		if got = b.Submit(ctx, engine.BatchOp{Op: engine.OpPutBytes, BP: fmt.Sprintf("%s/%d", bucket, i), Data: []byte("x")}); got != nil {
			break
		}
	}
	if got == nil {
		_, got = b.Wait(ctx)
		queued = 200
	}
	if got != boom {
		t.Fatalf("error %v, want boom itself", got)
	}
	sum, err := b.Wait(ctx)
	if err != nil || int(sum.OK+sum.Failed) != queued || calls != 3 {
		t.Fatalf("after the error: %+v %v, queued %d, calls %d", sum, err, queued, calls)
	}
}

// TestEngineBatchCancel cancels a batch while a multipart upload and a large
// download run: no file under its final name unless complete, no temporary
// file, no multipart upload left.
func TestEngineBatchCancel(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c, bucket := xferClient(t, srv)
			ctx := context.Background()
			dir := t.TempDir()
			big := make([]byte, 12<<20)
			rand.Read(big)
			if _, err := c.PutBytes(ctx, bucket+"/big", big, "", nil); err != nil {
				t.Fatal(err)
			}
			local := filepath.Join(dir, "big.bin")
			os.WriteFile(local, big, 0o666)
			var b *engine.Batch
			var putErr error
			b, err := c.NewBatch(engine.BatchOptions{Workers: 4, MultipartThreshold: engine.MultipartSizeMinimum,
				OnResult: func(r engine.BatchResult) error {
					if r.Op.Op == engine.OpPutFile {
						putErr = r.Err
					}
					if r.Op.Op == engine.OpHead {
						b.Cancel()
					}
					return nil
				}})
			if err != nil {
				t.Fatal(err)
			}
			down := filepath.Join(dir, "out", "big.bin")
			b.Submit(ctx, engine.BatchOp{Op: engine.OpPutFile, BP: bucket + "/up", File: local})
			b.Submit(ctx, engine.BatchOp{Op: engine.OpGetFile, BP: bucket + "/big", File: down})
			b.Submit(ctx, engine.BatchOp{Op: engine.OpHead, BP: bucket + "/big"})
			for i := range 50 {
				b.Submit(ctx, engine.BatchOp{Op: engine.OpPutBytes, BP: fmt.Sprintf("%s/small/%d", bucket, i), Data: []byte("x")})
			}
			sum, err := b.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sum.OK+sum.Failed != 53 || sum.Failed == 0 {
				t.Fatalf("summary %+v", sum)
			}
			if got, err := os.ReadFile(down); err == nil && !bytes.Equal(got, big) {
				t.Fatal("a partial file under the final name")
			}
			entries, _ := os.ReadDir(filepath.Dir(down))
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".tmp") {
					t.Fatalf("temporary file left: %s", e.Name())
				}
			}
			ups, err := c.ListMultipartUploads(ctx, bucket)
			if err != nil {
				t.Fatal(err)
			}
			if len(ups) != 0 {
				t.Fatalf("multipart uploads left: %+v (the upload's result: %v)", ups, putErr)
			}
			// The batch works again after Wait.
			if err := b.Submit(ctx, engine.BatchOp{Op: engine.OpHead, BP: bucket + "/big"}); err != nil {
				t.Fatal(err)
			}
			if sum, err := b.Wait(ctx); err != nil || sum.OK != 1 {
				t.Fatalf("next round: %+v %v", sum, err)
			}
		})
	}
}

// TestEngineBatchContextPerCall: each call takes its context. An operation
// submitted under a cancelled context does not start, and cancels the
// round; a Wait under a cancelled context returns its cause; the next
// round under a live context runs normally.
func TestEngineBatchContextPerCall(t *testing.T) {
	srv := testenv.Local(t)
	c, bucket := xferClient(t, srv)
	live := context.Background()
	dead, cancel := context.WithCancel(live)
	cancel()
	b, err := c.NewBatch(engine.BatchOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(live, engine.BatchOp{Op: engine.OpPutBytes, BP: bucket + "/k1", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if sum, err := b.Wait(live); err != nil || sum.OK != 1 {
		t.Fatalf("round 1: %+v %v", sum, err)
	}
	if err := b.Submit(dead, engine.BatchOp{Op: engine.OpPutBytes, BP: bucket + "/k2", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	sum, err := b.Wait(live)
	if err != nil || sum.Failed != 1 || len(sum.Errors) != 1 || !errors.Is(sum.Errors[0].Err, context.Canceled) {
		t.Fatalf("round 2: %+v %v", sum, err)
	}
	if _, err := c.Head(live, bucket+"/k2", nil); err == nil {
		t.Fatal("k2 was stored under a cancelled context")
	}
	if err := b.Submit(live, engine.BatchOp{Op: engine.OpHead, BP: bucket + "/k1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Wait(dead); !errors.Is(err, context.Canceled) {
		t.Fatalf("round 3: Wait under a cancelled context: %v", err)
	}
	if err := b.Submit(live, engine.BatchOp{Op: engine.OpHead, BP: bucket + "/k1"}); err != nil {
		t.Fatal(err)
	}
	if sum, err := b.Wait(live); err != nil || sum.OK != 1 {
		t.Fatalf("round 4: %+v %v", sum, err)
	}
}
