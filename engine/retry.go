package engine

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// retryableResponse reports whether an S3 error answer is transient:
// 500, 502, 503, 504 and the codes SlowDown, RequestTimeout and
// InternalError (which S3 may send with other statuses, e.g. 400).
func retryableResponse(e *ResponseError) bool {
	switch e.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	switch e.Code {
	case "SlowDown", "RequestTimeout", "InternalError":
		return true
	}
	return false
}

// retryableNetError reports whether a transport failure is transient: a
// reset or closed connection, an unexpected EOF, and for reads (GET, HEAD)
// a timeout. Context cancellation and a body of the wrong length never are.
func retryableNetError(method string, err error) bool {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, signature.ErrBodyLength):
		return false
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return method == http.MethodGet || method == http.MethodHead
	}
	return false
}

// unwrapURLError drops net/http's *url.Error wrapper, whose message repeats
// the whole URL (a presigned query would show a signature).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// backoff sleeps before attempt+1: exponential with full jitter, capped.
// A cancelled context ends the sleep at once and its error is returned.
func (c *Client) backoff(ctx context.Context, attempt int) error {
	d := c.backoffDelay(attempt)
	if c.beforeBackoff != nil {
		c.beforeBackoff(attempt)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoffDelay is a random duration in [0, min(cap, base·2^(attempt-1))].
func (c *Client) backoffDelay(attempt int) time.Duration {
	ceiling := c.retryCap
	if attempt < 30 {
		if d := c.retryBase << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}
