package engine

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func walkAll(t *testing.T, w *FileWalker) []WalkEntry {
	t.Helper()
	var out []WalkEntry
	for {
		e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

// The walk gives relative paths in byte order, as S3 lists keys, whatever
// order a directory walk would take.
func TestFileWalkerByteOrder(t *testing.T) {
	dir := t.TempDir()
	names := []string{"a/b", "a-b", "a.b", "a0", "a/c/d", "a/c-d", "B", "b", "a b", "é", "z/y/x", "a/b-c/d", "a/b.c"}
	files := map[string]string{}
	for _, n := range names {
		files[n] = n
	}
	writeTree(t, dir, files)
	if err := os.Symlink("a0", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	c := &Client{}
	var got []string
	for _, e := range walkAll(t, c.NewFileWalker(dir, false)) {
		if e.Symlink {
			got = append(got, "->"+e.Rel)
			continue
		}
		if e.Size != int64(len(e.Rel)) {
			t.Errorf("%s: size %d", e.Rel, e.Size)
		}
		got = append(got, e.Rel)
	}
	want := append([]string{}, names...)
	want = append(want, "link")
	sort.Strings(want)
	for i, w := range want {
		if w == "link" {
			want[i] = "->link"
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("walk order\n got %q\nwant %q", got, want)
	}
	// Followed, the link is a file; a link to a directory is walked.
	if err := os.Symlink("z", filepath.Join(dir, "zlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "z", "loop")); err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, e := range walkAll(t, c.NewFileWalker(dir, true)) {
		got = append(got, e.Rel)
	}
	if !contains(got, "link") || !contains(got, "zlink/y/x") || len(got) != len(names)+2 {
		t.Errorf("followed walk: %q", got)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestParseSyncLocation(t *testing.T) {
	tests := []struct {
		in   string
		want SyncLocation
	}{
		{"s3://b", SyncLocation{Bucket: "b"}},
		{"s3://b/", SyncLocation{Bucket: "b"}},
		{"s3://b/p", SyncLocation{Bucket: "b", Prefix: "p/"}},
		{"s3://b/p/q/", SyncLocation{Bucket: "b", Prefix: "p/q/"}},
		{"S3://b/p", SyncLocation{Bucket: "b", Prefix: "p/"}},
		{"dir/sub", SyncLocation{Dir: "dir/sub"}},
		{"/abs", SyncLocation{Dir: "/abs"}},
	}
	for _, tt := range tests {
		got, err := ParseSyncLocation(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSyncLocation(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "s3://", "s3:///p"} {
		if _, err := ParseSyncLocation(bad); err == nil {
			t.Errorf("ParseSyncLocation(%q): no error", bad)
		}
	}
	c := &Client{}
	for _, tt := range []struct{ src, dst, msg string }{
		{"a", "b", "both local"},
		{"s3://b/x", "s3://b/x/y", "overlap"},
		{"s3://b", "s3://b/x", "overlap"},
		{"s3://b/x", "d", ""},
	} {
		_, err := c.Sync(context.Background(), tt.src, tt.dst, SyncOptions{DryRun: true, Compare: "bogus"})
		if tt.msg == "" {
			if err == nil || !strings.Contains(err.Error(), "compare") {
				t.Errorf("Sync(%q, %q): %v, want the compare error", tt.src, tt.dst, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Sync(%q, %q): %v, want %q", tt.src, tt.dst, err, tt.msg)
		}
	}
}

func TestUnsafeLocalRel(t *testing.T) {
	for rel, want := range map[string]bool{
		"a": false, "a/b": false, "a..b": false, ".x": false,
		"": true, "/x": true, "../x": true, "a/../../x": true, "a//b": true, "./a": true, "a/.": true, "a\x00b": true,
	} {
		if got := unsafeLocalRel(rel); got != want {
			t.Errorf("unsafeLocalRel(%q) = %v", rel, got)
		}
	}
}

func plan(t *testing.T, c *Client, src, dst string, opt SyncOptions) ([]SyncAction, *SyncSummary) {
	t.Helper()
	var actions []SyncAction
	opt.DryRun = true
	opt.OnAction = func(a SyncAction) error { actions = append(actions, a); return nil }
	sum, err := c.Sync(context.Background(), src, dst, opt)
	if err != nil {
		t.Fatalf("dry run %s -> %s: %v", src, dst, err)
	}
	return actions, sum
}

func ops(actions []SyncAction) []string {
	var out []string
	for _, a := range actions {
		out = append(out, a.Op+" "+a.Rel+" "+a.Reason)
	}
	return out
}

// A round trip through the embedded store: upload, change both sides,
// plan, sync back, delete, refused keys.
func TestSyncEmbedded(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "sync", ""); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	writeTree(t, src, map[string]string{"a/b": "1", "a-b": "22", "a0": "333", "d/e/f": "4444", "skip.tmp": "x"})
	old := time.Now().Add(-time.Hour)
	filepath.Walk(src, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) })
	filter, _ := NewPathFilter(nil, []string{"*.tmp"})

	actions, sum := plan(t, c, src, "s3://sync/up", SyncOptions{Filter: filter})
	want := []string{"upload a-b new", "upload a/b new", "upload a0 new", "upload d/e/f new"}
	if !reflect.DeepEqual(ops(actions), want) || sum.Uploads != 4 || sum.Bytes != 10 {
		t.Fatalf("first plan: %q %+v", ops(actions), sum)
	}
	if actions[0].Src != filepath.Join(src, "a-b") || actions[0].Dst != "s3://sync/up/a-b" || actions[0].Size != 2 {
		t.Errorf("action: %+v", actions[0])
	}
	sum, err := c.Sync(ctx, src, "s3://sync/up", SyncOptions{Filter: filter})
	if err != nil || sum.Batch.OK != 4 || sum.Batch.Failed != 0 {
		t.Fatalf("sync: %+v %v", sum, err)
	}
	for _, mode := range []string{"", SyncCompareSize, SyncCompareChecksum} {
		if actions, sum := plan(t, c, src, "s3://sync/up", SyncOptions{Filter: filter, Compare: mode}); len(actions) != 0 || sum.Skipped != 4 {
			t.Errorf("second plan (%q): %q %+v", mode, ops(actions), sum)
		}
	}
	// Download into a fresh directory, then again: nothing to do.
	dl := filepath.Join(t.TempDir(), "new", "dir")
	if sum, err := c.Sync(ctx, "s3://sync/up", dl, SyncOptions{}); err != nil || sum.Downloads != 4 || sum.Batch.OK != 4 {
		t.Fatalf("download: %+v %v", sum, err)
	}
	if b, err := os.ReadFile(filepath.Join(dl, "d", "e", "f")); err != nil || string(b) != "4444" {
		t.Fatalf("downloaded: %q %v", b, err)
	}
	for _, mode := range []string{"", SyncCompareSize, SyncCompareChecksum} {
		if actions, _ := plan(t, c, "s3://sync/up", dl, SyncOptions{Compare: mode}); len(actions) != 0 {
			t.Errorf("download again (%q): %q", mode, ops(actions))
		}
	}
	// Changes on both sides.
	writeTree(t, src, map[string]string{"a0": "3x3", "a/b": "11", "new": "n"})
	os.Remove(filepath.Join(src, "d", "e", "f"))
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(src, "a0"), future, future)
	actions, sum = plan(t, c, src, "s3://sync/up", SyncOptions{Filter: filter, Delete: true})
	want = []string{"upload a/b size", "upload a0 newer", "upload new new", "delete d/e/f extraneous"}
	if !reflect.DeepEqual(ops(actions), want) || sum.Deletes != 1 || sum.Skipped != 1 {
		t.Fatalf("changed plan: %q %+v", ops(actions), sum)
	}
	if actions, _ := plan(t, c, src, "s3://sync/up", SyncOptions{Filter: filter, Compare: SyncCompareSize}); !reflect.DeepEqual(ops(actions), []string{"upload a/b size", "upload new new"}) {
		t.Errorf("size plan: %q", ops(actions))
	}
	if actions, _ := plan(t, c, src, "s3://sync/up", SyncOptions{Filter: filter, Compare: SyncCompareChecksum}); !reflect.DeepEqual(ops(actions), []string{"upload a/b size", "upload a0 checksum", "upload new new"}) {
		t.Errorf("checksum plan: %q", ops(actions))
	}
	if _, err := c.Sync(ctx, src, "s3://sync/up", SyncOptions{Filter: filter, Delete: true}); err != nil {
		t.Fatal(err)
	}
	keys, _ := c.Ls(ctx, "sync/up/")
	if want := []string{"up/a-b", "up/a/b", "up/a0", "up/new"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys after delete: %q", keys)
	}
	// S3 to S3, then to local with delete.
	if sum, err := c.Sync(ctx, "s3://sync/up", "s3://sync/copy/", SyncOptions{}); err != nil || sum.Copies != 4 || sum.Batch.OK != 4 {
		t.Fatalf("copy: %+v %v", sum, err)
	}
	if actions, _ := plan(t, c, "s3://sync/up", "s3://sync/copy", SyncOptions{}); len(actions) != 0 {
		t.Errorf("copy again: %q", ops(actions))
	}
	// Within one second LastModified cannot tell the new a0 from the old:
	// make the local copy older.
	os.Chtimes(filepath.Join(dl, "a0"), old, old)
	if actions, _ := plan(t, c, "s3://sync/up", dl, SyncOptions{Delete: true}); !reflect.DeepEqual(ops(actions), []string{"download a/b size", "download a0 newer", "download new new", "delete d/e/f extraneous"}) {
		t.Errorf("download plan: %q", ops(actions))
	}
	if sum, err := c.Sync(ctx, "s3://sync/up", dl, SyncOptions{Delete: true}); err != nil || sum.Downloads != 3 || sum.Deletes != 1 {
		t.Fatalf("download with delete: %+v %v", sum, err)
	}
	if _, err := os.Stat(filepath.Join(dl, "d", "e", "f")); !os.IsNotExist(err) {
		t.Errorf("d/e/f not deleted: %v", err)
	}
}

// Keys that would lead out of the destination are refused, and nothing is
// written outside it.
func TestSyncRefusedKeys(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "refuse", ""); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"p/ok", "p/../x", "p/a/../../y", "p//z", "p/./w", "p/dir/"} {
		if _, err := c.PutBytes(ctx, "refuse/"+k, []byte("data"), "", nil); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	base := t.TempDir()
	dst := filepath.Join(base, "target")
	sum, err := c.Sync(ctx, "s3://refuse/p", dst, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(sum.Refused)
	if want := []string{"p/../x", "p/./w", "p//z", "p/a/../../y"}; !reflect.DeepEqual(sum.Refused, want) || sum.Downloads != 1 {
		t.Errorf("refused %q, downloads %d", sum.Refused, sum.Downloads)
	}
	entries, _ := os.ReadDir(base)
	if len(entries) != 1 || entries[0].Name() != "target" {
		t.Errorf("written outside the target: %v", entries)
	}
	got := walkAll(t, (&Client{}).NewFileWalker(dst, false))
	if len(got) != 1 || got[0].Rel != "ok" {
		t.Errorf("target holds %+v", got)
	}
}

// A sync comparing checksums finds a multipart object equal to its file:
// here through the embedded store's HEAD, whose ETag is the content's MD5
// (the servers' full-object CRC32C: tests/lua/sync_test.lua). MD5Metadata
// records rclone's MD5 metadata.
func TestSyncChecksumMultipart(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "mpb", ""); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := strings.Repeat("0123456789abcdef", (6<<20)/16)
	writeTree(t, dir, map[string]string{"big": data})
	for _, md5Metadata := range []bool{false, true} {
		if _, err := c.MultipartPutFile(ctx, "mpb/p/big", filepath.Join(dir, "big"), MultipartFileOptions{PartSize: 5 << 20, MD5Metadata: md5Metadata}); err != nil {
			t.Fatal(err)
		}
		h, err := c.Head(ctx, "mpb/p/big", nil)
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum([]byte(data))
		want := ""
		if md5Metadata {
			want = base64.StdEncoding.EncodeToString(sum[:])
		}
		if got := h.Get(MD5MetadataHeader); got != want {
			t.Fatalf("MD5Metadata %v: %s = %q, want %q", md5Metadata, MD5MetadataHeader, got, want)
		}
		if actions, _ := plan(t, c, dir, "s3://mpb/p", SyncOptions{Compare: SyncCompareChecksum}); len(actions) != 0 {
			t.Errorf("MD5Metadata %v: checksum plan for an equal multipart object: %q", md5Metadata, ops(actions))
		}
	}
}
