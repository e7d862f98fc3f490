package engine

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/s3lua/s3lua/signature"
)

// PutOptions are Put's options.
type PutOptions struct {
	// ChunkLen is the aws-chunked chunk length, at least ChunkLenMinimum
	// (8 KiB); 0 means Config.ChunkLen.
	ChunkLen int
	// Stored, if not nil, is called on the calling goroutine with the
	// response headers once the server has stored the object. An error
	// from it undoes the put: the object is deleted if it is still the one
	// this put stored (its ETag is the one the answer gave), never
	// otherwise, and Put returns that error unchanged.
	Stored func(h http.Header) error
}

// chunkLen resolves and validates a chunk length option.
func (c *Client) chunkLen(fn string, n int) (int, error) {
	if n == 0 {
		n = c.cfg.ChunkLen
	}
	if n == 0 {
		n = ChunkLenDefault
	}
	if n < ChunkLenMinimum {
		return 0, fmt.Errorf("engine.%s: chunk length %d: want at least %d (8 KiB)", fn, n, ChunkLenMinimum)
	}
	return n, nil
}

// objectArg splits bp and insists on a key.
func objectArg(fn, bp string) (bucket, key string, err error) {
	bucket, key, err = SplitBucketPath(bp)
	if err != nil {
		return "", "", fmt.Errorf("engine.%s: %w", fn, err)
	}
	if key == "" {
		return "", "", fmt.Errorf("engine.%s: %q names a bucket, not an object", fn, bp)
	}
	return bucket, key, nil
}

// Put uploads dataLength bytes produced by writer to bp ("bucket/key") in
// one streaming request, signed chunk by chunk (aws-chunked,
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD), and returns the response headers.
// mimeType, if not "", is the Content-Type; h holds extra headers
// (x-amz-meta-*, Cache-Control, x-amz-acl, ...).
//
// The request is sent with "Expect: 100-continue": writer is called only
// once the server has accepted the request headers, so a rejected PUT (no
// such bucket, access denied, too large) never calls it, on servers that
// decide before answering "100 Continue" (S3, MinIO, the embedded store;
// versitygw 1.8.0 answers it first, and a server silent for the transport's
// ExpectContinueTimeout, 1 s, gets the body anyway). writer runs on the
// calling goroutine while the request is sent from another one; writes block
// until the network takes the data, so memory stays constant.
//
// writer must write exactly dataLength bytes. Fewer or more is an error
// wrapping signature.ErrBodyLength, and the request is aborted before its
// final chunk, so no object is created. An error returned by writer aborts
// the upload the same way and is returned wrapped (errors.Is finds it).
// Because writer cannot be replayed, Put is retried only when the server
// refuses it before writer was called.
func (c *Client) Put(ctx context.Context, bp string, writer func(w io.Writer) error, dataLength int64, mimeType string, h http.Header, opt PutOptions) (http.Header, error) {
	const fn = "Put"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return nil, err
	}
	if writer == nil {
		return nil, argError(fn, "nil writer")
	}
	if dataLength < 0 {
		return nil, argError(fn, "data length %d: want at least 0", dataLength)
	}
	chunkLen, err := c.chunkLen(fn, opt.ChunkLen)
	if err != nil {
		return nil, err
	}
	if _, err := signature.EncodedLength(dataLength, signature.StreamOptions{ChunkLen: chunkLen}); err != nil {
		return nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	header := h.Clone()
	if header == nil {
		header = http.Header{}
	}
	if mimeType != "" {
		header.Set("Content-Type", mimeType)
	}

	req := &request{method: http.MethodPut, bucket: bucket, key: key, header: header,
		expectContinue: true,
		stream:         &streamSpec{decodedLen: dataLength, opts: signature.StreamOptions{ChunkLen: chunkLen}}}
	resp, _, err := c.sendWriter(ctx, req, writer, dataLength, false)
	if err != nil {
		return nil, err
	}
	if opt.Stored != nil {
		if err := opt.Stored(resp.Header); err != nil {
			return nil, c.undoPut(ctx, bucket, key, resp.Header.Get("ETag"), err)
		}
	}
	return resp.Header, nil
}

// sendWriter sends req, whose body is the aws-chunked stream of the
// dataLength bytes writer writes (req.stream is set, its reader is filled
// in here), as Put describes. With keepBody, the answer's body (at most
// maxCheckedBody bytes) is returned; otherwise it is discarded.
func (c *Client) sendWriter(ctx context.Context, req *request, writer func(w io.Writer) error, dataLength int64, keepBody bool) (*http.Response, []byte, error) {
	pr, pw := io.Pipe()
	started := make(chan struct{})
	req.stream.reader = &startReader{r: pr, started: started}

	type result struct {
		resp *http.Response
		body []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := c.do(ctx, req)
		var data []byte
		if err == nil && keepBody {
			data, err = io.ReadAll(io.LimitReader(resp.Body, maxCheckedBody))
			resp.Body.Close()
			if err != nil {
				err = &RequestError{Method: req.method, Bucket: req.bucket, Key: req.key,
					Err: fmt.Errorf("reading the answer: %w", unwrapURLError(err))}
			}
		} else if err == nil {
			drainClose(resp.Body)
		}
		// Unblock a writer still writing: the request is over.
		pr.CloseWithError(errRequestOver)
		done <- result{resp, data, err}
	}()

	var res result
	select {
	case <-started:
		w := &limitedPipeWriter{pw: pw, limit: dataLength}
		werr := writer(w)
		own := werr != nil && !w.fromPipe(werr)
		short := !w.over && w.pipeErr == nil && w.n != dataLength
		switch {
		case w.over:
			// The pipe is already closed with ErrBodyLength.
		case own:
			pw.CloseWithError(fmt.Errorf("engine.Put: writer failed: %w", werr))
		case short:
			pw.CloseWithError(fmt.Errorf("engine.Put: writer wrote %d of %d bytes: %w", w.n, dataLength, signature.ErrBodyLength))
		default:
			pw.Close()
		}
		res = <-done
		switch {
		case w.over:
			return nil, nil, w.pipeErr
		case own:
			return nil, nil, fmt.Errorf("engine.Put: writer: %w", werr)
		case short:
			return nil, nil, fmt.Errorf("engine.Put: writer wrote %d bytes, data length is %d: %w", w.n, dataLength, signature.ErrBodyLength)
		case res.err != nil:
			return nil, nil, res.err
		case werr != nil || w.n != dataLength:
			// The pipe failed although the request succeeded: cannot happen
			// with a conforming transport, but never report success then.
			return nil, nil, fmt.Errorf("engine.Put: writer: %w", cmpOr(werr, w.pipeErr))
		}
	case res = <-done:
		pw.Close()
		if res.err != nil {
			return nil, nil, res.err
		}
		if dataLength > 0 {
			// The server answered 2xx without reading the body.
			return nil, nil, fmt.Errorf("engine.Put: the server answered before taking the body: %w", signature.ErrBodyLength)
		}
		// An empty body may be sent without the transport asking for it.
	}
	return res.resp, res.body, nil
}

// undoPut deletes the object a put stored, after cause made the put fail,
// when the object is still the one the put wrote: a HEAD with If-Match the
// ETag the put got back. An object another writer stored since has another
// ETag and is left alone; so is one with no ETag known. Only cause is
// returned, unless the deletion itself failed.
func (c *Client) undoPut(ctx context.Context, bucket, key, etag string, cause error) error {
	if etag == "" {
		return cause
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	bp := bucket + "/" + key
	// If-Match, and the ETag compared here too: not every server honours
	// a conditional HEAD.
	h, err := c.Head(uctx, bp, http.Header{"If-Match": {etag}})
	if err != nil {
		var re *ResponseError
		if errors.As(err, &re) && (re.StatusCode == http.StatusPreconditionFailed || re.StatusCode == http.StatusNotFound) {
			return cause // replaced or removed meanwhile: not ours any more
		}
		return errors.Join(cause, fmt.Errorf("engine: undoing the put of %s: %w", bp, err))
	}
	if h.Get("ETag") != etag {
		return cause
	}
	if _, err := c.Delete(uctx, bp); err != nil {
		return errors.Join(cause, fmt.Errorf("engine: undoing the put of %s: %w", bp, err))
	}
	return cause
}

func cmpOr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// errRequestOver is what a Put writer's writes fail with once the HTTP
// exchange has ended (the server answered or the connection failed).
var errRequestOver = errors.New("engine.Put: the request has ended")

// startReader signals the first Read: the transport wants the body, so the
// server accepted the request headers (100 Continue).
type startReader struct {
	r       io.Reader
	started chan struct{}
	once    atomic.Bool
}

func (s *startReader) Read(p []byte) (int, error) {
	if s.once.CompareAndSwap(false, true) {
		close(s.started)
	}
	return s.r.Read(p)
}

// limitedPipeWriter is the io.Writer handed to a Put writer. It counts the
// bytes and closes the pipe with signature.ErrBodyLength at the first write
// past the declared length, so the request is aborted instead of completing
// with the first dataLength bytes.
type limitedPipeWriter struct {
	pw      *io.PipeWriter
	limit   int64
	n       int64
	over    bool
	pipeErr error // the first error the pipe returned
}

func (w *limitedPipeWriter) Write(p []byte) (int, error) {
	if w.over {
		return 0, w.pipeErr
	}
	if int64(len(p)) > w.limit-w.n {
		w.over = true
		w.pipeErr = fmt.Errorf("engine.Put: writer wrote more than the data length %d: %w", w.limit, signature.ErrBodyLength)
		w.pw.CloseWithError(w.pipeErr)
		return 0, w.pipeErr
	}
	n, err := w.pw.Write(p)
	w.n += int64(n)
	if err != nil && w.pipeErr == nil {
		w.pipeErr = err
	}
	return n, err
}

// fromPipe reports whether err (returned by the writer) is only the echo of
// a failed write into the pipe, i.e. not the writer's own failure.
func (w *limitedPipeWriter) fromPipe(err error) bool {
	return w.pipeErr != nil && (err == w.pipeErr || errors.Is(err, w.pipeErr) || errors.Is(err, io.ErrClosedPipe))
}

// PutBytes uploads data to bp in one request with Content-MD5, the SHA-256
// of data as the payload hash and mimeType as Content-Type (if not ""),
// plus the headers h. It is retried on transient failures; it returns the
// response headers.
func (c *Client) PutBytes(ctx context.Context, bp string, data []byte, mimeType string, h http.Header) (http.Header, error) {
	return c.putBytes(ctx, "PutBytes", bp, data, mimeType, h, true)
}

// putBytes is PutBytes; expectContinue false sends the body at once, which
// saves a round trip for small bodies (a batch's small puts).
func (c *Client) putBytes(ctx context.Context, fn, bp string, data []byte, mimeType string, h http.Header, expectContinue bool) (http.Header, error) {
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return nil, err
	}
	header := h.Clone()
	if header == nil {
		header = http.Header{}
	}
	if mimeType != "" {
		header.Set("Content-Type", mimeType)
	}
	header.Set("Content-MD5", contentMD5(data))
	resp, err := c.doPut(ctx, &request{method: http.MethodPut, bucket: bucket, key: key, header: header,
		body: data, expectContinue: expectContinue})
	if err != nil {
		return nil, err
	}
	drainClose(resp.Body)
	return resp.Header, nil
}

// PutFileOptions are PutFile's options.
type PutFileOptions struct {
	// MIMEType is the Content-Type; "" means Config.MIMEType(file), and
	// MIMEType(file) when that is nil.
	MIMEType string
	// Mode is the reference's #:mode, "binary" (default) or "text"; both
	// send the bytes unchanged.
	Mode string
	// Inline sends "Content-Disposition: inline" instead of an attachment
	// named after the file (see ContentDisposition).
	Inline bool
	// ChunkLen is the aws-chunked chunk length; 0 means Config.ChunkLen.
	ChunkLen int
	// Header holds extra request headers; they override the computed ones
	// (Content-Type, Content-Disposition), except Content-MD5.
	Header http.Header
	// Progress, if not nil, is called as the file is sent.
	Progress Progress
}

// smallPutFile: PutFile sends a file of at most this many bytes from
// memory in one plain request (unless a Progress or a ChunkLen is given).
const smallPutFile = 256 << 10

// PutFile uploads file to bp in one streaming request and returns the
// response headers, never holding the file in memory. Over http it reads
// the file twice: once for Content-MD5 (so the server verifies what it
// stored), once to send it aws-chunked with signed chunks. Over https
// (unless Config.ChecksumCalculation is ChecksumWhenRequired) it reads it
// once: unsigned chunks and a CRC32C trailer the server checks. A file of at most 256 KiB, when neither Progress
// nor ChunkLen is set, is read into memory and sent as PutBytes sends
// data (Content-MD5, signed payload), without waiting for 100 Continue. Content-Type is chosen as PutFileOptions.MIMEType
// says, Content-Disposition by ContentDisposition(file, opt.Inline). A
// transient failure is retried by sending the file again. An empty file
// gives an empty object. For large files use MultipartPutFile.
func (c *Client) PutFile(ctx context.Context, bp, file string, opt PutFileOptions) (http.Header, error) {
	const fn = "PutFile"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return nil, err
	}
	if err := checkFileMode(fn, opt.Mode); err != nil {
		return nil, err
	}
	chunkLen, err := c.chunkLen(fn, opt.ChunkLen)
	if err != nil {
		return nil, err
	}
	f, size, err := c.files().openRegular(fn, file)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	if size <= smallPutFile && opt.Progress == nil && opt.ChunkLen == 0 {
		// A small file costs less as one plain signed request sent at once
		// (no aws-chunked framing, no Expect: 100-continue round trip).
		data := make([]byte, size)
		if _, err := io.ReadFull(f, data); err != nil {
			return nil, fmt.Errorf("engine.%s: reading %s: %w", fn, file, err)
		}
		h := c.fileHeader(file, opt.MIMEType, opt.Inline, opt.Header)
		return c.putBytes(ctx, fn, bp, data, h.Get("Content-Type"), h, false)
	}

	header := c.fileHeader(file, opt.MIMEType, opt.Inline, opt.Header)
	so := signature.StreamOptions{ChunkLen: chunkLen}
	if c.cfg.Scheme == "https" && c.cfg.ChecksumCalculation != ChecksumWhenRequired {
		// Over TLS, as the AWS SDKs: an unsigned payload with its CRC32C
		// in a trailer, which the server checks; one pass over the file.
		so.Trailer, so.Unsigned = "crc32c", true
	} else {
		sum := md5.New()
		if _, err := io.Copy(sum, io.NewSectionReader(f, 0, size)); err != nil {
			return nil, fmt.Errorf("engine.%s: reading %s: %w", fn, file, err)
		}
		header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum.Sum(nil)))
	}

	rep := newReporter(opt.Progress, size)
	source := func() (io.Reader, error) {
		return rep.body(io.NewSectionReader(f, 0, size))
	}
	req := &request{method: http.MethodPut, bucket: bucket, key: key, header: header, expectContinue: true,
		stream: &streamSpec{source: source, decodedLen: size, opts: so}}
	var resp *http.Response
	err = rep.run(ctx, func(ctx context.Context) error {
		var err error
		resp, err = c.doPut(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	drainClose(resp.Body)
	return resp.Header, nil
}

// openRegular opens a regular file for upload and returns its size.
func (fsys fileSystem) openRegular(fn, file string) (*os.File, int64, error) {
	if file == "" {
		return nil, 0, argError(fn, "empty file name")
	}
	f, err := fsys.open(file)
	if err != nil {
		return nil, 0, fmt.Errorf("engine.%s: %w", fn, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("engine.%s: %w", fn, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("engine.%s: %s is not a regular file", fn, file)
	}
	return f, st.Size(), nil
}

// fileHeader is the header set of a file upload: Content-Type,
// Content-Disposition, then the caller's extra headers on top.
func (c *Client) fileHeader(file, mimeType string, inline bool, extra http.Header) http.Header {
	header := http.Header{}
	header.Set("Content-Type", mimeTypeFor(mimeType, c.cfg.MIMEType, file))
	header.Set("Content-Disposition", ContentDisposition(file, inline))
	for k, vs := range extra {
		header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	return header
}
