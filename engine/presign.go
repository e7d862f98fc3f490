package engine

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// SignURI returns a presigned URL for bp: anyone holding it may send that
// method (GET, PUT, HEAD, DELETE, ...) to that object until it expires.
// expires must be between 1 second and 7 days. The headers in h (for
// example Content-Type for a PUT) are signed too, so whoever uses the URL
// must send them with exactly those values. With session credentials the
// URL carries X-Amz-Security-Token (the reference forgot it); a port in
// Host is kept. The payload is unsigned, so a PUT URL accepts any body.
func (c *Client) SignURI(ctx context.Context, bp, method string, expires time.Duration, h http.Header) (string, error) {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return "", err
	}
	if method == "" {
		return "", argError("SignURI", "empty method")
	}
	method = strings.ToUpper(method) // "get" signs what a client sends: GET
	if expires < time.Second || expires > MaxPresignExpiry {
		return "", argError("SignURI", "expires %v: want between 1s and %v (%d seconds)", expires, MaxPresignExpiry, int64(MaxPresignExpiry/time.Second))
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return "", &RequestError{Method: method, Bucket: bucket, Key: key, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://placeholder/", nil)
	if err != nil {
		return "", argError("SignURI", "method %q: %v", method, err)
	}
	req.URL = c.endpoint(bucket, key, false)
	req.Host = req.URL.Host
	req.Header = h.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	signed, err := c.signer.Presign(creds, req, expires, signature.Options{Region: c.cfg.Region, Time: time.Now().UTC()})
	if err != nil {
		return "", fmt.Errorf("engine.SignURI: %w", err)
	}
	return signed.URL, nil
}
