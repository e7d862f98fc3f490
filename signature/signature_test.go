package signature

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

var testTime = time.Date(2026, 11, 24, 21, 30, 0, 0, time.UTC)

func TestEscapePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/bucket/key", "/bucket/key"},
		{"/bucket/a b", "/bucket/a%20b"},
		{"/b/a+b", "/b/a%2Bb"},
		{"/b/100%", "/b/100%25"},
		{"/b/%41", "/b/%2541"}, // a plain '%' in a key is encoded, never taken as an escape
		{"/b/x//y///", "/b/x//y///"},
		{"/b/./../c", "/b/./../c"}, // no dot-segment removal
		{"/b/-._~", "/b/-._~"},
		{"/b/!#$&'()*,:;=?@[]", "/b/%21%23%24%26%27%28%29%2A%2C%3A%3B%3D%3F%40%5B%5D"},
		{"/b/ሴ", "/b/%E1%88%B4"},
		{"/b/ключ", "/b/%D0%BA%D0%BB%D1%8E%D1%87"},
	}
	for _, tt := range tests {
		if got := EscapePath(tt.in); got != tt.want {
			t.Errorf("EscapePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncodeQuery(t *testing.T) {
	tests := []struct {
		in   url.Values
		want string
	}{
		{url.Values{}, ""},
		{url.Values{"prefix": {"a b"}}, "prefix=a%20b"},
		{url.Values{"marker": {"ctp/-%C.svg"}}, "marker=ctp%2F-%25C.svg"},
		{url.Values{"k": {"a+b"}}, "k=a%2Bb"},
		{url.Values{"acl": {""}}, "acl="},
		{url.Values{"b": {"2", "1"}, "a": {"z"}}, "a=z&b=1&b=2"},
		{url.Values{"uploads": {}}, "uploads="},
		{url.Values{"~x": {"é"}}, "~x=%C3%A9"},
	}
	for _, tt := range tests {
		if got := EncodeQuery(tt.in); got != tt.want {
			t.Errorf("EncodeQuery(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// signedQuery signs a request with the raw query and returns the canonical query line and the
// rewritten RawQuery.
func signedQuery(t *testing.T, raw string) (canonical, rawAfter string) {
	t.Helper()
	req := &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "h", Path: "/b", RawQuery: raw}, Header: http.Header{}}
	s, err := new(Signer).SignHTTP(Credentials{"AK", "SK", ""}, req, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(s.CanonicalRequest, "\n")[2], req.URL.RawQuery
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", ""},
		{"acl", "acl="},
		{"a=1&b", "a=1&b="},
		{"k=a+b", "k=a%2Bb"},   // '+' is a literal plus, never a space
		{"k=a%20b", "k=a%20b"}, // %XX decoded and re-encoded
		{"k=a%2bb", "k=a%2Bb"}, // lower-case hex normalised
		{"k=%41%7e", "k=A~"},   // unreserved characters decoded
		{"k=100%", "k=100%25"}, // a bare '%' is literal
		{"k=%zz", "k=%25zz"},   // so is a '%' without two hex digits
		{"marker=ctp%2F-%25C.svg", "marker=ctp%2F-%25C.svg"}, // the Racket issue #72 marker
		{"b=2&a=3&b=1", "a=3&b=1&b=2"},                       // sorted by key, then value
		{"a&&b=", "a=&b="},                                   // empty pieces skipped
		{"k=a=b", "k=a%3Db"},                                 // only the first '=' separates
		{"k;x=1", "k%3Bx=1"},                                 // ';' is not a separator
		{"é=ü", "%C3%A9=%C3%BC"},
		{"Param-3=1&Param=2&%E1%88%B4=3", "%E1%88%B4=3&Param=2&Param-3=1"}, // encoded-key order
	}
	for _, tt := range tests {
		canonical, raw := signedQuery(t, tt.raw)
		if canonical != tt.want {
			t.Errorf("raw %q: canonical query %q, want %q", tt.raw, canonical, tt.want)
		}
		if raw != tt.want {
			t.Errorf("raw %q: RawQuery rewritten to %q, want %q", tt.raw, raw, tt.want)
		}
	}
}

func TestQueryPlusIsLiteral(t *testing.T) {
	a, _ := signedQuery(t, "prefix=a+b")
	b, _ := signedQuery(t, "prefix=a%2Bb")
	c, _ := signedQuery(t, "prefix=a%20b")
	if a != b || a == c {
		t.Errorf("'+' must mean %%2B: %q %q %q", a, b, c)
	}
}

func TestHostPort(t *testing.T) {
	tests := []struct{ scheme, urlHost, host, want string }{
		{"https", "s3.amazonaws.com", "", "s3.amazonaws.com"},
		{"https", "s3.amazonaws.com:443", "", "s3.amazonaws.com"},
		{"http", "s3.amazonaws.com:80", "", "s3.amazonaws.com"},
		{"https", "s3.amazonaws.com:80", "", "s3.amazonaws.com:80"},
		{"http", "127.0.0.1:9000", "", "127.0.0.1:9000"},
		{"http", "[::1]:9000", "", "[::1]:9000"},
		{"http", "[::1]:80", "", "[::1]"},
		{"https", "127.0.0.1:9000", "bucket.example.com:9000", "bucket.example.com:9000"},
		{"HTTPS", "example.com:443", "", "example.com"},
	}
	for _, tt := range tests {
		req := &http.Request{Method: "GET", URL: &url.URL{Scheme: tt.scheme, Host: tt.urlHost, Path: "/"}, Host: tt.host, Header: http.Header{}}
		s, err := new(Signer).SignHTTP(Credentials{"AK", "SK", ""}, req, Options{Region: "r", Time: testTime})
		if err != nil {
			t.Fatal(err)
		}
		if line := "host:" + tt.want + "\n"; !strings.Contains(s.CanonicalRequest, line) {
			t.Errorf("%s://%s Host %q: canonical request lacks %q:\n%s", tt.scheme, tt.urlHost, tt.host, line, s.CanonicalRequest)
		}
		if req.Host != tt.want {
			t.Errorf("req.Host = %q, want %q (what is sent must be what was signed)", req.Host, tt.want)
		}
	}
}

func TestHeaderSelection(t *testing.T) {
	req, _ := http.NewRequest("PUT", "https://s3.example.com/b/k", strings.NewReader("body"))
	h := req.Header
	h.Set("User-Agent", "s3lua")
	h.Set("Content-Length", "4")
	h.Set("Expect", "100-continue")
	h.Set("Accept-Encoding", "gzip")
	h.Set("Transfer-Encoding", "chunked")
	h.Set("Connection", "keep-alive")
	h.Set("Authorization", "stale")
	h.Set("Content-Type", "  text/plain;   charset=utf-8  ")
	h.Set("Content-MD5", "abc==")
	h.Set("Content-Disposition", `attachment; filename="a b.txt"`)
	h.Set("Content-Encoding", "gzip")
	h.Set("Range", "bytes=0-9")
	h.Set("If-None-Match", "*")
	h.Set("X-Amz-Meta-Color", "red")
	h["x-amz-meta-color"] = []string{"blue"} // a non-canonical key for the same header
	h.Add("X-Amz-Meta-Color", "  green  ")
	s, err := new(Signer).SignHTTP(Credentials{"AK", "SK", ""}, req, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	want := "content-disposition;content-encoding;content-md5;content-type;host;if-none-match;range;x-amz-content-sha256;x-amz-date;x-amz-meta-color"
	if s.SignedHeaders != want {
		t.Errorf("signed headers:\n %s\nwant\n %s", s.SignedHeaders, want)
	}
	for _, line := range []string{"content-type:text/plain; charset=utf-8\n", "x-amz-meta-color:red,green,blue\n"} {
		if !strings.Contains(s.CanonicalRequest, line) {
			t.Errorf("canonical request lacks %q:\n%s", line, s.CanonicalRequest)
		}
	}
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] == "stale" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestSessionToken(t *testing.T) {
	creds := Credentials{"AK", "SK", "token/with+chars="}
	var s Signer
	req, _ := http.NewRequest("GET", "https://h/b/k", nil)
	signed, err := s.SignHTTP(creds, req, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("X-Amz-Security-Token") != creds.SessionToken ||
		!strings.Contains(signed.SignedHeaders, "x-amz-security-token") ||
		!strings.Contains(signed.CanonicalRequest, "x-amz-security-token:token/with+chars=\n") {
		t.Errorf("token not sent and signed:\n%s", signed.CanonicalRequest)
	}
	// Re-signing without a token removes it.
	if _, err := s.SignHTTP(Credentials{"AK", "SK", ""}, req, Options{Region: "r", Time: testTime}); err != nil {
		t.Fatal(err)
	}
	if _, ok := req.Header["X-Amz-Security-Token"]; ok {
		t.Errorf("stale token kept")
	}

	preq, _ := http.NewRequest("GET", "https://h/b/k", nil)
	p, err := s.Presign(creds, preq, time.Hour, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(p.URL)
	if u.Query().Get("X-Amz-Security-Token") != creds.SessionToken ||
		!strings.Contains(p.CanonicalRequest, "X-Amz-Security-Token=token%2Fwith%2Bchars%3D") {
		t.Errorf("presigned URL without signed token: %s\n%s", p.URL, p.CanonicalRequest)
	}
}

func TestResignIsStable(t *testing.T) {
	var s Signer
	req, _ := http.NewRequest("GET", "https://h/b/a%20b?x=1+2", nil)
	a, err := s.SignHTTP(Credentials{"AK", "SK", ""}, req, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.SignHTTP(Credentials{"AK", "SK", ""}, req, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	if a.Signature != b.Signature || a.CanonicalRequest != b.CanonicalRequest {
		t.Errorf("re-signing changed the signature:\n%s\n%s", a.CanonicalRequest, b.CanonicalRequest)
	}
}

func TestPresignExpiry(t *testing.T) {
	tests := []struct {
		d       time.Duration
		wantErr bool
		param   string
	}{
		{0, true, ""},
		{-time.Second, true, ""},
		{999 * time.Millisecond, true, ""},
		{time.Second, false, "1"},
		{1500 * time.Millisecond, false, "1"},
		{15 * time.Minute, false, "900"},
		{MaxPresignExpiry, false, "604800"},
		{MaxPresignExpiry + time.Second, true, ""},
		{MaxPresignExpiry + time.Millisecond, true, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", "https://h/b/k", nil)
		p, err := new(Signer).Presign(Credentials{"AK", "SK", ""}, req, tt.d, Options{Region: "r", Time: testTime})
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "604800") || !strings.Contains(err.Error(), "1s") {
				t.Errorf("Presign(%v) error = %v, want one naming the bounds", tt.d, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Presign(%v): %v", tt.d, err)
		}
		u, _ := url.Parse(p.URL)
		q := u.Query()
		if q.Get("X-Amz-Expires") != tt.param {
			t.Errorf("Presign(%v): X-Amz-Expires=%q, want %q", tt.d, q.Get("X-Amz-Expires"), tt.param)
		}
		if !strings.HasSuffix(p.CanonicalRequest, "\n"+UnsignedPayload) {
			t.Errorf("presigned payload hash is not UNSIGNED-PAYLOAD")
		}
		if q.Get("X-Amz-Signature") != p.Signature || q.Get("X-Amz-SignedHeaders") != "host" {
			t.Errorf("presigned query %v", q)
		}
	}
}

func TestPresignReplacesOldSignature(t *testing.T) {
	var s Signer
	req, _ := http.NewRequest("GET", "https://h/b/k?versionId=3", nil)
	first, err := s.Presign(Credentials{"AK", "SK", ""}, req, time.Hour, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Presign(Credentials{"AK", "SK", ""}, req, time.Hour, Options{Region: "r", Time: testTime})
	if err != nil {
		t.Fatal(err)
	}
	if first.URL != again.URL {
		t.Errorf("presigning a presigned request:\n%s\n%s", first.URL, again.URL)
	}
}

func TestValidation(t *testing.T) {
	ok := func() *http.Request { r, _ := http.NewRequest("GET", "https://h/b", nil); return r }
	creds := Credentials{"AK", "SK", ""}
	opt := Options{Region: "r", Time: testTime}
	tests := []struct {
		name  string
		creds Credentials
		req   *http.Request
		opt   Options
		want  string
	}{
		{"no access key", Credentials{"", "SK", ""}, ok(), opt, "access key id"},
		{"no secret", Credentials{"AK", "", ""}, ok(), opt, "secret access key"},
		{"no region", creds, ok(), Options{Time: testTime}, "Region"},
		{"no time", creds, ok(), Options{Region: "r"}, "Time"},
		{"nil request", creds, nil, opt, "nil"},
		{"opaque", creds, &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "h", Opaque: "//h/b"}}, opt, "Opaque"},
		{"relative path", creds, &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "h", Path: "b"}}, opt, "'/'"},
		{"no host", creds, &http.Request{Method: "GET", URL: &url.URL{Path: "/b"}}, opt, "host"},
	}
	for _, tt := range tests {
		_, err := new(Signer).SignHTTP(tt.creds, tt.req, tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestCredentialsRedacted(t *testing.T) {
	c := Credentials{AccessKeyID: "AKIDVISIBLE", SecretAccessKey: "s3cr3t-Value", SessionToken: "t0ken-Value"}
	type wrapper struct {
		Creds Credentials
		Ptr   *Credentials
	}
	w := wrapper{c, &c}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, v := range []any{c, &c, w, &w, []Credentials{c}, map[string]Credentials{"k": c}} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, "s3cr3t") || strings.Contains(out, "t0ken") ||
				strings.Contains(strings.ToLower(out), fmt.Sprintf("%x", "s3cr3t")) {
				t.Errorf("Sprintf(%q, %T) leaks a secret: %s", format, v, out)
			}
		}
	}
	if !strings.Contains(c.String(), "AKIDVISIBLE") || !strings.Contains(c.String(), "REDACTED") {
		t.Errorf("String() = %q", c.String())
	}
	if got := fmt.Sprintf("%#v", c); !strings.HasPrefix(got, "signature.Credentials{") {
		t.Errorf("%%#v = %q", got)
	}
}

// TestWireEqualsSigned writes signed requests with nasty keys and queries the way net/http
// sends them, reads them back as a server would, and checks the request line and Host are
// exactly the canonical URI, query and host, and that the server decodes the original key.
func TestWireEqualsSigned(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	keys := []string{"a b", "a+b", "100%", "%41", "q?x=1#frag", "a//b///c", "./..", "ሴ/中文 😀", "!#$&'()*,:;=@[]", "~-._", ""}
	for i := 0; i < 500; i++ {
		key := randomKey(rng)
		if i < len(keys) {
			key = keys[i]
		}
		rawQuery := strings.Join([]string{"prefix=" + randomValue(rng), "marker=a+b%25", "acl"}[:rng.IntN(4)], "&")
		req := &http.Request{
			Method: "GET",
			URL:    &url.URL{Scheme: "http", Host: "127.0.0.1:9000", Path: "/bucket/" + key, RawQuery: rawQuery},
			Header: http.Header{},
		}
		signed, err := new(Signer).SignHTTP(Credentials{"AK", "SK", ""}, req, Options{Region: "r", Time: testTime})
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(signed.CanonicalRequest, "\n")
		wantURI := lines[1]
		if lines[2] != "" {
			wantURI += "?" + lines[2]
		}
		if got := req.URL.RequestURI(); got != wantURI {
			t.Fatalf("key %q: RequestURI %q, canonical %q", key, got, wantURI)
		}
		var sb strings.Builder
		if err := req.Write(&sb); err != nil {
			t.Fatal(err)
		}
		wire := sb.String()
		if line, _, _ := strings.Cut(wire, "\r\n"); line != "GET "+wantURI+" HTTP/1.1" {
			t.Fatalf("key %q: request line %q, canonical %q", key, line, wantURI)
		}
		got, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
		if err != nil {
			t.Fatalf("key %q: server cannot read the request: %v", key, err)
		}
		if got.URL.Path != "/bucket/"+key {
			t.Fatalf("server decodes path %q, want %q", got.URL.Path, "/bucket/"+key)
		}
		if got.Host != "127.0.0.1:9000" || !strings.Contains(signed.CanonicalRequest, "\nhost:"+got.Host+"\n") {
			t.Fatalf("Host %q not the signed host", got.Host)
		}
		if got.Header.Get("Authorization") != req.Header.Get("Authorization") {
			t.Fatalf("Authorization changed on the wire")
		}
	}
}

// TestConcurrentSigning shares one Signer between goroutines (run with -race) and checks each
// result against a fresh signer's.
func TestConcurrentSigning(t *testing.T) {
	var shared Signer
	type job struct {
		creds Credentials
		opt   Options
		path  string
	}
	var jobs []job
	for i := 0; i < 64; i++ {
		jobs = append(jobs, job{
			creds: Credentials{"AK", fmt.Sprintf("secret-%d", i%5), ""},
			opt:   Options{Region: []string{"us-east-1", "eu-west-1"}[i%2], Time: testTime.Add(time.Duration(i%3) * 24 * time.Hour)},
			path:  fmt.Sprintf("/b/key %d", i),
		})
	}
	sign := func(s *Signer, j job) string {
		req, _ := http.NewRequest("GET", "https://h", nil)
		req.URL.Path = j.path
		out, err := s.SignHTTP(j.creds, req, j.opt)
		if err != nil {
			t.Error(err)
			return ""
		}
		return out.Signature
	}
	var wg sync.WaitGroup
	got := make([]string, len(jobs)*4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i, j := range jobs {
				got[g*len(jobs)+i] = sign(&shared, j)
			}
		}(g)
	}
	wg.Wait()
	for g := 0; g < 4; g++ {
		for i, j := range jobs {
			if want := sign(new(Signer), j); got[g*len(jobs)+i] != want {
				t.Fatalf("goroutine %d job %d: %s, want %s", g, i, got[g*len(jobs)+i], want)
			}
		}
	}
}

func TestSigningKeyCacheBounded(t *testing.T) {
	var s Signer
	for i := 0; i < 3*maxCachedKeys; i++ {
		s.SigningKey(fmt.Sprint(i), "20260101", "r", "s3")
	}
	if n := len(s.keys); n > maxCachedKeys {
		t.Errorf("cache holds %d keys, max %d", n, maxCachedKeys)
	}
}
