package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/s3lua/s3lua/signature"
	"github.com/s3lua/s3lua/tests/testenv"
)

// sigClient sends requests signed by package signature with plain net/http:
// no engine in between, so these tests prove the signer alone.
type sigClient struct {
	srv    testenv.Server
	creds  signature.Credentials
	signer *signature.Signer
	http   *http.Client
}

func newSigClient(srv testenv.Server) *sigClient {
	return &sigClient{
		srv:    srv,
		creds:  signature.Credentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey},
		signer: &signature.Signer{},
		http:   &http.Client{Timeout: 2 * time.Minute},
	}
}

// withCreds returns a copy of c that signs with creds.
func (c *sigClient) withCreds(creds signature.Credentials) *sigClient {
	cp := *c
	cp.creds = creds
	return &cp
}

// newRequest builds a request for bucket/key with the plain (unescaped) key
// in URL.Path, as design.md asks; the signer writes the escaped form.
func (c *sigClient) newRequest(t testing.TB, method, bucket, key string, query url.Values, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, c.srv.Endpoint, body)
	if err != nil {
		t.Fatal(err)
	}
	p := "/"
	if bucket != "" {
		p += bucket
		if key != "" {
			p += "/" + key
		}
	}
	req.URL.Path = p
	req.URL.RawPath = ""
	req.URL.RawQuery = signature.EncodeQuery(query)
	return req
}

func (c *sigClient) options(payloadHash string) signature.Options {
	return signature.Options{Region: c.srv.Region, Time: time.Now().UTC(), PayloadHash: payloadHash}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// response is a fully read answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// s3Error is S3's XML error document.
type s3Error struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// code returns the S3 error code in the body, "" if there is none.
func (r *response) code() string {
	var e s3Error
	if xml.Unmarshal(r.Body, &e) != nil {
		return ""
	}
	return e.Code
}

func (r *response) String() string {
	b := r.Body
	if len(b) > 600 {
		b = b[:600]
	}
	return http.StatusText(r.Status) + " " + string(b)
}

// send sends req and reads the whole answer.
func (c *sigClient) send(t testing.TB, req *http.Request) *response {
	t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Redacted(), err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// do signs (headers, payload hashed) and sends a request.
func (c *sigClient) do(t testing.TB, method, bucket, key string, query url.Values, body []byte, hdr http.Header) *response {
	t.Helper()
	req := c.newRequest(t, method, bucket, key, query, bytes.NewReader(body))
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if _, err := c.signer.SignHTTP(c.creds, req, c.options(sha256Hex(body))); err != nil {
		t.Fatalf("SignHTTP %s %s/%s: %v", method, bucket, key, err)
	}
	return c.send(t, req)
}

// must is do that fails the test unless the status is 2xx.
func (c *sigClient) must(t testing.TB, method, bucket, key string, query url.Values, body []byte) *response {
	t.Helper()
	r := c.do(t, method, bucket, key, query, body, nil)
	if r.Status/100 != 2 {
		t.Fatalf("%s: %s %s/%s?%s: %s", c.srv.Name, method, bucket, key, signature.EncodeQuery(query), r)
	}
	return r
}

type listV2 struct {
	Keys                  []string `xml:"Contents>Key"`
	IsTruncated           bool     `xml:"IsTruncated"`
	NextContinuationToken string   `xml:"NextContinuationToken"`
}

// listKeys lists bucket (ListObjectsV2, signed; every page) under prefix.
func (c *sigClient) listKeys(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		r := c.must(t, "GET", bucket, "", q, nil)
		var page listV2
		if err := xml.Unmarshal(r.Body, &page); err != nil {
			t.Fatalf("%s: list %s: %v in %s", c.srv.Name, bucket, err, r.Body)
		}
		keys = append(keys, page.Keys...)
		if !page.IsTruncated || page.NextContinuationToken == "" {
			return keys
		}
		token = page.NextContinuationToken
	}
}

// bucket creates a fresh bucket (signed PUT) and removes it and its objects
// when the test ends.
func (c *sigClient) bucket(t testing.TB, prefix string) string {
	t.Helper()
	b := testenv.UniqueBucket(t, prefix)
	c.must(t, "PUT", b, "", nil, nil)
	t.Cleanup(func() { c.removeBucket(t, b) })
	return b
}

func (c *sigClient) removeBucket(t testing.TB, bucket string) {
	t.Helper()
	for _, k := range c.listKeys(t, bucket, "") {
		if r := c.do(t, "DELETE", bucket, k, nil, nil, nil); r.Status/100 != 2 {
			t.Errorf("%s: cleanup: delete %q: %s", c.srv.Name, k, r)
		}
	}
	if r := c.do(t, "DELETE", bucket, "", nil, nil, nil); r.Status/100 != 2 {
		t.Errorf("%s: cleanup: delete bucket %s: %s", c.srv.Name, bucket, r)
	}
}

// noAuthHeaders reports whether req carries none of SigV4's headers: a
// presigned URL must work for a client that knows nothing of signing.
func noAuthHeaders(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") || strings.EqualFold(k, "Authorization") {
			return false
		}
	}
	return true
}
