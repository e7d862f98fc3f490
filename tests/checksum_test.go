package tests

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/signature"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

func md5Base64(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// crc32cOf is the wire form of data's CRC32C (base64 of 4 big-endian bytes).
func crc32cOf(data []byte) string {
	sum := crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum))
}

// partSends records the bytes each UploadPart attempt declared.
type partSends struct {
	mu   sync.Mutex
	sent []int64
}

func (p *partSends) trace(e engine.TraceEvent) {
	if e.Method == http.MethodPut && strings.Contains(e.URL, "partNumber=") && e.Status == http.StatusOK {
		p.mu.Lock()
		p.sent = append(p.sent, e.BytesSent)
		p.mu.Unlock()
	}
}

// checkChecksumUpload uploads a three-part file with MultipartPutFile's
// defaults and checks the content, the object's full-object CRC32C (when
// the server keeps checksums) and the wire form of every part: the plain
// part over http (signed payload), aws-chunked with a trailer over https.
func checkChecksumUpload(t *testing.T, c *engine.Client, bucket string, keeps bool, sends *partSends) {
	t.Helper()
	ctx := context.Background()
	const partSize = 5 << 20
	data := randomBytes(t, 2*partSize+4321)
	file := writeTemp(t, "crc.bin", data)
	bp := bucket + "/crc/whole.bin"
	if _, err := c.MultipartPutFile(ctx, bp, file, engine.MultipartFileOptions{PartSize: partSize}); err != nil {
		t.Fatal(err)
	}
	if got := getAll(t, c, bp); sha(got) != sha(data) {
		t.Fatalf("content differs (%d bytes)", len(got))
	}
	h, err := c.Head(ctx, bp, http.Header{engine.ChecksumModeHeader: {"ENABLED"}})
	if err != nil {
		t.Fatal(err)
	}
	if keeps {
		if got, want := h.Get("X-Amz-Checksum-Crc32c"), crc32cOf(data); got != want {
			t.Errorf("x-amz-checksum-crc32c = %q, want the whole file's %q", got, want)
		}
		if got := h.Get("X-Amz-Checksum-Type"); got != "FULL_OBJECT" {
			t.Errorf("x-amz-checksum-type = %q, want FULL_OBJECT", got)
		}
	}
	if h.Get(engine.MD5MetadataHeader) != "" {
		t.Errorf("%s recorded without MD5Metadata", engine.MD5MetadataHeader)
	}
	assertNoUpload(t, c, bucket, "crc/whole.bin")
	if sends == nil {
		return
	}
	sends.mu.Lock()
	defer sends.mu.Unlock()
	if len(sends.sent) != 3 {
		t.Fatalf("%d part requests traced, want 3", len(sends.sent))
	}
	https := c.Config().Scheme == "https"
	for _, n := range sends.sent {
		size := int64(partSize)
		if n < partSize {
			size = 4321
		}
		want := size
		if https {
			want, _ = signature.EncodedLength(size, signature.StreamOptions{ChunkLen: c.Config().ChunkLen, Trailer: "crc32c", Unsigned: true})
		}
		if n != want {
			t.Errorf("part of %d bytes sent as %d bytes, want %d (https %v)", size, n, want, https)
		}
	}
}

// TestMultipartChecksums: multipart file uploads declare CRC32C with the
// FULL_OBJECT type; each part carries its CRC32C (a header next to the
// signed payload over http, an aws-chunked trailer over https), the
// completion the whole file's, and the servers that keep checksums report
// the whole file's CRC32C. With ChecksumWhenRequired nothing is declared.
// A resumed upload that declared CRC32C completes with every part's.
func TestMultipartChecksums(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			keeps := srv.Name != "local" // the embedded store ignores checksums
			sends := &partSends{}
			c := enginetest.Client(t, srv, func(cfg *engine.Config) { cfg.Trace = sends.trace })
			bucket := enginetest.Bucket(t, c, "s3lua-crc")
			t.Run("upload", func(t *testing.T) { checkChecksumUpload(t, c, bucket, keeps, sends) })

			t.Run("signed payload", func(t *testing.T) {
				// Loopback parts go unsigned; SignPayload takes the path
				// used over plain http to other hosts.
				c := enginetest.Client(t, srv, func(cfg *engine.Config) { cfg.SignPayload = true })
				checkChecksumUpload(t, c, bucket, keeps, nil)
			})

			t.Run("when_required", func(t *testing.T) {
				c := enginetest.Client(t, srv, func(cfg *engine.Config) { cfg.ChecksumCalculation = engine.ChecksumWhenRequired })
				data := randomBytes(t, 5<<20+10)
				bp := bucket + "/crc/plain.bin"
				if _, err := c.MultipartPutFile(ctx, bp, writeTemp(t, "plain.bin", data), engine.MultipartFileOptions{}); err != nil {
					t.Fatal(err)
				}
				h, err := c.Head(ctx, bp, http.Header{engine.ChecksumModeHeader: {"ENABLED"}})
				if err != nil {
					t.Fatal(err)
				}
				if v := h.Get("X-Amz-Checksum-Crc32c"); v != "" {
					t.Errorf("x-amz-checksum-crc32c %q without a declared checksum", v)
				}
				if got := getAll(t, c, bp); sha(got) != sha(data) {
					t.Fatalf("content differs (%d bytes)", len(got))
				}
			})

			t.Run("MD5Metadata", func(t *testing.T) {
				data := randomBytes(t, 5<<20+10)
				bp := bucket + "/crc/md5.bin"
				if _, err := c.MultipartPutFile(ctx, bp, writeTemp(t, "md5.bin", data), engine.MultipartFileOptions{MD5Metadata: true}); err != nil {
					t.Fatal(err)
				}
				h, err := c.Head(ctx, bp, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := h.Get(engine.MD5MetadataHeader), md5Base64(data); got != want {
					t.Errorf("%s = %q, want %q", engine.MD5MetadataHeader, got, want)
				}
			})

			t.Run("resume", func(t *testing.T) {
				const partSize = 5 << 20
				data := randomBytes(t, partSize+777)
				file := writeTemp(t, "resume-crc.bin", data)
				bp := bucket + "/crc/resume.bin"
				// An interrupted upload that declared CRC32C, with part 1 sent.
				_, _, err := c.Request(ctx, engine.RawRequest{Method: "POST", BucketPath: bp, Query: url.Values{"uploads": {""}},
					Header: http.Header{"X-Amz-Checksum-Algorithm": {"CRC32C"}, "X-Amz-Checksum-Type": {"FULL_OBJECT"}}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				uploads, err := c.ListMultipartUploads(ctx, bucket)
				id := ""
				for _, u := range uploads {
					if u.Key == "crc/resume.bin" {
						id = u.UploadID
					}
				}
				if err != nil || id == "" {
					t.Fatalf("uploads %+v, %v", uploads, err)
				}
				if _, _, err := c.Request(ctx, engine.RawRequest{Method: "PUT", BucketPath: bp,
					Query:  url.Values{"partNumber": {"1"}, "uploadId": {id}},
					Header: http.Header{"X-Amz-Checksum-Crc32c": {crc32cOf(data[:partSize])}}, Body: data[:partSize]}, nil); err != nil {
					t.Fatal(err)
				}
				got, err := c.ResumeMultipartPutFile(ctx, bp, file, engine.MultipartFileOptions{PartSize: partSize})
				if err != nil || got != id {
					t.Fatalf("ResumeMultipartPutFile: %q, %v; want %q", got, err, id)
				}
				if got := getAll(t, c, bp); sha(got) != sha(data) {
					t.Fatalf("resumed content differs (%d bytes)", len(got))
				}
				assertNoUpload(t, c, bucket, "crc/resume.bin")
			})
		})
	}
	t.Run("minio-tls", func(t *testing.T) {
		m := startTLSMinIO(t)
		sends := &partSends{}
		c, err := engine.New(engine.Config{Host: m.host, Scheme: "https", CABundle: m.caFile, MaxTries: 2, Trace: sends.trace,
			Credentials: engine.StaticCredentials{AccessKeyID: m.access, SecretAccessKey: m.secret}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.CreateBucket(context.Background(), "crc", ""); err != nil {
			t.Fatal(err)
		}
		checkChecksumUpload(t, c, "crc", true, sends)
	})
}

// TestPutFileTrailerOverTLS: over https, PutFile sends an unsigned payload
// with a CRC32C trailer (one pass over the file); MinIO checks it and
// reports the object's CRC32C.
func TestPutFileTrailerOverTLS(t *testing.T) {
	m := startTLSMinIO(t)
	ctx := context.Background()
	sends := make(chan int64, 4)
	c, err := engine.New(engine.Config{Host: m.host, Scheme: "https", CABundle: m.caFile, MaxTries: 2,
		Credentials: engine.StaticCredentials{AccessKeyID: m.access, SecretAccessKey: m.secret},
		Trace: func(e engine.TraceEvent) {
			if e.Method == http.MethodPut && e.Status == http.StatusOK && strings.HasSuffix(e.URL, "/f.bin") {
				sends <- e.BytesSent
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreateBucket(ctx, "trailer", ""); err != nil {
		t.Fatal(err)
	}
	data := randomBytes(t, 1<<20+17)
	if _, err := c.PutFile(ctx, "trailer/f.bin", writeTemp(t, "f.bin", data), engine.PutFileOptions{}); err != nil {
		t.Fatal(err)
	}
	want, _ := signature.EncodedLength(int64(len(data)), signature.StreamOptions{ChunkLen: c.Config().ChunkLen, Trailer: "crc32c", Unsigned: true})
	if got := <-sends; got != want {
		t.Errorf("PUT sent %d bytes, want %d (unsigned chunks and a CRC32C trailer)", got, want)
	}
	h, err := c.Head(ctx, "trailer/f.bin", http.Header{engine.ChecksumModeHeader: {"ENABLED"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("X-Amz-Checksum-Crc32c"); got != crc32cOf(data) {
		t.Errorf("x-amz-checksum-crc32c = %q, want %q", got, crc32cOf(data))
	}
	if got := getAll(t, c, "trailer/f.bin"); sha(got) != sha(data) {
		t.Fatalf("content differs (%d bytes)", len(got))
	}
}
