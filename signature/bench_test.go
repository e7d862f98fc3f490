package signature

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// benchGET is a typical GET: a key with a space, a Range, a conditional and a User-Agent
// (which neither signer signs).
func benchGET(b *testing.B) *http.Request {
	req, err := http.NewRequest("GET", "https://examplebucket.s3.us-east-1.amazonaws.com/photos/2024/img 001.jpg", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.URL.Path = "/photos/2024/img 001.jpg"
	req.Header.Set("Range", "bytes=0-1048575")
	req.Header.Set("If-None-Match", `"9b2cf535f27731c974343645a3985328"`)
	req.Header.Set("User-Agent", "s3lua/bench")
	return req
}

var benchTime = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// cpuMeter adds CPU-time metrics to a benchmark: cpu-ns/op and, with bytes, cpu-MB/s. On a
// shared machine these are steadier than wall time, which counts the waits for a CPU.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
}

func startCPU(b *testing.B) cpuMeter { return cpuMeter{b, processCPU()} }

func (m cpuMeter) stop(bytesPerOp int64) {
	used := processCPU() - m.start
	if used <= 0 || m.b.N == 0 {
		return
	}
	m.b.ReportMetric(float64(used.Nanoseconds())/float64(m.b.N), "cpu-ns/op")
	if bytesPerOp > 0 {
		m.b.ReportMetric(float64(bytesPerOp)*float64(m.b.N)/used.Seconds()/1e6, "cpu-MB/s")
	}
}

// BenchmarkSignGET signs the same request repeatedly (signing is idempotent), as a retry or a
// long-lived client would.
func BenchmarkSignGET(b *testing.B) {
	var s Signer
	creds := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	req := benchGET(b)
	opt := Options{Region: "us-east-1", Time: benchTime}
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		if _, err := s.SignHTTP(creds, req, opt); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop(0)
}

// BenchmarkSDKSignGET is the same request through aws-sdk-go-v2's signer, configured for S3
// (no path escaping, path already escaped, X-Amz-Content-Sha256 set as its S3 middleware does).
func BenchmarkSDKSignGET(b *testing.B) {
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	req := benchGET(b)
	req.URL.RawPath = EscapePath(req.URL.Path)
	req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		if err := signer.SignHTTP(ctx, creds, req, EmptySHA256, "s3", "us-east-1", benchTime); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop(0)
}

const benchBody = 64 << 20

// benchData is 64 MiB of pseudo-random bytes. Writing every byte matters: untouched memory from
// make reads as the kernel's zero page, always in cache, which flatters any extra copy.
func benchData() []byte {
	data := make([]byte, benchBody)
	x := uint64(88172645463325252)
	for i := 0; i+8 <= len(data); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for j := 0; j < 8; j++ {
			data[i+j] = byte(x >> (8 * j))
		}
	}
	return data
}

// The consumers of the encoding, as real uploads have them. Each is given the encoder and its
// encoded length.
var chunkedConsumers = []struct {
	name string
	copy func(r io.Reader, encLen int64, buf []byte) error
}{
	// net/http's request body writer: a body with a known ContentLength is wrapped in an
	// io.LimitReader (which hides io.WriterTo) and copied with a pooled 32 KiB buffer, so it
	// goes through Read. This is how SignStreaming's body is sent.
	{"consumer=net-http", func(r io.Reader, encLen int64, buf []byte) error {
		_, err := io.CopyBuffer(writerOnly{io.Discard}, io.LimitReader(r, encLen), buf)
		return err
	}},
	// io.Copy to a writer: uses the encoder's WriteTo.
	{"consumer=io.Copy", func(r io.Reader, _ int64, _ []byte) error {
		_, err := io.Copy(io.Discard, r)
		return err
	}},
	// io.Copy into a 32 KiB bufio.Writer over a plain writer (a connection, a pipe).
	{"consumer=bufio", func(r io.Reader, _ int64, _ []byte) error {
		w := bufio.NewWriterSize(writerOnly{io.Discard}, 32<<10)
		if _, err := io.Copy(w, r); err != nil {
			return err
		}
		return w.Flush()
	}},
}

// writerOnly hides io.ReaderFrom, as a network connection or pipe would for these sources.
type writerOnly struct{ io.Writer }

// benchChunked streams benchBody bytes from newSource through the aws-chunked encoder (64 KiB
// chunks) into each consumer: read from the source, SHA-256 of each chunk, chunk signature,
// framing, copy out.
func benchChunked(b *testing.B, newSource func() io.Reader) {
	key := make([]byte, 32)
	encLen, err := EncodedLength(benchBody, StreamOptions{})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	for _, c := range chunkedConsumers {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(benchBody)
			b.ReportAllocs()
			cpu := startCPU(b)
			for b.Loop() {
				r, err := NewChunkReader(newSource(), benchBody, StreamOptions{}, key, "20261124T120000Z", "20261124/us-east-1/s3/aws4_request", EmptySHA256)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.copy(r, encLen, buf); err != nil {
					b.Fatal(err)
				}
			}
			cpu.stop(benchBody)
		})
	}
}

// BenchmarkChunkedEncode encodes 64 MiB of pseudo-random bytes held in memory (a bytes.Reader
// over a slice far larger than the caches: each chunk comes from RAM). With io.Copy the encoder
// hashes the bytes in place (WriteTo); net/http reads it through Read.
func BenchmarkChunkedEncode(b *testing.B) {
	data := benchData()
	benchChunked(b, func() io.Reader { return bytes.NewReader(data) })
}

// BenchmarkChunkedEncodeReader is BenchmarkChunkedEncode with the bytes.Reader hidden behind a
// plain io.Reader, as a file or pipe would be: the encoder reads each chunk into its buffer
// (WriteTo's in-place hashing is only for *bytes.Reader and *bytes.Buffer).
func BenchmarkChunkedEncodeReader(b *testing.B) {
	data := benchData()
	benchChunked(b, func() io.Reader { return struct{ io.Reader }{bytes.NewReader(data)} })
}

// repeatReader serves the same 64 KiB block over and over: a source that is already in the
// cache, like a producer writing into a pipe, so the benchmark sees the encoder's own cost.
type repeatReader struct {
	block []byte
	off   int
	left  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.left)], r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	r.left -= n
	return n, nil
}

// BenchmarkChunkedEncodeCached is BenchmarkChunkedEncode with a cache-resident source: 64 MiB
// made of one 64 KiB block repeated.
func BenchmarkChunkedEncodeCached(b *testing.B) {
	src := &repeatReader{block: benchData()[:64<<10]}
	benchChunked(b, func() io.Reader {
		src.off, src.left = 0, benchBody
		return src
	})
}

// BenchmarkSHA256 is the floor: crypto/sha256 over the same 64 MiB, in place, one Sum256 per
// 64 KiB chunk (the encoder's chunk length).
func BenchmarkSHA256(b *testing.B) {
	data := benchData()
	b.SetBytes(benchBody)
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		for off := 0; off < len(data); off += 64 << 10 {
			_ = sha256.Sum256(data[off : off+64<<10])
		}
	}
	cpu.stop(benchBody)
}

// BenchmarkSHA256Cached hashes the same byte stream as BenchmarkChunkedEncodeCached: the same
// 64 KiB block, 1024 times.
func BenchmarkSHA256Cached(b *testing.B) {
	block := benchData()[:64<<10]
	b.SetBytes(benchBody)
	b.ReportAllocs()
	cpu := startCPU(b)
	for b.Loop() {
		for off := 0; off < benchBody; off += len(block) {
			_ = sha256.Sum256(block)
		}
	}
	cpu.stop(benchBody)
}
