package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/s3lua/s3lua/signature"
)

// RawRequest is a request to any S3 operation, for Client.Request: the
// operations the engine has no function for (lifecycle, bucket policy,
// CORS, object lock, ...).
type RawRequest struct {
	Method string // "GET", "PUT", ...
	// BucketPath is "bucket/key", "bucket/" for the bucket, or "" for the
	// service (ListBuckets).
	BucketPath string
	// Query holds sub-resources and parameters in plain text:
	// {"lifecycle": {""}}, {"versionId": {id}}.
	Query url.Values
	// Header holds request headers. Those the signer owns (Authorization,
	// Host, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token) are
	// refused.
	Header http.Header
	// Body is the request body in memory (signed, retried as usual).
	Body []byte
	// Writer, instead of Body, streams a body of DataLength bytes with
	// aws-chunked signing, as Put does (the request is then retried only
	// when refused before Writer ran). ChunkLen as PutOptions.ChunkLen.
	Writer     func(w io.Writer) error
	DataLength int64
	ChunkLen   int
}

// signerHeaders are the headers the request primitive sets itself.
var signerHeaders = []string{"Authorization", "Host", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token"}

// Request sends r signed, with the retries of every other operation, and
// calls read with the answer: its status, headers and body (a stream, valid
// during the call; read may leave part of it unread). A status other than
// 2xx or 304 is a *ResponseError, as for every operation. An error from
// read is returned unchanged. Request returns the status and the headers.
//
// A body sent with Writer has its answer read into memory before read is
// called (at most 16 MiB: answers to uploads are small).
func (c *Client) Request(ctx context.Context, r RawRequest, read func(status int, h http.Header, body io.Reader) error) (int, http.Header, error) {
	const fn = "Request"
	method := strings.ToUpper(r.Method)
	if method == "" || strings.ContainsAny(method, " \t\r\n") {
		return 0, nil, argError(fn, "method %q", r.Method)
	}
	var bucket, key string
	if r.BucketPath != "" {
		var err error
		if bucket, key, err = SplitBucketPath(r.BucketPath); err != nil {
			return 0, nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
	}
	for _, name := range signerHeaders {
		if _, ok := r.Header[http.CanonicalHeaderKey(name)]; ok {
			return 0, nil, argError(fn, "header %s is set by the signer", name)
		}
	}
	if r.Writer != nil && r.Body != nil {
		return 0, nil, argError(fn, "both Body and Writer")
	}
	req := &request{method: method, bucket: bucket, key: key, query: r.Query, header: r.Header.Clone(),
		okStatus: []int{http.StatusNotModified}}
	if r.Writer != nil {
		if r.DataLength < 0 {
			return 0, nil, argError(fn, "data length %d: want at least 0", r.DataLength)
		}
		chunkLen, err := c.chunkLen(fn, r.ChunkLen)
		if err != nil {
			return 0, nil, err
		}
		if _, err := signature.EncodedLength(r.DataLength, signature.StreamOptions{ChunkLen: chunkLen}); err != nil {
			return 0, nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
		req.expectContinue = true
		req.stream = &streamSpec{decodedLen: r.DataLength, opts: signature.StreamOptions{ChunkLen: chunkLen}}
		resp, body, err := c.sendWriter(ctx, req, r.Writer, r.DataLength, true)
		if err != nil {
			return 0, nil, err
		}
		if read != nil {
			if err := read(resp.StatusCode, resp.Header, strings.NewReader(string(body))); err != nil {
				return 0, nil, err
			}
		}
		return resp.StatusCode, resp.Header, nil
	}
	req.body = r.Body
	if len(r.Body) > 0 && req.header.Get("Content-Md5") == "" {
		// Several operations (lifecycle, CORS, delete) require it; it is
		// harmless on the others.
		if req.header == nil {
			req.header = http.Header{}
		}
		req.header.Set("Content-Md5", contentMD5(r.Body))
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	body := &scopedBody{ctx: ctx, r: resp.Body, req: req}
	defer func() {
		body.invalidate()
		drainClose(resp.Body)
	}()
	if read != nil {
		if err := read(resp.StatusCode, resp.Header, body); err != nil {
			return 0, nil, err
		}
	}
	return resp.StatusCode, resp.Header, nil
}
