package engine

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// resumingBody is a GET response body that survives a broken connection:
// when a read fails with a transient network error (reset, unexpected EOF,
// timeout), it asks again for the rest of the bytes (Range from the current
// offset, If-Match the ETag of the first answer, so a changed object is an
// error rather than a splice) and goes on reading, up to Config.MaxTries
// requests in all: the first request, its retries and the resumes share
// one budget (req.tries). The reader sees one uninterrupted stream.
type resumingBody struct {
	c     *Client
	ctx   context.Context
	req   *request // the first request (with its budget); copied with new headers to resume
	body  io.ReadCloser
	begin int64 // absolute offset of the first byte asked for
	end   int64 // exclusive end asked for, or -1 for the end of the object
	read  int64 // bytes delivered so far
	etag  string
	never bool  // resuming is off
	err   error // sticky: once resuming failed, every Read fails
}

// newResumingBody wraps resp's body. r is the range asked for (nil for the
// whole object); resuming is off when the caller sent a Range header of its
// own, or the answer has no ETag.
func (c *Client) newResumingBody(ctx context.Context, req *request, resp *http.Response, r *Range, rawRange bool) io.ReadCloser {
	b := &resumingBody{c: c, ctx: ctx, req: req, body: resp.Body, end: -1, etag: resp.Header.Get("ETag")}
	if r != nil {
		b.begin, b.end = r.Begin, r.End
	}
	b.never = rawRange || b.etag == "" || req.tries == nil // nothing to resume with
	return b
}

func (b *resumingBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	for {
		n, err := b.body.Read(p)
		b.read += int64(n)
		if err == nil || err == io.EOF || n > 0 {
			if err != nil && err != io.EOF && n > 0 {
				// Deliver what arrived; the error comes back on the next Read.
				return n, nil
			}
			return n, err
		}
		if b.never || b.req.tries.spent() || b.ctx.Err() != nil || !retryableNetError(http.MethodGet, unwrapURLError(err)) {
			b.err = err
			return 0, err
		}
		if rerr := b.resume(err); rerr != nil {
			b.err = fmt.Errorf("%w (resuming at byte %d failed: %v)", err, b.begin+b.read, rerr)
			return 0, b.err
		}
	}
}

// resume requests the rest of the bytes after a backoff.
func (b *resumingBody) resume(cause error) error {
	b.body.Close()
	b.body = io.NopCloser(strings.NewReader("")) // closed state until the new answer
	if err := b.c.backoff(b.ctx, b.req.tries.n, cause); err != nil {
		return err
	}
	from := b.begin + b.read
	if b.end >= 0 && from >= b.end {
		return nil // everything asked for has arrived
	}
	rng := "bytes=" + strconv.FormatInt(from, 10) + "-"
	if b.end >= 0 {
		rng += strconv.FormatInt(b.end-1, 10)
	}
	req := *b.req
	req.header = b.req.header.Clone()
	if req.header == nil {
		req.header = http.Header{}
	}
	req.header.Set("Range", rng)
	req.header.Set("If-Match", b.etag)
	resp, err := b.c.do(b.ctx, &req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(from, 10)+"-") {
		drainClose(resp.Body)
		return fmt.Errorf("the server answered %d (Content-Range %q) to %s", resp.StatusCode, resp.Header.Get("Content-Range"), rng)
	}
	if etag := resp.Header.Get("ETag"); etag != "" && etag != b.etag {
		// A server that ignores If-Match must not splice two versions.
		drainClose(resp.Body)
		return fmt.Errorf("the object changed (ETag %s, was %s)", etag, b.etag)
	}
	b.body = resp.Body
	return nil
}

func (b *resumingBody) Close() error {
	drainClose(b.body)
	return nil
}
