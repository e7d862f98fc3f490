package tests

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/tests/testenv"
)

// Every script in scripts/ runs here, unchanged, against the embedded store
// (--local=DIR) and against MinIO and versitygw from tests/run.sh, and the
// tests check what it did to the store, not only its exit status.

// scriptBucket creates a fresh bucket on the target and removes it (with
// everything in it) when the test ends.
func scriptBucket(t *testing.T, tg cliTarget) string {
	t.Helper()
	b := cliBucketName(t)
	tg.mustRun(t, "-e", fmt.Sprintf("s3.create_bucket(%q)", b))
	t.Cleanup(func() {
		res := tg.run(t, "", "-e", fmt.Sprintf(`
			local b = %q
			local keys = {}
			for item in s3.list(b .. "/") do
				if item.key then
					keys[#keys + 1] = item.key
					if #keys == 1000 then s3.delete_multiple(b, keys) keys = {} end
				end
			end
			if #keys > 0 then s3.delete_multiple(b, keys) end
			pcall(function()
				for _, u in ipairs(s3.list_multipart_uploads(b)) do
					s3.abort_multipart_upload(b .. "/" .. u.key, u.upload_id)
				end
			end)
			s3.delete_bucket(b)`, b))
		if res.code != 0 {
			t.Logf("cleanup of %s on %s: %s", b, tg.name, res.stderr)
		}
	})
	return b
}

// scriptRun runs scripts/NAME with args on the target; it must succeed.
func scriptRun(t *testing.T, tg cliTarget, name string, args ...string) string {
	t.Helper()
	return tg.mustRun(t, append([]string{cliRepoPath("scripts/" + name)}, args...)...).stdout
}

// scriptKeys lists the keys under bucket/prefix.
func scriptKeys(t *testing.T, tg cliTarget, bp string) []string {
	t.Helper()
	out := tg.mustRun(t, "-e", fmt.Sprintf(`for _, k in ipairs(s3.ls(%q)) do print(k) end`, bp)).stdout
	return strings.Fields(out)
}

func TestScriptTour(t *testing.T) {
	// The README's first command: in memory, nothing else needed.
	t.Run("local in memory", func(t *testing.T) {
		res := cliRun(t, cliCleanEnv(t), "", "--local", cliRepoPath("scripts/tour.lua"))
		if res.code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
		}
		scriptCheckTour(t, res.stdout)
	})
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			out := scriptRun(t, tg, "tour.lua", "s3lua-tour-test")
			scriptCheckTour(t, out)
			for _, b := range strings.Fields(tg.mustRun(t, "-e", `for _, b in ipairs(s3.list_buckets()) do print(b) end`).stdout) {
				if strings.HasPrefix(b, "s3lua-tour-test-") {
					t.Errorf("the tour left its bucket %s behind", b)
				}
			}
		})
	}
}

func scriptCheckTour(t *testing.T, out string) {
	t.Helper()
	for _, w := range []string{"==> create_bucket(", "==> list_buckets()", "==> put_bytes(", `"Hello, world."`,
		`"Hello"`, "==> head(bp)", "==> ls(bucket", "==> put_file(", "==> get_file(", "==> copy(",
		"==> delete(bp)", "==> delete_bucket(", "tour: all checks passed"} {
		if !strings.Contains(out, w) {
			t.Errorf("tour output lacks %q", w)
		}
	}
	if strings.Contains(out, "FAILED") {
		t.Errorf("a tour check failed:\n%s", out)
	}
}

func TestScriptMirror(t *testing.T) {
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b := scriptBucket(t, tg)
			dir := t.TempDir()
			cliWriteFile(t, filepath.Join(dir, "a.txt"), "alpha")
			cliWriteFile(t, filepath.Join(dir, "sub", "b.txt"), "bravo")
			cliWriteFile(t, filepath.Join(dir, "sub", "c.bin"), "charlie")

			out := scriptRun(t, tg, "mirror.lua", dir, b+"/site", "--dry-run")
			cliCheckLines(t, out, []string{"upload site/a.txt", "upload site/sub/b.txt", "upload site/sub/c.bin",
				"mirror: 3 uploaded, 0 updated, 0 unchanged, 0 deleted (dry run: nothing changed)"})
			if keys := scriptKeys(t, tg, b+"/"); len(keys) != 0 {
				t.Fatalf("a dry run uploaded %q", keys)
			}

			out = scriptRun(t, tg, "mirror.lua", dir, b+"/site")
			cliCheckLines(t, out, []string{"mirror: 3 uploaded, 0 updated, 0 unchanged, 0 deleted"})
			if got, want := strings.Join(scriptKeys(t, tg, b+"/site/"), " "), "site/a.txt site/sub/b.txt site/sub/c.bin"; got != want {
				t.Fatalf("keys after the first mirror: %q, want %q", got, want)
			}

			out = scriptRun(t, tg, "mirror.lua", dir, b+"/site/")
			cliCheckLines(t, out, []string{"same   site/a.txt", "mirror: 0 uploaded, 0 updated, 3 unchanged, 0 deleted"})

			// Same size, different content: the MD5 tells them apart.
			cliWriteFile(t, filepath.Join(dir, "a.txt"), "ALPHA")
			cliWriteFile(t, filepath.Join(dir, "new.txt"), "new")
			if err := os.Remove(filepath.Join(dir, "sub", "c.bin")); err != nil {
				t.Fatal(err)
			}
			out = scriptRun(t, tg, "mirror.lua", dir, b+"/site", "--delete")
			cliCheckLines(t, out, []string{"update site/a.txt", "upload site/new.txt", "same   site/sub/b.txt",
				"delete site/sub/c.bin", "mirror: 1 uploaded, 1 updated, 1 unchanged, 1 deleted"})
			got := tg.mustRun(t, "-e", fmt.Sprintf(`print(s3.get_bytes(%q), s3.get_bytes(%q))`, b+"/site/a.txt", b+"/site/new.txt")).stdout
			cliCheckLines(t, got, []string{"ALPHA\tnew"})
			if got, want := strings.Join(scriptKeys(t, tg, b+"/site/"), " "), "site/a.txt site/new.txt site/sub/b.txt"; got != want {
				t.Errorf("keys after --delete: %q, want %q", got, want)
			}
		})
	}
}

func TestScriptExpire(t *testing.T) {
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b := scriptBucket(t, tg)
			n := 3
			if tg.name == testenv.NameLocal {
				n = 1003 // more than one delete_multiple batch; cheap on the embedded store
			}
			tg.mustRun(t, "-e", fmt.Sprintf(`
				for i = 1, %d do s3.put_bytes(string.format("%s/old/%%05d", i), "x", "text/plain") end
				s3.put_bytes("%s/keep/k", "k", "text/plain")`, n, b, b))

			out := scriptRun(t, tg, "expire.lua", b+"/old/", "1")
			cliCheckLines(t, out, []string{fmt.Sprintf("expire: 0 deleted, %d kept", n)})

			out = scriptRun(t, tg, "expire.lua", b+"/old/", "0", "--dry-run")
			cliCheckLines(t, out, []string{"would delete old/00001 (0.0 days)",
				fmt.Sprintf("expire: %d would be deleted (dry run), 0 kept", n)})
			if got := len(scriptKeys(t, tg, b+"/old/")); got != n {
				t.Fatalf("after a dry run %d objects remain, want %d", got, n)
			}

			out = scriptRun(t, tg, "expire.lua", b+"/old/", "0")
			cliCheckLines(t, out, []string{"delete old/00001 (0.0 days)", fmt.Sprintf("expire: %d deleted, 0 kept", n)})
			if got := scriptKeys(t, tg, b+"/"); strings.Join(got, " ") != "keep/k" {
				t.Errorf("after expiring old/: %q, want only keep/k", got)
			}
		})
	}
}

func TestScriptUsage(t *testing.T) {
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b := scriptBucket(t, tg)
			tg.mustRun(t, "-e", fmt.Sprintf(`
				local b = %q
				s3.put_bytes(b .. "/logs/a", string.rep("a", 100), "text/plain")
				s3.put_bytes(b .. "/logs/deep/b", string.rep("b", 200), "text/plain")
				s3.put_bytes(b .. "/img/x", string.rep("x", 2048), "text/plain")
				s3.put_bytes(b .. "/top.txt", string.rep("t", 10), "text/plain")`, b))
			out := scriptRun(t, tg, "usage.lua", b)
			cliCheckLines(t, out, []string{
				fmt.Sprintf("%14s  %10s  %8s  %s", "BYTES", "SIZE", "OBJECTS", "PREFIX"),
				fmt.Sprintf("%14d  %10s  %8d  %s", 2048, "2.0 KiB", 1, "img/"),
				fmt.Sprintf("%14d  %10s  %8d  %s", 300, "300 B", 2, "logs/"),
				fmt.Sprintf("%14d  %10s  %8d  %s", 10, "10 B", 1, "(objects)"),
				fmt.Sprintf("%14d  %10s  %8d  %s", 2358, "2.3 KiB", 4, "total in "+b+"/"),
			})
			out = scriptRun(t, tg, "usage.lua", b+"/logs/")
			cliCheckLines(t, out, []string{
				fmt.Sprintf("%14d  %10s  %8d  %s", 200, "200 B", 1, "logs/deep/"),
				fmt.Sprintf("%14d  %10s  %8d  %s", 100, "100 B", 1, "(objects)"),
			})
		})
	}
}

func TestScriptLargest(t *testing.T) {
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b := scriptBucket(t, tg)
			// Sizes are a permutation, so the listing order says nothing.
			tg.mustRun(t, "-e", fmt.Sprintf(`
				for i = 1, 25 do
					local size = (i * 7) %% 25 + 1
					s3.put_bytes(string.format("%s/data/k%%02d", i), string.rep("z", size * 10), "text/plain")
				end
				s3.put_bytes("%s/other/huge", string.rep("h", 5000), "text/plain")`, b, b))
			out := scriptRun(t, tg, "largest.lua", b+"/data/", "3")
			// 250 bytes: i*7 % 25 == 24, so i = 7; 240: i = 14; 230: i = 21.
			cliCheckLines(t, out, []string{
				fmt.Sprintf("%14d  %10s  %s", 250, "250 B", "data/k07"),
				fmt.Sprintf("%14d  %10s  %s", 240, "240 B", "data/k14"),
				fmt.Sprintf("%14d  %10s  %s", 230, "230 B", "data/k21"),
				"largest: 3 of 25 objects under " + b + "/data/",
			})
			if strings.Contains(out, "huge") {
				t.Errorf("largest looked outside the prefix:\n%s", out)
			}
		})
	}
}

func TestScriptResume(t *testing.T) {
	const partSize = 5 << 20
	file := filepath.Join(t.TempDir(), "big.bin")
	data := make([]byte, 2*partSize+12345)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b := scriptBucket(t, tg)
			script := cliRepoPath("scripts/resume.lua")
			back := filepath.Join(t.TempDir(), "back.bin")
			// The interrupted upload and the resume run in one process: the
			// embedded store keeps multipart uploads in memory only.
			setup := fmt.Sprintf(`
				local bp = %q
				local f = assert(io.open(%q, "rb"))
				local first = f:read(%d)
				f:close()
				local id = s3.initiate_multipart_upload(bp, "application/octet-stream")
				s3.upload_part(bp, id, 1, first)
				print("interrupted " .. id)`, b+"/big.bin", file, partSize)
			fetch := fmt.Sprintf(`s3.get_file(%q, %q, nil, {exists = "replace"})`, b+"/big.bin", back)
			out := tg.mustRun(t, "-e", setup, script, file, b+"/big.bin", fmt.Sprint(partSize)).stdout
			var id string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "interrupted ") {
					id = strings.TrimPrefix(l, "interrupted ")
				}
			}
			cliCheckLines(t, out, []string{
				"resuming upload " + id + ": 1 part(s) already uploaded",
				fmt.Sprintf("size %d", len(data)),
			})
			tg.mustRun(t, "-e", fetch)
			scriptSameFile(t, back, data)

			// Nothing to resume: a fresh multipart upload.
			out = scriptRun(t, tg, "resume.lua", file, b+"/fresh.bin")
			cliCheckLines(t, out, []string{
				"no interrupted upload for " + b + "/fresh.bin: starting a new multipart upload",
				fmt.Sprintf("size %d", len(data)),
			})
		})
	}
}

func scriptSameFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes differ from the %d uploaded", path, len(got), len(want))
	}
}

func TestScriptPresign(t *testing.T) {
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b := scriptBucket(t, tg)
			tg.mustRun(t, "-e", fmt.Sprintf(`
				s3.put_bytes(%q, "first object", "text/plain")
				s3.put_bytes(%q, "second object", "text/plain")
				s3.put_bytes(%q, "not shared", "text/plain")`, b+"/shared/one.txt", b+"/shared/two words.txt", b+"/private.txt"))
			var links map[string]string
			if tg.name == testenv.NameLocal {
				// The embedded store lives only as long as the process: keep
				// it running in the REPL (-i, stdin a pipe) while the links
				// are fetched, then end it with EOF.
				links = scriptPresignLocal(t, tg, b)
			} else {
				out := scriptRun(t, tg, "presign.lua", b+"/shared/", "600")
				links = scriptCheckPresignOutput(t, out, b)
			}
			want := map[string]string{"shared/one.txt": "first object", "shared/two words.txt": "second object"}
			for key, url := range links {
				resp, err := http.Get(url)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(body) != want[key] {
					t.Errorf("GET %s: %d %q, want 200 %q", key, resp.StatusCode, body, want[key])
				}
			}
		})
	}
}

// scriptCheckPresignOutput parses "KEY\tURL" lines: exactly the two shared keys.
func scriptCheckPresignOutput(t *testing.T, out, bucket string) map[string]string {
	t.Helper()
	links := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		key, url, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("bad line %q", l)
		}
		if !strings.Contains(url, "X-Amz-Signature=") || !strings.Contains(url, "X-Amz-Expires=600") || !strings.Contains(url, bucket) {
			t.Errorf("%s: not a presigned URL for %s: %s", key, bucket, url)
		}
		links[key] = url
	}
	if len(links) != 2 || links["shared/one.txt"] == "" || links["shared/two words.txt"] == "" {
		t.Errorf("links = %v, want shared/one.txt and shared/two words.txt", links)
	}
	return links
}

// scriptPresignLocal runs presign.lua on the embedded store and fetches the
// links before the store goes away.
func scriptPresignLocal(t *testing.T, tg cliTarget, bucket string) map[string]string {
	t.Helper()
	args := append(append([]string{}, tg.args...), "-i", cliRepoPath("scripts/presign.lua"), bucket+"/shared/", "600")
	cmd := exec.Command(cliBinary(t), args...)
	cmd.Env = tg.env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	r := bufio.NewReader(stdout)
	var lines []string
	for len(lines) < 2 {
		l, err := r.ReadString('\n')
		if strings.Contains(l, "\thttp") {
			lines = append(lines, strings.TrimRight(l, "\n"))
		}
		if err != nil {
			t.Fatalf("presign output ended early: %v", err)
		}
	}
	links := scriptCheckPresignOutput(t, strings.Join(lines, "\n"), bucket)
	done := make(map[string]string, len(links))
	for key, url := range links {
		done[key] = url
	}
	t.Cleanup(func() {
		stdin.Close()
		if code := cliWaitExit(t, cmd); code != 0 {
			t.Errorf("s3lua -i: exit %d after EOF", code)
		}
	})
	return done
}

func TestScriptSync(t *testing.T) {
	for _, tg := range cliTargets(t) {
		t.Run(tg.name, func(t *testing.T) {
			b := scriptBucket(t, tg)
			dir := t.TempDir()
			cliWriteFile(t, filepath.Join(dir, "a.txt"), "alpha")
			cliWriteFile(t, filepath.Join(dir, "sub", "b.txt"), "bravo")
			cliWriteFile(t, filepath.Join(dir, "sub", "skip.tmp"), "tmp")
			dst := "s3://" + b + "/site"

			out := scriptRun(t, tg, "sync.lua", "--dry-run", "--exclude", "*.tmp", dir, dst)
			cliCheckLines(t, out, []string{"upload   a.txt  (new)", "upload   sub/b.txt  (new)",
				"sync: 2 uploaded, 0 downloaded, 0 copied, 0 deleted, 0 unchanged, 0.0 MiB (dry run: nothing changed)"})
			if keys := scriptKeys(t, tg, b+"/"); len(keys) != 0 {
				t.Fatalf("a dry run uploaded %q", keys)
			}
			out = scriptRun(t, tg, "sync.lua", "--exclude=*.tmp", dir, dst)
			if !strings.Contains(out, "sync: 2 uploaded, 0 downloaded, 0 copied, 0 deleted, 0 unchanged, 0.0 MiB, 0 failed in ") {
				t.Fatalf("first sync: %s", out)
			}
			if got, want := strings.Join(scriptKeys(t, tg, b+"/site/"), " "), "site/a.txt site/sub/b.txt"; got != want {
				t.Fatalf("keys: %q, want %q", got, want)
			}
			out = scriptRun(t, tg, "sync.lua", "--exclude", "*.tmp", "--checksum", dir, dst)
			if !strings.Contains(out, "sync: 0 uploaded, 0 downloaded, 0 copied, 0 deleted, 2 unchanged") {
				t.Fatalf("second sync: %s", out)
			}

			// Down, with --delete removing a file the bucket does not have.
			down := t.TempDir()
			cliWriteFile(t, filepath.Join(down, "stale"), "old")
			out = scriptRun(t, tg, "sync.lua", "--delete", "--dry-run", dst, down)
			cliCheckLines(t, out, []string{"download a.txt  (new)", "download sub/b.txt  (new)", "delete   stale  (extraneous)"})
			scriptRun(t, tg, "sync.lua", "--delete", dst, down)
			if b, err := os.ReadFile(filepath.Join(down, "sub", "b.txt")); err != nil || string(b) != "bravo" {
				t.Fatalf("downloaded sub/b.txt: %q %v", b, err)
			}
			if _, err := os.Stat(filepath.Join(down, "stale")); !os.IsNotExist(err) {
				t.Fatalf("stale not deleted: %v", err)
			}

			for _, args := range [][]string{{dir}, {"--bogus", dir, dst}, {"--exclude"}} {
				res := tg.run(t, "", append([]string{cliRepoPath("scripts/sync.lua")}, args...)...)
				if res.code == 0 || !strings.Contains(res.stderr, "usage: sync.lua") {
					t.Errorf("sync.lua %q: exit %d, stderr %q", args, res.code, res.stderr)
				}
			}
		})
	}
}
