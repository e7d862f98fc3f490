package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func TestEncodedLength(t *testing.T) {
	// Frame of n data bytes, signed: len(hex(n)) + len(";chunk-signature=")=17 + 64 + 2 + n + 2.
	// Final signed frame: 1+17+64+2+2 = 86. Trailers: "x-amz-checksum-crc32c:" (22) + 8 + 2 = 32,
	// "x-amz-checksum-sha256:" (22) + 44 + 2 = 68, "x-amz-trailer-signature:" (24) + 64 + 2 = 90.
	const frame64K = 5 + 17 + 64 + 2 + 65536 + 2 // 65626
	const frame8K = 4 + 17 + 64 + 2 + 8192 + 2   // 8281
	tests := []struct {
		name string
		n    int64
		so   StreamOptions
		want int64
	}{
		{"empty", 0, StreamOptions{}, 86},
		{"one byte", 1, StreamOptions{}, 87 + 86},
		{"exactly one chunk", 65536, StreamOptions{}, frame64K + 86},
		{"one chunk plus one", 65537, StreamOptions{}, frame64K + 87 + 86},
		{"AWS example 66560 @ 64 KiB", 66560, StreamOptions{ChunkLen: 65536}, 66824},
		{"5 MiB + 1 @ 8 KiB", 5<<20 + 1, StreamOptions{ChunkLen: 8192}, 640*frame8K + 87 + 86},
		{"crc32c trailer, empty", 0, StreamOptions{Trailer: "crc32c"}, 84 + 32 + 90 + 2},
		{"crc32c trailer, one chunk", 65536, StreamOptions{Trailer: "crc32c"}, frame64K + 84 + 32 + 90 + 2},
		{"sha256 trailer", 10, StreamOptions{Trailer: "sha256"}, 1 + 17 + 64 + 2 + 10 + 2 + 84 + 68 + 90 + 2},
		{"unsigned crc32c, empty", 0, StreamOptions{Trailer: "crc32c", Unsigned: true}, 3 + 32 + 2},
		{"unsigned sha256, 66560", 66560, StreamOptions{Trailer: "sha256", Unsigned: true}, (5 + 2 + 65536 + 2) + (3 + 2 + 1024 + 2) + 3 + 68 + 2},
	}
	for _, tt := range tests {
		got, err := EncodedLength(tt.n, tt.so)
		if err != nil || got != tt.want {
			t.Errorf("%s: EncodedLength(%d, %+v) = %d, %v; want %d", tt.name, tt.n, tt.so, got, err, tt.want)
		}
		if tt.n <= 1<<20 {
			// The reader produces exactly that many bytes.
			body := encode(t, bytes.Repeat([]byte{'x'}, int(tt.n)), tt.so)
			if int64(len(body)) != tt.want {
				t.Errorf("%s: encoded body is %d bytes, EncodedLength says %d", tt.name, len(body), tt.want)
			}
		}
	}
}

func TestStreamOptionsValidation(t *testing.T) {
	tests := []struct {
		so   StreamOptions
		n    int64
		want string
	}{
		{StreamOptions{ChunkLen: 8191}, 1, "below the minimum 8192"},
		{StreamOptions{ChunkLen: 1}, 1, "below the minimum"},
		{StreamOptions{ChunkLen: -1}, 1, "below the minimum"},
		{StreamOptions{Trailer: "md5"}, 1, "unknown trailer"},
		{StreamOptions{Unsigned: true}, 1, "requires a Trailer"},
		{StreamOptions{}, -1, "negative"},
	}
	for _, tt := range tests {
		if _, err := EncodedLength(tt.n, tt.so); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("EncodedLength(%d, %+v) error = %v, want %q", tt.n, tt.so, err, tt.want)
		}
		req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
		if _, err := new(Signer).SignStreaming(docCreds, req, strings.NewReader("x"), tt.n, tt.so, docOpt); err == nil {
			t.Errorf("SignStreaming(%+v) accepted", tt.so)
		}
	}
	if _, err := EncodedLength(1, StreamOptions{ChunkLen: MinChunkLen}); err != nil {
		t.Errorf("MinChunkLen refused: %v", err)
	}
}

// encode runs SignStreaming over data and returns the encoded body.
func encode(t *testing.T, data []byte, so StreamOptions) []byte {
	t.Helper()
	req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
	if _, err := new(Signer).SignStreaming(docCreds, req, bytes.NewReader(data), int64(len(data)), so, docOpt); err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestStreamingRoundTrip encodes bodies of many lengths in every variant and checks them with an
// independent verifier: the framing, every chunk signature chained from the seed (computed
// with crypto/hmac, not the package's code), the trailer checksum and signature, the headers.
func TestStreamingRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 8191, 8192, 8193, 3 * 8192, 65535, 65536, 65537, 200000}
	for i := 0; i < 6; i++ {
		sizes = append(sizes, rng.IntN(300000))
	}
	variants := []StreamOptions{
		{}, {ChunkLen: 8192}, {ChunkLen: 10000},
		{Trailer: "crc32c"}, {Trailer: "sha256", ChunkLen: 8192},
		{Trailer: "crc32c", Unsigned: true}, {Trailer: "sha256", Unsigned: true, ChunkLen: 9000},
	}
	for _, so := range variants {
		for _, n := range sizes {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			var s Signer
			req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
			req.Header.Set("Content-Type", "application/octet-stream")
			signed, err := s.SignStreaming(docCreds, req, bytes.NewReader(data), int64(n), so, docOpt)
			if err != nil {
				t.Fatal(err)
			}
			checkStreamingHeaders(t, req, signed, int64(n), so)
			body, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatalf("%+v n=%d: %v", so, n, err)
			}
			if int64(len(body)) != req.ContentLength {
				t.Fatalf("%+v n=%d: body %d bytes, Content-Length %d", so, n, len(body), req.ContentLength)
			}
			d := decodeChunked(t, body, !so.Unsigned)
			if !bytes.Equal(d.data, data) {
				t.Fatalf("%+v n=%d: data differs", so, n)
			}
			chunkLen := so.ChunkLen
			if chunkLen == 0 {
				chunkLen = DefaultChunkLen
			}
			for i, c := range d.chunks[:len(d.chunks)-1] {
				if len(c) != chunkLen && i != len(d.chunks)-2 || len(c) == 0 {
					t.Fatalf("%+v n=%d: chunk %d has %d bytes", so, n, i, len(c))
				}
			}
			verifyChain(t, signed, d, so)
		}
	}
}

func checkStreamingHeaders(t *testing.T, req *http.Request, signed *Signed, n int64, so StreamOptions) {
	t.Helper()
	wantLen, _ := EncodedLength(n, so)
	h := req.Header
	checks := map[string]string{
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Decoded-Content-Length": strconv.FormatInt(n, 10),
		"X-Amz-Content-Sha256":         so.payloadHash(),
	}
	if so.Trailer != "" {
		checks["X-Amz-Trailer"] = "x-amz-checksum-" + so.Trailer
	}
	for k, v := range checks {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if req.ContentLength != wantLen || !strings.Contains(signed.CanonicalRequest, "\ncontent-length:"+strconv.FormatInt(wantLen, 10)+"\n") {
		t.Errorf("content-length not set and signed (ContentLength %d, want %d)", req.ContentLength, wantLen)
	}
	for _, name := range []string{"content-encoding", "content-length", "content-type", "x-amz-decoded-content-length"} {
		if !strings.Contains(";"+signed.SignedHeaders+";", ";"+name+";") {
			t.Errorf("%s not signed: %s", name, signed.SignedHeaders)
		}
	}
	if req.GetBody != nil {
		t.Errorf("GetBody kept: the streaming body cannot be replayed")
	}
}

// verifyChain recomputes every signature with crypto/hmac.
func verifyChain(t *testing.T, signed *Signed, d decoded, so StreamOptions) {
	t.Helper()
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	key := mac([]byte("AWS4"+docCreds.SecretAccessKey), signed.AmzDate[:8])
	for _, part := range strings.Split(signed.Scope, "/")[1:] {
		key = mac(key, part)
	}
	hexsum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	prev := signed.Signature
	if !so.Unsigned {
		if len(d.sigs) != len(d.chunks) {
			t.Fatalf("%d signatures for %d chunks", len(d.sigs), len(d.chunks))
		}
		for i, c := range d.chunks {
			sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + signed.AmzDate + "\n" + signed.Scope + "\n" + prev + "\n" + EmptySHA256 + "\n" + hexsum(c)
			want := hex.EncodeToString(mac(key, sts))
			if d.sigs[i] != want {
				t.Fatalf("chunk %d signature %s, want %s", i, d.sigs[i], want)
			}
			prev = want
		}
	}
	if so.Trailer == "" {
		if len(d.trailers) != 0 || d.trailerSig != "" {
			t.Fatalf("unexpected trailer %q %q", d.trailers, d.trailerSig)
		}
		return
	}
	var sum []byte
	if so.Trailer == "crc32c" {
		c := crc32.Checksum(d.data, crc32.MakeTable(crc32.Castagnoli))
		sum = []byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)}
	} else {
		s := sha256.Sum256(d.data)
		sum = s[:]
	}
	wantTrailer := "x-amz-checksum-" + so.Trailer + ":" + base64.StdEncoding.EncodeToString(sum)
	if len(d.trailers) != 1 || d.trailers[0] != wantTrailer {
		t.Fatalf("trailers %q, want %q", d.trailers, wantTrailer)
	}
	if so.Unsigned {
		if d.trailerSig != "" {
			t.Fatalf("unsigned variant has a trailer signature")
		}
		return
	}
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + signed.AmzDate + "\n" + signed.Scope + "\n" + prev + "\n" + hexsum([]byte(wantTrailer+"\n"))
	if want := hex.EncodeToString(mac(key, sts)); d.trailerSig != want {
		t.Fatalf("trailer signature %s, want %s", d.trailerSig, want)
	}
}

// TestChunkReaderSmallReads reads through tiny and odd-sized buffers (testing/iotest checks the
// io.Reader contract too).
func TestChunkReaderSmallReads(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 3000)
	for _, so := range []StreamOptions{{ChunkLen: 8192}, {ChunkLen: 8192, Trailer: "sha256"}, {Trailer: "crc32c", Unsigned: true}} {
		want := encode(t, data, so)
		req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
		if _, err := new(Signer).SignStreaming(docCreds, req, iotest.HalfReader(bytes.NewReader(data)), int64(len(data)), so, docOpt); err != nil {
			t.Fatal(err)
		}
		if err := iotest.TestReader(req.Body, want); err != nil {
			t.Errorf("%+v: %v", so, err)
		}
		req2, _ := http.NewRequest("PUT", "https://h/b/k", nil)
		if _, err := new(Signer).SignStreaming(docCreds, req2, iotest.OneByteReader(bytes.NewReader(data)), int64(len(data)), so, docOpt); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(iotest.OneByteReader(req2.Body))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%+v: one-byte reads differ (%v)", so, err)
		}
	}
}

func TestErrBodyLength(t *testing.T) {
	tests := []struct {
		name     string
		declared int64
		actual   int
		so       StreamOptions
	}{
		{"short", 100000, 99999, StreamOptions{}},
		{"empty source", 10, 0, StreamOptions{}},
		{"short by a chunk", 3 * 8192, 2 * 8192, StreamOptions{ChunkLen: 8192}},
		{"long", 100000, 100001, StreamOptions{}},
		{"long, exact chunks", 2 * 8192, 2*8192 + 5, StreamOptions{ChunkLen: 8192}},
		{"long, declared empty", 0, 1, StreamOptions{}},
		{"long, trailer", 10, 11, StreamOptions{Trailer: "crc32c"}},
		{"short, unsigned", 10, 9, StreamOptions{Trailer: "crc32c", Unsigned: true}},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
		src := bytes.NewReader(bytes.Repeat([]byte{'z'}, tt.actual))
		if _, err := new(Signer).SignStreaming(docCreds, req, src, tt.declared, tt.so, docOpt); err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(req.Body)
		if !errors.Is(err, ErrBodyLength) {
			t.Errorf("%s: error %v, want ErrBodyLength", tt.name, err)
		}
		// The final chunk never goes out, so the server can never accept the upload.
		if bytes.Contains(out, []byte("\r\n0;chunk-signature=")) || bytes.HasPrefix(out, []byte("0;")) || bytes.Contains(out, []byte("\r\n0\r\n")) || bytes.HasPrefix(out, []byte("0\r\n")) {
			t.Errorf("%s: final chunk emitted despite the wrong length", tt.name)
		}
		// And the error sticks.
		if _, err := req.Body.Read(make([]byte, 10)); !errors.Is(err, ErrBodyLength) {
			t.Errorf("%s: second read error %v", tt.name, err)
		}
	}
}

func TestStreamingSourceError(t *testing.T) {
	boom := errors.New("boom")
	req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
	src := io.MultiReader(strings.NewReader(strings.Repeat("a", 9000)), iotest.ErrReader(boom))
	if _, err := new(Signer).SignStreaming(docCreds, req, src, 20000, StreamOptions{ChunkLen: 8192}, docOpt); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(req.Body); !errors.Is(err, boom) || errors.Is(err, ErrBodyLength) {
		t.Errorf("error %v, want the source's error", err)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestChunkReaderCloses(t *testing.T) {
	src := &closeRecorder{Reader: strings.NewReader("abc")}
	req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
	if _, err := new(Signer).SignStreaming(docCreds, req, src, 3, StreamOptions{}, docOpt); err != nil {
		t.Fatal(err)
	}
	if err := req.Body.Close(); err != nil || !src.closed {
		t.Errorf("Close did not reach the source (%v)", err)
	}
}

// TestChunkReaderConstantMemory: encoding 16 MiB allocates no more than encoding 1 MiB — the
// reader holds one chunk and reuses its buffers — whether it is read (Read, as net/http does)
// or copied (WriteTo, as io.Copy does).
func TestChunkReaderConstantMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	buf := make([]byte, 32<<10)
	zeros := make([]byte, 16<<20)
	for _, tt := range []struct {
		name     string
		inMemory bool // source: a bytes.Reader (WriteTo's push path), else a plain reader
		copy     func(r io.Reader) error
	}{
		{"Read", false, func(r io.Reader) error {
			_, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf)
			return err
		}},
		{"WriteTo", false, func(r io.Reader) error {
			_, err := r.(io.WriterTo).WriteTo(io.Discard)
			return err
		}},
		{"WriteTo, bytes.Reader", true, func(r io.Reader) error {
			_, err := r.(io.WriterTo).WriteTo(io.Discard)
			return err
		}},
	} {
		allocs := func(n int) float64 {
			zr, br := &zeroReader{}, bytes.NewReader(nil)
			return testing.AllocsPerRun(3, func() {
				var src io.Reader = zr
				if tt.inMemory {
					br.Reset(zeros[:n])
					src = br
				} else {
					zr.left = n
				}
				r, err := NewChunkReader(src, int64(n), StreamOptions{Trailer: "crc32c"}, make([]byte, 32), "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", EmptySHA256)
				if err != nil {
					t.Fatal(err)
				}
				if err := tt.copy(r); err != nil {
					t.Fatal(err)
				}
			})
		}
		small, large := allocs(1<<20), allocs(16<<20)
		if large > small {
			t.Errorf("%s: allocations grow with the body: %v for 1 MiB, %v for 16 MiB", tt.name, small, large)
		}
	}
}

type zeroReader struct{ left int }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), z.left)
	clear(p[:n])
	z.left -= n
	return n, nil
}

func TestContentEncodingKept(t *testing.T) {
	req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
	req.Header.Set("Content-Encoding", "gzip")
	signed, err := new(Signer).SignStreaming(docCreds, req, strings.NewReader("abc"), 3, StreamOptions{}, docOpt)
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Content-Encoding"); got != "aws-chunked,gzip" || !strings.Contains(signed.CanonicalRequest, "content-encoding:aws-chunked,gzip\n") {
		t.Errorf("Content-Encoding = %q", got)
	}
}

// TestChunkReaderWriteToMatchesRead: WriteTo (what io.Copy uses) writes exactly the bytes Read
// gives, for many lengths, chunk lengths and every variant, also after a partial Read and into
// a writer that takes small pieces.
func TestChunkReaderWriteToMatchesRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sizes := []int{0, 1, 8191, 8192, 8193, 2 * 8192, 65535, 65536, 65537, 3*65536 + 17}
	for i := 0; i < 4; i++ {
		sizes = append(sizes, rng.IntN(300000))
	}
	variants := []StreamOptions{
		{}, {ChunkLen: 8192}, {ChunkLen: 10000},
		{Trailer: "crc32c"}, {ChunkLen: 8192, Trailer: "sha256"},
		{Trailer: "crc32c", Unsigned: true}, {ChunkLen: 9000, Trailer: "sha256", Unsigned: true},
	}
	// In-memory sources take WriteTo's push path; any other reader the chunk-buffer path.
	sources := []struct {
		name string
		new  func([]byte) io.Reader
	}{
		{"bytes.Reader", func(b []byte) io.Reader { return bytes.NewReader(b) }},
		{"bytes.Buffer", func(b []byte) io.Reader { return bytes.NewBuffer(b) }},
		{"plain reader", func(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }},
	}
	newBody := func(src io.Reader, n int, so StreamOptions) io.ReadCloser {
		req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
		if _, err := new(Signer).SignStreaming(docCreds, req, src, int64(n), so, docOpt); err != nil {
			t.Fatal(err)
		}
		return req.Body
	}
	for _, n := range sizes {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		for _, so := range variants {
			want := encode(t, data, so) // through Read
			tests := []struct {
				name     string
				readLen  int // bytes taken with Read before WriteTo
				maxWrite int // the writer accepts at most this per call (0: all)
			}{
				{"WriteTo", 0, 0},
				{"after a 1-byte Read", 1, 0},
				{"after a 100-byte Read", 100, 0},
				{"after a 9000-byte Read", 9000, 0},
				{"into 1000-byte writes", 0, 1000},
			}
			for _, src := range sources {
				for _, tt := range tests {
					body := newBody(src.new(data), n, so)
					var got bytes.Buffer
					if tt.readLen > 0 {
						if _, err := io.CopyN(&got, struct{ io.Reader }{body}, int64(min(tt.readLen, len(want)))); err != nil {
							t.Fatal(err)
						}
					}
					var w io.Writer = &got
					if tt.maxWrite > 0 {
						w = &pieceWriter{w: &got, max: tt.maxWrite}
					}
					wt, ok := body.(io.WriterTo)
					if !ok {
						t.Fatal("the chunk reader is not an io.WriterTo")
					}
					// A writer taking pieces reports io.ErrShortWrite; WriteTo then goes on from there.
					k, err := wt.WriteTo(w)
					if tt.maxWrite > 0 && len(want) > tt.maxWrite {
						// A short write is an error that sticks; what went out is a prefix of the
						// encoding.
						if err != io.ErrShortWrite || !bytes.HasPrefix(want, got.Bytes()) || int(k) != got.Len() {
							t.Errorf("%d bytes %+v %s %s: WriteTo = %d, %v", n, so, src.name, tt.name, k, err)
						}
						if _, err := wt.WriteTo(io.Discard); err != io.ErrShortWrite {
							t.Errorf("%d bytes %+v %s %s: error did not stick: %v", n, so, src.name, tt.name, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%d bytes %+v %s %s: %v", n, so, src.name, tt.name, err)
					}
					if k != int64(len(want)-min(tt.readLen, len(want))) {
						t.Errorf("%d bytes %+v %s: WriteTo returned %d", n, so, tt.name, k)
					}
					if !bytes.Equal(got.Bytes(), want) {
						t.Errorf("%d bytes %+v %s: WriteTo output differs from Read's", n, so, tt.name)
					}
					// At the end both report the end.
					if k, err := wt.WriteTo(w); k != 0 || err != nil {
						t.Errorf("%d bytes %+v %s: second WriteTo = %d, %v", n, so, tt.name, k, err)
					}
					if k, err := body.Read(make([]byte, 8)); k != 0 || err != io.EOF {
						t.Errorf("%d bytes %+v %s: Read after WriteTo = %d, %v", n, so, tt.name, k, err)
					}
				}
			}
		}
	}
}

// pieceWriter writes at most max bytes per call (and reports io.ErrShortWrite, as io.Writer
// requires).
type pieceWriter struct {
	w   io.Writer
	max int
}

func (p *pieceWriter) Write(b []byte) (int, error) {
	if len(b) > p.max {
		n, err := p.w.Write(b[:p.max])
		if err == nil {
			err = io.ErrShortWrite
		}
		return n, err
	}
	return p.w.Write(b)
}

// failWriter passes limit bytes to w, then fails.
type failWriter struct {
	w     io.Writer
	limit int
}

var errWriterFull = errors.New("writer full")

func (f *failWriter) Write(b []byte) (int, error) {
	if len(b) > f.limit {
		n, _ := f.w.Write(b[:f.limit])
		f.limit = 0
		return n, errWriterFull
	}
	f.limit -= len(b)
	return f.w.Write(b)
}

// TestChunkReaderWriteToErrors: io.Copy (which uses WriteTo) reports ErrBodyLength for short and
// long sources like Read, never sending the final chunk; a writer's error is returned and the
// stream can go on from where the writer stopped.
func TestChunkReaderWriteToErrors(t *testing.T) {
	for _, tt := range []struct {
		name             string
		declared, actual int
		so               StreamOptions
	}{
		{"short", 100000, 99999, StreamOptions{}},
		{"long", 2 * 8192, 2*8192 + 1, StreamOptions{ChunkLen: 8192}},
		{"long, trailer", 10, 11, StreamOptions{Trailer: "sha256"}},
		{"short by a chunk", 3 * 8192, 2 * 8192, StreamOptions{ChunkLen: 8192}},
		{"long by a chunk", 2 * 8192, 3 * 8192, StreamOptions{ChunkLen: 8192}},
		{"long, declared empty", 0, 1, StreamOptions{}},
	} {
		for _, plain := range []bool{false, true} { // in-memory source (push) or not
			req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
			var src io.Reader = bytes.NewReader(bytes.Repeat([]byte{'z'}, tt.actual))
			if plain {
				src = struct{ io.Reader }{src}
			}
			if _, err := new(Signer).SignStreaming(docCreds, req, src, int64(tt.declared), tt.so, docOpt); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := io.Copy(&out, req.Body); !errors.Is(err, ErrBodyLength) {
				t.Errorf("%s (plain %v): io.Copy error %v, want ErrBodyLength", tt.name, plain, err)
			}
			if bytes.Contains(out.Bytes(), []byte("\r\n0;chunk-signature=")) || bytes.HasPrefix(out.Bytes(), []byte("0;")) {
				t.Errorf("%s (plain %v): final chunk emitted despite the wrong length", tt.name, plain)
			}
			if _, err := req.Body.(io.WriterTo).WriteTo(io.Discard); !errors.Is(err, ErrBodyLength) {
				t.Errorf("%s: second WriteTo error %v", tt.name, err)
			}
		}
	}

	data := bytes.Repeat([]byte("abcdefgh"), 5000)
	so := StreamOptions{ChunkLen: 8192, Trailer: "crc32c"}
	want := encode(t, data, so)
	req, _ := http.NewRequest("PUT", "https://h/b/k", nil)
	if _, err := new(Signer).SignStreaming(docCreds, req, bytes.NewReader(data), int64(len(data)), so, docOpt); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	k, err := req.Body.(io.WriterTo).WriteTo(&failWriter{w: &got, limit: 12345})
	if !errors.Is(err, errWriterFull) || k != 12345 || got.Len() != 12345 || !bytes.HasPrefix(want, got.Bytes()) {
		t.Fatalf("WriteTo into a failing writer = %d, %v (%d written)", k, err, got.Len())
	}
	if _, err := io.Copy(&got, req.Body); !errors.Is(err, errWriterFull) {
		t.Errorf("after a writer error: %v, want the error to stick", err)
	}
}
