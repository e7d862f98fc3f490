package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// SplitBucketPath splits the reference's "bucket+path" string at its first
// '/': "bucket/path/to/key" gives "bucket" and "path/to/key"; "bucket/"
// gives the bucket and an empty path (bucket-level operations). The path is
// plain text, the object key exactly; a '?' or '%' in it is part of the key.
//
// As in the reference, a leading '/' and a missing '/' are errors.
func SplitBucketPath(bp string) (bucket, path string, err error) {
	if strings.HasPrefix(bp, "/") {
		return "", "", fmt.Errorf("Invalid bucket+path: %q: don't use a leading \"/\"", bp)
	}
	bucket, path, ok := strings.Cut(bp, "/")
	if !ok || bucket == "" {
		return "", "", fmt.Errorf("Invalid bucket+path: %q: are you missing a trailing \"/\"?", bp)
	}
	return bucket, path, nil
}

// BucketPathToURI returns the URL of an object (path "" for the bucket):
// "scheme://host/bucket/path" in path style, "scheme://bucket.host/path"
// in virtual-host style. path is a plain key; it is percent-encoded here
// (RFC 3986 per segment, '/' kept), exactly as requests send it.
func (c *Client) BucketPathToURI(bucket, path string) string {
	scheme, host := c.cfg.Scheme, c.cfg.Host
	escaped := ""
	if path != "" {
		escaped = signature.EscapePath(path)
	}
	if bucket == "" {
		return scheme + "://" + host + "/" + escaped
	}
	if c.cfg.usePathStyle(bucket) {
		return scheme + "://" + host + "/" + signature.EscapePath(bucket) + "/" + escaped
	}
	return scheme + "://" + bucket + "." + host + "/" + escaped
}

// BucketPathToBucketPathURI splits bp as SplitBucketPath and returns the
// bucket, the path and the URL as BucketPathToURI.
func (c *Client) BucketPathToBucketPathURI(bp string) (bucket, path, uri string, err error) {
	bucket, path, err = SplitBucketPath(bp)
	if err != nil {
		return "", "", "", err
	}
	return bucket, path, c.BucketPathToURI(bucket, path), nil
}

// URIAndHeaders signs a request for bp with method, the headers h and the
// body (its SHA-256 is the payload hash), for a caller that sends the
// request itself. It returns the URL and every header to send: h plus
// Host, X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token (session
// credentials) and Authorization.
//
// This is the one function that returns an Authorization header, because
// the caller must send it. It is valid for 15 minutes and for this exact
// request; treat it like a password and never log it.
func (c *Client) URIAndHeaders(ctx context.Context, bp, method string, h http.Header, body []byte) (string, http.Header, error) {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return "", nil, err
	}
	if method == "" {
		return "", nil, argError("URIAndHeaders", "empty method")
	}
	method = strings.ToUpper(method) // "get" signs what a client sends: GET
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return "", nil, &RequestError{Method: method, Bucket: bucket, Key: key, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://placeholder/", nil)
	if err != nil {
		return "", nil, argError("URIAndHeaders", "method %q: %v", method, err)
	}
	req.URL = c.endpoint(bucket, key, false)
	req.Host = req.URL.Host
	req.Header = h.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	sum := sha256.Sum256(body)
	req.ContentLength = int64(len(body))
	_, err = c.signer.SignHTTP(creds, req, signature.Options{
		Region: c.cfg.Region, Time: time.Now().UTC(), PayloadHash: hex.EncodeToString(sum[:])})
	if err != nil {
		return "", nil, fmt.Errorf("engine.URIAndHeaders: %w", err)
	}
	out := req.Header.Clone()
	out.Set("Host", req.Host)
	return req.URL.String(), out, nil
}
