package localstore

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// do sends an unsigned request: the store does not check signatures, and
// this package must not import signature (see docs/design.md).
func do(t *testing.T, method, url string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func mustStatus(t *testing.T, want int, method, url string, body []byte) []byte {
	t.Helper()
	got, b := do(t, method, url, body)
	if got != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, url, got, want, b)
	}
	return b
}

type listResult struct {
	Keys []string `xml:"Contents>Key"`
}

func listKeys(t *testing.T, endpoint, bucket string) []string {
	t.Helper()
	b := mustStatus(t, 200, "GET", endpoint+"/"+bucket+"?list-type=2", nil)
	var lr listResult
	if err := xml.Unmarshal(b, &lr); err != nil {
		t.Fatalf("list: %v in %s", err, b)
	}
	return lr.Keys
}

func TestStore(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"memory", func(*testing.T) string { return "" }},
		{"persisted", func(t *testing.T) string { return t.TempDir() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(tc.dir(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !strings.HasPrefix(s.Endpoint(), "http://127.0.0.1:") || s.Endpoint() != "http://"+s.Host() {
				t.Fatalf("Endpoint %q, Host %q", s.Endpoint(), s.Host())
			}
			if s.Region() != "us-east-1" {
				t.Fatalf("Region %q", s.Region())
			}
			ep := s.Endpoint()
			// Auto-bucket is off: a missing bucket is an error, as on S3.
			if code, _ := do(t, "PUT", ep+"/nobucket/k", []byte("x")); code != 404 {
				t.Fatalf("PUT into a missing bucket: status %d, want 404", code)
			}
			mustStatus(t, 200, "PUT", ep+"/bk1", nil)
			mustStatus(t, 200, "PUT", ep+"/bk1/dir/a%20b", []byte("hello"))
			if got := mustStatus(t, 200, "GET", ep+"/bk1/dir/a%20b", nil); string(got) != "hello" {
				t.Fatalf("GET = %q", got)
			}
			if keys := listKeys(t, ep, "bk1"); len(keys) != 1 || keys[0] != "dir/a b" {
				t.Fatalf("keys = %q", keys)
			}
		})
	}
}

func TestCredentialsDifferPerStart(t *testing.T) {
	a, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ak, as := a.Credentials()
	bk, bs := b.Credentials()
	if ak == "" || as == "" || ak == bk || as == bs {
		t.Fatalf("credentials not fresh per Start: %q/%q", ak, bk)
	}
	if strings.Contains(a.String(), as) {
		t.Fatal("String shows the secret")
	}
}

func TestPersistenceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	ep := s.Endpoint()
	mustStatus(t, 200, "PUT", ep+"/keep", nil)
	mustStatus(t, 200, "PUT", ep+"/keep/one", []byte("first run"))
	uploadMultipart(t, ep, "keep", "big", 2)

	// A second Server on the same dir while the first runs must fail, not hang.
	if s2, err := Start(dir); err == nil {
		s2.Close()
		t.Fatal("second Start on a directory in use succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s, err = Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ep = s.Endpoint()
	if got := mustStatus(t, 200, "GET", ep+"/keep/one", nil); string(got) != "first run" {
		t.Fatalf("after restart GET = %q", got)
	}
	got := mustStatus(t, 200, "GET", ep+"/keep/big", nil)
	if want := multipartBody(2); !bytes.Equal(got, want) {
		t.Fatalf("after restart the multipart object has %d bytes, want %d", len(got), len(want))
	}
	if keys := listKeys(t, ep, "keep"); strings.Join(keys, ",") != "big,one" {
		t.Fatalf("after restart keys = %q", keys)
	}
}

func partBody(n int) []byte { return bytes.Repeat([]byte{byte('a' + n)}, 5<<20) }

func multipartBody(parts int) []byte {
	var all []byte
	for n := 1; n <= parts; n++ {
		all = append(all, partBody(n)...)
	}
	return all
}

func uploadMultipart(t *testing.T, ep, bucket, key string, parts int) {
	t.Helper()
	b := mustStatus(t, 200, "POST", ep+"/"+bucket+"/"+key+"?uploads", nil)
	var init struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal(b, &init); err != nil || init.UploadID == "" {
		t.Fatalf("initiate: %v in %s", err, b)
	}
	var complete strings.Builder
	complete.WriteString("<CompleteMultipartUpload>")
	for n := 1; n <= parts; n++ {
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/%s/%s?partNumber=%d&uploadId=%s", ep, bucket, key, n, init.UploadID), bytes.NewReader(partBody(n)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("part %d: status %d", n, resp.StatusCode)
		}
		fmt.Fprintf(&complete, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n, resp.Header.Get("ETag"))
	}
	complete.WriteString("</CompleteMultipartUpload>")
	mustStatus(t, 200, "POST", ep+"/"+bucket+"/"+key+"?uploadId="+init.UploadID, []byte(complete.String()))
}

func TestUnsupportedSubresourcesLeaveObjectsAlone(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ep := s.Endpoint()
	mustStatus(t, 200, "PUT", ep+"/acls", nil)
	mustStatus(t, 200, "PUT", ep+"/acls/obj", []byte("payload"))

	tests := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		contains           string
	}{
		{"get object acl", "GET", "/acls/obj?acl", nil, "", 200, "<Permission>FULL_CONTROL</Permission>"},
		{"get bucket acl", "GET", "/acls?acl", nil, "", 200, "<AccessControlPolicy"},
		{"get missing key acl", "GET", "/acls/nope?acl", nil, "", 404, "<Code>NoSuchKey</Code>"},
		{"get missing bucket acl", "GET", "/nobucket?acl", nil, "", 404, "<Code>NoSuchBucket</Code>"},
		{"put private acl", "PUT", "/acls/obj?acl", map[string]string{"x-amz-acl": "private"}, "", 200, ""},
		{"put public acl", "PUT", "/acls/obj?acl", map[string]string{"x-amz-acl": "public-read"}, "", 501, "<Code>NotImplemented</Code>"},
		{"put acl body", "PUT", "/acls/obj?acl", nil, "<AccessControlPolicy/>", 501, "<Code>NotImplemented</Code>"},
		{"put tagging", "PUT", "/acls/obj?tagging", nil, "<Tagging/>", 501, "tagging"},
		{"get bucket policy", "GET", "/acls?policy", nil, "", 501, "policy"},
		{"delete lifecycle", "DELETE", "/acls?lifecycle", nil, "", 501, "lifecycle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ep+tc.path, strings.NewReader(tc.body))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.contains) {
				t.Fatalf("status %d body %s; want %d containing %q", resp.StatusCode, b, tc.status, tc.contains)
			}
			if got := mustStatus(t, 200, "GET", ep+"/acls/obj", nil); string(got) != "payload" {
				t.Fatalf("the object changed to %q", got)
			}
		})
	}
}

// TestDirInUse: a second store on a held directory fails with ErrInUse and
// a message saying so, not bolt's bare "timeout".
func TestDirInUse(t *testing.T) {
	dir := t.TempDir()
	first, err := Start(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := Start(dir)
	if err == nil {
		second.Close()
		t.Fatal("a second store opened a held directory")
	}
	if !errors.Is(err, ErrInUse) {
		t.Errorf("error %v does not match ErrInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "another s3lua process") || !strings.Contains(msg, dir) || strings.Contains(msg, "timeout") {
		t.Errorf("error %q: want the directory and 'another s3lua process', not 'timeout'", msg)
	}
	// Once the first is closed, the directory is free again.
	first.Close()
	again, err := Start(dir)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}
