package tests

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3lua/s3lua/signature"
	"github.com/s3lua/s3lua/tests/testenv"
)

// The tests in this file prove package signature against servers that check
// signatures (MinIO, versitygw). The positive ones also run against the
// embedded store, which accepts any signature, to prove it stores what it
// is given; the negative ones (a server must refuse) cannot run there.

// reservedChars are RFC 3986's reserved characters plus '%', ' ' and '~':
// each must reach the server encoded exactly once.
var reservedChars = []struct{ name, char string }{
	{"plus", "+"}, {"equals", "="}, {"amp", "&"}, {"question", "?"}, {"hash", "#"},
	{"percent", "%"}, {"at", "@"}, {"bang", "!"}, {"star", "*"}, {"quote", "'"},
	{"lparen", "("}, {"rparen", ")"}, {"comma", ","}, {"semicolon", ";"}, {"colon", ":"},
	{"dollar", "$"}, {"tilde", "~"}, {"lbracket", "["}, {"rbracket", "]"}, {"space", " "},
}

// trickyKeys are object keys a signer gets wrong if it encodes twice, not at
// all, with '+' for space, or lets net/url re-encode the path.
func trickyKeys() []string {
	keys := []string{
		"unicode/żółć-日本語-😀-ñ",
		"spaces/a b  c d",
		"reserved/+ = & ? # % @ ! * ' ( ) , ; : $ ~ [ ]",
		"literal/a%2Fb%20c%25",    // looks encoded; must be stored verbatim
		"plus/a+b+c",              // '+' is not a space
		"unreserved/AZaz09-._~",   // must not be encoded at all
		"query-looking/k?x=1&y=2", // '?' in a key is not a query
	}
	for _, rc := range reservedChars {
		keys = append(keys, "each/"+rc.name+"-"+rc.char+"-"+rc.char+rc.char+"end")
	}
	return keys
}

func TestSignatureKeysRoundTrip(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-keys")
			keys := trickyKeys()
			for i, key := range keys {
				body := []byte(fmt.Sprintf("object %d: %s\x00\xff", i, key))
				c.must(t, "PUT", bucket, key, nil, body)
				got := c.must(t, "GET", bucket, key, nil, nil)
				if !bytes.Equal(got.Body, body) {
					t.Errorf("GET %q = %q, want %q", key, got.Body, body)
				}
				// The listing with the key as prefix exercises query encoding of
				// the same characters; the exact key must come back.
				if listed := c.listKeys(t, bucket, key); !slices.Contains(listed, key) {
					t.Errorf("list prefix=%q = %q, want it to contain the key", key, listed)
				}
			}
			all := c.listKeys(t, bucket, "")
			want := slices.Clone(keys)
			slices.Sort(want)
			if !slices.Equal(all, want) {
				t.Errorf("full listing:\n got %q\nwant %q", all, want)
			}
		})
	}
}

func TestSignaturePresigned(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-presign")
			key := "presigned/ünïcode + spaces & (reserved)?.txt"
			body := []byte("uploaded through a presigned PUT by a plain HTTP client")
			plain := &http.Client{Timeout: time.Minute}

			putReq := c.newRequest(t, "PUT", bucket, key, nil, nil)
			signed, err := c.signer.Presign(c.creds, putReq, 10*time.Minute, c.options(""))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(signed.URL, "X-Amz-Signature=") || !strings.Contains(signed.URL, "X-Amz-Expires=600") {
				t.Fatalf("presigned URL lacks its signature or expiry: %s", redactURL(signed.URL))
			}
			req, err := http.NewRequest("PUT", signed.URL, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if !noAuthHeaders(req.Header) {
				t.Fatalf("plain request carries SigV4 headers: %v", req.Header)
			}
			resp := c.send(t, req)
			if resp.Status != 200 {
				t.Fatalf("presigned PUT: %s", resp)
			}

			getReq := c.newRequest(t, "GET", bucket, key, nil, nil)
			signed, err = c.signer.Presign(c.creds, getReq, time.Hour, c.options(""))
			if err != nil {
				t.Fatal(err)
			}
			r, err := plain.Get(signed.URL)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, r)
			if r.StatusCode != 200 || !bytes.Equal(got, body) {
				t.Fatalf("presigned GET: %d %q, want 200 %q", r.StatusCode, got, body)
			}
			// And the object really has the key, checked by a header-signed GET.
			if g := c.must(t, "GET", bucket, key, nil, nil); !bytes.Equal(g.Body, body) {
				t.Fatalf("header-signed GET after presigned PUT = %q", g.Body)
			}
		})
	}
}

func readAll(t testing.TB, r *http.Response) []byte {
	t.Helper()
	defer r.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// redactURL drops the signature from a presigned URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery = ""
	return u.String() + "?..."
}

// The tests below need a server that checks signatures.

func TestSignatureExpiredPresignedURLRefused(t *testing.T) {
	for _, srv := range testenv.Remotes(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-expired")
			c.must(t, "PUT", bucket, "k", nil, []byte("x"))

			// Signed two hours ago, valid one minute: expired already, no sleep.
			req := c.newRequest(t, "GET", bucket, "k", nil, nil)
			opt := c.options("")
			opt.Time = time.Now().UTC().Add(-2 * time.Hour)
			signed, err := c.signer.Presign(c.creds, req, time.Minute, opt)
			if err != nil {
				t.Fatal(err)
			}
			r, err := http.Get(signed.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp := &response{Status: r.StatusCode, Body: readAll(t, r)}
			if resp.Status != http.StatusForbidden || resp.code() != "AccessDenied" {
				t.Fatalf("expired presigned GET: %s; want 403 AccessDenied", resp)
			}
			if !strings.Contains(strings.ToLower(string(resp.Body)), "expired") {
				t.Errorf("the refusal does not say the request expired: %s", resp)
			}

			// Control: the same URL signed now works, so the refusal above is
			// about the time and nothing else.
			req = c.newRequest(t, "GET", bucket, "k", nil, nil)
			signed, err = c.signer.Presign(c.creds, req, time.Minute, c.options(""))
			if err != nil {
				t.Fatal(err)
			}
			if r, err := http.Get(signed.URL); err != nil || r.StatusCode != 200 {
				t.Fatalf("fresh presigned GET: %v %v", r.Status, err)
			} else {
				r.Body.Close()
			}
		})
	}
}

func TestSignatureWrongSecretRefused(t *testing.T) {
	for _, srv := range testenv.Remotes(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-secret")
			bad := c.withCreds(signature.Credentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey + "x"})
			tests := []struct {
				name, method, key string
				body              []byte
			}{
				{"list", "GET", "", nil},
				{"put", "PUT", "k", []byte("data")},
				{"get reserved key", "GET", "a+b c%d", nil},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					r := bad.do(t, tc.method, bucket, tc.key, nil, tc.body, nil)
					if r.Status != http.StatusForbidden || r.code() != "SignatureDoesNotMatch" {
						t.Fatalf("wrong secret: %s; want 403 SignatureDoesNotMatch", r)
					}
				})
			}
			if keys := c.listKeys(t, bucket, ""); len(keys) != 0 {
				t.Fatalf("a PUT with a wrong secret stored %q", keys)
			}
		})
	}
}

// sessionTokenRefusal is what each server answers to a request carrying an
// unknown session token (recorded against the pinned versions): MinIO looks
// the token up among its STS sessions; versitygw has no STS and refuses it as
// invalid. Pinned exactly so that a change in behaviour shows up here.
var sessionTokenRefusal = map[string]struct {
	status int
	code   string
}{
	testenv.NameMinIO:     {http.StatusForbidden, "InvalidTokenId"},
	testenv.NameVersityGW: {http.StatusBadRequest, "InvalidToken"},
}

func TestSignatureUnknownSessionTokenRefused(t *testing.T) {
	for _, srv := range testenv.Remotes(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-token")
			withToken := c.withCreds(signature.Credentials{
				AccessKeyID:     srv.AccessKey,
				SecretAccessKey: srv.SecretKey,
				SessionToken:    "FwoGZXIvYXdzEBYaDunknown" + strings.Repeat("x", 40),
			})

			req := withToken.newRequest(t, "GET", bucket, "", url.Values{"list-type": {"2"}}, nil)
			signed, err := withToken.signer.SignHTTP(withToken.creds, req, withToken.options(""))
			if err != nil {
				t.Fatal(err)
			}
			if req.Header.Get("X-Amz-Security-Token") != withToken.creds.SessionToken ||
				!strings.Contains(signed.SignedHeaders, "x-amz-security-token") {
				t.Fatalf("the token is not sent and signed: signed headers %q", signed.SignedHeaders)
			}
			r := withToken.send(t, req)
			t.Logf("%s answers an unknown session token with %d %s", srv.Name, r.Status, r.code())
			want := sessionTokenRefusal[srv.Name]
			if r.Status != want.status || r.code() != want.code {
				t.Fatalf("unknown session token: %s; want %d %s", r, want.status, want.code)
			}
			// Control: the same request without the token is accepted, so the
			// refusal is about the token.
			if r := c.do(t, "GET", bucket, "", url.Values{"list-type": {"2"}}, nil, nil); r.Status != 200 {
				t.Fatalf("the same request without a token: %s", r)
			}

			// Presigned, the token travels in the query and must be refused too.
			preq := withToken.newRequest(t, "GET", bucket, "", url.Values{"list-type": {"2"}}, nil)
			ps, err := withToken.signer.Presign(withToken.creds, preq, time.Minute, withToken.options(""))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(ps.URL, "X-Amz-Security-Token=") {
				t.Fatalf("presigned URL lacks the token: %s", redactURL(ps.URL))
			}
			pr, err := http.Get(ps.URL)
			if err != nil {
				t.Fatal(err)
			}
			presp := &response{Status: pr.StatusCode, Body: readAll(t, pr)}
			t.Logf("%s answers a presigned URL with an unknown session token with %d %s", srv.Name, presp.Status, presp.code())
			if presp.Status != want.status || presp.code() != want.code {
				t.Fatalf("presigned with unknown session token: %s; want %d %s", presp, want.status, want.code)
			}
		})
	}
}

type listV1 struct {
	Keys        []string `xml:"Contents>Key"`
	IsTruncated bool     `xml:"IsTruncated"`
	NextMarker  string   `xml:"NextMarker"`
}

// TestSignatureListingPagination pages through keys full of reserved
// characters in pages of 3: V1 sends the last key back as marker (a '%', '+',
// '&' or '#' in a marker must be encoded once and signed as sent), V2 sends
// the server's opaque continuation token (often base64 with '+', '/', '=')
// and start-after.
func TestSignatureListingPagination(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-pages")
			var want []string
			for _, rc := range reservedChars {
				key := "p/" + rc.char + rc.name + rc.char
				c.must(t, "PUT", bucket, key, nil, []byte(rc.name))
				want = append(want, key)
			}
			slices.Sort(want)

			t.Run("v1 marker", func(t *testing.T) {
				var got []string
				marker := ""
				for pages := 0; ; pages++ {
					if pages > len(want) {
						t.Fatalf("no end after %d pages", pages)
					}
					q := url.Values{"prefix": {"p/"}, "max-keys": {"3"}}
					if marker != "" {
						q.Set("marker", marker)
					}
					var page listV1
					r := c.must(t, "GET", bucket, "", q, nil)
					if err := xml.Unmarshal(r.Body, &page); err != nil {
						t.Fatal(err)
					}
					got = append(got, page.Keys...)
					if !page.IsTruncated || len(page.Keys) == 0 {
						break
					}
					marker = page.Keys[len(page.Keys)-1]
				}
				if !slices.Equal(got, want) {
					t.Fatalf("pages gave\n %q\nwant\n %q", got, want)
				}
			})
			t.Run("v2 continuation token", func(t *testing.T) {
				var got []string
				token := ""
				for pages := 0; ; pages++ {
					if pages > len(want) {
						t.Fatalf("no end after %d pages", pages)
					}
					q := url.Values{"list-type": {"2"}, "prefix": {"p/"}, "max-keys": {"3"}}
					if token != "" {
						q.Set("continuation-token", token)
					}
					var page listV2
					r := c.must(t, "GET", bucket, "", q, nil)
					if err := xml.Unmarshal(r.Body, &page); err != nil {
						t.Fatal(err)
					}
					got = append(got, page.Keys...)
					if !page.IsTruncated {
						break
					}
					token = page.NextContinuationToken
				}
				if !slices.Equal(got, want) {
					t.Fatalf("pages gave\n %q\nwant\n %q", got, want)
				}
			})
			t.Run("v2 start-after", func(t *testing.T) {
				for i := range want {
					q := url.Values{"list-type": {"2"}, "prefix": {"p/"}, "start-after": {want[i]}, "max-keys": {"1"}}
					var page listV2
					r := c.must(t, "GET", bucket, "", q, nil)
					if err := xml.Unmarshal(r.Body, &page); err != nil {
						t.Fatal(err)
					}
					var next []string
					if i+1 < len(want) {
						next = want[i+1 : i+2]
					}
					if !slices.Equal(page.Keys, next) {
						t.Fatalf("start-after %q gave %q, want %q", want[i], page.Keys, next)
					}
				}
			})
		})
	}
}
