package signature

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Fuzz targets (go test -fuzz=FuzzX ./signature/; tests/fuzz.sh runs each
// for a fixed time). Their seeds, f.Add below and testdata/fuzz/FuzzX/, run
// in every plain go test.

// FuzzCanonicalVsSDK signs a request for any key and query with s3lua's
// signer and with aws-sdk-go-v2's (the oracle of TestOracleSDK, aligned the
// same way: URI escaping off and our escaped path given as RawPath, the
// query in canonical form) and wants the same Authorization header.
func FuzzCanonicalVsSDK(f *testing.F) {
	f.Add("photos/2024/a b+c.jpg", "prefix=a%2Fb&list-type=2")
	f.Add("é/中文/😀", "marker=%C3%A9&max-keys=10")
	f.Add("a//b/../c/./d", "uploads=")
	f.Add("~!*'()[]$&,;=:@?#%", "acl")
	f.Add("", "")
	f.Add("k", "a=1&a=2&b=&=c&d")
	sdk := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	sdkCreds := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	when := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, key, rawQuery string) {
		if !utf8.ValidString(key) || !utf8.ValidString(rawQuery) {
			return // keys are UTF-8 (S3 refuses others)
		}
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		canonical := EncodeQuery(q)
		mk := func() *http.Request {
			return &http.Request{Method: "GET", Header: http.Header{},
				URL: &url.URL{Scheme: "https", Host: "bucket.s3.amazonaws.com", Path: "/" + key, RawQuery: canonical}}
		}
		mine, theirs := mk(), mk()
		theirs.URL.RawPath = EscapePath(theirs.URL.Path)
		signed, err := new(Signer).SignHTTP(creds, mine, Options{Region: "us-east-1", Time: when, PayloadHash: EmptySHA256})
		if err != nil {
			t.Fatal(err)
		}
		theirs.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
		if err := sdk.SignHTTP(context.Background(), sdkCreds, theirs, EmptySHA256, "s3", "us-east-1", when); err != nil {
			t.Fatal(err)
		}
		if got, want := mine.Header.Get("Authorization"), theirs.Header.Get("Authorization"); got != want {
			t.Fatalf("key %q query %q:\n ours %s\n sdk  %s\ncanonical request:\n%s", key, rawQuery, got, want, signed.CanonicalRequest)
		}
	})
}

// FuzzEscapePath: the escaped path holds only unreserved characters, '/'
// and %XX (upper-case hex), and unescapes to the input exactly ("" gives
// the canonical "/").
func FuzzEscapePath(f *testing.F) {
	for _, s := range []string{"a b", "é/中文", "%2F", "+", "~-._", "a//b", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		e := EscapePath(path)
		for i := 0; i < len(e); i++ {
			c := e[i]
			switch {
			case unreserved(c) || c == '/':
			case c == '%' && i+2 < len(e) && isUpperHex(e[i+1]) && isUpperHex(e[i+2]):
				i += 2
			default:
				t.Fatalf("EscapePath(%q) = %q: %q at %d", path, e, c, i)
			}
		}
		back, err := url.PathUnescape(e)
		if path == "" && e == "/" {
			return // the empty path is canonically "/"
		}
		if err != nil || back != path {
			t.Fatalf("EscapePath(%q) = %q unescapes to %q, %v", path, e, back, err)
		}
	})
}

// FuzzChunkedRoundTrip: any body, in every aws-chunked variant and any
// valid chunk length, decodes back (with the strict decoder of
// TestStreamingRoundTrip) to the same bytes, with every chunk and trailer
// signature verified independently and the declared length exact.
func FuzzChunkedRoundTrip(f *testing.F) {
	f.Add([]byte(""), uint16(0), uint8(0))
	f.Add([]byte("hello, world"), uint16(1), uint8(3))
	f.Add(bytes.Repeat([]byte{0, 1, 2, 0xff}, 5000), uint16(7), uint8(6))
	f.Add(bytes.Repeat([]byte("x"), MinChunkLen), uint16(0), uint8(1))
	f.Add(bytes.Repeat([]byte("y"), MinChunkLen+1), uint16(0), uint8(5))
	variants := []StreamOptions{
		{}, {Trailer: "crc32c"}, {Trailer: "sha256"},
		{Trailer: "crc32c", Unsigned: true}, {Trailer: "sha256", Unsigned: true},
		{}, {Trailer: "crc32c"},
	}
	f.Fuzz(func(t *testing.T, data []byte, extra uint16, variant uint8) {
		so := variants[int(variant)%len(variants)]
		so.ChunkLen = MinChunkLen + int(extra)%(3*MinChunkLen)
		req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
		signed, err := new(Signer).SignStreaming(docCreds, req, bytes.NewReader(data), int64(len(data)), so, docOpt)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(body)) != req.ContentLength {
			t.Fatalf("body %d bytes, Content-Length %d", len(body), req.ContentLength)
		}
		if n, err := EncodedLength(int64(len(data)), so); err != nil || n != int64(len(body)) {
			t.Fatalf("EncodedLength %d, %v; body %d", n, err, len(body))
		}
		d := decodeChunked(t, body, !so.Unsigned)
		if !bytes.Equal(d.data, data) {
			t.Fatalf("%+v: decoded %d bytes differ from the %d sent", so, len(d.data), len(data))
		}
		for i, c := range d.chunks[:len(d.chunks)-1] {
			if len(c) != so.ChunkLen && i != len(d.chunks)-2 || len(c) == 0 {
				t.Fatalf("%+v: chunk %d has %d bytes", so, i, len(c))
			}
		}
		verifyChain(t, signed, d, so)
		if strings.Contains(string(body), docCreds.SecretAccessKey) {
			t.Fatal("the body shows the secret key")
		}
	})
}
