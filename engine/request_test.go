package engine

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/s3lua/s3lua/engine/localstore"
)

// newLocalClient starts an embedded store and returns a client for it.
func newLocalClient(t *testing.T) *Client {
	t.Helper()
	srv, err := localstore.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// Connections the pool dialed but never used would hold Close for 5 s.
	t.Cleanup(sharedTransport.CloseIdleConnections)
	id, secret := srv.Credentials()
	c, err := New(Config{Host: srv.Host(), Scheme: "http", Region: srv.Region(),
		Credentials: StaticCredentials{AccessKeyID: id, SecretAccessKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDoRoundTrip(t *testing.T) {
	c := newLocalClient(t)
	ctx := context.Background()
	mustDo := func(r *request) *http.Response {
		t.Helper()
		resp, err := c.do(ctx, r)
		if err != nil {
			t.Fatalf("%s %s/%s: %v", r.method, r.bucket, r.key, err)
		}
		return resp
	}
	mustDo(&request{method: "PUT", bucket: "smoke"}).Body.Close()
	key := "a b+c&d=e?f#g%h/ünï"
	mustDo(&request{method: "PUT", bucket: "smoke", key: key, body: []byte("hello"),
		header: http.Header{"Content-Md5": {contentMD5([]byte("hello"))}}, expectContinue: true}).Body.Close()
	resp := mustDo(&request{method: "GET", bucket: "smoke", key: key})
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello" {
		t.Fatalf("got %q", b)
	}
	_, err := c.do(ctx, &request{method: "GET", bucket: "smoke", key: "missing", query: url.Values{}})
	if !IsNotFound(err) {
		t.Fatalf("missing key: %v", err)
	}
	t.Log(err)
}
