package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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
	c.beforeBackoff = func(int) { cancel() }
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
