package engine

// Fault-injection tests of behaviours that are not S3's own: the shared
// transport's settings, "Expect: 100-continue" with an early refusal, HEAD
// error answers without a body, cancellation and goroutine leaks, bounded
// concurrency, part sizes checked before any request. The servers here are
// httptest fault injectors, alone or in front of the embedded store.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3lua/s3lua/engine/localstore"
)

// TestSharedTransport: every client without its own HTTPClient shares one
// pool, which waits for "100 Continue" a bounded time (Go's default, 0,
// would send the body at once and defeat the early refusal), never
// decompresses bodies and never follows redirects itself.
func TestSharedTransport(t *testing.T) {
	creds := StaticCredentials{AccessKeyID: "a", SecretAccessKey: "b"}
	c1, err := New(Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := New(Config{Region: "eu-west-1", Host: "127.0.0.1:9000", Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	if c1.http != sharedHTTPClient || c2.http != sharedHTTPClient {
		t.Fatal("clients without HTTPClient do not share the pool")
	}
	tr, ok := c1.http.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("shared transport is %T", c1.http.Transport)
	}
	if tr.ExpectContinueTimeout <= 0 {
		t.Errorf("ExpectContinueTimeout %v: 100-continue would not wait for the server", tr.ExpectContinueTimeout)
	}
	if !tr.DisableCompression {
		t.Error("the transport may decompress bodies: get would not return the stored bytes")
	}
	req := httptest.NewRequest(http.MethodGet, "http://x/", nil)
	if err := sharedHTTPClient.CheckRedirect(req, nil); err != http.ErrUseLastResponse {
		t.Errorf("CheckRedirect = %v; redirects must come back to Client.do", err)
	}
}

// TestPutRefusedBeforeContinue: a server that answers instead of "100
// Continue" never gets the body and the writer is never called; a 503 sent
// that way is retried (nothing was read from the one-shot writer), a 403 is
// not.
func TestPutRefusedBeforeContinue(t *testing.T) {
	c, calls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Expect") != "100-continue" {
			t.Errorf("attempt %d: Expect %q", n, r.Header.Get("Expect"))
		}
		if n <= 2 {
			s3Error(w, http.StatusServiceUnavailable, "SlowDown")
			return
		}
		s3Error(w, http.StatusForbidden, "AccessDenied")
	})
	called := false
	_, err := c.Put(context.Background(), "b/k", func(w io.Writer) error {
		called = true
		_, err := w.Write(make([]byte, 100))
		return err
	}, 100, "", nil, PutOptions{})
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "AccessDenied" {
		t.Fatalf("err = %v, want AccessDenied", err)
	}
	if called {
		t.Error("the writer was called for a PUT refused before 100 Continue")
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d attempts, want 3 (two 503 retried, the 403 not)", n)
	}
}

// rawServer starts a TCP server on loopback that hands each request, read
// with http.ReadRequest, to answer, which writes a raw response on conn (a
// fault injector that can break HTTP rules net/http's server keeps). It
// returns a client for it with MaxTries 2.
func rawServer(t *testing.T, answer func(conn net.Conn, req *http.Request)) *Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			go func() {
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					answer(conn, req)
				}
			}()
		}
	}()
	c, err := New(Config{Host: ln.Addr().String(), Scheme: "http", MaxTries: 2,
		Credentials: StaticCredentials{AccessKeyID: "a", SecretAccessKey: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPutToSilentServer: a server that neither refuses nor answers "100
// Continue" gets the body once the transport's ExpectContinueTimeout has
// passed, so Put still completes (it does not wait forever for a verdict).
func TestPutToSilentServer(t *testing.T) {
	var got atomic.Int64
	c := rawServer(t, func(conn net.Conn, req *http.Request) {
		if req.Header.Get("Expect") != "100-continue" {
			t.Errorf("Expect %q", req.Header.Get("Expect"))
		}
		n, _ := io.Copy(io.Discard, req.Body) // no 100 Continue sent: just wait for the body
		got.Store(n)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Length: 0\r\n\r\n")
	})
	data := bytes.Repeat([]byte("s"), 100_000)
	called := false
	h, err := c.Put(context.Background(), "b/k", func(w io.Writer) error {
		called = true
		_, err := w.Write(data)
		return err
	}, int64(len(data)), "", nil, PutOptions{})
	if err != nil || !called || h.Get("ETag") != `"x"` {
		t.Fatalf("Put: %v, writer called %v, headers %v", err, called, h)
	}
	if got.Load() <= int64(len(data)) { // aws-chunked framing adds to the data
		t.Errorf("server read %d bytes for %d of data", got.Load(), len(data))
	}
}

// TestHeadErrorWithoutBody: a HEAD error answer announcing a chunked body
// that never comes (S3 sends such 404s) is a typed error at once, its code
// derived from the status; nothing waits for a body.
func TestHeadErrorWithoutBody(t *testing.T) {
	c := rawServer(t, func(conn net.Conn, req *http.Request) {
		status := "404 Not Found"
		if strings.HasSuffix(req.URL.Path, "/secret") {
			status = "403 Forbidden"
		}
		// The connection stays open afterwards: a body read would block.
		fmt.Fprintf(conn, "HTTP/1.1 %s\r\nTransfer-Encoding: chunked\r\nX-Amz-Request-Id: RID\r\nContent-Type: application/xml\r\n\r\n", status)
	})
	// A deadline so that a regression fails instead of hanging the suite.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tests := []struct {
		bp, code string
		status   int
	}{
		{"b/missing", "NoSuchKey", 404},
		{"b/", "NoSuchBucket", 404},
		{"b/secret", "AccessDenied", 403},
	}
	for _, tt := range tests {
		_, err := c.Head(ctx, tt.bp, nil)
		var re *ResponseError
		if !errors.As(err, &re) || re.Code != tt.code || re.StatusCode != tt.status || re.RequestID != "RID" || re.Method != "HEAD" {
			t.Errorf("Head %s: %v (%+v), want %d %s", tt.bp, err, re, tt.status, tt.code)
		}
	}
}

// storeBehindProxy starts an embedded store behind an httptest server (a
// fault injector in front of it, not S3) whose handler is handle; pass
// forwards a request to the store. It returns the proxy's "host:port", the
// store, and the proxy's own upstream transport (close its idle
// connections to let goroutine counts settle).
func storeBehindProxy(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, pass http.Handler)) (string, *localstore.Server, *http.Transport) {
	t.Helper()
	store, err := localstore.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	target, _ := url.Parse(store.Endpoint())
	upstream := &http.Transport{}
	pass := httputil.NewSingleHostReverseProxy(target)
	pass.Transport = upstream
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(w, r, pass) }))
	t.Cleanup(srv.Close)
	t.Cleanup(upstream.CloseIdleConnections)
	return strings.TrimPrefix(srv.URL, "http://"), store, upstream
}

// proxyStats observe storeProxy.
type proxyStats struct {
	held     chan string  // each held request, "METHOD /path?query"
	counting atomic.Bool  // count the concurrency of passed requests
	inflight atomic.Int32 // passed requests in flight while counting
	maxSeen  atomic.Int32
}

// storeProxy starts an embedded store behind a fault-injecting proxy: a
// request for which hold returns true is held (its body read, no answer)
// until the client goes away; every other request is passed on. It returns
// a client with workers workers and its own pool, and a function closing
// the idle connections of both pools (so goroutine counts can settle).
func storeProxy(t *testing.T, workers int, hold func(r *http.Request) bool) (*Client, *proxyStats, func()) {
	t.Helper()
	st := &proxyStats{held: make(chan string, 1000)}
	host, store, upstream := storeBehindProxy(t, func(w http.ResponseWriter, r *http.Request, pass http.Handler) {
		if hold(r) {
			io.Copy(io.Discard, r.Body)
			st.held <- r.Method + " " + r.URL.RequestURI()
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute): // a bug must not hang the suite
			}
			return
		}
		if st.counting.Load() {
			n := st.inflight.Add(1)
			defer st.inflight.Add(-1)
			for m := st.maxSeen.Load(); n > m && !st.maxSeen.CompareAndSwap(m, n); m = st.maxSeen.Load() {
			}
			time.Sleep(5 * time.Millisecond) // widen the window in which requests could overlap
		}
		pass.ServeHTTP(w, r)
	})
	tr := &http.Transport{ExpectContinueTimeout: time.Second}
	id, secret := store.Credentials()
	c, err := New(Config{Host: host, Scheme: "http", Region: store.Region(),
		Workers: workers, MaxTries: 2,
		Credentials: StaticCredentials{AccessKeyID: id, SecretAccessKey: secret},
		HTTPClient: &http.Client{Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}})
	if err != nil {
		t.Fatal(err)
	}
	closeIdle := func() {
		tr.CloseIdleConnections()
		upstream.CloseIdleConnections()
	}
	t.Cleanup(closeIdle)
	return c, st, closeIdle
}

// cancelWhenHeld calls cancel once n requests are being held.
func (st *proxyStats) cancelWhenHeld(n int, cancel context.CancelFunc) {
	for range n {
		<-st.held
	}
	cancel()
}

// goroutinesSettle fails t when more goroutines than before are still
// running after a generous wait (goroutines of closed connections end
// asynchronously; only a leak stays).
func goroutinesSettle(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestMultipartPutCancel: cancelling while every worker's part is in flight
// stops MultipartPut at once with context.Canceled, calls getPart no more,
// aborts the upload and leaves no goroutine behind.
func TestMultipartPutCancel(t *testing.T) {
	const workers = 3
	c, st, closeIdle := storeProxy(t, workers, func(r *http.Request) bool {
		return r.Method == http.MethodPut && r.URL.Query().Has("partNumber")
	})
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "cancel", ""); err != nil {
		t.Fatal(err)
	}
	closeIdle()
	runtime.GC()
	before := runtime.NumGoroutine()

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go st.cancelWhenHeld(workers, cancel)
	calls := 0
	_, err := c.MultipartPut(cctx, "cancel/obj", 50, func(int) ([]byte, error) {
		calls++
		return bytes.Repeat([]byte("x"), 1000), nil
	}, "", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// Workers hold one part each, the coordinator at most one more.
	if calls > workers+1 {
		t.Errorf("getPart called %d times for %d workers", calls, workers)
	}
	if ups, err := c.ListMultipartUploads(ctx, "cancel"); err != nil || len(ups) != 0 {
		t.Errorf("upload not aborted: %+v, %v", ups, err)
	}
	closeIdle()
	goroutinesSettle(t, before)
}

// TestLlStarBoundedAndCancelled: LlStar keeps at most Config.Workers
// requests in flight, returns results in listing order, and a cancellation
// while HEADs hang ends it with context.Canceled and no goroutine left.
func TestLlStarBoundedAndCancelled(t *testing.T) {
	const workers = 2
	var holdHeads atomic.Bool
	c, st, closeIdle := storeProxy(t, workers, func(r *http.Request) bool {
		return holdHeads.Load() && r.Method == http.MethodHead
	})
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "llstar", ""); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := range 12 {
		k := fmt.Sprintf("dir/%02d & <%d> %%", i, i)
		keys = append(keys, k)
		if _, err := c.PutBytes(ctx, "llstar/"+k, []byte(k), "", nil); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(keys)

	st.counting.Store(true)
	details, err := c.LlStar(ctx, "llstar/dir/")
	st.counting.Store(false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range details {
		got = append(got, d.Object.Key)
		if d.Header.Get("Content-Length") != fmt.Sprint(len(d.Object.Key)) {
			t.Errorf("%q: HEAD headers %v", d.Object.Key, d.Header)
		}
	}
	if !slices.Equal(got, keys) {
		t.Errorf("order:\n got %q\nwant %q", got, keys)
	}
	if m := st.maxSeen.Load(); m > workers || m < 1 {
		t.Errorf("%d requests in flight at once, want 1..%d", m, workers)
	}

	closeIdle()
	runtime.GC()
	before := runtime.NumGoroutine()
	holdHeads.Store(true)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go st.cancelWhenHeld(workers, cancel)
	if _, err := c.LlStar(cctx, "llstar/dir/"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled LlStar: err = %v, want context.Canceled", err)
	}
	closeIdle()
	goroutinesSettle(t, before)
}

// TestPartSizeCheckedBeforeIO: an explicit part size below 5 MiB, or one
// that needs more than 10,000 parts, is refused before any request.
func TestPartSizeCheckedBeforeIO(t *testing.T) {
	c, calls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		s3Error(w, http.StatusInternalServerError, "InternalError")
	})
	dir := t.TempDir()
	small := filepath.Join(dir, "small.bin")
	if err := os.WriteFile(small, make([]byte, 12<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.bin") // sparse: 60 GB in no disk space
	if f, err := os.Create(huge); err != nil {
		t.Fatal(err)
	} else {
		if err := f.Truncate(60e9); err != nil {
			t.Skipf("no sparse file: %v", err)
		}
		f.Close()
	}
	ctx := context.Background()
	funcs := map[string]func(file string, partSize int64) error{
		"MultipartPutFile": func(file string, ps int64) error {
			_, err := c.MultipartPutFile(ctx, "b/k", file, MultipartFileOptions{PartSize: ps})
			return err
		},
		"IncompleteMultipartPutFile": func(file string, ps int64) error {
			_, _, err := c.IncompleteMultipartPutFile(ctx, "b/k", file, MultipartFileOptions{PartSize: ps})
			return err
		},
		"ResumeMultipartPutFile": func(file string, ps int64) error {
			_, err := c.ResumeMultipartPutFile(ctx, "b/k", file, MultipartFileOptions{PartSize: ps})
			return err
		},
	}
	for name, call := range funcs {
		for _, tt := range []struct {
			file     string
			partSize int64
			want     string
		}{
			{small, 1 << 20, "engine." + name + ": part size 1048576 is below the minimum 5242880 (5 MiB)"},
			{huge, 5 << 20, "engine." + name + ": part size 5242880 gives 11445 parts for 60000000000 bytes; at most 10000 parts"},
			{small, 6 << 30, "above the maximum"},
		} {
			if err := call(tt.file, tt.partSize); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s part size %d: %v, want %q", name, tt.partSize, err, tt.want)
			}
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests sent for refused part sizes", n)
	}
}

// TestListWithoutContinuationToken: a server that truncates a listing
// without a NextContinuationToken (some S3 clones) is continued after the
// last name it sent (start-after, carried exactly even with & < % in it);
// a truncated page that gives no way on, or the same token twice, is an
// error rather than a loop.
func TestListWithoutContinuationToken(t *testing.T) {
	page := func(w http.ResponseWriter, truncated bool, token string, keys ...string) {
		var b strings.Builder
		fmt.Fprintf(&b, "<ListBucketResult><IsTruncated>%v</IsTruncated>", truncated)
		if token != "" {
			fmt.Fprintf(&b, "<NextContinuationToken>%s</NextContinuationToken>", token)
		}
		for _, k := range keys {
			b.WriteString("<Contents><Key>")
			xml.EscapeText(&b, []byte(k))
			b.WriteString("</Key><Size>1</Size></Contents>")
		}
		b.WriteString("</ListBucketResult>")
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, b.String())
	}
	var startAfters []string
	c, _ := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch sa := q.Get("start-after"); {
		case r.URL.Path != "/b" && r.URL.Path != "/b/":
			s3Error(w, http.StatusNotFound, "NoSuchBucket")
		case q.Get("prefix") == "loop":
			page(w, true, "same", "loop1")
		case q.Get("prefix") == "stuck":
			page(w, true, "")
		case sa == "" && q.Get("continuation-token") == "":
			page(w, true, "", "a", "b%&<'\"")
		default:
			startAfters = append(startAfters, sa)
			page(w, false, "", "c")
		}
	})
	c, err := c.WithConfig(Config{Host: c.cfg.Host, Scheme: "http", PathStyle: true, MaxTries: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keys, err := c.Ls(ctx, "b/")
	if err != nil || !slices.Equal(keys, []string{"a", "b%&<'\"", "c"}) {
		t.Fatalf("Ls: %q, %v", keys, err)
	}
	if !slices.Equal(startAfters, []string{"b%&<'\""}) {
		t.Errorf("start-after sent: %q", startAfters)
	}
	if _, err := c.Ls(ctx, "b/stuck"); err == nil || !strings.Contains(err.Error(), "no way to continue") {
		t.Errorf("truncated empty page: %v", err)
	}
	if _, err := c.Ls(ctx, "b/loop"); err == nil || !strings.Contains(err.Error(), "same continuation token twice") {
		t.Errorf("repeated token: %v", err)
	}
}
