package signature

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The randomized comparison with aws-sdk-go-v2's signer (a test-only oracle). It runs with URI
// path escaping disabled, as S3 requires, and is handed our escaped path in URL.RawPath, which
// it then uses as is. Inputs are aligned so that both signers must agree:
//
//   - The SDK's SignHTTP does not add X-Amz-Content-Sha256 (its S3 client does, in a
//     middleware), so the oracle's request carries it already; ours sets it itself.
//   - The SDK parses the query with net/url, where '+' means space; the raw query given to both
//     is therefore in canonical form (EncodeQuery: '+' is %2B), and '+'-as-literal is tested
//     separately (TestQueryPlusIsLiteral).
//   - The SDK signs Content-Length when req.ContentLength > 0 and signs Accept-Encoding,
//     Connection and other hop-by-hop headers; s3lua never signs those (net/http may rewrite
//     them). The random requests carry no body and none of those headers.
//   - For presigning, the SDK moves ("hoists") x-amz-* headers outside its allow-list into the
//     query; s3lua signs every header present instead. Presign requests get only headers on that
//     allow-list (x-amz-meta-*, x-amz-acl, x-amz-storage-class) or none hoistable.
//   - Header values use spaces, not tabs (the SDK collapses spaces only).
func TestOracleSDK(t *testing.T) {
	iterations := 3000
	if testing.Short() {
		iterations = 300
	}
	rng := rand.New(rand.NewPCG(20260524, 1))
	sdk := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	var ours Signer
	for i := 0; i < iterations; i++ {
		c := randomCase(rng)
		presign := rng.IntN(3) == 0
		if presign {
			c.header = presignHeaders(rng)
		}
		creds := Credentials{AccessKeyID: "AKID" + randomWord(rng, 8), SecretAccessKey: randomWord(rng, 40)}
		if rng.IntN(3) == 0 {
			creds.SessionToken = randomWord(rng, 30) + "/+=" + randomWord(rng, 10)
		}
		sdkCreds := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
		opt := Options{Region: c.region, Time: c.time, PayloadHash: c.payload}

		mine := c.request()
		theirs := c.request()
		theirs.URL.RawPath = EscapePath(theirs.URL.Path)

		if !presign {
			signed, err := ours.SignHTTP(creds, mine, opt)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			theirs.Header.Set("X-Amz-Content-Sha256", c.payload)
			if err := sdk.SignHTTP(context.Background(), sdkCreds, theirs, c.payload, "s3", c.region, c.time); err != nil {
				t.Fatalf("case %d: sdk: %v", i, err)
			}
			if got, want := mine.Header.Get("Authorization"), theirs.Header.Get("Authorization"); got != want {
				t.Fatalf("case %d %s %q ?%s headers %v:\n ours %s\n sdk  %s\ncanonical request:\n%s",
					i, c.method, c.path, c.rawQuery, c.header, got, want, signed.CanonicalRequest)
			}
			if mine.URL.RawQuery != theirs.URL.RawQuery {
				t.Fatalf("case %d: RawQuery %q, sdk %q", i, mine.URL.RawQuery, theirs.URL.RawQuery)
			}
			continue
		}

		expires := time.Duration(1+rng.IntN(604800)) * time.Second
		opt.PayloadHash = UnsignedPayload
		signed, err := ours.Presign(creds, mine, expires, opt)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		q := theirs.URL.Query()
		q.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
		theirs.URL.RawQuery = EncodeQuery(q)
		sdkURL, _, err := sdk.PresignHTTP(context.Background(), sdkCreds, theirs, UnsignedPayload, "s3", c.region, c.time)
		if err != nil {
			t.Fatalf("case %d: sdk: %v", i, err)
		}
		gotURL, err1 := url.Parse(signed.URL)
		wantURL, err2 := url.Parse(sdkURL)
		if err1 != nil || err2 != nil {
			t.Fatalf("case %d: parse: %v %v", i, err1, err2)
		}
		// The SDK signs the host without the default port but leaves it in the URL it
		// returns; s3lua drops it from the URL too, so every client sends the signed Host.
		sdkHost := strings.TrimSuffix(strings.TrimSuffix(wantURL.Host, ":443"), ":80")
		if gotURL.EscapedPath() != wantURL.EscapedPath() || gotURL.Host != sdkHost {
			t.Fatalf("case %d: URL %s, sdk %s", i, signed.URL, sdkURL)
		}
		if got, want := gotURL.Query(), wantURL.Query(); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: presigned parameters differ:\n ours %s\n sdk  %s\ncanonical request:\n%s", i, signed.URL, sdkURL, signed.CanonicalRequest)
		}
	}
}

type randCase struct {
	method, host, scheme, path, rawQuery, region, payload string
	header                                                http.Header
	time                                                  time.Time
}

func (c randCase) request() *http.Request {
	h := http.Header{}
	for k, v := range c.header {
		h[k] = append([]string(nil), v...)
	}
	return &http.Request{
		Method: c.method,
		URL:    &url.URL{Scheme: c.scheme, Host: c.host, Path: c.path, RawQuery: c.rawQuery},
		Header: h,
	}
}

const (
	reserved   = "!#$&'()*+,/:;=?@[] \"%<>\\^`{|}~-._"
	alnum      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	valueChars = alnum + " -_.:/=+;,()"
)

var unicodeBits = []string{"é", "ሴ", "中文", "😀", "ü", "Ω", "\u00a0", "ß"}

func randomWord(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rng.IntN(len(alnum))]
	}
	return string(b)
}

// randomKey mixes letters, every reserved character, unicode, spaces and '//' runs.
func randomKey(rng *rand.Rand) string {
	var sb strings.Builder
	for n := 1 + rng.IntN(12); n > 0; n-- {
		switch rng.IntN(6) {
		case 0, 1:
			sb.WriteString(randomWord(rng, 1+rng.IntN(5)))
		case 2:
			sb.WriteByte(reserved[rng.IntN(len(reserved))])
		case 3:
			sb.WriteString(unicodeBits[rng.IntN(len(unicodeBits))])
		case 4:
			sb.WriteString(strings.Repeat("/", 1+rng.IntN(3)))
		case 5:
			sb.WriteString(strings.Repeat(" ", 1+rng.IntN(2)))
		}
	}
	return sb.String()
}

func randomValue(rng *rand.Rand) string {
	if rng.IntN(5) == 0 {
		return ""
	}
	var sb strings.Builder
	for n := 1 + rng.IntN(6); n > 0; n-- {
		switch rng.IntN(4) {
		case 0:
			sb.WriteString(randomWord(rng, 1+rng.IntN(4)))
		case 1:
			sb.WriteByte(reserved[rng.IntN(len(reserved))])
		case 2:
			sb.WriteString(unicodeBits[rng.IntN(len(unicodeBits))])
		case 3:
			sb.WriteString([]string{"%", "+", "=", "%25", "%2B", "&"}[rng.IntN(6)])
		}
	}
	return sb.String()
}

var queryKeys = []string{"prefix", "marker", "delimiter", "max-keys", "uploadId", "partNumber", "acl", "versionId", "list-type", "continuation-token"}

func randomCase(rng *rand.Rand) randCase {
	c := randCase{
		method: []string{"GET", "PUT", "POST", "DELETE", "HEAD"}[rng.IntN(5)],
		region: []string{"us-east-1", "eu-west-3", "ap-southeast-2", "auto"}[rng.IntN(4)],
		time:   time.Unix(1300000000+rng.Int64N(600000000), 0).UTC(),
		header: http.Header{},
	}
	hosts := []struct{ scheme, host string }{
		{"https", "s3.amazonaws.com"}, {"https", "bucket.s3.eu-west-3.amazonaws.com"},
		{"http", "127.0.0.1:9000"}, {"https", "localhost:443"}, {"http", "minio.local:80"},
		{"http", "example.com:8080"},
	}
	h := hosts[rng.IntN(len(hosts))]
	c.scheme, c.host = h.scheme, h.host
	switch rng.IntN(6) {
	case 0:
		c.path = "" // empty path: canonical "/"
	case 1:
		c.path = "/bucket/"
	default:
		c.path = "/bucket/" + randomKey(rng)
	}
	// Query: canonical pieces for keyed values, plus valueless keys.
	var pieces []string
	for n := rng.IntN(5); n > 0; n-- {
		var k string
		if rng.IntN(2) == 0 {
			k = queryKeys[rng.IntN(len(queryKeys))]
		} else {
			k = randomValue(rng)
			if k == "" {
				k = "k"
			}
		}
		if rng.IntN(5) == 0 {
			pieces = append(pieces, EncodeQuery(url.Values{k: {""}})[:len(escapeComponent(k))])
			continue
		}
		pieces = append(pieces, EncodeQuery(url.Values{k: {randomValue(rng)}}))
		if rng.IntN(4) == 0 { // same key twice
			pieces = append(pieces, EncodeQuery(url.Values{k: {randomValue(rng)}}))
		}
	}
	rng.Shuffle(len(pieces), func(i, j int) { pieces[i], pieces[j] = pieces[j], pieces[i] })
	c.rawQuery = strings.Join(pieces, "&")

	for n := rng.IntN(5); n > 0; n-- {
		name := []string{"X-Amz-Meta-" + randomWord(rng, 4), "Content-Type", "Range", "If-Match", "X-Amz-Acl", "Cache-Control", "x-amz-meta-lower", "X-Amz-Storage-Class"}[rng.IntN(8)]
		c.header[name] = append(c.header[name], randomHeaderValue(rng))
	}
	c.payload = []string{EmptySHA256, UnsignedPayload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}[rng.IntN(3)]
	return c
}

// randomHeaderValue has leading, trailing and inner runs of spaces.
func randomHeaderValue(rng *rand.Rand) string {
	var sb strings.Builder
	sb.WriteString(strings.Repeat(" ", rng.IntN(3)))
	for n := 1 + rng.IntN(4); n > 0; n-- {
		for m := 1 + rng.IntN(6); m > 0; m-- {
			sb.WriteByte(valueChars[rng.IntN(len(valueChars))])
		}
		sb.WriteString(strings.Repeat(" ", rng.IntN(4)))
	}
	return sb.String()
}

// presignHeaders draws headers the SDK signs as headers when presigning (its allow-list).
func presignHeaders(rng *rand.Rand) http.Header {
	h := http.Header{}
	for n := rng.IntN(3); n > 0; n-- {
		name := []string{"X-Amz-Meta-" + randomWord(rng, 3), "X-Amz-Acl", "Content-Type", "X-Amz-Storage-Class"}[rng.IntN(4)]
		h[name] = append(h[name], randomHeaderValue(rng))
	}
	return h
}
