package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// File parts are hashed, then sent from the file itself (sendfile on a
// plain connection): the object is the file, progress reaches the total.
func TestMultipartPutFileSections(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "sections", ""); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(2*MultipartSizeMinimum + 12345)
	file := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var last, total int64
	_, err := c.MultipartPutFile(ctx, "sections/f.bin", file, MultipartFileOptions{Workers: 2,
		Progress: func(done, tot int64) error { last, total = done, tot; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBytes(ctx, "sections/f.bin", nil, nil)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("object differs from the file (%d bytes, want %d): %v", len(got), len(data), err)
	}
	if last != int64(len(data)) || total != int64(len(data)) {
		t.Errorf("progress ended at %d of %d, want %d", last, total, len(data))
	}
}

// A file that shrinks during the upload fails it: no object, no upload left.
func TestMultipartPutFileShrinks(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "shrinks", ""); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(file, randomBytes(3*MultipartSizeMinimum), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := c.MultipartPutFile(ctx, "shrinks/f.bin", file, MultipartFileOptions{Workers: 1,
		Progress: func(done, total int64) error {
			if done == 0 {
				os.Truncate(file, MultipartSizeMinimum/2)
			}
			return nil
		}})
	if err == nil {
		t.Fatal("no error")
	}
	if _, herr := c.Head(ctx, "shrinks/f.bin", nil); herr == nil {
		t.Error("an object was stored")
	}
	if ups, _ := c.ListMultipartUploads(ctx, "shrinks"); len(ups) != 0 {
		t.Errorf("uploads left: %v", ups)
	}
}

// A section is sent only from the file the upload was planned from.
func TestFileSectionRefusesReplacedFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.bin")
	if err := os.WriteFile(file, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := localClient(t)
	_, _, plan, err := c.planFile("T", "b/k", file, MultipartFileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer plan.f.Close()
	s := &fileSection{plan: plan, off: 3, n: 4}
	f, err := s.open()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 10)
	n, _ := (&sectionBody{f: f, end: 7, sent: new(atomic.Int64), run: &partsRun{notify: make(chan struct{}, 1)}}).Read(b)
	f.Close()
	if string(b[:n]) != "3456" {
		t.Errorf("section read %q, want 3456", b[:n])
	}
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("abcdefghij"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, file); err != nil {
		t.Fatal(err)
	}
	if f, err := s.open(); err == nil {
		f.Close()
		t.Fatal("a replaced file was opened")
	}
}
