package tests

// Fault scenarios against real MinIO behind faultProxy (faults_proxy_test.go).
// The CI runs the fast variants (S3LUA_FAULT_OPS operations of each kind,
// 20 by default); tests/faults.sh runs the long ones (200 of each kind) and
// prints the figures recorded in docs/reliability.md. Lines starting with
// "FIGURES" in the -v output are those figures.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/signature"
	"github.com/s3lua/s3lua/tests/testenv"
)

// faultOps is the number of operations of each kind per fault rate.
func faultOps(t *testing.T) int {
	if v := os.Getenv("S3LUA_FAULT_OPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("S3LUA_FAULT_OPS=%q: want a positive number", v)
		}
		return n
	}
	return 20
}

// faultSeed is the proxy's seed: S3LUA_FAULT_SEED, default 1.
func faultSeed(t *testing.T) uint64 {
	if v := os.Getenv("S3LUA_FAULT_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("S3LUA_FAULT_SEED=%q: want a number", v)
		}
		return n
	}
	return 1
}

// opResult is what one operation of a scenario did.
type opResult struct {
	kind, key string
	data      []byte // what the object or file must hold on success
	err       error
}

// clearError reports whether err is one of the engine's typed errors with
// a message (a clear error), not a bare transport error or an empty one.
func clearError(err error) bool {
	var re *engine.ResponseError
	var rq *engine.RequestError
	return (errors.As(err, &re) || errors.As(err, &rq)) && len(err.Error()) > 10
}

// TestFaultTransfers: multipart uploads, PUTs, copies and downloads
// through faultProxy at 5 % and 20 % faults. Each completes byte-identical
// or fails with a clear error after its attempts (the proxy faulted its
// object at least MaxTries times); no multipart upload is left; no file
// but complete downloads is left in the download directory (no truncated
// file under a final name, no temporary file); no false failure (a failed
// upload did not store the object).
func TestFaultTransfers(t *testing.T) {
	srv := testenv.MinIO(t)
	n, seed := faultOps(t), faultSeed(t)
	// The third variant allows 2 attempts only, so that some operations
	// fail and the failure paths are checked too.
	for _, v := range []struct {
		rate     float64
		maxTries int
	}{{0.05, 5}, {0.20, 5}, {0.20, 2}} {
		rate := v.rate
		t.Run(fmt.Sprintf("%.0f%% faults, %d tries", rate*100, v.maxTries), func(t *testing.T) {
			direct, bucket := xferClient(t, srv)
			ctx := context.Background()
			proxy := newFaultProxy(t, srv, seed, rate)
			c := proxy.client(t, srv, engine.Config{Workers: 2, MaxTries: v.maxTries})
			maxTries := c.Config().MaxTries

			// Sources for copies and downloads, written without faults.
			src := make([][]byte, n)
			for i := range n {
				src[i] = randomBytes(t, 64<<10+i)
				if _, err := direct.PutBytes(ctx, fmt.Sprintf("%s/src/%d", bucket, i), src[i], "", nil); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			upDir := t.TempDir()

			var ops []func() opResult
			for i := range n {
				// Multipart: one part of 300 KiB, every tenth two parts
				// (5 MiB and a tail), as the part minimum requires.
				ops = append(ops, func() opResult {
					key := fmt.Sprintf("mp/%d", i)
					parts := [][]byte{randomBytes(t, 300<<10)}
					if i%10 == 0 {
						parts = [][]byte{randomBytes(t, 5<<20), randomBytes(t, 1000)}
					}
					_, err := c.MultipartPut(ctx, bucket+"/"+key, len(parts), func(n int) ([]byte, error) { return parts[n], nil }, "", nil)
					return opResult{"multipart", key, bytes.Join(parts, nil), err}
				})
				ops = append(ops, func() opResult {
					key := fmt.Sprintf("put/%d", i)
					data := randomBytes(t, 256<<10+i)
					var err error
					if i%2 == 0 {
						_, err = c.PutBytes(ctx, bucket+"/"+key, data, "", nil)
					} else {
						file := filepath.Join(upDir, strconv.Itoa(i))
						if err := os.WriteFile(file, data, 0o644); err != nil {
							t.Fatal(err)
						}
						_, err = c.PutFile(ctx, bucket+"/"+key, file, engine.PutFileOptions{})
					}
					return opResult{"put", key, data, err}
				})
				ops = append(ops, func() opResult {
					key := fmt.Sprintf("copy/%d", i)
					_, err := c.Copy(ctx, fmt.Sprintf("%s/src/%d", bucket, i), bucket+"/"+key, nil)
					return opResult{"copy", key, src[i], err}
				})
				ops = append(ops, func() opResult {
					key := fmt.Sprintf("src/%d", i)
					err := c.GetFile(ctx, bucket+"/"+key, filepath.Join(dir, strconv.Itoa(i)), nil, engine.GetFileOptions{})
					return opResult{"download", key, src[i], err}
				})
			}
			results := runOps(ops, 4)

			_, _, byPath := proxy.stats()
			ok, failed := map[string]int{}, map[string]int{}
			for _, r := range results {
				faults := byPath["/"+bucket+"/"+r.key]
				if r.kind == "copy" { // Copy HEADs its source first
					faults += byPath["/"+bucket+"/src/"+strings.TrimPrefix(r.key, "copy/")]
				}
				if r.err != nil {
					failed[r.kind]++
					if !clearError(r.err) {
						t.Errorf("%s %s: unclear error %T %v", r.kind, r.key, r.err, r.err)
					}
					if faults < maxTries {
						t.Errorf("%s %s failed after only %d faults on its objects (MaxTries %d): a false failure: %v", r.kind, r.key, faults, maxTries, r.err)
					}
					switch r.kind {
					case "multipart", "put", "copy":
						if got, err := direct.GetBytes(ctx, bucket+"/"+r.key, nil, nil); err == nil && bytes.Equal(got, r.data) {
							t.Errorf("%s %s reported %v, but the object was stored: a false failure", r.kind, r.key, r.err)
						}
					}
					continue
				}
				ok[r.kind]++
				var got []byte
				var err error
				if r.kind == "download" {
					got, err = os.ReadFile(filepath.Join(dir, strings.TrimPrefix(r.key, "src/")))
				} else {
					got, err = direct.GetBytes(ctx, bucket+"/"+r.key, nil, nil)
				}
				if err != nil || !bytes.Equal(got, r.data) {
					t.Errorf("%s %s succeeded but holds %d bytes (want %d identical): %v", r.kind, r.key, len(got), len(r.data), err)
				}
			}
			// Nothing left behind: no upload, no file but complete downloads.
			if ups, err := direct.ListMultipartUploads(ctx, bucket); err != nil || len(ups) != 0 {
				t.Errorf("multipart uploads left: %d %+v (%v)", len(ups), ups, err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != ok["download"] {
				names := []string{}
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("download directory holds %v, want only the %d complete downloads", names, ok["download"])
			}
			var line []string
			for _, kind := range []string{"multipart", "put", "copy", "download"} {
				line = append(line, fmt.Sprintf("%s %d ok %d failed", kind, ok[kind], failed[kind]))
			}
			t.Logf("FIGURES transfers rate=%.0f%% max_tries=%d seed=%d ops=%d each: %s; %s", rate*100, maxTries, seed, n, strings.Join(line, ", "), proxy.summary())
		})
	}
}

// runOps runs ops with workers goroutines and returns their results.
func runOps(ops []func() opResult, workers int) []opResult {
	results := make([]opResult, len(ops))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ops) {
					return
				}
				results[i] = ops[i]()
			}
		})
	}
	wg.Wait()
	return results
}

// TestFaultListing: a 5,000-key listing (1,000 keys in the fast variant:
// writing 5,000 keys costs half a minute) in 50 pages with 20 % of the
// requests faulted: every key exactly once.
func TestFaultListing(t *testing.T) {
	srv := testenv.MinIO(t)
	direct, bucket := xferClient(t, srv)
	ctx := context.Background()
	keys := 1000
	if faultOps(t) >= 200 {
		keys = 5000
	}
	want := make([]string, keys)
	var ops []func() opResult
	for i := range keys {
		want[i] = fmt.Sprintf("k/%05d", i)
		ops = append(ops, func() opResult {
			_, err := direct.PutBytes(ctx, bucket+"/"+want[i], nil, "", nil)
			return opResult{err: err}
		})
	}
	for _, r := range runOps(ops, 16) {
		if r.err != nil {
			t.Fatal(r.err)
		}
	}
	proxy := newFaultProxy(t, srv, faultSeed(t), 0.20)
	c := proxy.client(t, srv, engine.Config{})
	seen := map[string]int{}
	pages := 0
	err := c.LsProc(ctx, bucket+"/k/", engine.ListOptions{MaxEach: keys / 50}, func(items []engine.Item) (bool, error) {
		pages++
		for _, it := range items {
			seen[it.Key]++
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("listing with faults: %v (%s)", err, proxy.summary())
	}
	for _, k := range want {
		if seen[k] != 1 {
			t.Errorf("key %s listed %d times", k, seen[k])
		}
	}
	if len(seen) != keys || pages < 50 {
		t.Errorf("%d distinct keys listed in %d pages, want %d in at least 50", len(seen), pages, keys)
	}
	t.Logf("FIGURES listing keys=%d pages=%d rate=20%%: every key exactly once; %s", keys, pages, proxy.summary())
}

// TestFaultStall: a server that stops answering (before the headers, or in
// the middle of the body) ends the operation at the configured timeout,
// the context's deadline or the HTTP client's Timeout, never a hang; and a
// cancellation stops every kind of operation stuck on a stalled server
// promptly (asserted with a generous bound; the figures are measured).
func TestFaultStall(t *testing.T) {
	srv := testenv.MinIO(t)
	direct, bucket := xferClient(t, srv)
	ctx := context.Background()
	data := randomBytes(t, 1<<20)
	if _, err := direct.PutBytes(ctx, bucket+"/obj", data, "", nil); err != nil {
		t.Fatal(err)
	}
	const timeout = 2 * time.Second
	const never = 60 * time.Second // "never a hang": far beyond the timeout
	stallAll := func(kind faultKind) func(*http.Request) faultKind {
		return func(*http.Request) faultKind { return kind }
	}
	for _, tt := range []struct {
		name  string
		stall faultKind
		http  bool // the HTTP client's Timeout rather than the context's deadline
	}{
		{"no answer, context deadline", faultStall, false},
		{"body stalls, context deadline", faultStallBody, false},
		{"no answer, HTTP client timeout", faultStall, true},
		{"body stalls, HTTP client timeout", faultStallBody, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			proxy := newFaultProxy(t, srv, 1, 0)
			proxy.stall = stallAll(tt.stall)
			cfg := engine.Config{MaxTries: 1}
			octx := ctx
			if tt.http {
				tr := &http.Transport{DisableCompression: true}
				t.Cleanup(tr.CloseIdleConnections)
				cfg.HTTPClient = &http.Client{Transport: tr, Timeout: timeout}
			} else {
				var cancel context.CancelFunc
				octx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			c := proxy.client(t, srv, cfg)
			start := time.Now()
			_, err := c.GetBytes(octx, bucket+"/obj", nil, nil)
			took := time.Since(start)
			if err == nil {
				t.Fatal("a stalled GET succeeded")
			}
			if !clearError(err) || !isTimeout(err) {
				t.Errorf("stalled GET: %T %v, want a timeout error", err, err)
			}
			if took > never {
				t.Errorf("stalled GET returned after %v (timeout %v)", took, timeout)
			}
			t.Logf("FIGURES stall %q: timeout %v, returned after %v: %v", tt.name, timeout, took.Round(time.Millisecond), err)
		})
	}

	// Cancellation: each kind of operation, stuck on a stalled server, is
	// cancelled once the proxy holds its request.
	file := filepath.Join(t.TempDir(), "up")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	part := randomBytes(t, 5<<20)
	ops := []struct {
		name string
		run  func(ctx context.Context, c *engine.Client) error
	}{
		{"get_bytes", func(ctx context.Context, c *engine.Client) error {
			_, err := c.GetBytes(ctx, bucket+"/obj", nil, nil)
			return err
		}},
		{"get_file", func(ctx context.Context, c *engine.Client) error {
			return c.GetFile(ctx, bucket+"/obj", filepath.Join(t.TempDir(), "down"), nil, engine.GetFileOptions{})
		}},
		{"put_file", func(ctx context.Context, c *engine.Client) error {
			_, err := c.PutFile(ctx, bucket+"/put", file, engine.PutFileOptions{})
			return err
		}},
		{"copy", func(ctx context.Context, c *engine.Client) error {
			_, err := c.Copy(ctx, bucket+"/obj", bucket+"/copy", nil)
			return err
		}},
		{"list", func(ctx context.Context, c *engine.Client) error {
			_, err := c.Ls(ctx, bucket+"/")
			return err
		}},
		{"multipart_put", func(ctx context.Context, c *engine.Client) error {
			_, err := c.MultipartPut(ctx, bucket+"/mp", 2, func(n int) ([]byte, error) {
				if n == 0 {
					return part, nil
				}
				return []byte("tail"), nil
			}, "", nil)
			return err
		}},
	}
	var worst time.Duration
	for _, op := range ops {
		t.Run("cancel "+op.name, func(t *testing.T) {
			proxy := newFaultProxy(t, srv, 1, 0)
			// Hold the operation's main request: for multipart, the parts.
			proxy.stall = func(r *http.Request) faultKind {
				q := r.URL.Query()
				if op.name == "multipart_put" && !q.Has("partNumber") {
					return faultNone
				}
				if r.Method == http.MethodGet && r.URL.Path == "/"+bucket+"/obj" || r.Method != http.MethodGet || q.Has("list-type") {
					return faultStall
				}
				return faultNone
			}
			c := proxy.client(t, srv, engine.Config{})
			octx, cancel := context.WithCancel(ctx)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- op.run(octx, c) }()
			select {
			case <-proxy.stalled:
			case err := <-done:
				t.Fatalf("finished before the stall: %v", err)
			case <-time.After(never):
				t.Fatal("the request never reached the proxy")
			}
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				took := time.Since(start)
				worst = max(worst, took)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("after cancel: %v, want context.Canceled", err)
				}
				t.Logf("FIGURES cancel %s: returned %v after cancel", op.name, took.Round(time.Microsecond))
			case <-time.After(never):
				t.Fatalf("still running %v after cancel", never)
			}
			if ups, err := direct.ListMultipartUploads(ctx, bucket); err != nil || len(ups) != 0 {
				t.Errorf("uploads left after cancel: %+v %v", ups, err)
			}
		})
	}
	t.Logf("FIGURES cancel: slowest operation returned %v after cancel", worst.Round(time.Microsecond))
}

// isTimeout reports whether err is a deadline or a network timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// stsCredentials asks MinIO's STS AssumeRole for temporary keys (with a
// session token), signed with the server's root keys.
func stsCredentials(ctx context.Context, srv testenv.Server) (engine.StaticCredentials, error) {
	body := "Action=AssumeRole&DurationSeconds=900&Version=2011-06-15"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.Endpoint+"/", strings.NewReader(body))
	if err != nil {
		return engine.StaticCredentials{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	if _, err := new(signature.Signer).SignHTTP(signature.Credentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}, req,
		signature.Options{Region: srv.Region, Service: "sts", Time: time.Now().UTC(), PayloadHash: hex.EncodeToString(sum[:])}); err != nil {
		return engine.StaticCredentials{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return engine.StaticCredentials{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return engine.StaticCredentials{}, fmt.Errorf("AssumeRole: %d %s", resp.StatusCode, raw)
	}
	var out struct {
		Creds struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
		} `xml:"AssumeRoleResult>Credentials"`
	}
	if err := xml.Unmarshal(raw, &out); err != nil || out.Creds.SessionToken == "" {
		return engine.StaticCredentials{}, fmt.Errorf("AssumeRole answer %q: %v", raw, err)
	}
	return engine.StaticCredentials{AccessKeyID: out.Creds.AccessKeyID, SecretAccessKey: out.Creds.SecretAccessKey, SessionToken: out.Creds.SessionToken}, nil
}

// credentialStandIn is a container-credentials endpoint on loopback (what
// ECS or EKS serve at AWS_CONTAINER_CREDENTIALS_FULL_URI): each call hands
// out fresh MinIO STS keys that it says expire within the engine's refresh
// window, so the engine fetches new keys before every request.
func credentialStandIn(t *testing.T, srv testenv.Server) *atomic.Int32 {
	t.Helper()
	var calls atomic.Int32
	standIn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		creds, err := stsCredentials(r.Context(), srv)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]string{"Code": "Error", "Message": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": creds.AccessKeyID, "SecretAccessKey": creds.SecretAccessKey, "Token": creds.SessionToken,
			"Expiration": time.Now().Add(time.Minute).UTC().Format(time.RFC3339)})
	}))
	t.Cleanup(standIn.Close)
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", standIn.URL+"/creds")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
	return &calls
}

// accessKeyOf is the access key id in a request's Authorization header.
func accessKeyOf(r *http.Request) string {
	_, rest, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	key, _, _ := strings.Cut(rest, "/")
	return key
}

// TestFaultCredentialsExpire: keys that expire during a transfer (a
// container-credentials stand-in on loopback handing out MinIO STS keys
// that expire within the refresh window) are refreshed: a multipart upload
// and a download signed with several successive keys complete.
func TestFaultCredentialsExpire(t *testing.T) {
	srv := testenv.MinIO(t)
	direct, bucket := xferClient(t, srv)
	ctx := context.Background()
	calls := credentialStandIn(t, srv)
	proxy := newFaultProxy(t, srv, faultSeed(t), 0)
	var mu sync.Mutex
	keys := map[string]bool{}
	proxy.observe = func(r *http.Request) {
		mu.Lock()
		keys[accessKeyOf(r)] = true
		mu.Unlock()
	}
	c := proxy.client(t, srv, engine.Config{Credentials: engine.NewCachedCredentials(engine.ECSCredentials())})
	parts := [][]byte{randomBytes(t, 5<<20), randomBytes(t, 5<<20), []byte("tail")}
	if _, err := c.MultipartPut(ctx, bucket+"/creds", len(parts), func(n int) ([]byte, error) { return parts[n], nil }, "", nil); err != nil {
		t.Fatalf("multipart upload with expiring keys: %v", err)
	}
	got, err := c.GetBytes(ctx, bucket+"/creds", nil, nil)
	if err != nil || !bytes.Equal(got, bytes.Join(parts, nil)) {
		t.Fatalf("download with expiring keys: %d bytes, %v", len(got), err)
	}
	mu.Lock()
	distinct := len(keys)
	mu.Unlock()
	// initiate, 3 parts, complete, get: 6 requests, each after a refresh.
	if calls.Load() < 3 || distinct < 3 {
		t.Errorf("%d credential fetches, %d distinct keys used: the keys were not refreshed", calls.Load(), distinct)
	}
	if ups, err := direct.ListMultipartUploads(ctx, bucket); err != nil || len(ups) != 0 {
		t.Errorf("uploads left: %+v %v", ups, err)
	}
	t.Logf("FIGURES credentials: %d fetches, %d distinct keys over one multipart upload and one download", calls.Load(), distinct)
}

// TestFaultStress: many multipart uploads, listings and credential
// refreshes at once on one shared client, through the fault proxy at 5 %.
// CI runs it under -race as well.
func TestFaultStress(t *testing.T) {
	srv := testenv.MinIO(t)
	direct, bucket := xferClient(t, srv)
	ctx := context.Background()
	calls := credentialStandIn(t, srv)
	proxy := newFaultProxy(t, srv, faultSeed(t), 0.05)
	c := proxy.client(t, srv, engine.Config{Credentials: engine.NewCachedCredentials(engine.ECSCredentials()), Workers: 3})
	const uploads, listings = 24, 12
	var ops []func() opResult
	for i := range uploads {
		ops = append(ops, func() opResult {
			key := fmt.Sprintf("stress/%d", i)
			data := randomBytes(t, 64<<10+i)
			_, err := c.MultipartPut(ctx, bucket+"/"+key, 1, func(int) ([]byte, error) { return data, nil }, "", nil)
			return opResult{"multipart", key, data, err}
		})
		if i%(uploads/listings) == 0 {
			ops = append(ops, func() opResult {
				_, err := c.Ls(ctx, bucket+"/stress/")
				return opResult{kind: "list", err: err}
			})
		}
	}
	results := runOps(ops, 8)
	for _, r := range results {
		if r.err != nil {
			t.Errorf("%s %s: %v", r.kind, r.key, r.err)
			continue
		}
		if r.kind == "multipart" {
			if got := getAll(t, direct, bucket+"/"+r.key); !bytes.Equal(got, r.data) {
				t.Errorf("%s: %d bytes stored, want %d identical", r.key, len(got), len(r.data))
			}
		}
	}
	if ups, err := direct.ListMultipartUploads(ctx, bucket); err != nil || len(ups) != 0 {
		t.Errorf("uploads left: %+v %v", ups, err)
	}
	if calls.Load() < 2 {
		t.Errorf("%d credential fetches: no refresh happened", calls.Load())
	}
	t.Logf("FIGURES stress: %d multipart uploads and %d listings at once, %d credential fetches; %s", uploads, listings, calls.Load(), proxy.summary())
}
