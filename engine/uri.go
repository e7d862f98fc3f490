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
// body, for a caller that sends the request itself. It returns the URL and
// every header to send: h, kept and signed, plus what is missing of Host,
// X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token (session
// credentials) and Authorization.
//
// As in the reference, the caller's headers win: an X-Amz-Date in h
// (20130524T000000Z) is the request's date, or else a Date header (an HTTP
// date such as "Fri, 24 May 2013 00:00:00 GMT", then X-Amz-Date is added
// for the same instant); without either the date is now. An
// X-Amz-Content-Sha256 in h is the payload hash signed (for instance
// UNSIGNED-PAYLOAD); otherwise it is the SHA-256 of body. So a request can
// be signed for a chosen time, AWS's documented examples included.
//
// This is the one function that returns an Authorization header, because
// the caller must send it. It is valid for 15 minutes from its date and
// for this exact request; treat it like a password and never log it.
func (c *Client) URIAndHeaders(ctx context.Context, bp, method string, h http.Header, body []byte) (string, http.Header, error) {
	const fn = "URIAndHeaders"
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return "", nil, err
	}
	if method == "" {
		return "", nil, argError(fn, "empty method")
	}
	method = strings.ToUpper(method) // "get" signs what a client sends: GET
	// Canonical names, so that "x-amz-date" given by a Go caller is found.
	header := make(http.Header, len(h)+6)
	for name, values := range h {
		header[http.CanonicalHeaderKey(name)] = append(header[http.CanonicalHeaderKey(name)], values...)
	}
	when, err := requestDate(header)
	if err != nil {
		return "", nil, argError(fn, "%v", err)
	}
	payloadHash := header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return "", nil, &RequestError{Method: method, Bucket: bucket, Key: key, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://placeholder/", nil)
	if err != nil {
		return "", nil, argError(fn, "method %q: %v", method, err)
	}
	req.URL = c.endpoint(bucket, key, false)
	req.Host = req.URL.Host
	req.Header = header
	req.ContentLength = int64(len(body))
	_, err = c.signer.SignHTTP(creds, req, signature.Options{
		Region: c.cfg.Region, Time: when, PayloadHash: payloadHash})
	if err != nil {
		return "", nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	out := req.Header.Clone()
	out.Set("Host", req.Host)
	return req.URL.String(), out, nil
}

// amzDateLayout is the X-Amz-Date format (ISO 8601 basic, UTC).
const amzDateLayout = "20060102T150405Z"

// requestDate is the date a caller's headers give a request: X-Amz-Date,
// else Date (any HTTP date format), else now.
func requestDate(h http.Header) (time.Time, error) {
	if v := strings.TrimSpace(h.Get("X-Amz-Date")); v != "" {
		t, err := time.Parse(amzDateLayout, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("header X-Amz-Date %q: want the form 20130524T000000Z", v)
		}
		return t, nil
	}
	if v := strings.TrimSpace(h.Get("Date")); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return time.Time{}, fmt.Errorf("header Date %q: want an HTTP date such as \"Fri, 24 May 2013 00:00:00 GMT\"", v)
		}
		return t.UTC(), nil
	}
	return time.Now().UTC(), nil
}
