package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/s3lua/s3lua/signature"
	"github.com/s3lua/s3lua/tests/testenv"
)

// streamLen is over 5 MiB and not a multiple of the chunk length, so the
// upload has 641 chunks, a 1-byte last data chunk and the final empty one.
const (
	streamLen      = 5<<20 + 1
	streamChunkLen = 8 << 10
)

// pattern returns a reader of n deterministic pseudo-random bytes: the test
// streams them and never holds the object in memory.
func pattern(seed uint64, n int64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	return io.LimitReader(rand.NewChaCha8(s), n)
}

func patternSHA(t testing.TB, seed uint64, n int64) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, pattern(seed, n)); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// getSHA streams an object (header-signed GET) and returns its size and hex SHA-256.
func (c *sigClient) getSHA(t testing.TB, bucket, key string) (int64, string) {
	t.Helper()
	req := c.newRequest(t, "GET", bucket, key, nil, nil)
	if _, err := c.signer.SignHTTP(c.creds, req, c.options("")); err != nil {
		t.Fatal(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: GET %s/%s: %d %s", c.srv.Name, bucket, key, resp.StatusCode, body)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

// putStreaming uploads n pattern bytes with SignStreaming. tamper, if not
// nil, wraps the encoded body on its way to the server.
func (c *sigClient) putStreaming(t testing.TB, bucket, key string, seed uint64, n int64, decodedLen int64,
	so signature.StreamOptions, tamper func(io.Reader) io.Reader) (*response, error) {
	t.Helper()
	req := c.newRequest(t, "PUT", bucket, key, nil, nil)
	signed, err := c.signer.SignStreaming(c.creds, req, pattern(seed, n), decodedLen, so, c.options(""))
	if err != nil {
		t.Fatalf("SignStreaming: %v", err)
	}
	if want, _ := signature.EncodedLength(decodedLen, so); req.ContentLength != want {
		t.Fatalf("ContentLength %d, EncodedLength %d", req.ContentLength, want)
	}
	if signed.Signature == "" {
		t.Fatal("no seed signature")
	}
	if tamper != nil {
		req.Body = io.NopCloser(tamper(req.Body))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// streamVariants are the aws-chunked flavours. The embedded store decodes
// them all (engine/localstore does it before gofakes3, which knows only the
// first) but checks no signature.
var streamVariants = []struct {
	name string
	so   signature.StreamOptions
}{
	{"signed", signature.StreamOptions{ChunkLen: streamChunkLen}},
	{"signed-trailer-crc32c", signature.StreamOptions{ChunkLen: streamChunkLen, Trailer: "crc32c"}},
	{"signed-trailer-sha256", signature.StreamOptions{ChunkLen: streamChunkLen, Trailer: "sha256"}},
	{"unsigned-trailer-crc32c", signature.StreamOptions{ChunkLen: streamChunkLen, Trailer: "crc32c", Unsigned: true}},
}

func TestSignatureStreamingUpload(t *testing.T) {
	want := patternSHA(t, 1, streamLen)
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-stream")
			for _, v := range streamVariants {
				t.Run(v.name, func(t *testing.T) {
					key := "stream/" + v.name + "/5MiB+1 ü&+.bin"
					r, err := c.putStreaming(t, bucket, key, 1, streamLen, streamLen, v.so, nil)
					if err != nil {
						t.Fatalf("PUT: %v", err)
					}
					if r.Status != 200 {
						t.Fatalf("aws-chunked PUT: %s", r)
					}
					n, got := c.getSHA(t, bucket, key)
					if n != streamLen || got != want {
						t.Fatalf("GET after aws-chunked PUT: %d bytes sha256 %s, want %d bytes %s", n, got, int64(streamLen), want)
					}
				})
			}
		})
	}
}

// flipAt flips one byte at offset off of the stream.
type flipAt struct {
	r   io.Reader
	off int64
	pos int64
}

func (f *flipAt) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if f.off >= f.pos && f.off < f.pos+int64(n) {
		p[f.off-f.pos] ^= 0x01
	}
	f.pos += int64(n)
	return n, err
}

// TestSignatureStreamingTamperedChunkRefused proves the servers verify chunk
// signatures: one bit flipped in the data of the 40th chunk, far past the
// seed request, must make the upload fail and leave no object.
func TestSignatureStreamingTamperedChunkRefused(t *testing.T) {
	so := signature.StreamOptions{ChunkLen: streamChunkLen}
	// Encoded frame of a full chunk: hex length, ";chunk-signature=", 64 hex, CRLF, data, CRLF.
	frame, err := signature.EncodedLength(streamChunkLen, so)
	if err != nil {
		t.Fatal(err)
	}
	empty, _ := signature.EncodedLength(0, so)
	frame -= empty // EncodedLength(one chunk) includes the final empty chunk
	const header = 4 + 17 + 64 + 2
	off := 39*frame + header + 100

	for _, srv := range testenv.Remotes(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-tamper")
			key := "tampered"
			r, err := c.putStreaming(t, bucket, key, 2, streamLen, streamLen, so,
				func(r io.Reader) io.Reader { return &flipAt{r: r, off: off} })
			if err != nil {
				t.Logf("%s dropped the connection: %v", srv.Name, err)
			} else {
				t.Logf("%s answers a tampered chunk with %d %s", srv.Name, r.Status, r.code())
				if r.Status != http.StatusForbidden || r.code() != "SignatureDoesNotMatch" {
					t.Fatalf("tampered chunk: %s; want 403 SignatureDoesNotMatch", r)
				}
			}
			if g := c.do(t, "GET", bucket, key, nil, nil, nil); g.Status != http.StatusNotFound {
				t.Fatalf("after a refused upload the object exists: %s", g)
			}
		})
	}
}

// TestSignatureStreamingShortBody: a source that ends early fails the request
// on the client (ErrBodyLength) and the server keeps nothing.
func TestSignatureStreamingShortBody(t *testing.T) {
	so := signature.StreamOptions{ChunkLen: streamChunkLen}
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-short")
			key := "short"
			r, err := c.putStreaming(t, bucket, key, 3, 100<<10-1, 100<<10, so, nil)
			if err == nil {
				t.Fatalf("a body one byte short was sent: %s", r)
			}
			if !errors.Is(err, signature.ErrBodyLength) {
				t.Fatalf("short body: %v; want it to wrap signature.ErrBodyLength", err)
			}
			if g := c.do(t, "GET", bucket, key, nil, nil, nil); g.Status != http.StatusNotFound {
				t.Fatalf("after a short body the object exists: %s", g)
			}
		})
	}
}

// replaceAt swaps the byte at offset off of the stream for another digit
// (valid in both base64 and hex), so the text stays well-formed and only its
// value changes.
type replaceAt struct {
	r   io.Reader
	off int64
	pos int64
}

func (f *replaceAt) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if f.off >= f.pos && f.off < f.pos+int64(n) {
		i := f.off - f.pos
		if p[i] == '1' {
			p[i] = '2'
		} else {
			p[i] = '1'
		}
	}
	f.pos += int64(n)
	return n, err
}

// TestSignatureStreamingTamperedTrailerRefused proves the servers read the
// trailer: a changed checksum is refused, by the trailer signature when it is
// signed and by the checksum itself when it is not.
func TestSignatureStreamingTamperedTrailerRefused(t *testing.T) {
	const size = 100<<10 + 7
	tests := []struct {
		name string
		so   signature.StreamOptions
		// back is the offset from the end of the encoded body of the byte to
		// change.
		back int64
		// codes are the refusals recorded against the pinned servers.
		codes map[string]string
	}{
		// ...x-amz-checksum-crc32c:XXXXXXXX\r\nx-amz-trailer-signature:<64 hex>\r\n\r\n
		{"signed-trailer-crc32c", signature.StreamOptions{ChunkLen: streamChunkLen, Trailer: "crc32c"},
			2 + 2 + 64 + int64(len("x-amz-trailer-signature:")) + 2 + 4,
			map[string]string{testenv.NameMinIO: "SignatureDoesNotMatch", testenv.NameVersityGW: "BadDigest"}},
		// A valid checksum with a changed trailer signature.
		{"signed-trailer-signature", signature.StreamOptions{ChunkLen: streamChunkLen, Trailer: "crc32c"},
			2 + 2 + 10,
			map[string]string{testenv.NameMinIO: "SignatureDoesNotMatch", testenv.NameVersityGW: "SignatureDoesNotMatch"}},
		// ...x-amz-checksum-crc32c:XXXXXXXX\r\n\r\n
		{"unsigned-trailer-crc32c", signature.StreamOptions{ChunkLen: streamChunkLen, Trailer: "crc32c", Unsigned: true},
			2 + 2 + 4,
			map[string]string{testenv.NameMinIO: "XAmzContentChecksumMismatch", testenv.NameVersityGW: "BadDigest"}},
	}
	for _, srv := range testenv.Remotes(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c := newSigClient(srv)
			bucket := c.bucket(t, "sig-trailer")
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					encLen, err := signature.EncodedLength(size, tc.so)
					if err != nil {
						t.Fatal(err)
					}
					key := "trailer/" + tc.name
					r, err := c.putStreaming(t, bucket, key, 4, size, size, tc.so,
						func(r io.Reader) io.Reader { return &replaceAt{r: r, off: encLen - tc.back} })
					if err != nil {
						t.Fatalf("PUT: %v", err)
					}
					if want := tc.codes[srv.Name]; r.Status/100 != 4 || r.code() != want {
						t.Fatalf("changed trailer: %s; want 4xx %s", r, want)
					}
					if g := c.do(t, "GET", bucket, key, nil, nil, nil); g.Status != http.StatusNotFound {
						t.Fatalf("after a refused upload the object exists: %s", g)
					}
				})
			}
		})
	}
}
