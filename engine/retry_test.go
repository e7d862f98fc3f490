package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// faultServer is an httptest server (not S3: a fault injector) that runs
// answer for each request, numbered from 1.
func faultServer(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) (*Client, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer(int(n.Add(1)), w, r)
		if r.Header.Get("Expect") == "" {
			io.Copy(io.Discard, r.Body)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{Host: strings.TrimPrefix(srv.URL, "http://"), Scheme: "http",
		Credentials: StaticCredentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}})
	if err != nil {
		t.Fatal(err)
	}
	c.retryBase, c.retryCap = time.Millisecond, 5*time.Millisecond
	return c, &n
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, "<Error><Code>"+code+"</Code><Message>injected</Message></Error>")
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		maxTries  int
		req       request
		answer    func(n int, w http.ResponseWriter, r *http.Request)
		wantCalls int
		wantCode  string // "" = success; "net" = *RequestError
	}{
		{"503 twice then 200", 5, request{method: "GET", bucket: "b", key: "k"},
			func(n int, w http.ResponseWriter, r *http.Request) {
				if n <= 2 {
					s3Error(w, 503, "SlowDown")
					return
				}
				io.WriteString(w, "ok")
			}, 3, ""},
		{"PUT body replayed after 500", 5, request{method: "PUT", bucket: "b", key: "k", body: []byte("data")},
			func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					s3Error(w, 500, "InternalError")
				}
			}, 2, ""},
		{"connection closed then 200", 5, request{method: "GET", bucket: "b", key: "k"},
			func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					hijackClose(w)
				}
			}, 2, ""},
		{"400 RequestTimeout retried", 5, request{method: "GET", bucket: "b", key: "k"},
			func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					s3Error(w, 400, "RequestTimeout")
				}
			}, 2, ""},
		{"400 not retried", 5, request{method: "GET", bucket: "b", key: "k"},
			func(n int, w http.ResponseWriter, r *http.Request) { s3Error(w, 400, "InvalidArgument") },
			1, "InvalidArgument"},
		{"MaxTries 1 means one attempt", 1, request{method: "GET", bucket: "b", key: "k"},
			func(n int, w http.ResponseWriter, r *http.Request) { s3Error(w, 503, "SlowDown") },
			1, "SlowDown"},
		{"gives up after MaxTries", 3, request{method: "GET", bucket: "b", key: "k"},
			func(n int, w http.ResponseWriter, r *http.Request) { s3Error(w, 504, "GatewayTimeout") },
			3, "GatewayTimeout"},
		{"always closed", 2, request{method: "GET", bucket: "b", key: "k"},
			func(n int, w http.ResponseWriter, r *http.Request) { hijackClose(w) },
			2, "net"},
		{"200 with Error body retried", 5, request{method: "PUT", bucket: "b", key: "k", checkBody: true},
			func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					io.WriteString(w, "\n  <Error><Code>InternalError</Code><Message>later</Message></Error>")
					return
				}
				io.WriteString(w, "<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>")
			}, 2, ""},
		{"one-shot stream never read is retried", 5,
			request{method: "PUT", bucket: "b", key: "k", expectContinue: true,
				stream: &streamSpec{reader: strings.NewReader(strings.Repeat("x", 10)), decodedLen: 10}},
			func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					s3Error(w, 503, "SlowDown")
				}
			}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, calls := faultServer(t, tt.answer)
			c.cfg.MaxTries = tt.maxTries
			resp, err := c.do(context.Background(), &tt.req)
			if resp != nil {
				resp.Body.Close()
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("%d attempts, want %d", got, tt.wantCalls)
			}
			var re *ResponseError
			var rq *RequestError
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantCode == "net" && !errors.As(err, &rq):
				t.Fatalf("error %v, want a *RequestError", err)
			case tt.wantCode != "" && tt.wantCode != "net" && (!errors.As(err, &re) || re.Code != tt.wantCode):
				t.Fatalf("error %v, want code %s", err, tt.wantCode)
			}
		})
	}
}

func TestRetryStreamReadOnceNotRetried(t *testing.T) {
	// The server reads the body, then fails: a one-shot body cannot be sent again.
	c, calls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s3Error(w, 503, "SlowDown")
	})
	_, err := c.do(context.Background(), &request{method: "PUT", bucket: "b", key: "k",
		stream: &streamSpec{reader: strings.NewReader("0123456789"), decodedLen: 10}})
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "SlowDown" {
		t.Fatalf("error %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d attempts with a consumed one-shot body, want 1", calls.Load())
	}
}

func TestRetryCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c, calls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		s3Error(w, 503, "SlowDown")
	})
	c.retryBase, c.retryCap = time.Hour, time.Hour // only cancellation can end the wait
	c.beforeBackoff = func(int, time.Duration) { cancel() }
	done := make(chan error, 1)
	go func() {
		_, err := c.do(ctx, &request{method: "GET", bucket: "b", key: "k"})
		done <- err
	}()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	var rq *RequestError
	if !errors.As(err, &rq) || !strings.Contains(err.Error(), "SlowDown") {
		t.Errorf("error %v should be a *RequestError naming the last failure", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d attempts", calls.Load())
	}
}

func TestBackoffDelayBounds(t *testing.T) {
	c := &Client{retryBase: 100 * time.Millisecond, retryCap: 5 * time.Second}
	for attempt := 1; attempt < 40; attempt++ {
		ceiling := min(c.retryCap, c.retryBase<<min(attempt-1, 20))
		for range 20 {
			if d := c.backoffDelay(attempt); d < 0 || d > ceiling {
				t.Fatalf("attempt %d: delay %v outside [0, %v]", attempt, d, ceiling)
			}
		}
	}
}

func TestRequestSigned(t *testing.T) {
	var auth, sha, path atomic.Value
	c, _ := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		sha.Store(r.Header.Get("X-Amz-Content-Sha256"))
		path.Store(r.RequestURI)
	})
	resp, err := c.do(context.Background(), &request{method: "PUT", bucket: "b", key: "a b+c/ü?", body: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(auth.Load().(string), "AWS4-HMAC-SHA256 Credential=AKID/") {
		t.Errorf("Authorization %q", auth.Load())
	}
	if sha.Load() != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" {
		t.Errorf("payload hash %q", sha.Load())
	}
	if path.Load() != "/b/a%20b%2Bc/%C3%BC%3F" {
		t.Errorf("request URI %q", path.Load())
	}
}

func TestPermanentRedirectIsAnError(t *testing.T) {
	c, calls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Bucket-Region", "eu-central-1")
		w.WriteHeader(http.StatusMovedPermanently)
	})
	_, err := c.Head(context.Background(), "b/k", nil)
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "PermanentRedirect" || re.Region != "eu-central-1" ||
		!strings.Contains(err.Error(), "eu-central-1") {
		t.Fatalf("301: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests: a permanent redirect is neither followed nor retried", calls.Load())
	}
}

func TestTemporaryRedirectFollowedAndResigned(t *testing.T) {
	var gotHost, gotAuth, gotPath atomic.Value
	target, targetCalls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		gotHost.Store(r.Host)
		gotAuth.Store(r.Header.Get("Authorization"))
		gotPath.Store(r.URL.RawPath + "|" + r.URL.Path + "?" + r.URL.RawQuery)
		io.WriteString(w, "<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>")
	})
	targetHost := target.cfg.Host
	c, calls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://"+targetHost+"/b/")
		w.Header().Set("X-Amz-Bucket-Region", "eu-west-3")
		s3Error(w, http.StatusTemporaryRedirect, "TemporaryRedirect")
	})
	keys, err := c.Ls(context.Background(), "b/")
	if err != nil || len(keys) != 1 || keys[0] != "k" {
		t.Fatalf("%v %v", keys, err)
	}
	if calls.Load() != 1 || targetCalls.Load() != 1 {
		t.Errorf("requests: %d to the first host, %d to the target", calls.Load(), targetCalls.Load())
	}
	if gotHost.Load() != targetHost || !strings.Contains(gotAuth.Load().(string), "/eu-west-3/s3/aws4_request") {
		t.Errorf("not re-signed for the new host and region: host %v, %v", gotHost.Load(), gotAuth.Load())
	}
	if p := gotPath.Load().(string); !strings.Contains(p, "list-type=2") || !strings.HasPrefix(p, "|/b/?") {
		t.Errorf("path and query at the target: %s", p)
	}

	// A redirect loop ends with the redirect as a typed error.
	loop, loopCalls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://"+r.Host+"/b/")
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	_, err = loop.Ls(context.Background(), "b/")
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("loop: %v", err)
	}
	if loopCalls.Load() != maxRedirects+1 {
		t.Errorf("loop: %d requests, want %d", loopCalls.Load(), maxRedirects+1)
	}
}

// A partial failure of DeleteMultiple, injected: S3 answers 200 with some
// <Error> entries (e.g. AccessDenied on some keys).
func TestDeleteMultiplePartialFailure(t *testing.T) {
	var body, md5h atomic.Value
	c, calls := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		md5h.Store(r.Header.Get("Content-Md5"))
		io.WriteString(w, `<DeleteResult><Deleted><Key>a&amp;b</Key></Deleted>`+
			`<Error><Key>locked</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>`)
	})
	deleted, err := c.DeleteMultiple(context.Background(), "b", []string{"a&b", "locked"})
	var de *DeleteError
	if !errors.As(err, &de) || len(de.Errors) != 1 || de.Errors[0] != (KeyError{"locked", "AccessDenied", "Access Denied"}) {
		t.Fatalf("error %v", err)
	}
	if len(deleted) != 1 || deleted[0] != "a&b" {
		t.Errorf("deleted %q", deleted)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests: per-key failures must not be retried", calls.Load())
	}
	want := `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>false</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>locked</Key></Object></Delete>`
	if body.Load() != want || md5h.Load() != contentMD5([]byte(want)) {
		t.Errorf("request body %v, Content-MD5 %v", body.Load(), md5h.Load())
	}
}

// TestRetryBudgetShared: every layer that retries one request counts
// against one budget of MaxTries requests: a GET whose body always breaks
// (the first request, then resumes), and a listing whose answers alternate
// between a 503 and a cut XML document (do's retries, then doXML's decode
// retries) each send exactly MaxTries requests, never MaxTries².
func TestRetryBudgetShared(t *testing.T) {
	ctx := context.Background()
	const object = "0123456789abcdefghij"
	c, n := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"e"`)
		w.Header().Set("Content-Length", "20")
		if r.Header.Get("Range") != "" {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %s/20", strings.TrimPrefix(r.Header.Get("Range"), "bytes=")))
			w.WriteHeader(http.StatusPartialContent)
		}
		io.WriteString(w, object[:2]) // then the connection breaks
		w.(http.Flusher).Flush()
		hijackClose(w)
	})
	_, err := c.GetBytes(ctx, "b/k", nil, nil)
	if err == nil {
		t.Fatal("a body that always breaks was read whole")
	}
	if got := n.Load(); got != DefaultMaxTries {
		t.Errorf("GET with an always-broken body: %d requests, want MaxTries = %d", got, DefaultMaxTries)
	}

	c, n = faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n%2 == 1 {
			s3Error(w, http.StatusServiceUnavailable, "SlowDown")
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", "500")
		io.WriteString(w, "<ListBucketResult><Name>b</Name>") // cut short
		w.(http.Flusher).Flush()
		hijackClose(w)
	})
	if _, err := c.Ls(ctx, "b/"); err == nil {
		t.Fatal("a listing that always fails succeeded")
	}
	if got := n.Load(); got != DefaultMaxTries {
		t.Errorf("listing: %d requests, want MaxTries = %d", got, DefaultMaxTries)
	}
}

// TestRetryDelay: a throttled answer (SlowDown, 503, 429) waits at least
// half the next step's ceiling, a Retry-After is honoured (up to 30 s), and
// other failures keep full jitter.
func TestRetryDelay(t *testing.T) {
	c := testClient(t, Config{})
	c.retryBase, c.retryCap = 100*time.Millisecond, 5*time.Second
	slow := &ResponseError{StatusCode: http.StatusServiceUnavailable, Code: "SlowDown"}
	for attempt := 1; attempt <= 8; attempt++ {
		ceiling := c.backoffCeiling(attempt + 1)
		for range 50 {
			if d := c.retryDelay(attempt, slow); d < ceiling/2 || d > ceiling {
				t.Fatalf("SlowDown, attempt %d: %v outside [%v, %v]", attempt, d, ceiling/2, ceiling)
			}
		}
	}
	for _, tt := range []struct {
		err  error
		min  time.Duration
		name string
	}{
		{&ResponseError{StatusCode: 503, Code: "SlowDown", RetryAfter: 3 * time.Second}, 3 * time.Second, "SlowDown with Retry-After"},
		{&ResponseError{StatusCode: 500, Code: "InternalError", RetryAfter: 2 * time.Second}, 2 * time.Second, "500 with Retry-After"},
		{&ResponseError{StatusCode: 429, Code: "TooManyRequests"}, c.backoffCeiling(2) / 2, "429"},
	} {
		if d := c.retryDelay(1, tt.err); d < tt.min || d > maxRetryAfter {
			t.Errorf("%s: %v, want at least %v", tt.name, d, tt.min)
		}
	}
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"x", 0}, {"-1", 0}, {"0", 0}, {"2", 2 * time.Second}, {"3600", maxRetryAfter},
		{now.Add(4 * time.Second).Format(http.TimeFormat), 4 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter(tt.v, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestRetryAfterHonoured: a 503 SlowDown with Retry-After: 1 is retried
// after at least a second (the wait the hook sees), and then succeeds.
func TestRetryAfterHonoured(t *testing.T) {
	c, n := faultServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			s3Error(w, http.StatusServiceUnavailable, "SlowDown")
			return
		}
		io.WriteString(w, "ok")
	})
	var waits []time.Duration
	c.beforeBackoff = func(_ int, d time.Duration) { waits = append(waits, d) }
	got, err := c.GetBytes(context.Background(), "b/k", nil, nil)
	if err != nil || string(got) != "ok" || n.Load() != 2 {
		t.Fatalf("GetBytes = %q, %v after %d requests", got, err, n.Load())
	}
	if len(waits) != 1 || waits[0] < time.Second {
		t.Errorf("waits %v, want one of at least 1s (Retry-After)", waits)
	}
}

// TestRetryableNetError: the transport failures worth another attempt.
func TestRetryableNetError(t *testing.T) {
	for _, tt := range []struct {
		method string
		err    error
		want   bool
	}{
		{"PUT", fmt.Errorf("readfrom tcp: write tcp: %w", net.ErrClosed), true}, // seen under resets mid-upload
		{"PUT", fmt.Errorf("write: %w", syscall.ECONNRESET), true},
		{"PUT", io.ErrUnexpectedEOF, true},
		{"GET", context.Canceled, false},
		{"PUT", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"PUT", errors.New("something else"), false},
	} {
		if got := retryableNetError(tt.method, tt.err); got != tt.want {
			t.Errorf("retryableNetError(%s, %v) = %v, want %v", tt.method, tt.err, got, tt.want)
		}
	}
}
