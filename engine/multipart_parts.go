package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/s3lua/s3lua/signature"
)

// The parallel part uploader behind every multipart upload: parts go to
// workers, progress is reported on the calling goroutine, failed parts are
// retried within the request budget.

// partTask is one part for a worker: its bytes (from getPart, on the
// caller) or a loader the worker runs (file slices, read by the worker so
// that only one part per worker is in memory).
type partTask struct {
	number  int // 1-based
	data    []byte
	load    func(buf []byte) ([]byte, error)
	section *fileSection // a slice of a file, hashed and sent from the file itself
	size    int64        // expected size, for progress; -1 when unknown before loading
}

type partResult struct {
	part Part
	err  error
}

// partsRun is the shared state of one parallel part upload.
type partsRun struct {
	c                     *Client
	fn                    string
	bucket, key, uploadID string
	workers               int
	progress              Progress
	total                 int64
	sent                  atomic.Int64 // bytes of parts sent so far, in flight included
	notify                chan struct{}
	// partHeader holds headers every part request repeats: the SSE-C key
	// of the upload (sseCustomerPartHeader).
	partHeader http.Header
	// crc32c: the upload declared CRC32C (X-Amz-Checksum-Algorithm), so
	// every part carries its CRC32C, which the server checks.
	crc32c bool
	// upload sends one part; nil means uploadWithRetry. Tests of the
	// coordinator replace it.
	upload func(ctx context.Context, number int, data []byte) (Part, error)
}

// run uploads count parts. next(i), for i from 0, is called on the calling
// goroutine, sequentially, and returns either the task for part i+1 or,
// for a part already uploaded, that part (resume). Tasks go to r.workers
// goroutines through an unbuffered channel, so at most workers+1 parts are
// in memory. On the first failure (a part that failed for good, ctx) the
// workers are cancelled and waited for; when a callback fails (next's
// error, the Progress's) the parts in flight are let finish instead. The
// error is returned; the caller decides about aborting.
func (r *partsRun) run(ctx context.Context, count int, next func(i int) (partTask, *Part, error)) ([]Part, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.notify = make(chan struct{}, 1)
	workers := min(r.workers, count)
	tasks := make(chan partTask)
	results := make(chan partResult, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(wctx, tasks, results)
		}()
	}
	// drain closes the task channel and reads results until every worker
	// is gone: the coordinator wants no more results, but workers may still
	// have one each to send (results holds only workers of them).
	drain := func() {
		close(tasks)
		gone := make(chan struct{})
		go func() {
			wg.Wait()
			close(gone)
		}()
		for {
			select {
			case <-results:
			case <-gone:
				return
			}
		}
	}
	// stop ends the run early, cancelling the parts in flight.
	stop := func() {
		cancel()
		drain()
	}

	// settle ends the run after a callback failed (next or the Progress):
	// no new part starts, and the parts in flight are waited for rather
	// than cancelled, so that none reaches the server after the caller
	// aborts the upload (a server may store a part whose request the
	// client gave up on, after the abort, leaving an upload behind).
	settle := func(err error) ([]Part, error) {
		drain()
		return nil, err
	}

	parts := make([]Part, 0, count)
	last := int64(-1)
	// report calls the Progress; its error ends the run like a failed
	// part, before the caller can complete the upload.
	report := func() error {
		if r.progress == nil {
			return nil
		}
		if n := r.sent.Load(); n != last {
			last = n
			return r.progress(n, r.total)
		}
		return nil
	}
	if err := report(); err != nil {
		return settle(err)
	}

	var pending *partTask
	i, inflight := 0, 0
	for {
		if pending == nil && i < count {
			t, already, err := next(i)
			i++
			if err != nil {
				return settle(err)
			}
			if already != nil {
				parts = append(parts, *already)
				if t.size > 0 {
					r.sent.Add(t.size)
				}
				if err := report(); err != nil {
					return settle(err)
				}
				continue
			}
			pending = &t
		}
		if pending == nil && inflight == 0 {
			break
		}
		var send chan<- partTask
		var task partTask
		if pending != nil {
			send, task = tasks, *pending
		}
		select {
		case send <- task:
			pending = nil
			inflight++
		case res := <-results:
			inflight--
			if res.err != nil {
				stop()
				return nil, res.err
			}
			parts = append(parts, res.part)
			if err := report(); err != nil {
				return settle(err)
			}
		case <-r.notify:
			if err := report(); err != nil {
				return settle(err)
			}
		case <-ctx.Done():
			stop()
			return nil, &RequestError{Method: http.MethodPut, Bucket: r.bucket, Key: r.key, Err: ctx.Err()}
		}
	}
	close(tasks)
	wg.Wait()
	if err := report(); err != nil {
		return nil, err
	}
	return parts, nil
}

// worker uploads tasks until the channel closes. After a failure it keeps
// draining (without uploading) so the coordinator never blocks.
func (r *partsRun) worker(ctx context.Context, tasks <-chan partTask, results chan<- partResult) {
	upload := r.upload
	if upload == nil {
		upload = r.uploadWithRetry
	}
	var buf []byte
	for t := range tasks {
		if ctx.Err() != nil {
			results <- partResult{err: ctx.Err()}
			continue
		}
		if t.section != nil && r.upload != nil {
			sec := t.section
			t.load = func(buf []byte) ([]byte, error) { return sec.plan.loadTask(t.number - 1).load(buf) }
		} else if t.section != nil {
			if cap(buf) < sectionHashBuffer {
				buf = make([]byte, sectionHashBuffer)
			}
			part, err := r.uploadSection(ctx, t.number, t.section, buf[:sectionHashBuffer])
			if err != nil {
				err = fmt.Errorf("engine.%s: part %d: %w", r.fn, t.number, err)
			}
			results <- partResult{part: part, err: err}
			continue
		}
		data := t.data
		if t.load != nil {
			var err error
			if data, err = t.load(buf); err != nil {
				results <- partResult{err: fmt.Errorf("engine.%s: part %d: %w", r.fn, t.number, err)}
				continue
			}
			buf = data[:0]
		}
		part, err := upload(ctx, t.number, data)
		if err != nil {
			err = fmt.Errorf("engine.%s: part %d: %w", r.fn, t.number, err)
		}
		results <- partResult{part: part, err: err}
	}
}

// uploadWithRetry uploads one part, retrying it as a whole (with backoff)
// when the failure was transient, for failures the request primitive does
// not retry itself (a timeout while the body was being sent, ...). Both
// share one budget: the part is sent at most Config.MaxTries times in all.
// Permanent failures (403, 404 NoSuchUpload, bad digest, ...) stop at once.
func (r *partsRun) uploadWithRetry(ctx context.Context, number int, data []byte) (Part, error) {
	// The server checks the part's CRC32C (when declared) and, when the
	// payload is signed (unsignedPayload), its SHA-256: either covers what
	// Content-MD5 would, which costs far more CPU (docs/performance.md).
	// The part's ETag is still its MD5, computed by the server, which
	// resuming relies on.
	payloadHash := signature.UnsignedPayload
	if !r.unsignedPayload() {
		sum := sha256.Sum256(data)
		payloadHash = hex.EncodeToString(sum[:])
	}
	header := r.partHeader.Clone()
	crc := ""
	if r.crc32c {
		crc = crc32cBase64(crc32.Checksum(data, castagnoli()))
		header = setHeader(header, "X-Amz-Checksum-Crc32c", crc)
	}
	var partSent atomic.Int64
	newBody := func() (io.ReadCloser, error) {
		// A new attempt: what the last one sent no longer counts.
		r.sent.Add(-partSent.Swap(0))
		return io.NopCloser(&countingBytes{r: bytes.NewReader(data), part: &partSent, run: r}), nil
	}
	req := &request{method: http.MethodPut, bucket: r.bucket, key: r.key,
		header:         header,
		newBody:        newBody,
		contentLength:  int64(len(data)),
		payloadHash:    payloadHash,
		expectContinue: true,
		query:          url.Values{"partNumber": {strconv.Itoa(number)}, "uploadId": {r.uploadID}},
		tries:          r.c.newTries()}
	if len(data) == 0 {
		req.newBody, req.payloadHash = nil, ""
	}
	part, err := r.sendWithRetry(ctx, req, number, int64(len(data)), &partSent)
	part.ChecksumCRC32C = crc
	return part, err
}

// setHeader sets k in h, making h when it is nil.
func setHeader(h http.Header, k, v string) http.Header {
	if h == nil {
		h = http.Header{}
	}
	h.Set(k, v)
	return h
}

// sendWithRetry sends a part's request until it succeeds, fails for good
// or the budget is spent; partSent is what the current attempt has sent.
func (r *partsRun) sendWithRetry(ctx context.Context, req *request, number int, size int64, partSent *atomic.Int64) (Part, error) {
	for {
		part, err := r.c.sendPart(ctx, req, number)
		if err == nil {
			// Count the part fully even if the body was never read (empty,
			// or sent with sendfile).
			r.sent.Add(size - partSent.Swap(size))
			r.poke()
			return part, nil
		}
		if req.tries.spent() || !partRetryable(err) || ctx.Err() != nil {
			return Part{}, err
		}
		if serr := r.c.backoff(ctx, req.tries.n, err); serr != nil {
			return Part{}, err
		}
	}
}

// sectionHashBuffer is the buffer a worker hashes a file part through: it
// stays in the L2 cache, and it is all the memory a file part needs.
const sectionHashBuffer = 256 << 10

// fileSection is part of a file to upload: n bytes at off of the file
// plan.f, opened as plan.name.
type fileSection struct {
	plan   *filePlan
	off, n int64
}

// open opens the file again, with an offset of its own at the section's
// start, for one attempt at sending the section. It must be the file the
// upload was planned from (a file put in its place meanwhile is an error).
func (s *fileSection) open() (*os.File, error) {
	f, err := s.plan.fsys.open(s.plan.name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !os.SameFile(st, s.plan.st) {
		err = fmt.Errorf("%s was replaced during the upload", s.plan.name)
	}
	if err == nil {
		_, err = f.Seek(s.off, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// sectionBody is the body of one attempt at sending a file section: its
// own descriptor of the file, limited to the section. net/http's transport
// sends a body of known length through io.Copy into the connection, and a
// plain TCP connection then sends a body that is a syscall.Conn with
// sendfile(2), straight from the page cache, using the descriptor's offset:
// no copy through user space. Over TLS (or any other connection) Read is
// used, and counts progress as it goes.
type sectionBody struct {
	f    *os.File
	end  int64         // the section's end in the file
	sent *atomic.Int64 // this part's bytes read through Read
	run  *partsRun
}

// Read reads up to the section's end. The descriptor's offset says where
// the body is: sendfile advances it without calling Read, and net/http
// reads on after the declared length to check that the body has ended.
func (b *sectionBody) Read(p []byte) (int, error) {
	pos, err := b.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	if pos >= b.end {
		return 0, io.EOF
	}
	if int64(len(p)) > b.end-pos {
		p = p[:b.end-pos]
	}
	n, err := b.f.Read(p)
	if n > 0 {
		b.sent.Add(int64(n))
		b.run.sent.Add(int64(n))
		b.run.poke()
	}
	return n, err
}

func (b *sectionBody) Close() error { return b.f.Close() }

// SyscallConn lets net's sendfile path use the file's descriptor.
func (b *sectionBody) SyscallConn() (syscall.RawConn, error) { return b.f.SyscallConn() }

// uploadSection uploads one file section as part number, retried as
// uploadWithRetry retries (one budget of Config.MaxTries sends). Over
// https with CRC32C declared, the payload is unsigned (TLS protects it)
// and the section is read once, as it is sent, with its CRC32C in an
// aws-chunked trailer the server checks (uploadSectionTrailer). Otherwise
// the section is read once through buf for its CRC32C (when declared)
// and, unless the payload goes unsigned (unsignedPayload: loopback), its
// SHA-256, then sent from the file on each attempt. A file that changes
// meanwhile fails the upload (the server checks the digest), it never
// stores other bytes than were hashed.
func (r *partsRun) uploadSection(ctx context.Context, number int, s *fileSection, buf []byte) (Part, error) {
	unsigned := r.unsignedPayload()
	if unsigned && r.c.cfg.Scheme == "https" {
		return r.uploadSectionTrailer(ctx, number, s)
	}
	h := sha256.New()
	var crc uint32
	for off := s.off; off < s.off+s.n; {
		m := min(int64(len(buf)), s.off+s.n-off)
		k, err := s.plan.f.ReadAt(buf[:m], off)
		if !unsigned {
			h.Write(buf[:k])
		}
		if r.crc32c {
			crc = crc32.Update(crc, castagnoli(), buf[:k])
		}
		off += int64(k)
		if err != nil && (err != io.EOF || off < s.off+s.n) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return Part{}, fmt.Errorf("reading %s at %d: %w", s.plan.name, off, err)
		}
	}
	header := r.partHeader.Clone()
	if r.crc32c {
		header = setHeader(header, "X-Amz-Checksum-Crc32c", crc32cBase64(crc))
	}
	var partSent atomic.Int64
	newBody := func() (io.ReadCloser, error) {
		r.sent.Add(-partSent.Swap(0))
		f, err := s.open()
		if err != nil {
			return nil, err
		}
		return &sectionBody{f: f, end: s.off + s.n, sent: &partSent, run: r}, nil
	}
	req := &request{method: http.MethodPut, bucket: r.bucket, key: r.key,
		header:         header,
		newBody:        newBody,
		contentLength:  s.n,
		payloadHash:    hex.EncodeToString(h.Sum(nil)),
		expectContinue: true,
		query:          url.Values{"partNumber": {strconv.Itoa(number)}, "uploadId": {r.uploadID}},
		tries:          r.c.newTries()}
	if unsigned {
		req.payloadHash = signature.UnsignedPayload
	}
	part, err := r.sendWithRetry(ctx, req, number, s.n, &partSent)
	if r.crc32c {
		part.ChecksumCRC32C = crc32cBase64(crc)
	}
	return part, err
}

// unsignedPayload reports whether parts go with an unsigned payload and
// their CRC32C as the integrity check, as the AWS SDKs send them over
// https: there TLS protects the bytes, and to a loopback address (plain
// http) they never leave the machine, so the payload's SHA-256, which the
// server must compute again to check it, buys nothing the CRC32C does not.
// Over plain http to any other host the payload is signed.
func (r *partsRun) unsignedPayload() bool {
	return r.crc32c && !r.c.cfg.SignPayload && (r.c.cfg.Scheme == "https" || isLoopback(r.c.cfg.hostname()))
}

// uploadSectionTrailer sends a section as unsigned aws-chunked chunks
// followed by an x-amz-checksum-crc32c trailer (STREAMING-UNSIGNED-
// PAYLOAD-TRAILER, as the AWS SDKs do over https): one pass over the
// bytes, no digest before the first byte is sent.
func (r *partsRun) uploadSectionTrailer(ctx context.Context, number int, s *fileSection) (Part, error) {
	var partSent atomic.Int64
	var last *crcReader
	source := func() (io.Reader, error) {
		r.sent.Add(-partSent.Swap(0))
		last = &crcReader{r: io.NewSectionReader(s.plan.f, s.off, s.n), sent: &partSent, run: r}
		return last, nil
	}
	req := &request{method: http.MethodPut, bucket: r.bucket, key: r.key,
		header:         r.partHeader.Clone(),
		expectContinue: true,
		stream: &streamSpec{source: source, decodedLen: s.n,
			opts: signature.StreamOptions{ChunkLen: r.c.cfg.ChunkLen, Trailer: "crc32c", Unsigned: true}},
		query: url.Values{"partNumber": {strconv.Itoa(number)}, "uploadId": {r.uploadID}},
		tries: r.c.newTries()}
	part, err := r.sendWithRetry(ctx, req, number, s.n, &partSent)
	if err == nil {
		part.ChecksumCRC32C = crc32cBase64(last.sum.Load())
	}
	return part, err
}

// crcReader reads a part for the trailer upload, keeping its CRC32C and
// counting progress. sum is atomic: the transport reads on a goroutine of
// its own, the worker takes the sum after the answer.
type crcReader struct {
	r    io.Reader
	crc  uint32
	sum  atomic.Uint32
	sent *atomic.Int64
	run  *partsRun
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.crc = crc32.Update(c.crc, castagnoli(), p[:n])
		c.sum.Store(c.crc)
		c.sent.Add(int64(n))
		c.run.sent.Add(int64(n))
		c.run.poke()
	}
	return n, err
}

func (r *partsRun) poke() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// sendPart sends a prepared UploadPart request and returns its ETag.
func (c *Client) sendPart(ctx context.Context, req *request, number int) (Part, error) {
	resp, err := c.do(ctx, req)
	if err != nil {
		return Part{}, err
	}
	drainClose(resp.Body)
	etag := resp.Header.Get("ETag")
	if etag == "" {
		return Part{}, &RequestError{Method: req.method, Bucket: req.bucket, Key: req.key,
			Err: fmt.Errorf("the answer to UploadPart %d has no ETag", number)}
	}
	return Part{PartNumber: number, ETag: etag}, nil
}

// countingBytes counts the bytes of a part the transport has read.
type countingBytes struct {
	r    *bytes.Reader
	part *atomic.Int64
	run  *partsRun
}

func (b *countingBytes) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.part.Add(int64(n))
		b.run.sent.Add(int64(n))
		b.run.poke()
	}
	return n, err
}

// partRetryable reports whether a part upload that failed after the
// primitive's retries is worth another whole try.
func partRetryable(err error) bool {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrNoCredentials):
		return false
	}
	var re *ResponseError
	if errors.As(err, &re) {
		return retryableResponse(re) || re.StatusCode == http.StatusRequestTimeout ||
			re.StatusCode == http.StatusTooManyRequests
	}
	var rq *RequestError
	return errors.As(err, &rq)
}
