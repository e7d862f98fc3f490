package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// One event per attempt, with what was sent and received, and never the
// secret key, a signature or an SSE-C key.
func TestTrace(t *testing.T) {
	base := localClient(t)
	var mu sync.Mutex
	var events []TraceEvent
	cfg := base.Config()
	cfg.Trace = func(e TraceEvent) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	}
	c, err := base.WithConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "trace", ""); err != nil {
		t.Fatal(err)
	}
	key := []byte("0123456789abcdef0123456789ABCDEF")
	h, _ := ObjectOptions{Metadata: map[string]string{"m": "1"}}.Apply("test", nil)
	if _, err := c.PutBytes(ctx, "trace/k", []byte("hello"), "text/plain", h); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBytes(ctx, "trace/k", nil, nil); err != nil {
		t.Fatal(err)
	}
	sse, _ := ObjectOptions{CustomerKey: key}.Apply("test", nil)
	_, _ = c.Head(ctx, "trace/k", sse)
	_, err = c.GetBytes(ctx, "trace/missing", nil, nil)
	if !IsNotFound(err) {
		t.Fatalf("missing: %v", err)
	}
	if len(events) != 5 {
		t.Fatalf("%d events, want 5: %v", len(events), events)
	}
	put, get, missing := events[1], events[2], events[4]
	if put.Method != "PUT" || put.Status != 200 || put.BytesSent != 5 || put.Attempt != 1 || put.Err != "" ||
		!strings.HasSuffix(put.URL, "/trace/k") {
		t.Errorf("put event %+v", put)
	}
	if get.Method != "GET" || get.BytesReceived != 5 || get.BytesSent != 0 {
		t.Errorf("get event %+v", get)
	}
	if missing.Status != 404 || !strings.Contains(missing.Err, "NoSuchKey") || missing.RetryReason != "" {
		t.Errorf("missing event %+v", missing)
	}
	_, secret := cfg.Credentials.(StaticCredentials).AccessKeyID, cfg.Credentials.(StaticCredentials).SecretAccessKey
	for _, e := range events {
		line := e.String()
		for _, bad := range []string{secret, string(key), "Signature", "Credential=", "0123456789abcdef0123456789ABCDEF"} {
			if strings.Contains(line, bad) {
				t.Errorf("event shows a secret (%q): %s", bad, line)
			}
		}
	}
}

func TestTraceURL(t *testing.T) {
	u, _ := url.Parse("https://b.s3.amazonaws.com/k?versionId=3&X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F&x-amz-security-token=tok&uploads=")
	got := traceURL(u)
	if got != "https://b.s3.amazonaws.com/k?versionId=3&uploads=" {
		t.Errorf("traceURL = %s", got)
	}
	e := TraceEvent{Method: http.MethodGet, URL: got, Status: 503, BytesSent: 0, BytesReceived: 120, Attempt: 2,
		RetryReason: "503 SlowDown", Err: "s3: GET b/k: 503 SlowDown"}
	if s := e.String(); !strings.Contains(s, "GET https://b.s3.amazonaws.com/k?versionId=3&uploads= 503 sent=0 received=120") ||
		!strings.Contains(s, `attempt=2`) || !strings.Contains(s, `retry="503 SlowDown"`) {
		t.Errorf("String = %s", s)
	}
}

// A failed attempt that is retried says why; the last one has no reason.
// The server is a fault: it answers every request 503 SlowDown.
func TestTraceRetry(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("<Error><Code>SlowDown</Code><Message>slow</Message></Error>"))
	}))
	defer srv.Close()
	var events []TraceEvent
	c, err := New(Config{Host: strings.TrimPrefix(srv.URL, "http://"), Scheme: "http", MaxTries: 2,
		Credentials: StaticCredentials{AccessKeyID: "id", SecretAccessKey: "secret-value"},
		Trace:       func(e TraceEvent) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	c.retryBase, c.retryCap = 1, 1
	if _, err := c.GetBytes(context.Background(), "b/k", nil, nil); err == nil {
		t.Fatal("no error from a closed port")
	}
	if len(events) != 2 || events[0].Attempt != 1 || events[1].Attempt != 2 || events[0].Status != 503 ||
		events[0].RetryReason != "503 SlowDown" || events[0].BytesReceived <= 0 ||
		events[0].RetryReason == "" || events[1].RetryReason != "" || events[1].Err == "" {
		t.Fatalf("events %+v", events)
	}
}
