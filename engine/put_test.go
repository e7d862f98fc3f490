package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/s3lua/s3lua/signature"
)

func TestLimitedPipeWriter(t *testing.T) {
	tests := []struct {
		name     string
		limit    int64
		writes   []int
		wantN    int64
		wantOver bool
	}{
		{"exact", 10, []int{4, 6}, 10, false},
		{"short", 10, []int{4}, 4, false},
		{"long in the last write", 10, []int{4, 7}, 4, true},
		{"long at once", 3, []int{4}, 0, true},
		{"empty", 0, nil, 0, false},
		{"empty then a byte", 0, []int{1}, 0, true},
	}
	for _, tt := range tests {
		pr, pw := io.Pipe()
		go io.Copy(io.Discard, pr)
		w := &limitedPipeWriter{pw: pw, limit: tt.limit}
		var err error
		for _, n := range tt.writes {
			if _, err = w.Write(make([]byte, n)); err != nil {
				break
			}
		}
		if w.n != tt.wantN || w.over != tt.wantOver {
			t.Errorf("%s: n=%d over=%v, want %d %v", tt.name, w.n, w.over, tt.wantN, tt.wantOver)
		}
		if tt.wantOver {
			if !errors.Is(err, signature.ErrBodyLength) || !w.fromPipe(err) {
				t.Errorf("%s: err = %v, want ErrBodyLength from the pipe", tt.name, err)
			}
			if _, err2 := w.Write([]byte{1}); err2 == nil {
				t.Errorf("%s: a write after the overflow succeeded", tt.name)
			}
		}
		pw.Close()
	}
	// An error of the writer's own is not taken for a pipe error.
	w := &limitedPipeWriter{limit: 1}
	if w.fromPipe(errors.New("mine")) {
		t.Error("fromPipe(own error) = true")
	}
}

func TestPutArguments(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	nop := func(io.Writer) error { return nil }
	tests := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"nil writer", func() error { _, err := c.Put(ctx, "b/k", nil, 0, "", nil, PutOptions{}); return err }, "engine.Put: nil writer"},
		{"negative length", func() error { _, err := c.Put(ctx, "b/k", nop, -5, "", nil, PutOptions{}); return err }, "engine.Put: data length -5"},
		{"small chunks", func() error { _, err := c.Put(ctx, "b/k", nop, 1, "", nil, PutOptions{ChunkLen: 8191}); return err }, "engine.Put: chunk length 8191: want at least 8192"},
		{"no key", func() error { _, err := c.Put(ctx, "b/", nop, 1, "", nil, PutOptions{}); return err }, `engine.Put: "b/" names a bucket`},
		{"PutBytes no key", func() error { _, err := c.PutBytes(ctx, "b", nil, "", nil); return err }, "engine.PutBytes: Invalid bucket+path"},
		{"PutFile dir", func() error { _, err := c.PutFile(ctx, "b/k", t.TempDir(), PutFileOptions{}); return err }, "is not a regular file"},
		{"PutFile empty name", func() error { _, err := c.PutFile(ctx, "b/k", "", PutFileOptions{}); return err }, "engine.PutFile: empty file name"},
		{"PutFile mode", func() error { _, err := c.PutFile(ctx, "b/k", "x", PutFileOptions{Mode: "bin"}); return err }, `engine.PutFile: mode "bin"`},
		{"PutFile chunk", func() error { _, err := c.PutFile(ctx, "b/k", "x", PutFileOptions{ChunkLen: 1}); return err }, "engine.PutFile: chunk length 1"},
	}
	for _, tt := range tests {
		if err := tt.call(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestPutNoGoroutineLeak runs Puts that succeed, fail in the writer, write
// too little or too much, and are refused before the body, then checks that
// no goroutine is left once the connections are closed.
func TestPutNoGoroutineLeak(t *testing.T) {
	base := localClient(t)
	transport := &http.Transport{ExpectContinueTimeout: time.Second}
	c, err := base.WithConfig(Config{Host: base.cfg.Host, Scheme: "http", Region: base.cfg.Region,
		HTTPClient: &http.Client{Transport: transport}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "leak", ""); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 200_000)
	runtime.GC()
	before := runtime.NumGoroutine()
	for range 5 {
		c.Put(ctx, "leak/ok", func(w io.Writer) error { _, err := w.Write(data); return err }, int64(len(data)), "", nil, PutOptions{})
		c.Put(ctx, "leak/err", func(w io.Writer) error { w.Write(data[:1000]); return errors.New("stop") }, int64(len(data)), "", nil, PutOptions{})
		c.Put(ctx, "leak/short", func(w io.Writer) error { _, err := w.Write(data[:10]); return err }, int64(len(data)), "", nil, PutOptions{})
		c.Put(ctx, "leak/long", func(w io.Writer) error { w.Write(data); _, err := w.Write(data); return err }, int64(len(data)), "", nil, PutOptions{})
		c.Put(ctx, "no-such-bucket/k", func(w io.Writer) error { _, err := w.Write(data); return err }, int64(len(data)), "", nil, PutOptions{})
		cctx, cancel := context.WithCancel(ctx)
		c.Put(cctx, "leak/cancel", func(w io.Writer) error { w.Write(data[:100]); cancel(); _, err := w.Write(data[100:]); return err }, int64(len(data)), "", nil, PutOptions{})
	}
	transport.CloseIdleConnections()
	goroutinesSettle(t, before)
}

// BenchmarkPutFile measures PutFile of a 16 MiB file (MD5 pass, then an
// aws-chunked upload) to the embedded store on loopback.
func BenchmarkPutFile(b *testing.B) {
	const size = 16 << 20
	c, file := benchFile(b, size)
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.PutFile(ctx, "bench/obj", file, PutFileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut measures the streaming Put of 16 MiB written by a callback.
func BenchmarkPut(b *testing.B) {
	const size = 16 << 20
	c := localClient(b)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "bench", ""); err != nil {
		b.Fatal(err)
	}
	block := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	writer := func(w io.Writer) error {
		for range size / len(block) {
			if _, err := w.Write(block); err != nil {
				return err
			}
		}
		return nil
	}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Put(ctx, "bench/obj", writer, size, "", nil, PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
