package tests

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3lua/s3lua/tests/testenv"
)

// The CLI tests run the real s3lua binary, built once per test process.

var cliBuild struct {
	once sync.Once
	path string
	err  error
}

// cliBinary returns the path of a freshly built s3lua.
func cliBinary(t testing.TB) string {
	t.Helper()
	cliBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "s3lua-cli-test-")
		if err != nil {
			cliBuild.err = err
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Dir(filepath.Dir(file))
		exe := filepath.Join(dir, "s3lua")
		cmd := exec.Command("go", "build", "-o", exe, "./cmd/s3lua")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			cliBuild.err = errors.New("go build ./cmd/s3lua: " + err.Error() + "\n" + string(out))
			return
		}
		cliBuild.path = exe
	})
	if cliBuild.err != nil {
		t.Fatal(cliBuild.err)
	}
	return cliBuild.path
}

// cliRepoPath returns a path inside the repository (e.g. "scripts/tour.lua").
func cliRepoPath(rel string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(filepath.Dir(file)), filepath.FromSlash(rel))
}

// cliCleanEnv is an environment with no AWS settings and an empty HOME, so
// that nothing from the machine running the tests leaks in.
func cliCleanEnv(t testing.TB) []string {
	t.Helper()
	home := t.TempDir()
	return []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + os.TempDir(),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"S3LUA_HISTORY=" + filepath.Join(home, "history"),
	}
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// cliRun runs s3lua with args, env and stdin and waits (at most two minutes).
func cliRun(t testing.TB, env []string, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliBinary(t), args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatalf("s3lua %q: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("s3lua %q: did not finish in time\nstdout:\n%s\nstderr:\n%s", args, res.stdout, res.stderr)
	}
	return res
}

// cliTarget is a server the CLI talks to: its options and environment.
type cliTarget struct {
	name string
	args []string // e.g. --local=DIR or --endpoint URL
	env  []string
}

// cliTargets returns the servers the CLI tests run against: MinIO and
// versitygw from tests/run.sh (skipped when absent, a failure under CI=true)
// and the embedded store through --local=DIR (persisted in a temp dir, so
// that separate runs of one test share their buckets).
func cliTargets(t *testing.T) []cliTarget {
	t.Helper()
	var targets []cliTarget
	for _, srv := range testenv.Servers(t) {
		if srv.Local {
			targets = append(targets, cliTarget{name: testenv.NameLocal,
				args: []string{"--local=" + t.TempDir()}, env: cliCleanEnv(t)})
			continue
		}
		env := append(cliCleanEnv(t),
			"AWS_ACCESS_KEY_ID="+srv.AccessKey,
			"AWS_SECRET_ACCESS_KEY="+srv.SecretKey,
			"AWS_REGION="+srv.Region)
		targets = append(targets, cliTarget{name: srv.Name, args: []string{"--endpoint", srv.Endpoint}, env: env})
	}
	return targets
}

// run runs s3lua against the target.
func (c cliTarget) run(t testing.TB, stdin string, args ...string) cliResult {
	t.Helper()
	return cliRun(t, c.env, stdin, append(append([]string{}, c.args...), args...)...)
}

// mustRun runs s3lua against the target and fails the test unless it exits 0.
func (c cliTarget) mustRun(t testing.TB, args ...string) cliResult {
	t.Helper()
	res := c.run(t, "", args...)
	if res.code != 0 {
		t.Fatalf("s3lua %q on %s: exit %d\nstdout:\n%s\nstderr:\n%s", args, c.name, res.code, res.stdout, res.stderr)
	}
	return res
}

// cliBucketName is a fresh, DNS-compatible bucket name for one test.
func cliBucketName(t testing.TB) string {
	t.Helper()
	return testenv.UniqueBucket(t, "s3lua-cli")
}
