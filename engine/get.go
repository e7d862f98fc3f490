package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Range selects bytes [Begin, End) of an object. End is exclusive, as the
// reference's range-end (and Racket's subbytes); End < 0 means "to the end
// of the object". The Range header sent is "bytes=Begin-(End-1)" or
// "bytes=Begin-".
type Range struct{ Begin, End int64 }

// Progress reports a transfer: done bytes of total (total is -1 when the
// size is not known). It is called on the goroutine that started the
// transfer, never concurrently, with done never decreasing within one
// attempt.
//
// A non-nil error aborts the transfer, and the operation returns that very
// error. The engine undoes what the operation did: an upload stores no
// object (the last bytes of a body are sent only once the call reporting
// them has returned nil, and a multipart upload is completed only after
// its last report, else aborted), and a download leaves no file under its
// final name in the replacing modes of GetFile.
type Progress func(done, total int64) error

// header returns the Range header value for r, or an error naming fn.
func (r Range) header(fn string) (string, error) {
	switch {
	case r.Begin < 0:
		return "", fmt.Errorf("engine.%s: range begin %d: want at least 0", fn, r.Begin)
	case r.End < 0:
		return "bytes=" + strconv.FormatInt(r.Begin, 10) + "-", nil
	case r.End <= r.Begin:
		return "", fmt.Errorf("engine.%s: range end %d: want more than begin %d (the end is exclusive), or < 0 for the rest of the object", fn, r.End, r.Begin)
	}
	return "bytes=" + strconv.FormatInt(r.Begin, 10) + "-" + strconv.FormatInt(r.End-1, 10), nil
}

// GetProc fetches the object bp ("bucket/key") and calls fn with its body
// and the response headers; fn's error is returned unchanged. h holds extra
// request headers (If-Match, SSE-C keys, ...). r, if not nil, asks for a
// byte range (a 206 Partial Content answer is success); a Range header in h
// together with r is an error.
//
// fn runs on the calling goroutine. body is valid only until fn returns;
// what fn leaves unread is discarded. The bytes are exactly those stored:
// no transparent decompression, even for Content-Encoding: gzip objects.
// Read errors from body are *RequestError values; once ctx is cancelled,
// reads fail at once. A connection that breaks in the middle of the body is
// resumed transparently (a Range request for the rest, If-Match the ETag),
// up to Config.MaxTries requests, unless h carries its own Range header.
func (c *Client) GetProc(ctx context.Context, bp string, h http.Header, r *Range, fn func(body io.Reader, h http.Header) error) error {
	if fn == nil {
		return argError("GetProc", "nil fn")
	}
	return c.getProc(ctx, "GetProc", bp, h, r, func(body io.Reader, resp *http.Response) error {
		return fn(body, resp.Header)
	})
}

// getProc is GetProc for the other get functions: fn sees the whole
// response (its ContentLength in particular).
func (c *Client) getProc(ctx context.Context, fn, bp string, h http.Header, r *Range, read func(body io.Reader, resp *http.Response) error) error {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return fmt.Errorf("engine.%s: %w", fn, err)
	}
	if key == "" {
		return fmt.Errorf("engine.%s: %q names a bucket, not an object", fn, bp)
	}
	header := h.Clone()
	if r != nil {
		v, err := r.header(fn)
		if err != nil {
			return err
		}
		if header.Get("Range") != "" {
			return fmt.Errorf("engine.%s: both a range argument and a Range header", fn)
		}
		if header == nil {
			header = http.Header{}
		}
		header.Set("Range", v)
	}
	req := &request{method: http.MethodGet, bucket: bucket, key: key, header: header, tries: c.newTries()}
	resp, err := c.do(ctx, req)
	if err != nil {
		return err
	}
	rb := c.newResumingBody(ctx, req, resp, r, r == nil && header.Get("Range") != "")
	body := &scopedBody{ctx: ctx, r: rb, req: req}
	defer func() {
		body.invalidate()
		rb.Close()
	}()
	return read(body, resp)
}

// errBodyClosed is what a body handed to a GetProc callback returns once the
// callback has returned.
var errBodyClosed = errors.New("engine: response body read after the GetProc callback returned")

// scopedBody is a response body that stops working when the callback it was
// given to returns, and that reports transport failures as *RequestError.
type scopedBody struct {
	mu   sync.Mutex
	ctx  context.Context
	r    io.Reader
	req  *request
	done bool
}

func (b *scopedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return 0, errBodyClosed
	}
	if err := b.ctx.Err(); err != nil {
		// The transport notices a cancellation asynchronously; data already
		// buffered would still be read. Stop at once instead.
		return 0, &RequestError{Method: b.req.method, Bucket: b.req.bucket, Key: b.req.key, Err: err}
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = &RequestError{Method: b.req.method, Bucket: b.req.bucket, Key: b.req.key,
			Err: fmt.Errorf("reading the body: %w", unwrapURLError(err))}
	}
	return n, err
}

func (b *scopedBody) invalidate() {
	b.mu.Lock()
	b.done = true
	b.mu.Unlock()
}

// maxPrealloc bounds the buffer GetBytes allocates up front from a
// Content-Length it has not yet received.
const maxPrealloc = 64 << 20

// GetBytes returns the object bp (or the range r of it) in memory. Holding
// the whole body is its contract; use GetProc or GetFile for large objects.
func (c *Client) GetBytes(ctx context.Context, bp string, h http.Header, r *Range) ([]byte, error) {
	var data []byte
	err := c.getProc(ctx, "GetBytes", bp, h, r, func(body io.Reader, resp *http.Response) error {
		var buf bytes.Buffer
		if n := resp.ContentLength; n > 0 {
			buf.Grow(int(min(n, maxPrealloc)))
		}
		if _, err := buf.ReadFrom(body); err != nil {
			return err
		}
		data = buf.Bytes()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// GetFileOptions are GetFile's options.
type GetFileOptions struct {
	// Exists says what to do when the file exists, as the reference's
	// #:exists: "error" (the default, checked before any request), "append",
	// "update" (the file must exist; written from offset 0 without
	// truncating), "replace", "truncate" or "truncate/replace". The
	// replacing modes (and "error") download into a temporary file in the
	// same directory and rename it over the target only on success, so a
	// failure never leaves a truncated or partial file under the final
	// name. "append" and "update" write in place and cannot be atomic: a
	// failed download leaves what was written so far.
	Exists string
	// Sync makes the file durable before GetFile returns: the file is
	// fsynced before the rename, and its directory after it. Off by
	// default, as in curl, mc or s5cmd: the rename alone already makes the
	// file complete-or-absent for every reader while the system runs, and
	// the fsync of a large file costs about as much as its download (see
	// docs/performance.md).
	Sync bool
	// Mode is the reference's #:mode: "binary" (default) or "text"; both
	// write the bytes unchanged.
	Mode string
	// Progress, if not nil, is called as bytes arrive, with the total from
	// Content-Length (-1 if the server sent none).
	Progress Progress
	// Workers, above 1, downloads an object larger than PartSize with that
	// many ranged GETs in flight, each pinned to the first answer's ETag
	// (If-Match) and written at its offset into the temporary file (modes
	// "append" and "update", and a Range in the request headers, take one
	// stream). On a loopback MinIO this gained 10-15 % of wall time for
	// 20-30 % more CPU (docs/performance.md); over long network paths
	// parallel streams gain more. 0 or 1: one stream.
	Workers int
	// PartSize is the range size with Workers; 0 means
	// GetFilePartSizeDefault (16 MiB).
	PartSize int64
}

// GetFile downloads the object bp (with the request headers h) to file.
// See GetFileOptions for what happens to an existing file. It returns nil
// only when the whole object is on disk under the final name; a context
// cancelled before that (even from the last Progress call) is an error and,
// in the replacing modes, leaves the file as it was.
func (c *Client) GetFile(ctx context.Context, bp, file string, h http.Header, opt GetFileOptions) error {
	const fn = "GetFile"
	if file == "" {
		return argError(fn, "empty file name")
	}
	if err := checkFileMode(fn, opt.Mode); err != nil {
		return err
	}
	if opt.Workers < 0 || opt.PartSize < 0 {
		return argError(fn, "workers %d, part size %d: want at least 0", opt.Workers, opt.PartSize)
	}
	fsys := c.files()
	if err := fsys.checkExists(fn, file, opt.Exists); err != nil {
		return err
	}
	if opt.Workers > 1 && opt.Exists != ExistsAppend && opt.Exists != ExistsUpdate && h.Get("Range") == "" {
		err := c.getFileParallel(ctx, fn, bp, file, h, opt)
		// An empty object has no first range (416): one plain GET then.
		if re, ok := errors.AsType[*ResponseError](err); !ok || re.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			return err
		}
	}
	return c.getProc(ctx, fn, bp, h, nil, func(body io.Reader, resp *http.Response) error {
		sink, err := fsys.openSink(fn, file, opt.Exists)
		if err != nil {
			return err
		}
		sink.sync = opt.Sync
		var w io.Writer = sink.File
		var pw *progressWriter
		if opt.Progress != nil {
			if err := opt.Progress(0, resp.ContentLength); err != nil {
				sink.abort()
				return err
			}
			pw = &progressWriter{w: sink.File, total: resp.ContentLength, fn: opt.Progress}
			w = pw
		}
		if _, err := copyBody(w, body); err != nil {
			sink.abort()
			if pw != nil && pw.err != nil {
				return pw.err // the callback's error, unchanged
			}
			var re *RequestError
			if errors.As(err, &re) {
				return err
			}
			return fmt.Errorf("engine.%s: writing %s: %w", fn, file, err)
		}
		if err := ctx.Err(); err != nil {
			// Cancelled during the last Progress call: honour it rather than
			// racing the end of the body.
			sink.abort()
			return &RequestError{Method: http.MethodGet, Bucket: bucketOf(bp), Key: keyOf(bp), Err: err}
		}
		return sink.commit(fn)
	})
}

// copyBufferSize is the buffer of copyBody: large enough that a download
// costs few read and write system calls (io.Copy's 32 KiB buffer makes two
// per 32 KiB), small enough to stay in the L2 cache.
const copyBufferSize = 256 << 10

// copyBufPool recycles copyBody's buffers.
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// copyBody copies a response body to w through a pooled 256 KiB buffer.
// Neither side's ReadFrom or WriteTo is used: os.File's ReadFrom falls back
// to a 32 KiB copy for a body that is not a file or a socket.
func copyBody(w io.Writer, body io.Reader) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{body}, *bp)
}

// progressWriter reports every write to a Progress, on the writing
// goroutine; the Progress's error stops the copy and is kept in err.
type progressWriter struct {
	w     io.Writer
	done  int64
	total int64
	fn    Progress
	err   error
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if n > 0 {
		p.done += int64(n)
		if perr := p.fn(p.done, p.total); perr != nil {
			p.err = perr
			return n, perr
		}
	}
	return n, err
}

// bucketOf and keyOf split an already validated bucket+path for messages.
func bucketOf(bp string) string { b, _, _ := SplitBucketPath(bp); return b }
func keyOf(bp string) string    { _, k, _ := SplitBucketPath(bp); return k }
