package localstore

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// frame builds an aws-chunked body by hand: the store does not check chunk
// signatures, so a fixed fake one will do. trailer is "" or "name:value".
func frame(data []byte, chunk int, signed bool, trailer string) []byte {
	var b bytes.Buffer
	ext := func() string {
		if signed {
			return ";chunk-signature=" + strings.Repeat("0", 64)
		}
		return ""
	}
	for len(data) > 0 {
		n := min(chunk, len(data))
		fmt.Fprintf(&b, "%x%s\r\n", n, ext())
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	fmt.Fprintf(&b, "0%s\r\n", ext())
	if trailer != "" {
		b.WriteString(trailer + "\r\n")
		if signed {
			b.WriteString("x-amz-trailer-signature:" + strings.Repeat("0", 64) + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func crc32c(b []byte) string {
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func sha256b64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func putChunked(t *testing.T, url string, body []byte, decodedLen int, payload, trailerName, encoding string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("PUT", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", payload)
	req.Header.Set("Content-Encoding", encoding)
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decodedLen))
	req.Header.Set("X-Amz-Date", "20261124T000000Z")
	req.Header.Set("X-Amz-Security-Token", "secret-token")
	if trailerName != "" {
		req.Header.Set("X-Amz-Trailer", trailerName)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAWSChunkedBodies(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ep := s.Endpoint()
	mustStatus(t, 200, "PUT", ep+"/chunks", nil)

	data := bytes.Repeat([]byte("0123456789abcdef"), 1100) // 17600 bytes: 2 full 8 KiB chunks + 1216
	const (
		signedPayload   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
		signedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
		unsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	)
	tests := []struct {
		name, payload, trailerName, encoding string
		body                                 []byte
		decodedLen                           int
		status                               int
		code                                 string
		wantEncoding                         string
	}{
		{"signed", signedPayload, "", "aws-chunked", frame(data, 8192, true, ""), len(data), 200, "", ""},
		{"signed trailer crc32c", signedTrailer, "x-amz-checksum-crc32c", "aws-chunked",
			frame(data, 8192, true, "x-amz-checksum-crc32c:"+crc32c(data)), len(data), 200, "", ""},
		{"unsigned trailer sha256", unsignedTrailer, "x-amz-checksum-sha256", "aws-chunked",
			frame(data, 8192, false, "x-amz-checksum-sha256:"+sha256b64(data)), len(data), 200, "", ""},
		{"gzip kept", signedPayload, "", "aws-chunked,gzip", frame(data, 8192, true, ""), len(data), 200, "", "gzip"},
		{"only the sha256 header", signedPayload, "", "", frame(data, 8192, true, ""), len(data), 200, "", ""},
		{"wrong crc32c", unsignedTrailer, "x-amz-checksum-crc32c", "aws-chunked",
			frame(data, 8192, false, "x-amz-checksum-crc32c:AAAAAA=="), len(data), 400, "BadDigest", ""},
		{"declared too long", signedPayload, "", "aws-chunked", frame(data, 8192, true, ""), len(data) + 1, 400, "IncompleteBody", ""},
		{"declared too short", signedPayload, "", "aws-chunked", frame(data, 8192, true, ""), len(data) - 1, 400, "IncompleteBody", ""},
		{"truncated", signedPayload, "", "aws-chunked", frame(data, 8192, true, "")[:9000], len(data), 400, "IncompleteBody", ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := fmt.Sprintf("%s/chunks/obj%d", ep, i)
			status, body := putChunked(t, url, tc.body, tc.decodedLen, tc.payload, tc.trailerName, tc.encoding)
			if status != tc.status || !strings.Contains(body, tc.code) {
				t.Fatalf("PUT: %d %s; want %d %s", status, body, tc.status, tc.code)
			}
			// Accept-Encoding set by hand: net/http then leaves a gzip body alone.
			get, _ := http.NewRequest("GET", url, nil)
			get.Header.Set("Accept-Encoding", "identity")
			resp, err := http.DefaultClient.Do(get)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tc.status != 200 {
				if resp.StatusCode != 404 {
					t.Fatalf("a refused upload left an object: %d", resp.StatusCode)
				}
				return
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("GET returned %d bytes, want the %d decoded ones", len(got), len(data))
			}
			if enc := resp.Header.Get("Content-Encoding"); enc != tc.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", enc, tc.wantEncoding)
			}
			for _, h := range []string{"X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("GET answers the request header %s: %q", h, v)
				}
			}
		})
	}
}

func TestAWSChunkedUploadPart(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ep := s.Endpoint()
	mustStatus(t, 200, "PUT", ep+"/parts", nil)
	b := mustStatus(t, 200, "POST", ep+"/parts/obj?uploads", nil)
	id := between(string(b), "<UploadId>", "</UploadId>")

	part := bytes.Repeat([]byte("p"), 5<<20)
	status, body := putChunked(t, fmt.Sprintf("%s/parts/obj?partNumber=1&uploadId=%s", ep, id),
		frame(part, 64<<10, true, ""), len(part), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "", "aws-chunked")
	if status != 200 {
		t.Fatalf("UploadPart: %d %s", status, body)
	}
	// The part's ETag must be the MD5 of the decoded data, as on S3.
	complete := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"` +
		fmt.Sprintf("%x", md5sum(part)) + `"</ETag></Part></CompleteMultipartUpload>`
	mustStatus(t, 200, "POST", ep+"/parts/obj?uploadId="+id, []byte(complete))
	if got := mustStatus(t, 200, "GET", ep+"/parts/obj", nil); !bytes.Equal(got, part) {
		t.Fatalf("GET returned %d bytes, want %d", len(got), len(part))
	}
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	v, _, _ := strings.Cut(rest, b)
	return v
}

func md5sum(b []byte) [16]byte { return md5.Sum(b) }

// readSpy records whether the client's body was read.
type readSpy struct {
	r    io.Reader
	read bool
}

func (s *readSpy) Read(p []byte) (int, error) { s.read = true; return s.r.Read(p) }

// A PUT the store refuses must not make the client send its body: with
// Expect: 100-continue, net/http sends "100 Continue" only when the handler
// reads the body, or when it drains a body that was replaced behind its back.
func TestRefusedChunkedPutDoesNotAskForTheBody(t *testing.T) {
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := bytes.Repeat([]byte("x"), 100<<10)
	body := frame(data, 8192, true, "")
	spy := &readSpy{r: bytes.NewReader(body)}
	req, _ := http.NewRequest("PUT", s.Endpoint()+"/missing-bucket/k", spy)
	req.ContentLength = int64(len(body))
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	// Without the fix the client would send its body after this timeout.
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	if spy.read {
		t.Fatal("the client was asked for the body of a refused PUT")
	}
}
