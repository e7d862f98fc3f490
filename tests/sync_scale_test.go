package tests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// TestSyncScale measures s3.sync at scale against MinIO:
//
//	S3LUA_SYNC_SCALE=1 tests/run.sh ./tests/ -run TestSyncScale -v
//
// With S3LUA_SYNC_SCALE=1 it makes 20,000 and 100,000 files and keys;
// otherwise (in CI) the same checks run on 300 and 1,000, so the test still
// asserts what each sync did. It asserts no timing. At scale it logs, for
// docs/performance.md, a sync with nothing to do over 20,000 keys
// (engine.Client.Sync) beside one listing plus one local walk of the same
// trees (the floor: no request per file), medians of 5 runs taken in turns,
// and the peak RSS of the s3lua process syncing 100,000 files of 16 bytes
// to an empty prefix, then syncing them again (nothing to do).
func TestSyncScale(t *testing.T) {
	var small, large int64 = 300, 1000
	rounds := 1
	if os.Getenv("S3LUA_SYNC_SCALE") == "1" {
		small, large, rounds = 20000, 100000, 5
	}
	// MinIO's helper fails under CI=true when the server is missing.
	srv := testenv.MinIO(t)
	c := enginetest.Client(t, srv)
	ctx := context.Background()
	bucket := enginetest.Bucket(t, c, "sync-scale")

	makeTree := func(dir string, n int64) {
		for i := int64(0); i < n; i++ {
			p := filepath.Join(dir, fmt.Sprintf("d%03d", i/1000), fmt.Sprintf("f%05d.txt", i))
			if i%1000 == 0 {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(p, []byte(fmt.Sprintf("file %09d\n", i)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("nothing to do", func(t *testing.T) {
		n := small
		dir := t.TempDir()
		makeTree(dir, n)
		dst := "s3://" + bucket + "/k20/"
		sum, err := c.Sync(ctx, dir, dst, engine.SyncOptions{})
		if err != nil || sum.Batch.OK != n {
			t.Fatalf("first sync: %+v %v", sum, err)
		}
		floor := func() time.Duration {
			start := time.Now()
			l := c.NewLister(bucket+"/k20/", engine.ListOptions{})
			var keys, files int64
			for {
				items, err := l.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				keys += int64(len(items))
			}
			w := c.NewFileWalker(dir, false)
			for {
				if _, err := w.Next(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				files++
			}
			if keys != n || files != n {
				t.Fatalf("listed %d keys, walked %d files", keys, files)
			}
			return time.Since(start)
		}
		nothing := func() time.Duration {
			start := time.Now()
			sum, err := c.Sync(ctx, dir, dst, engine.SyncOptions{})
			if err != nil || sum.Skipped != n || sum.Uploads != 0 || sum.Batch.OK != 0 {
				t.Fatalf("second sync: %+v %v", sum, err)
			}
			return time.Since(start)
		}
		floor()
		nothing() // warm-up
		var fs, ss []time.Duration
		for range rounds {
			fs = append(fs, floor())
			ss = append(ss, nothing())
		}
		f, s := median(fs), median(ss)
		t.Logf("%d keys: listing + walk %v, sync with nothing to do %v: %.2fx (medians of %d)", n, f, s, float64(s)/float64(f), rounds)
	})

	t.Run("peak RSS", func(t *testing.T) {
		n := large
		dir := t.TempDir()
		makeTree(dir, n)
		dst := "s3://" + bucket + "/k100/"
		script := fmt.Sprintf(`local r = s3.sync(%q, %q)
print(r.uploads, r.ok, r.failed, r.skipped)`, dir, dst)
		for _, want := range []string{fmt.Sprintf("%d\t%d\t0\t0", n, n), fmt.Sprintf("0\t0\t0\t%d", n)} {
			cmd := exec.Command(cliBinary(t), "--endpoint", srv.Endpoint, "-e", script)
			cmd.Env = append(cliCleanEnv(t), "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_REGION="+srv.Region)
			start := time.Now()
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("s3lua: %v\n%s", err, out)
			}
			if got := string(out); got != want+"\n" {
				t.Fatalf("sync printed %q, want %q", got, want)
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			t.Logf("%d files (%s): %v wall, peak RSS %s MiB", n, map[bool]string{true: "upload", false: "nothing to do"}[want[0] != '0'],
				time.Since(start).Round(time.Millisecond), strconv.FormatFloat(float64(ru.Maxrss)/1024, 'f', 1, 64))
		}
	})
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
