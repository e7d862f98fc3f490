package signature

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The examples of the Amazon S3 API Reference; see testdata/aws-s3-examples/README.md for the
// pages and how each value was found. Nothing in those files is computed by s3lua.
const docExamples = "testdata/aws-s3-examples"

var (
	docCreds = Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	docTime  = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	docOpt   = Options{Region: "us-east-1", Time: docTime}
)

func golden(t *testing.T, example, file string) string {
	t.Helper()
	return readFile(t, filepath.Join(docExamples, example, file))
}

func checkGolden(t *testing.T, example string, got *Signed) {
	t.Helper()
	for _, c := range []struct{ file, got string }{
		{"canonical-request.txt", got.CanonicalRequest},
		{"string-to-sign.txt", got.StringToSign},
		{"signature.txt", got.Signature},
	} {
		if want := golden(t, example, c.file); c.got != want {
			t.Errorf("%s %s:\n%s\nwant:\n%s", example, c.file, c.got, want)
		}
	}
}

func newRequest(t *testing.T, method, rawURL string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestAWSDocSingleChunk: "Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk", its four examples.
func TestAWSDocSingleChunk(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		url     string
		header  map[string]string
		payload string
	}{
		{"get-object", "GET", "https://examplebucket.s3.amazonaws.com/test.txt", map[string]string{"Range": "bytes=0-9"}, ""},
		{"put-object", "PUT", "https://examplebucket.s3.amazonaws.com/test$file.text",
			map[string]string{"Date": "Fri, 24 May 2013 00:00:00 GMT", "X-Amz-Storage-Class": "REDUCED_REDUNDANCY"},
			"44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}, // sha256("Welcome to Amazon S3.")
		{"get-bucket-lifecycle", "GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", nil, ""},
		{"list-objects", "GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.method == "PUT" {
				body = strings.NewReader("Welcome to Amazon S3.")
			}
			req := newRequest(t, tt.method, tt.url, body)
			if tt.method == "PUT" {
				// The page writes the plain key; make sure nothing upstream pre-encoded '$'.
				req.URL.Path, req.URL.RawPath = "/test$file.text", ""
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			opt := docOpt
			opt.PayloadHash = tt.payload
			got, err := new(Signer).SignHTTP(docCreds, req, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, got)
			// The page prints the header with bare ',' separators; s3lua writes ", " (as the
			// AWS SDKs do). S3 accepts both.
			auth := strings.ReplaceAll(req.Header.Get("Authorization"), ", ", ",")
			want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=" +
				got.SignedHeaders + ",Signature=" + golden(t, tt.name, "signature.txt")
			if auth != want {
				t.Errorf("Authorization = %q, want %q", auth, want)
			}
		})
	}
}

// TestAWSDocPresignedGet: "Authenticating Requests: Using Query Parameters", the example.
func TestAWSDocPresignedGet(t *testing.T) {
	req := newRequest(t, "GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	got, err := new(Signer).Presign(docCreds, req, 86400*time.Second, docOpt)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "presigned-get-object", got)
	if want := golden(t, "presigned-get-object", "url.txt"); got.URL != want {
		t.Errorf("URL:\n%s\nwant:\n%s", got.URL, want)
	}
	if len(req.Header) != 0 {
		t.Errorf("Presign changed the header: %v", req.Header)
	}
}

// TestAWSDocChunked: "Transferring Payload in Multiple Chunks", 66560 bytes of 'a' in 64 KiB
// chunks, through SignStreaming end to end.
func TestAWSDocChunked(t *testing.T) {
	const ex = "chunked-put-object"
	data := bytes.Repeat([]byte{'a'}, 66560)
	req := newRequest(t, "PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", nil)
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	got, err := new(Signer).SignStreaming(docCreds, req, bytes.NewReader(data), int64(len(data)), StreamOptions{ChunkLen: 64 << 10}, docOpt)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, ex, got)
	wantLen, _ := strconv.ParseInt(golden(t, ex, "content-length.txt"), 10, 64)
	if req.ContentLength != wantLen {
		t.Errorf("ContentLength = %d, want %d", req.ContentLength, wantLen)
	}
	if n, err := EncodedLength(int64(len(data)), StreamOptions{}); n != wantLen || err != nil {
		t.Errorf("EncodedLength = %d, %v; want %d", n, err, wantLen)
	}
	cr := req.Body.(*chunkReader)
	var first [1]byte
	if _, err := io.ReadFull(cr, first[:]); err != nil {
		t.Fatal(err)
	}
	if want := golden(t, ex, "chunk1-string-to-sign.txt"); string(cr.sts) != want {
		t.Errorf("chunk 1 string to sign:\n%s\nwant:\n%s", cr.sts, want)
	}
	rest, err := io.ReadAll(cr)
	if err != nil {
		t.Fatal(err)
	}
	body := append(first[:], rest...)
	if int64(len(body)) != wantLen {
		t.Errorf("body is %d bytes, want %d", len(body), wantLen)
	}
	dec := decodeChunked(t, body, true)
	if !bytes.Equal(dec.data, data) {
		t.Errorf("decoded data differs")
	}
	if want := strings.Split(golden(t, ex, "chunk-signatures.txt"), "\n"); strings.Join(dec.sigs, "\n") != strings.Join(want, "\n") {
		t.Errorf("chunk signatures:\n%s\nwant:\n%s", strings.Join(dec.sigs, "\n"), strings.Join(want, "\n"))
	}
	if got := []int{len(dec.chunks[0]), len(dec.chunks[1]), len(dec.chunks[2])}; got[0] != 65536 || got[1] != 1024 || got[2] != 0 {
		t.Errorf("chunk lengths = %v, want [65536 1024 0]", got)
	}
}

// TestAWSDocChunkedTrailer: "Signature calculations for trailing headers (chunked uploads)". The
// page's seed request does not sign content-length (SignStreaming does), so the seed goes through
// the internal sign without it, and the chunks through NewChunkReader.
func TestAWSDocChunkedTrailer(t *testing.T) {
	const ex = "chunked-put-object-trailer"
	data := bytes.Repeat([]byte{'a'}, 66560)
	req := newRequest(t, "PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32c")
	var s Signer
	opt := docOpt
	opt.PayloadHash = StreamingPayloadTrailer
	got, err := s.sign("SignStreaming", docCreds, req, opt, modeStreaming, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, ex, got)

	so := StreamOptions{Trailer: "crc32c"}
	rc, err := NewChunkReader(bytes.NewReader(data), int64(len(data)), so,
		s.SigningKey(docCreds.SecretAccessKey, "20130524", "us-east-1", "s3"), got.AmzDate, got.Scope, got.Signature)
	if err != nil {
		t.Fatal(err)
	}
	cr := rc.(*chunkReader)
	var first [1]byte
	if _, err := io.ReadFull(cr, first[:]); err != nil {
		t.Fatal(err)
	}
	if want := golden(t, ex, "chunk1-string-to-sign.txt"); string(cr.sts) != want {
		t.Errorf("chunk 1 string to sign:\n%s\nwant:\n%s", cr.sts, want)
	}
	rest, err := io.ReadAll(cr)
	if err != nil {
		t.Fatal(err)
	}
	body := append(first[:], rest...)
	if want := golden(t, ex, "trailer-string-to-sign.txt"); string(cr.sts) != want {
		t.Errorf("trailer string to sign:\n%s\nwant:\n%s", cr.sts, want)
	}
	dec := decodeChunked(t, body, true)
	if !bytes.Equal(dec.data, data) {
		t.Errorf("decoded data differs")
	}
	if want := golden(t, ex, "chunk-signatures.txt"); strings.Join(dec.sigs, "\n") != want {
		t.Errorf("chunk signatures:\n%s\nwant:\n%s", strings.Join(dec.sigs, "\n"), want)
	}
	if want := golden(t, ex, "trailer.txt"); len(dec.trailers) != 1 || dec.trailers[0] != want {
		t.Errorf("trailers = %q, want [%q]", dec.trailers, want)
	}
	if want := golden(t, ex, "trailer-signature.txt"); dec.trailerSig != want {
		t.Errorf("trailer signature = %s, want %s", dec.trailerSig, want)
	}
	if n, _ := EncodedLength(int64(len(data)), so); n != int64(len(body)) {
		t.Errorf("EncodedLength = %d, body is %d bytes", n, len(body))
	}
}

// decoded is an aws-chunked body taken apart by decodeChunked.
type decoded struct {
	data       []byte
	chunks     [][]byte
	sigs       []string // chunk signatures, final chunk included
	trailers   []string // "name:value"
	trailerSig string
}

// decodeChunked parses an aws-chunked body strictly (an independent reading of the format, not
// the encoder's code): "hex[;chunk-signature=sig]\r\n<data>\r\n" frames, a zero-length final
// frame, then either "\r\n" or trailer lines, an optional x-amz-trailer-signature line and
// "\r\n". Anything after the end is an error.
func decodeChunked(t *testing.T, body []byte, signed bool) decoded {
	t.Helper()
	var d decoded
	line := func() string {
		i := bytes.Index(body, []byte("\r\n"))
		if i < 0 {
			t.Fatalf("missing CRLF in %q", body[:min(len(body), 80)])
		}
		l := string(body[:i])
		body = body[i+2:]
		return l
	}
	for {
		head := line()
		size, sig, hasSig := strings.Cut(head, ";chunk-signature=")
		if hasSig != signed {
			t.Fatalf("frame header %q: signed=%v", head, hasSig)
		}
		n, err := strconv.ParseInt(size, 16, 64)
		if err != nil || strconv.FormatInt(n, 16) != size {
			t.Fatalf("bad chunk size %q", size)
		}
		if signed {
			if len(sig) != 64 || strings.ToLower(sig) != sig {
				t.Fatalf("bad chunk signature %q", sig)
			}
			d.sigs = append(d.sigs, sig)
		}
		if int64(len(body)) < n {
			t.Fatalf("chunk of %d bytes, %d left", n, len(body))
		}
		chunk := body[:n]
		body = body[n:]
		d.chunks = append(d.chunks, chunk)
		d.data = append(d.data, chunk...)
		if n > 0 {
			if l := line(); l != "" {
				t.Fatalf("chunk data not followed by CRLF: %q", l)
			}
			continue
		}
		// Final chunk: trailers (possibly none), then an empty line.
		for {
			l := line()
			if l == "" {
				break
			}
			if v, ok := strings.CutPrefix(l, "x-amz-trailer-signature:"); ok {
				d.trailerSig = v
				continue
			}
			if d.trailerSig != "" {
				t.Fatalf("trailer %q after the trailer signature", l)
			}
			d.trailers = append(d.trailers, l)
		}
		if len(body) != 0 {
			t.Fatalf("%d bytes after the end of the body", len(body))
		}
		return d
	}
}
