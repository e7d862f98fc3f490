package engine

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TraceEvent describes one HTTP attempt of a request (Config.Trace).
// It never holds a secret: the URL has no signature parameters, and no
// header (Authorization, a session token, an SSE-C key) is included.
type TraceEvent struct {
	Method string
	// URL is the request's URL without its signature parameters
	// (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token, ...).
	URL string
	// Status is the HTTP status, 0 when no answer came (a network error).
	Status int
	// BytesSent and BytesReceived are the bodies' lengths as declared by
	// Content-Length (the answer's body is read by the caller after the
	// event); -1 when unknown.
	BytesSent, BytesReceived int64
	// Duration runs from the start of the attempt to the answer's headers.
	Duration time.Duration
	// Attempt counts the attempts of this request, from 1.
	Attempt int
	// RetryReason, when not "", says why another attempt follows.
	RetryReason string
	// Err is the failure of this attempt, "" when it succeeded.
	Err string
}

// String is one line: "GET https://host/b/k?x=1 200 sent=0 received=5 12ms attempt=1".
func (e TraceEvent) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Method, e.URL)
	if e.Status > 0 {
		fmt.Fprintf(&b, " %d", e.Status)
	} else {
		b.WriteString(" -")
	}
	fmt.Fprintf(&b, " sent=%d received=%d %s attempt=%d", e.BytesSent, e.BytesReceived,
		e.Duration.Round(time.Microsecond), e.Attempt)
	if e.Err != "" {
		fmt.Fprintf(&b, " error=%q", e.Err)
	}
	if e.RetryReason != "" {
		fmt.Fprintf(&b, " retry=%q", e.RetryReason)
	}
	return b.String()
}

// traceInfo is what attempt records for the trace of one attempt.
type traceInfo struct {
	url            string
	sent, received int64
	status         int
}

// secretQueryParams are query parameters that carry a signature or a
// credential (presigned URLs, SigV2 URLs); traces leave them out.
var secretQueryParams = []string{"x-amz-signature", "x-amz-credential", "x-amz-security-token",
	"signature", "awsaccesskeyid", "x-amz-date", "x-amz-signedheaders", "x-amz-algorithm", "x-amz-expires"}

// traceURL is u without its secret query parameters.
func traceURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		parts := strings.Split(c.RawQuery, "&")
		kept := parts[:0]
		for _, p := range parts {
			name, _, _ := strings.Cut(p, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			secret := false
			for _, s := range secretQueryParams {
				if strings.EqualFold(name, s) {
					secret = true
				}
			}
			if !secret {
				kept = append(kept, p)
			}
		}
		c.RawQuery = strings.Join(kept, "&")
	}
	return c.String()
}

// emitTrace sends the event of one attempt to Config.Trace.
func (c *Client) emitTrace(r *request, info *traceInfo, attempt int, start time.Time, err error, retryReason string) {
	if info == nil || c.cfg.Trace == nil {
		return
	}
	e := TraceEvent{Method: r.method, URL: info.url, Status: info.status, BytesSent: info.sent,
		BytesReceived: info.received, Duration: time.Since(start), Attempt: attempt, RetryReason: retryReason}
	if e.URL == "" {
		e.URL = traceURL(c.endpoint(r.bucket, r.key, r.pathStyle))
	}
	if err != nil {
		e.Err = oneLine(err.Error())
	}
	c.cfg.Trace(e)
}
