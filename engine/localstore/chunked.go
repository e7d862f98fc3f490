package localstore

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// gofakes3 decodes aws-chunked bodies only for STREAMING-AWS4-HMAC-SHA256-PAYLOAD
// on a single PUT; the trailer variants and UploadPart would store the framing
// as data. It also stores every X-Amz-* request header as object metadata,
// so GET would hand back x-amz-date, x-amz-content-sha256, a session token or
// Content-Encoding: aws-chunked. The guard therefore decodes every
// aws-chunked body itself (checking the decoded length and any
// x-amz-checksum-* trailer, but not chunk signatures) and drops the
// request-only headers before gofakes3 sees the request.

// requestOnly are headers that describe the request, never the object.
var requestOnly = []string{
	"X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token",
	"X-Amz-Decoded-Content-Length", "X-Amz-Trailer", "X-Amz-Sdk-Checksum-Algorithm",
	"X-Amz-User-Agent", "X-Amz-Acl", "Authorization",
}

// stripRequestOnly removes requestOnly headers and the x-amz-checksum-* and
// x-amz-grant-* families.
func stripRequestOnly(h http.Header) {
	for _, k := range requestOnly {
		h.Del(k)
	}
	for k := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-checksum-") || strings.HasPrefix(lk, "x-amz-grant-") {
			delete(h, k)
		}
	}
}

// isAWSChunked reports whether r carries an aws-chunked body.
func isAWSChunked(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return true
	}
	for _, enc := range strings.Split(r.Header.Get("Content-Encoding"), ",") {
		if strings.EqualFold(strings.TrimSpace(enc), "aws-chunked") {
			return true
		}
	}
	return false
}

// decodeAWSChunked replaces r's body by its decoded form and fixes the
// headers gofakes3 sizes the object by. It returns false after writing an
// error when the request cannot be decoded.
func decodeAWSChunked(w http.ResponseWriter, r *http.Request) bool {
	declared, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
	if err != nil || declared < 0 {
		writeError(w, r, http.StatusLengthRequired, "MissingContentLength",
			"an aws-chunked body needs x-amz-decoded-content-length")
		return false
	}
	var kept []string
	for _, enc := range strings.Split(r.Header.Get("Content-Encoding"), ",") {
		if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "aws-chunked") {
			kept = append(kept, enc)
		}
	}
	if len(kept) > 0 {
		r.Header.Set("Content-Encoding", strings.Join(kept, ","))
	} else {
		r.Header.Del("Content-Encoding")
	}
	r.Body = &chunkedBody{
		src:      bufio.NewReader(r.Body),
		closer:   r.Body,
		declared: declared,
		trailer:  strings.ToLower(strings.TrimSpace(r.Header.Get("X-Amz-Trailer"))),
	}
	r.ContentLength = declared
	r.Header.Set("Content-Length", strconv.FormatInt(declared, 10))
	r.TransferEncoding = nil
	return true
}

// chunkedBody decodes `hex-size[;chunk-signature=...]\r\n data \r\n` frames
// up to the zero-size one, then the trailer lines up to an empty line. Its
// errors are gofakes3 error codes, so the client gets 400 IncompleteBody or
// BadDigest and nothing is stored.
type chunkedBody struct {
	src      *bufio.Reader
	closer   io.Closer
	declared int64
	decoded  int64
	remain   int64 // data left in the current chunk
	started  bool
	trailer  string    // the x-amz-trailer header, lower case
	sum      hash.Hash // checksum of the decoded data, for the trailer
	err      error
}

func (c *chunkedBody) Close() error { return c.closer.Close() }

func (c *chunkedBody) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.sum == nil {
		c.sum = newChecksum(c.trailer)
	}
	for c.remain == 0 {
		if err := c.nextChunk(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if int64(len(p)) > c.remain {
		p = p[:c.remain]
	}
	n, err := c.src.Read(p)
	c.remain -= int64(n)
	c.decoded += int64(n)
	if c.sum != nil {
		c.sum.Write(p[:n])
	}
	if c.decoded > c.declared {
		c.err = gofakes3.ErrIncompleteBody
		return n, c.err
	}
	if err == io.EOF {
		err = gofakes3.ErrIncompleteBody
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// line reads one CRLF-terminated line (bounded) without its CRLF.
func (c *chunkedBody) line() (string, error) {
	b, err := c.src.ReadSlice('\n')
	if err != nil {
		if err == io.EOF && len(b) == 0 {
			return "", io.EOF
		}
		return "", gofakes3.ErrIncompleteBody
	}
	return string(bytes.TrimRight(b, "\r\n")), nil
}

// nextChunk reads the next chunk header; at the last chunk it reads the
// trailer and returns io.EOF, or an error when the body is wrong.
func (c *chunkedBody) nextChunk() error {
	if c.started {
		if l, err := c.line(); err != nil || l != "" {
			return gofakes3.ErrIncompleteBody
		}
	}
	c.started = true
	l, err := c.line()
	if err != nil {
		return gofakes3.ErrIncompleteBody
	}
	sizeHex, _, _ := strings.Cut(l, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
	if err != nil || size < 0 {
		return gofakes3.ErrIncompleteBody
	}
	if size > 0 {
		c.remain = size
		return nil
	}
	if c.decoded != c.declared {
		return gofakes3.ErrIncompleteBody
	}
	// Trailer lines, then an empty line (or the end of the body).
	for {
		l, err := c.line()
		if err == io.EOF || (err == nil && l == "") {
			return io.EOF
		}
		if err != nil {
			return err
		}
		name, value, _ := strings.Cut(l, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if c.sum != nil && name == c.trailer {
			if base64.StdEncoding.EncodeToString(c.sum.Sum(nil)) != strings.TrimSpace(value) {
				return gofakes3.ErrBadDigest
			}
		}
	}
}

// newChecksum returns the hash a trailer names, nil for none or unknown ones.
func newChecksum(trailer string) hash.Hash {
	switch trailer {
	case "x-amz-checksum-crc32":
		return crc32.NewIEEE()
	case "x-amz-checksum-crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "x-amz-checksum-sha1":
		return sha1.New()
	case "x-amz-checksum-sha256":
		return sha256.New()
	}
	return nil
}
