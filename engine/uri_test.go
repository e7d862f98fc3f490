package engine

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSplitBucketPath(t *testing.T) {
	tests := []struct {
		bp, bucket, path, err string
	}{
		{"bucket/path/name", "bucket", "path/name", ""},
		{"bucket/", "bucket", "", ""},
		{"bucket/a?b#c%d", "bucket", "a?b#c%d", ""},
		{"bucket//x", "bucket", "/x", ""},
		{"/x/y", "", "", `Invalid bucket+path: "/x/y": don't use a leading "/"`},
		{"bucket", "", "", `Invalid bucket+path: "bucket": are you missing a trailing "/"?`},
		{"", "", "", `are you missing a trailing "/"?`},
	}
	for _, tt := range tests {
		b, p, err := SplitBucketPath(tt.bp)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("SplitBucketPath(%q) error %v, want %q", tt.bp, err, tt.err)
			}
			continue
		}
		if err != nil || b != tt.bucket || p != tt.path {
			t.Errorf("SplitBucketPath(%q) = %q, %q, %v", tt.bp, b, p, err)
		}
	}
}

func testClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.Credentials == nil {
		cfg.Credentials = StaticCredentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET", SessionToken: "TOKEN"}
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBucketPathToURI(t *testing.T) {
	// The reference's vectors, with https and the key encoded once.
	path := testClient(t, Config{Scheme: "http", PathStyle: true})
	virtual := testClient(t, Config{Scheme: "http"})
	for _, tt := range []struct {
		c    *Client
		bp   string
		want string
	}{
		{path, "bucket/path/name", "http://s3.amazonaws.com/bucket/path/name"},
		{virtual, "bucket/path/name", "http://bucket.s3.amazonaws.com/path/name"},
		{virtual, "bucket/a b+c?d#é", "http://bucket.s3.amazonaws.com/a%20b%2Bc%3Fd%23%C3%A9"},
		{virtual, "bucket/", "http://bucket.s3.amazonaws.com/"},
		{path, "bucket/", "http://s3.amazonaws.com/bucket/"},
	} {
		b, p, u, err := tt.c.BucketPathToBucketPathURI(tt.bp)
		if err != nil || u != tt.want {
			t.Errorf("%q: %q %q %q %v, want %q", tt.bp, b, p, u, err, tt.want)
		}
	}
}

func TestURIAndHeaders(t *testing.T) {
	c := testClient(t, Config{Host: "127.0.0.1:9000", Scheme: "http"})
	u, h, err := c.URIAndHeaders(context.Background(), "b/k 1", "PUT", http.Header{"X-Amz-Meta-A": {"1"}}, []byte("body"))
	if err != nil {
		t.Fatal(err)
	}
	if u != "http://127.0.0.1:9000/b/k%201" {
		t.Errorf("uri %q", u)
	}
	for _, name := range []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token", "X-Amz-Meta-A"} {
		if h.Get(name) == "" {
			t.Errorf("header %s missing: %v", name, h)
		}
	}
	if h.Get("Host") != "127.0.0.1:9000" || !strings.Contains(h.Get("Authorization"), "x-amz-meta-a") {
		t.Errorf("headers %v", h)
	}
}

func TestSignURI(t *testing.T) {
	c := testClient(t, Config{Host: "127.0.0.1:9000", Scheme: "http"})
	ctx := context.Background()
	s, err := c.SignURI(ctx, "b/a b", "get", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "127.0.0.1:9000" || u.EscapedPath() != "/b/a%20b" || q.Get("X-Amz-Expires") != "3600" ||
		q.Get("X-Amz-Security-Token") != "TOKEN" || q.Get("X-Amz-Signature") == "" {
		t.Errorf("presigned URL %s", s)
	}
	for _, d := range []time.Duration{0, 500 * time.Millisecond, 7*24*time.Hour + time.Second} {
		if _, err := c.SignURI(ctx, "b/k", "GET", d, nil); err == nil || !strings.Contains(err.Error(), "SignURI") {
			t.Errorf("expires %v: error %v", d, err)
		}
	}
	if _, err := c.SignURI(ctx, "b/k", "GET", 7*24*time.Hour, nil); err != nil {
		t.Errorf("7 days: %v", err)
	}
}
