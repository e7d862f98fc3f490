package tests

// A failing engine callback (Progress) aborts the operation inside the
// engine, which undoes what it did: no object, no multipart upload left, no
// file under its final name; and the callback's error comes back unchanged.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
)

var errCallback = errors.New("the callback refused")

// failAt says which report of a transfer fails: the first (0 bytes), the
// first in the middle (some bytes but not all), or the one that reports
// the whole size. The number of reports in between depends on how the
// transport reads, so they are picked by what they report.
var failAt = []string{"first", "middle", "last"}

// failingProgress returns a Progress failing at the report named by at,
// and whether it failed.
func failingProgress(at string) (engine.Progress, *bool) {
	failed := new(bool)
	calls := 0
	return func(done, total int64) error {
		calls++
		hit := false
		switch at {
		case "first":
			hit = calls == 1
		case "middle":
			hit = done > 0 && done < total
		case "last":
			hit = done == total && (total > 0 || calls > 1)
		}
		if hit && !*failed {
			*failed = true
			return errCallback
		}
		return nil
	}, failed
}

func TestEngineFailingProgress(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c, bucket := xferClient(t, srv)
			ctx := context.Background()

			for _, size := range []int{0, 1, 200 << 10} {
				file := writeTemp(t, fmt.Sprintf("up-%d", size), randomBytes(t, size))
				t.Run(fmt.Sprintf("PutFile/%d", size), func(t *testing.T) {
					for _, at := range failAt {
						bp := fmt.Sprintf("%s/put-%d-fail-%s", bucket, size, at)
						p, failed := failingProgress(at)
						_, err := c.PutFile(ctx, bp, file, engine.PutFileOptions{ChunkLen: 8192, Progress: p})
						if !*failed {
							// No such report for this size (an empty file has one).
							if err != nil {
								t.Errorf("%s: %v", at, err)
							}
							continue
						}
						if err != errCallback {
							t.Errorf("failing at the %s report: err = %v, want the callback's error unchanged", at, err)
						}
						assertNoObject(t, c, bp)
					}
				})
			}

			big := randomBytes(t, 11<<20)
			bigFile := writeTemp(t, "big", big)
			t.Run("MultipartPutFile", func(t *testing.T) {
				opt := engine.MultipartFileOptions{Workers: 2}
				for _, at := range failAt {
					key := "mp-fail-" + at
					var failed *bool
					opt.Progress, failed = failingProgress(at)
					_, err := c.MultipartPutFile(ctx, bucket+"/"+key, bigFile, opt)
					if !*failed || err != errCallback {
						t.Errorf("failing at the %s report (failed: %v): err = %v, want the callback's error unchanged", at, *failed, err)
					}
					assertNoObject(t, c, bucket+"/"+key)
					assertNoUpload(t, c, bucket, key)
				}
				empty := writeTemp(t, "empty", nil)
				opt.Progress, _ = failingProgress("first")
				if _, err := c.MultipartPutFile(ctx, bucket+"/mp-empty", empty, opt); err != errCallback {
					t.Errorf("empty file: err = %v, want the callback's error", err)
				}
				assertNoObject(t, c, bucket+"/mp-empty")
			})

			// A download stopped by its Progress leaves no file under the
			// final name (a new file) or the old content (replace), and no
			// temporary file beside it.
			if _, err := c.PutBytes(ctx, bucket+"/dl", big[:300<<10], "", nil); err != nil {
				t.Fatal(err)
			}
			t.Run("GetFile", func(t *testing.T) {
				dir := t.TempDir()
				for _, at := range failAt {
					p, _ := failingProgress(at)
					fresh := filepath.Join(dir, "new-"+at)
					if err := c.GetFile(ctx, bucket+"/dl", fresh, nil, engine.GetFileOptions{Progress: p}); err != errCallback {
						t.Errorf("new file, failing at the %s report: err = %v", at, err)
					}
					if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("new file, failing at the %s report: %s exists (%v)", at, fresh, err)
					}
					old := filepath.Join(dir, "old-"+at)
					os.WriteFile(old, []byte("old"), 0o644)
					p, _ = failingProgress(at)
					if err := c.GetFile(ctx, bucket+"/dl", old, nil, engine.GetFileOptions{Exists: engine.ExistsReplace, Progress: p}); err != errCallback {
						t.Errorf("replace, failing at the %s report: err = %v", at, err)
					}
					if b, _ := os.ReadFile(old); string(b) != "old" {
						t.Errorf("replace, failing at the %s report: the file holds %d bytes, want the old content", at, len(b))
					}
				}
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					if name := e.Name(); len(name) < 4 || (name[:4] != "old-") {
						t.Errorf("left in the directory: %s", name)
					}
				}
			})
		})
	}
}
