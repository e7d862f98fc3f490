package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// abortTimeout bounds the AbortMultipartUpload sent after a failure; it
// runs even when the caller's context was cancelled.
const abortTimeout = 30 * time.Second

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
	// stop ends the run early. The coordinator reads no more results, but
	// workers may still have one each to send (results holds only
	// workers of them), so they are drained until every worker is gone.
	stop := func() {
		cancel()
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

	// settle ends the run after a callback failed (next or the Progress):
	// no new part starts, and the parts in flight are waited for rather
	// than cancelled, so that none reaches the server after the caller
	// aborts the upload (a server may store a part whose request the
	// client gave up on, after the abort, leaving an upload behind).
	settle := func(err error) ([]Part, error) {
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
				return nil, err
			}
		}
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
	// The payload is signed: the server checks the part's SHA-256, which
	// covers what Content-MD5 would (and MD5 costs 3.5 times SHA-256's CPU;
	// docs/performance.md). The part's ETag is still its MD5, computed by
	// the server, which resuming relies on.
	sum := sha256.Sum256(data)
	payloadHash := hex.EncodeToString(sum[:])
	var partSent atomic.Int64
	newBody := func() (io.ReadCloser, error) {
		// A new attempt: what the last one sent no longer counts.
		r.sent.Add(-partSent.Swap(0))
		return io.NopCloser(&countingBytes{r: bytes.NewReader(data), part: &partSent, run: r}), nil
	}
	req := &request{method: http.MethodPut, bucket: r.bucket, key: r.key,
		header:         r.partHeader.Clone(),
		newBody:        newBody,
		contentLength:  int64(len(data)),
		payloadHash:    payloadHash,
		expectContinue: true,
		query:          url.Values{"partNumber": {strconv.Itoa(number)}, "uploadId": {r.uploadID}},
		tries:          r.c.newTries()}
	if len(data) == 0 {
		req.newBody, req.payloadHash = nil, ""
	}
	return r.sendWithRetry(ctx, req, number, int64(len(data)), &partSent)
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
// uploadWithRetry retries (one budget of Config.MaxTries sends). The section is read once through buf to compute
// its SHA-256 (the payload is signed), then sent from the file on each
// attempt. A file that changes meanwhile fails the upload (the server
// checks the SHA-256), it never stores other bytes than were hashed.
func (r *partsRun) uploadSection(ctx context.Context, number int, s *fileSection, buf []byte) (Part, error) {
	h := sha256.New()
	for off := s.off; off < s.off+s.n; {
		m := min(int64(len(buf)), s.off+s.n-off)
		k, err := s.plan.f.ReadAt(buf[:m], off)
		h.Write(buf[:k])
		off += int64(k)
		if err != nil && (err != io.EOF || off < s.off+s.n) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return Part{}, fmt.Errorf("reading %s at %d: %w", s.plan.name, off, err)
		}
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
		newBody:        newBody,
		contentLength:  s.n,
		payloadHash:    hex.EncodeToString(h.Sum(nil)),
		expectContinue: true,
		query:          url.Values{"partNumber": {strconv.Itoa(number)}, "uploadId": {r.uploadID}},
		tries:          r.c.newTries()}
	return r.sendWithRetry(ctx, req, number, s.n, &partSent)
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

// abortQuietly aborts an upload after a failure, even when ctx is already
// cancelled. Its own failure is joined to cause so that nothing is hidden.
func (c *Client) abortQuietly(ctx context.Context, bucket, key, uploadID string, cause error) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	// At least DefaultMaxTries attempts: a failed abort leaves an orphan.
	if err := c.cleanup().AbortMultipartUpload(actx, bucket+"/"+key, uploadID); err != nil {
		return errors.Join(cause, fmt.Errorf("aborting upload %s also failed (remove it with AbortMultipartUpload): %w", uploadID, err))
	}
	return cause
}

// MultipartPut uploads bp ("bucket/key") as numParts parts (1..10000):
// getPart(n), n from 0 to numParts-1, returns the bytes of part n+1 (every
// part but the last at least MultipartSizeMinimum bytes). It initiates the
// upload (with mimeType and the headers h), uploads the parts with
// Config.Workers goroutines, completes the upload and returns its id.
//
// getPart is called on the calling goroutine, in order, one call at a time;
// at most Workers+1 parts are in memory. Each part is retried with backoff
// a bounded number of times (see uploadWithRetry). On any failure, an error
// from getPart included, the workers are stopped, the upload is aborted (no
// orphaned parts) and the error is returned wrapped, so errors.Is and
// errors.As find getPart's error.
func (c *Client) MultipartPut(ctx context.Context, bp string, numParts int, getPart func(n int) ([]byte, error), mimeType string, h http.Header) (string, error) {
	const fn = "MultipartPut"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return "", err
	}
	if numParts < 1 || numParts > MaxPartNumber {
		return "", argError(fn, "number of parts %d: want 1..%d", numParts, MaxPartNumber)
	}
	if getPart == nil {
		return "", argError(fn, "nil getPart")
	}
	uploadID, err := c.InitiateMultipartUpload(ctx, bp, mimeType, h)
	if err != nil {
		return "", err
	}
	run := &partsRun{c: c, fn: fn, bucket: bucket, key: key, uploadID: uploadID, workers: c.cfg.Workers, total: -1,
		partHeader: sseCustomerPartHeader(h)}
	parts, err := run.run(ctx, numParts, func(i int) (partTask, *Part, error) {
		data, err := getPart(i)
		if err != nil {
			return partTask{}, nil, fmt.Errorf("engine.%s: getPart(%d): %w", fn, i, err)
		}
		return partTask{number: i + 1, data: data, size: int64(len(data))}, nil, nil
	})
	if err == nil {
		_, err = c.CompleteMultipartUpload(ctx, bp, uploadID, parts)
	}
	if err != nil {
		return "", c.abortQuietly(ctx, bucket, key, uploadID, err)
	}
	return uploadID, nil
}

// MultipartFileOptions are the options of MultipartPutFile,
// IncompleteMultipartPutFile and ResumeMultipartPutFile.
type MultipartFileOptions struct {
	// MIMEType is the Content-Type; "" means Config.MIMEType(file), and
	// MIMEType(file) when that is nil.
	MIMEType string
	// Mode is "binary" (default) or "text"; both send the bytes unchanged.
	Mode string
	// Inline sends "Content-Disposition: inline" instead of an attachment.
	Inline bool
	// PartSize is the part size, at least MultipartSizeMinimum and giving at
	// most 10,000 parts; 0 means Config.PartSize, then PartSizeFor(size).
	// Resuming needs the part size of the interrupted upload.
	PartSize int64
	// Workers is the number of parallel part uploads; 0 means Config.Workers.
	Workers int
	// Header holds extra headers for the object (x-amz-meta-*, ...); they
	// override the computed Content-Type and Content-Disposition.
	Header http.Header
	// Progress, if not nil, is called as parts are sent.
	Progress Progress
	// NoMD5Metadata skips recording the MD5 of the whole file in the
	// object's metadata (MD5MetadataHeader), and the pass over the file
	// that computes it before the upload starts (about 1.5 s of CPU per
	// GiB). A sync comparing checksums then finds the object different.
	NoMD5Metadata bool
}

// filePlan is the part layout of a file upload.
type filePlan struct {
	f        *os.File
	name     string      // as given, for opening it again (fsys)
	fsys     fileSystem  // where name is opened
	st       os.FileInfo // f's, to recognise it when opened again
	size     int64
	partSize int64
	parts    int
	workers  int
}

// planFile checks the arguments of the multipart file functions (bp must
// name an object), opens file and works out its part layout.
func (c *Client) planFile(fn, bp, file string, opt MultipartFileOptions) (bucket, key string, plan *filePlan, err error) {
	if bucket, key, err = objectArg(fn, bp); err != nil {
		return "", "", nil, err
	}
	if err := checkFileMode(fn, opt.Mode); err != nil {
		return "", "", nil, err
	}
	if opt.Workers < 0 {
		return "", "", nil, argError(fn, "workers %d: want at least 1 (0 = Config.Workers)", opt.Workers)
	}
	f, size, err := c.files().openRegular(fn, file)
	if err != nil {
		return "", "", nil, err
	}
	partSize := opt.PartSize
	if partSize == 0 {
		partSize = c.cfg.PartSize
	}
	if partSize == 0 {
		partSize = PartSizeFor(size)
	} else if err := checkPartSize(fn, partSize, size); err != nil {
		f.Close()
		return "", "", nil, err
	}
	workers := opt.Workers
	if workers == 0 {
		workers = c.cfg.Workers
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return "", "", nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	return bucket, key, &filePlan{f: f, name: file, fsys: c.files(), st: st, size: size, partSize: partSize, parts: int(numParts(size, partSize)), workers: max(workers, 1)}, nil
}

// partLen is the size of part i (0-based).
func (p *filePlan) partLen(i int) int64 {
	off := int64(i) * p.partSize
	return min(p.partSize, p.size-off)
}

// task returns the worker task that uploads part i from the file.
func (p *filePlan) task(i int) partTask {
	off, n := int64(i)*p.partSize, p.partLen(i)
	return partTask{number: i + 1, size: n, section: &fileSection{plan: p, off: off, n: n}}
}

// loadTask returns a worker task that reads part i from the file into
// memory first (the coordinator's tests replace the upload function,
// which takes the part's bytes).
func (p *filePlan) loadTask(i int) partTask {
	off, n := int64(i)*p.partSize, p.partLen(i)
	return partTask{number: i + 1, size: n, load: func(buf []byte) ([]byte, error) {
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(io.NewSectionReader(p.f, off, n), buf); err != nil {
			return nil, fmt.Errorf("reading %s at %d: %w", p.f.Name(), off, err)
		}
		return buf, nil
	}}
}

// MultipartPutFile uploads file to bp as a multipart upload and returns the
// upload id. The part size is MultipartFileOptions.PartSize, else
// Config.PartSize, else PartSizeFor(size) (at most 10,000 parts, at least
// 5 MiB); each worker hashes its part through a 256 KiB buffer (the
// payload is signed), then sends it from the file itself (sendfile on a
// plain TCP connection), so memory does not grow with the part size.
// Content-Type and Content-Disposition are chosen as for PutFile. On
// failure the upload is aborted.
//
// An empty file has no parts: it is stored with one plain PUT (same
// headers) and the upload id returned is "" (the reference failed with a
// contract error). A single empty part would do on S3, MinIO and versitygw,
// but the embedded store refuses empty parts.
func (c *Client) MultipartPutFile(ctx context.Context, bp, file string, opt MultipartFileOptions) (string, error) {
	res, err := c.multipartPutFile(ctx, "MultipartPutFile", bp, file, opt)
	if err != nil {
		return "", err
	}
	return res.uploadID, nil
}

// multipartPut is the outcome of multipartPutFile: the upload id ("" for an
// empty file) and the completed object's ETag.
type multipartPut struct {
	uploadID string
	ETag     string
}

// multipartPutFile is MultipartPutFile, also returning the object's ETag.
func (c *Client) multipartPutFile(ctx context.Context, fn, bp, file string, opt MultipartFileOptions) (*multipartPut, error) {
	bucket, key, plan, err := c.planFile(fn, bp, file, opt)
	if err != nil {
		return nil, err
	}
	defer plan.f.Close()
	header := c.fileHeader(file, opt.MIMEType, opt.Inline, opt.Header)
	if plan.parts == 0 {
		// No parts: S3 and MinIO accept a single empty part, but the
		// embedded store refuses it (411), so an empty file is one plain PUT.
		header.Set("Content-MD5", contentMD5(nil))
		if opt.Progress != nil {
			// Reported before the request, so that its error stores nothing.
			if err := opt.Progress(0, 0); err != nil {
				return nil, err
			}
		}
		resp, err := c.do(ctx, &request{method: http.MethodPut, bucket: bucket, key: key, header: header})
		if err != nil {
			return nil, err
		}
		drainClose(resp.Body)
		return &multipartPut{ETag: resp.Header.Get("ETag")}, nil
	}
	if !opt.NoMD5Metadata && header.Get(MD5MetadataHeader) == "" {
		// A multipart ETag is no MD5 of the content: record one, for
		// checksum comparisons (s3.sync, rclone).
		sum, err := fileMD5(ctx, plan.f, plan.size)
		if err != nil {
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
		header.Set(MD5MetadataHeader, base64.StdEncoding.EncodeToString(sum))
	}
	// The initiate runs to its end even when ctx is cancelled meanwhile: a
	// server may create the upload after the client gave up, and no listing
	// right after would show it. An upload we know of is aborted below.
	if err := ctx.Err(); err != nil {
		return nil, &RequestError{Method: http.MethodPost, Bucket: bucket, Key: key, Err: err}
	}
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	uploadID, err := c.InitiateMultipartUpload(ictx, bp, "", header)
	cancel()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, c.abortQuietly(ctx, bucket, key, uploadID, &RequestError{Method: http.MethodPost, Bucket: bucket, Key: key, Err: err})
	}
	run := &partsRun{c: c, fn: fn, bucket: bucket, key: key, uploadID: uploadID,
		workers: plan.workers, progress: opt.Progress, total: plan.size, partHeader: sseCustomerPartHeader(opt.Header)}
	parts, err := run.run(ctx, plan.parts, func(i int) (partTask, *Part, error) {
		return plan.task(i), nil, nil
	})
	var done *CompleteResult
	if err == nil {
		done, err = c.CompleteMultipartUpload(ctx, bp, uploadID, parts)
	}
	if err != nil {
		return nil, c.abortQuietly(ctx, bucket, key, uploadID, err)
	}
	return &multipartPut{uploadID: uploadID, ETag: done.ETag}, nil
}

// IncompleteMultipartPutFile looks for an interrupted multipart upload of
// file to bp: an in-progress upload for exactly that key with at least one
// part whose ETag (quotes stripped, lower-case) is the hex MD5 of the same
// slice of the file, with the same part size (MultipartFileOptions.PartSize
// and Config.PartSize must be those of the interrupted upload). It returns
// the first such upload's id and its matching parts (ETags as listed), or
// "" when there is none. Every upload of the key is examined, over all
// listing pages.
//
// ETag = MD5 holds for plain uploads; parts encrypted with SSE-KMS or
// SSE-C never match, and are uploaded again by ResumeMultipartPutFile.
func (c *Client) IncompleteMultipartPutFile(ctx context.Context, bp, file string, opt MultipartFileOptions) (uploadID string, parts []Part, err error) {
	const fn = "IncompleteMultipartPutFile"
	bucket, key, plan, err := c.planFile(fn, bp, file, opt)
	if err != nil {
		return "", nil, err
	}
	defer plan.f.Close()
	return c.incomplete(ctx, fn, bucket, key, plan)
}

func (c *Client) incomplete(ctx context.Context, fn, bucket, key string, plan *filePlan) (string, []Part, error) {
	if plan.parts == 0 {
		return "", nil, nil
	}
	uploads, err := c.listUploads(ctx, bucket, key, pageSize)
	if err != nil {
		return "", nil, err
	}
	md5s := map[int]string{} // part number -> hex MD5 of its slice, computed once
	sliceMD5 := func(n int) (string, error) {
		if s, ok := md5s[n]; ok {
			return s, nil
		}
		i := n - 1
		h := md5.New()
		if _, err := io.Copy(h, io.NewSectionReader(plan.f, int64(i)*plan.partSize, plan.partLen(i))); err != nil {
			return "", fmt.Errorf("engine.%s: reading %s: %w", fn, plan.f.Name(), err)
		}
		s := hex.EncodeToString(h.Sum(nil))
		md5s[n] = s
		return s, nil
	}
	for _, u := range uploads {
		if u.Key != key {
			continue
		}
		infos, err := c.listParts(ctx, bucket, key, u.UploadID, pageSize)
		if err != nil {
			var re *ResponseError
			if errors.As(err, &re) && re.Code == "NoSuchUpload" {
				continue // completed or aborted meanwhile
			}
			return "", nil, err
		}
		var match []Part
		for _, p := range infos {
			if p.PartNumber < 1 || p.PartNumber > plan.parts || p.Size != plan.partLen(p.PartNumber-1) {
				continue
			}
			want, err := sliceMD5(p.PartNumber)
			if err != nil {
				return "", nil, err
			}
			if strings.ToLower(strings.Trim(p.ETag, `" `)) == want {
				match = append(match, Part{PartNumber: p.PartNumber, ETag: p.ETag})
			}
		}
		if len(match) > 0 {
			slices.SortFunc(match, func(a, b Part) int { return a.PartNumber - b.PartNumber })
			return u.UploadID, match, nil
		}
	}
	return "", nil, nil
}

// ResumeMultipartPutFile finishes the upload IncompleteMultipartPutFile
// finds: the parts that did not match are uploaded in parallel from the
// file, then the upload is completed. It returns the upload id, or "" when
// there is nothing to resume (then nothing was uploaded). On failure the
// upload is left in place, so that it can be resumed again; give up with
// AbortMultipartUpload.
func (c *Client) ResumeMultipartPutFile(ctx context.Context, bp, file string, opt MultipartFileOptions) (string, error) {
	const fn = "ResumeMultipartPutFile"
	bucket, key, plan, err := c.planFile(fn, bp, file, opt)
	if err != nil {
		return "", err
	}
	defer plan.f.Close()
	uploadID, have, err := c.incomplete(ctx, fn, bucket, key, plan)
	if err != nil || uploadID == "" {
		return "", err
	}
	byNumber := make(map[int]Part, len(have))
	for _, p := range have {
		byNumber[p.PartNumber] = p
	}
	run := &partsRun{c: c, fn: fn, bucket: bucket, key: key, uploadID: uploadID,
		workers: plan.workers, progress: opt.Progress, total: plan.size, partHeader: sseCustomerPartHeader(opt.Header)}
	parts, err := run.run(ctx, plan.parts, func(i int) (partTask, *Part, error) {
		t := plan.task(i)
		if p, ok := byNumber[i+1]; ok {
			return t, &p, nil
		}
		return t, nil, nil
	})
	if err != nil {
		return "", err
	}
	if _, err := c.CompleteMultipartUpload(ctx, bp, uploadID, parts); err != nil {
		return "", err
	}
	return uploadID, nil
}

// fileMD5 hashes the first size bytes of f (read at offsets, so f's
// position is unchanged), stopping when ctx is done.
func fileMD5(ctx context.Context, f *os.File, size int64) ([]byte, error) {
	h := md5.New()
	buf := make([]byte, 256<<10)
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		if err != nil && !(errors.Is(err, io.EOF) && off == size) {
			return nil, fmt.Errorf("reading %s: %w", f.Name(), err)
		}
	}
	return h.Sum(nil), nil
}
