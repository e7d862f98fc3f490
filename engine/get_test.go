package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/engine/localstore"
)

func TestRangeHeader(t *testing.T) {
	tests := []struct {
		r       Range
		want    string
		wantErr string
	}{
		{Range{0, 5}, "bytes=0-4", ""},
		{Range{10, 11}, "bytes=10-10", ""},
		{Range{7, -1}, "bytes=7-", ""},
		{Range{0, -1}, "bytes=0-", ""},
		{Range{1 << 40, 1<<40 + 1}, "bytes=1099511627776-1099511627776", ""},
		{Range{5, 5}, "", "engine.GetProc: range end 5: want more than begin 5"},
		{Range{5, 0}, "", "range end 0"},
		{Range{-1, 3}, "", "engine.GetProc: range begin -1"},
		{Range{-1, -1}, "", "range begin -1"},
	}
	for _, tt := range tests {
		got, err := tt.r.header("GetProc")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: err = %v, want %q", tt.r, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%+v: %q, %v; want %q", tt.r, got, err, tt.want)
		}
	}
}

func TestGetArguments(t *testing.T) {
	c := newLocalClient(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"nil fn", func() error { return c.GetProc(ctx, "b/k", nil, nil, nil) }, "engine.GetProc: nil fn"},
		{"bucket only", func() error { _, err := c.GetBytes(ctx, "b/", nil, nil); return err }, `engine.GetBytes: "b/" names a bucket`},
		{"leading slash", func() error { _, err := c.GetBytes(ctx, "/b/k", nil, nil); return err }, "engine.GetBytes: Invalid bucket+path"},
		{"range and header", func() error {
			_, err := c.GetBytes(ctx, "b/k", http.Header{"Range": {"bytes=0-1"}}, &Range{0, 1})
			return err
		}, "both a range argument and a Range header"},
		{"empty file", func() error { return c.GetFile(ctx, "b/k", "", nil, GetFileOptions{}) }, "engine.GetFile: empty file name"},
		{"bad mode", func() error { return c.GetFile(ctx, "b/k", "x", nil, GetFileOptions{Mode: "raw"}) }, `engine.GetFile: mode "raw"`},
	}
	for _, tt := range tests {
		if err := tt.call(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// localClient starts an embedded store for tb and returns a client for it
// (newLocalClient for benchmarks too).
func localClient(tb testing.TB) *Client {
	tb.Helper()
	srv, err := localstore.Start("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	id, secret := srv.Credentials()
	c, err := New(Config{Host: srv.Host(), Scheme: "http", Region: srv.Region(),
		Credentials: StaticCredentials{AccessKeyID: id, SecretAccessKey: secret}})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// benchFile starts an embedded store with a bucket "bench" and writes a
// file of size bytes; it returns the client and the file's path.
func benchFile(b *testing.B, size int) (*Client, string) {
	b.Helper()
	c := localClient(b)
	if err := c.CreateBucket(context.Background(), "bench", ""); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "data.bin")
	if err := os.WriteFile(file, bytes.Repeat([]byte("0123456789abcdef"), size/16), 0o644); err != nil {
		b.Fatal(err)
	}
	return c, file
}

// benchObject stores size random-ish bytes in a fresh bucket of an embedded
// store and returns the client and the object's bucket+path.
func benchObject(b *testing.B, size int) (*Client, string) {
	b.Helper()
	c := localClient(b)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "bench", ""); err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	if _, err := c.PutBytes(ctx, "bench/obj", data, "", nil); err != nil {
		b.Fatal(err)
	}
	return c, "bench/obj"
}

// BenchmarkGetProc measures streaming a 16 MiB object through GetProc from
// the embedded store on loopback (the store's speed bounds the figure).
func BenchmarkGetProc(b *testing.B) {
	const size = 16 << 20
	c, bp := benchObject(b, size)
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		err := c.GetProc(ctx, bp, nil, nil, func(body io.Reader, _ http.Header) error {
			n, err := io.Copy(io.Discard, body)
			if err == nil && n != size {
				b.Fatalf("read %d bytes", n)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetFile measures GetFile of a 16 MiB object (temporary file,
// fsync, rename) from the embedded store.
func BenchmarkGetFile(b *testing.B) {
	const size = 16 << 20
	c, bp := benchObject(b, size)
	ctx := context.Background()
	file := filepath.Join(b.TempDir(), "obj")
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if err := c.GetFile(ctx, bp, file, nil, GetFileOptions{Exists: ExistsReplace}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if st, err := os.Stat(file); err != nil || st.Size() != size {
		b.Fatalf("%v %v", st, err)
	}
}

// TestGetFileCancelInLastProgress: a cancellation from the Progress call
// that reports the last bytes still fails the download and leaves the old
// file.
func TestGetFileCancelInLastProgress(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "bkt", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBytes(ctx, "bkt/k", []byte("new content"), "", nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("old"), 0o644)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err := c.GetFile(cctx, "bkt/k", file, nil, GetFileOptions{Exists: ExistsReplace, Progress: func(done, total int64) error {
		if done == total {
			cancel()
		}
		return nil
	}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "old" {
		t.Errorf("file holds %q, want the old content", b)
	}
}
