package signature

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFormatRedacts prints the signer and its results with every common
// verb: neither the secret (the cache is keyed by it) nor the session token
// (it is in the canonical request and the presigned URL) may show.
func TestFormatRedacts(t *testing.T) {
	var s Signer
	creds := Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRETVALUE", SessionToken: "TOKENVALUE"}
	opt := Options{Region: "us-east-1", Time: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}
	req, _ := http.NewRequest(http.MethodGet, "http://h/b/k", nil)
	signed, err := s.SignHTTP(creds, req, opt)
	if err != nil {
		t.Fatal(err)
	}
	req2, _ := http.NewRequest(http.MethodGet, "http://h/b/k?x=1", nil)
	presigned, err := s.Presign(creds, req2, time.Minute, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(signed.CanonicalRequest, "TOKENVALUE") || !strings.Contains(presigned.URL, "TOKENVALUE") {
		t.Fatal("the token should be in the canonical request and the URL themselves")
	}
	for _, v := range []any{&s, signed, *signed, presigned, *presigned} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "SECRETVALUE") || strings.Contains(out, "TOKENVALUE") {
				t.Errorf("%s of %T shows a secret: %s", verb, v, out)
			}
		}
	}
	if got := fmt.Sprint(signed); !strings.Contains(got, "x-amz-security-token:REDACTED") || !strings.Contains(got, signed.Signature) {
		t.Errorf("redacted form lost its content: %s", got)
	}
}
