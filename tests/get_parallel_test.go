package tests

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// TestGetFileParallel: GetFile with Workers fetches the object in ranges
// (one GET per range), writes the whole file under its name only at the
// end, reports progress up to the size, takes one plain GET for an empty
// object, and leaves no file when its Progress fails.
func TestGetFileParallel(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			c, gets := countingClient(t, srv, func(e engine.TraceEvent) bool {
				return e.Method == http.MethodGet && e.Status/100 == 2
			})
			bucket := enginetest.Bucket(t, c, "s3lua-pget")
			const part = 5 << 20
			data := randomBytes(t, 3*part+123)
			if _, err := c.PutBytes(ctx, bucket+"/big", data, "", nil); err != nil {
				t.Fatal(err)
			}
			if _, err := c.PutBytes(ctx, bucket+"/empty", nil, "", nil); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()

			gets.Store(0)
			var last, calls int64
			file := filepath.Join(dir, "big")
			err := c.GetFile(ctx, bucket+"/big", file, nil, engine.GetFileOptions{Workers: 4, PartSize: part,
				Progress: func(done, total int64) error {
					if done < last || total != int64(len(data)) {
						t.Errorf("progress %d of %d after %d", done, total, last)
					}
					last, calls = done, calls+1
					return nil
				}})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(file)
			if sha(got) != sha(data) {
				t.Fatalf("downloaded %d bytes, content differs", len(got))
			}
			if n := gets.Load(); n != 4 {
				t.Errorf("%d GETs for 4 ranges", n)
			}
			if last != int64(len(data)) || calls < 4 {
				t.Errorf("progress ended at %d after %d calls", last, calls)
			}

			empty := filepath.Join(dir, "empty")
			if err := c.GetFile(ctx, bucket+"/empty", empty, nil, engine.GetFileOptions{Workers: 4}); err != nil {
				t.Fatalf("empty object: %v", err)
			}
			if st, err := os.Stat(empty); err != nil || st.Size() != 0 {
				t.Errorf("empty object: %v %v", st, err)
			}

			stop := errors.New("stop here")
			failed := filepath.Join(dir, "failed")
			err = c.GetFile(ctx, bucket+"/big", failed, nil, engine.GetFileOptions{Workers: 3, PartSize: part,
				Progress: func(done, total int64) error {
					if done > part+part/2 {
						return stop
					}
					return nil
				}})
			if err != stop {
				t.Fatalf("error %v, want the Progress's unchanged", err)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "big" && e.Name() != "empty" {
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}
