package engine

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
// reset or closed connection (net.ErrClosed included), an unexpected EOF, and for reads (GET, HEAD)
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
	case errors.Is(err, net.ErrClosed):
		// The transport closed the connection under a body still being
		// written, after a reset it noticed first ("use of closed network
		// connection"): the request broke like any reset.
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

// tries is the attempt budget of one request: n requests sent so far of at
// most max (Config.MaxTries). Every layer that retries the request (do,
// doXML's decode retry, a part's whole retry, a GET's resumes) counts
// against the same budget, so one request is sent at most MaxTries times in
// all, never MaxTries² as nested loops would. A budget is used by one
// goroutine at a time.
type tries struct{ n, max int }

// newTries is a fresh budget of Config.MaxTries requests.
func (c *Client) newTries() *tries { return &tries{max: c.cfg.MaxTries} }

// spent reports whether no attempt is left.
func (t *tries) spent() bool { return t.n >= t.max }

// maxRetryAfter bounds how long a server's Retry-After may hold a retry
// (a cancelled context ends the wait at any time).
const maxRetryAfter = 30 * time.Second

// backoff sleeps before attempt+1 after the failure cause: exponential with
// full jitter, capped; for a throttling answer (SlowDown, 503, 429) at least
// half the exponential ceiling of the next step, so a throttled server is
// not hit again at once; and never less than the answer's Retry-After (at
// most maxRetryAfter). A cancelled context ends the sleep at once and its
// error is returned.
func (c *Client) backoff(ctx context.Context, attempt int, cause error) error {
	d := c.retryDelay(attempt, cause)
	if c.beforeBackoff != nil {
		c.beforeBackoff(attempt, d)
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

// retryDelay is the wait before attempt+1 after cause (see backoff).
func (c *Client) retryDelay(attempt int, cause error) time.Duration {
	re, _ := errors.AsType[*ResponseError](cause)
	if re == nil || !throttled(re) {
		d := c.backoffDelay(attempt)
		if re != nil && re.RetryAfter > d {
			d = min(re.RetryAfter, maxRetryAfter)
		}
		return d
	}
	// Throttled: the ceiling one step further, at least half of it.
	ceiling := c.backoffCeiling(attempt + 1)
	d := ceiling/2 + time.Duration(rand.Int64N(int64(ceiling/2)+1))
	if re.RetryAfter > d {
		d = min(re.RetryAfter, maxRetryAfter)
	}
	return d
}

// throttled reports whether an error answer asks the client to slow down.
func throttled(re *ResponseError) bool {
	switch re.Code {
	case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests":
		return true
	}
	return re.StatusCode == http.StatusServiceUnavailable || re.StatusCode == http.StatusTooManyRequests
}

// backoffDelay is a random duration in [0, backoffCeiling(attempt)].
func (c *Client) backoffDelay(attempt int) time.Duration {
	ceiling := c.backoffCeiling(attempt)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// backoffCeiling is min(cap, base·2^(attempt-1)).
func (c *Client) backoffCeiling(attempt int) time.Duration {
	ceiling := c.retryCap
	if attempt < 30 {
		if d := c.retryBase << (max(attempt, 1) - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return max(ceiling, 0)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}
