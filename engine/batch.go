package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Operations of a Batch, named as the Lua batch methods.
const (
	OpPutFile  = "put_file"
	OpPutBytes = "put_bytes"
	OpGetFile  = "get_file"
	OpCopy     = "copy"
	OpHead     = "head"
	OpDelete   = "delete"
)

// Batch limits and defaults.
const (
	BatchWorkersDefault = 32
	BatchWorkersMax     = 256
	// BatchMultipartThreshold: a put_file of a larger file is a parallel
	// multipart upload (parts of PartSizeFor(size) unless Config.PartSize
	// says otherwise, Config.Workers parts at a time); smaller files go up in
	// one request.
	BatchMultipartThreshold = 64 << 20
	// batchSmallFile: a put_file of a file of at most this many bytes is read
	// into memory and sent with its payload hash in one plain request, which
	// costs less than aws-chunked signing for small files. At most one such
	// file per worker is in memory.
	batchSmallFile = 256 << 10
	// maxDeleteGroups is how many DeleteObjects requests a batch has in
	// flight (waiting or running) at most.
	maxDeleteGroups = 4
	// batchErrorsKept is how many failures a BatchSummary lists.
	batchErrorsKept = 100
)

// BatchOp is one operation of a Batch.
type BatchOp struct {
	// Op is one of OpPutFile, OpPutBytes, OpGetFile, OpCopy, OpHead,
	// OpDelete.
	Op string
	// BP is the object acted on, "bucket/key": the destination of a put or
	// copy, the source of a get, head or delete.
	BP string
	// From is the source of a copy.
	From string
	// SourceETag and SourceSize describe a copy's source as a listing
	// gave them: with SourceETag set, the copy sends no HEAD of its source
	// first (one request less per object), unless it replaces the
	// metadata, which needs the source's content headers.
	SourceETag string
	SourceSize int64
	// File is the local file of a put_file or get_file.
	File string
	// Data is the body of a put_bytes; MIMEType its Content-Type ("" for
	// none).
	Data     []byte
	MIMEType string
	// Header: request headers of put_bytes and copy.
	Header http.Header
	// PutFile holds put_file's options (Progress is ignored).
	PutFile PutFileOptions
	// Exists is get_file's exists mode (GetFileOptions.Exists; "" means
	// "error"). NoMkdir stops get_file from creating missing parent
	// directories of File.
	Exists  string
	NoMkdir bool
	// Tag is the caller's, handed back in the result.
	Tag any
}

// BatchResult is the outcome of one operation.
type BatchResult struct {
	Op *BatchOp
	// Err is nil on success.
	Err error
	// Header is what the single-call function returns: the response headers
	// of a put, copy or head (for a multipart put_file, the ETag only); nil
	// for get_file and delete.
	Header http.Header
	// Bytes is the body bytes sent or received: 0 for copy, head and delete.
	Bytes int64
}

// BatchSummary sums up the operations queued since the previous Wait.
type BatchSummary struct {
	OK, Failed int64
	Bytes      int64
	Seconds    float64
	// Errors holds the first 100 failures, in completion order.
	Errors []BatchResult
}

// BatchOptions tune a Batch.
type BatchOptions struct {
	// Workers is the number of operations run at once, 1..256; 0 means 32.
	Workers int
	// StopOnError cancels the batch at the first failure (see Batch.Cancel).
	StopOnError bool
	// OnResult, if not nil, is called once per operation, in completion
	// order, on the goroutine that calls Submit or Wait (never
	// concurrently). An error from it cancels the batch; the call that ran
	// it waits for the running operations to end and returns the error
	// unchanged. OnResult may call Cancel, never Submit or Wait.
	OnResult func(BatchResult) error
	// Progress, if not nil, is called on the same goroutine after each
	// result with the operations done and queued so far.
	Progress Progress
	// MultipartThreshold: a put_file of a larger file is a multipart upload;
	// 0 means BatchMultipartThreshold.
	MultipartThreshold int64
}

// Batch runs S3 operations in parallel with a fixed number of workers, in
// constant memory: Submit blocks while 2*Workers operations wait to start,
// and results are handed to OnResult on the caller's goroutine, so that a
// caller that is not goroutine-safe (a Lua state) can process them. Deletes
// are gathered per bucket into DeleteObjects requests of up to 1000 keys,
// sent when full or at Wait.
//
// A Batch is used from one goroutine. It can be used again after Wait: each
// Wait sums up what was queued since the previous one.
//
// A Batch keeps no context: each call takes its own. An operation runs
// under the context of the call that handed it to the workers (Submit, or
// Wait for the deletes it sends), and cancelling the context of a call
// while it runs cancels the round, as Cancel does.
type Batch struct {
	c   *Client
	opt BatchOptions

	// One round: from the first Submit after a Wait to the next Wait.
	running     bool
	ctx         context.Context
	cancel      context.CancelFunc
	tasks       chan batchTask
	results     chan []BatchResult
	wg          sync.WaitGroup
	outstanding int                  // tasks sent to the workers whose results are not yet delivered
	deleting    int                  // delete groups among them
	groups      map[string]batchTask // deletes waiting for their DeleteObjects request, by bucket
	started     bool
	start       time.Time
	sum         BatchSummary
	queued      int64
	done        int64
	inCallback  bool
}

// batchTask is what a worker runs: one operation, or up to 1000 deletes of
// one bucket.
type batchTask struct {
	ops    []*BatchOp
	bucket string
	ctx    context.Context // of the call that sent it
}

// NewBatch returns a batch; its calls take the context (see Batch).
func (c *Client) NewBatch(opt BatchOptions) (*Batch, error) {
	if opt.Workers == 0 {
		opt.Workers = BatchWorkersDefault
	}
	if opt.Workers < 1 || opt.Workers > BatchWorkersMax {
		return nil, argError("NewBatch", "workers %d: want 1..%d", opt.Workers, BatchWorkersMax)
	}
	if opt.MultipartThreshold == 0 {
		opt.MultipartThreshold = BatchMultipartThreshold
	}
	if opt.MultipartThreshold < MultipartSizeMinimum {
		return nil, argError("NewBatch", "multipart threshold %d: want at least %d (5 MiB)", opt.MultipartThreshold, MultipartSizeMinimum)
	}
	return &Batch{c: c, opt: opt}, nil
}

// errInCallback is the error of Submit or Wait called from OnResult.
var errInCallback = errors.New("engine.Batch: Submit and Wait cannot be called from OnResult")

// check validates op before it is queued.
func (b *Batch) check(op *BatchOp) error {
	const fn = "Batch.Submit"
	if _, _, err := objectArg(fn, op.BP); err != nil {
		return err
	}
	switch op.Op {
	case OpPutFile, OpGetFile:
		if op.File == "" {
			return argError(fn, "%s %s: empty file name", op.Op, op.BP)
		}
		if op.Op == OpGetFile {
			if err := checkExistsMode(fn, op.Exists); err != nil {
				return err
			}
		} else if err := checkFileMode(fn, op.PutFile.Mode); err != nil {
			return err
		}
	case OpCopy:
		if _, _, err := objectArg(fn, op.From); err != nil {
			return err
		}
	case OpPutBytes, OpHead, OpDelete:
	default:
		return argError(fn, "unknown operation %q", op.Op)
	}
	return nil
}

// checkExistsMode validates an exists mode without looking at the file.
func checkExistsMode(fn, exists string) error {
	switch exists {
	case "", ExistsError, ExistsAppend, ExistsUpdate, ExistsReplace, ExistsTruncate, ExistsTruncateReplace:
		return nil
	}
	return argError(fn, "exists mode %q: want one of error, append, update, replace, truncate, truncate/replace", exists)
}

// begin starts a round's workers if they are not running.
func (b *Batch) begin() {
	if !b.started {
		b.started = true
		b.start = time.Now()
	}
	if b.running {
		return
	}
	b.running = true
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.tasks = make(chan batchTask, 2*b.opt.Workers)
	b.results = make(chan []BatchResult, b.opt.Workers)
	b.groups = map[string]batchTask{}
	for range b.opt.Workers {
		b.wg.Add(1)
		go b.worker(b.ctx, b.tasks, b.results)
	}
}

// stop ends the workers of a round whose results are all delivered.
func (b *Batch) stop() {
	if !b.running {
		return
	}
	close(b.tasks)
	b.wg.Wait()
	b.cancel()
	b.running = false
}

// Submit queues op and returns at once, unless 2*Workers operations are
// already waiting to start: then it waits until one starts, handing the
// results that arrive meanwhile to OnResult. A malformed op (unknown
// operation, bad bucket+path, empty file name, bad mode) is an argument
// error and is not queued. Everything known only when the operation runs is
// a failed result. An error from OnResult is returned unchanged, after the
// batch was cancelled and its running operations have ended. The
// operation runs under ctx (a delete under the context of the call that
// sends its DeleteObjects request).
func (b *Batch) Submit(ctx context.Context, op BatchOp) error {
	if b.inCallback {
		return errInCallback
	}
	if err := b.check(&op); err != nil {
		return err
	}
	b.begin()
	defer b.watch(ctx)()
	b.queued++
	if op.Op == OpDelete {
		bucket, _, _ := SplitBucketPath(op.BP)
		g := b.groups[bucket]
		g.bucket = bucket
		g.ops = append(g.ops, &op)
		if len(g.ops) < MaxDeleteKeys {
			b.groups[bucket] = g
			return b.poll()
		}
		delete(b.groups, bucket)
		return b.send(ctx, g)
	}
	return b.send(ctx, batchTask{ops: []*BatchOp{&op}})
}

// watch cancels the round if ctx is cancelled before the returned function
// is called.
func (b *Batch) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, b.cancel)
}

// Poll hands the results that have already arrived to OnResult without
// waiting.
func (b *Batch) Poll() error {
	if b.inCallback {
		return errInCallback
	}
	return b.poll()
}

func (b *Batch) poll() error {
	for b.running && b.outstanding > 0 {
		select {
		case rs := <-b.results:
			b.received(rs)
			if err := b.deliver(rs); err != nil {
				return b.abort(err)
			}
		default:
			return nil
		}
	}
	return nil
}

// received notes that the results of one task arrived.
func (b *Batch) received(rs []BatchResult) {
	b.outstanding--
	if len(rs) > 0 && rs[0].Op.Op == OpDelete {
		b.deleting--
	}
}

// send hands t to the workers, delivering results while the queue is full.
// Delete groups are limited to maxDeleteGroups at a time: one request of
// 1000 keys keeps a server busy, and queued groups would hold thousands of
// operations.
func (b *Batch) send(ctx context.Context, t batchTask) error {
	t.ctx = ctx
	if t.bucket != "" {
		for b.deleting >= min(b.opt.Workers, maxDeleteGroups) {
			rs := <-b.results
			b.received(rs)
			if err := b.deliver(rs); err != nil {
				b.count(b.notStarted(t, b.ctx))
				return b.abort(err)
			}
		}
		b.deleting++
	}
	for {
		select {
		case b.tasks <- t:
			b.outstanding++
			return b.poll()
		case rs := <-b.results:
			b.received(rs)
			if err := b.deliver(rs); err != nil {
				b.count(b.notStarted(t, b.ctx))
				return b.abort(err)
			}
		}
	}
}

// count adds results to the summary.
func (b *Batch) count(rs []BatchResult) {
	for _, r := range rs {
		b.done++
		b.sum.Bytes += r.Bytes
		if r.Err == nil {
			b.sum.OK++
			continue
		}
		b.sum.Failed++
		if len(b.sum.Errors) < batchErrorsKept {
			b.sum.Errors = append(b.sum.Errors, r)
		}
	}
}

// deliver counts rs and hands them to OnResult and Progress; an error from
// OnResult stops the delivery (the rest are counted) and is returned.
func (b *Batch) deliver(rs []BatchResult) error {
	for i, r := range rs {
		b.count(rs[i : i+1])
		if r.Err != nil && b.opt.StopOnError {
			b.cancel()
		}
		if b.opt.OnResult != nil {
			b.inCallback = true
			err := b.opt.OnResult(r)
			b.inCallback = false
			if err != nil {
				b.count(rs[i+1:])
				return err
			}
		}
		if b.opt.Progress != nil {
			if err := b.opt.Progress(b.done, b.queued); err != nil {
				b.count(rs[i+1:])
				return err
			}
		}
	}
	return nil
}

// abort cancels the round after OnResult failed, waits for the running
// operations and counts every result without calling OnResult, then
// returns err.
func (b *Batch) abort(err error) error {
	b.cancel()
	for _, g := range b.groups {
		b.count(b.notStarted(g, b.ctx))
	}
	b.groups = map[string]batchTask{}
	for b.outstanding > 0 {
		rs := <-b.results
		b.received(rs)
		b.count(rs)
	}
	b.stop()
	return err
}

// Cancel drops the operations that have not started (they fail with
// context.Canceled) and cancels the running ones: a download leaves no file
// under its final name, a multipart upload is aborted. Operations submitted
// later in the same round fail the same way; Wait then returns, and the
// next round runs normally.
func (b *Batch) Cancel() {
	if b.running {
		b.cancel()
	}
}

// Wait sends the gathered deletes, waits for every queued operation,
// handing the results to OnResult, and returns the summary of the round.
// The batch can be used again afterwards. An error from OnResult is returned
// unchanged (with the summary so far); a cancelled ctx is an error
// wrapping its cause, with the summary.
func (b *Batch) Wait(ctx context.Context) (BatchSummary, error) {
	if b.inCallback {
		return BatchSummary{}, errInCallback
	}
	var err error
	if b.running {
		defer b.watch(ctx)()
		buckets := make([]string, 0, len(b.groups))
		for bucket := range b.groups {
			buckets = append(buckets, bucket)
		}
		sort.Strings(buckets)
		for _, bucket := range buckets {
			g := b.groups[bucket]
			delete(b.groups, bucket)
			if err = b.send(ctx, g); err != nil {
				break
			}
		}
		for err == nil && b.outstanding > 0 {
			rs := <-b.results
			b.received(rs)
			if err = b.deliver(rs); err != nil {
				err = b.abort(err)
			}
		}
		b.stop()
	}
	sum := b.sum
	if b.started {
		sum.Seconds = time.Since(b.start).Seconds()
	}
	b.sum, b.started, b.queued, b.done = BatchSummary{}, false, 0, 0
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("engine.Batch: %w", context.Cause(ctx))
	}
	return sum, err
}

// worker runs tasks until the channel is closed.
func (b *Batch) worker(ctx context.Context, tasks <-chan batchTask, results chan<- []BatchResult) {
	defer b.wg.Done()
	for t := range tasks {
		results <- b.run(ctx, t)
	}
}

// run runs t under its call's context, cancelled with the round (ctx).
func (b *Batch) run(round context.Context, t batchTask) []BatchResult {
	if round.Err() != nil {
		return b.notStarted(t, round)
	}
	if t.ctx.Err() != nil {
		return b.notStarted(t, t.ctx)
	}
	ctx, cancel := context.WithCancel(t.ctx)
	defer cancel()
	defer context.AfterFunc(round, cancel)()
	if t.bucket != "" {
		return b.c.batchDelete(ctx, t)
	}
	r := b.runOp(ctx, t.ops[0])
	t.ops[0].Data = nil // the body is no longer needed; results may be kept
	return []BatchResult{r}
}

// notStarted fails every operation of t with the batch's cancellation.
func (b *Batch) notStarted(t batchTask, ctx context.Context) []BatchResult {
	rs := make([]BatchResult, len(t.ops))
	cause := ctx.Err()
	if cause == nil {
		cause = context.Canceled
	}
	for i, op := range t.ops {
		op.Data = nil
		rs[i] = BatchResult{Op: op, Err: fmt.Errorf("engine.Batch: %s %s not started: %w", op.Op, op.BP, cause)}
	}
	return rs
}

// runOp runs one operation other than a delete.
func (b *Batch) runOp(ctx context.Context, op *BatchOp) BatchResult {
	c := b.c
	r := BatchResult{Op: op}
	switch op.Op {
	case OpPutFile:
		r.Header, r.Bytes, r.Err = c.batchPutFile(ctx, op, b.opt.MultipartThreshold)
	case OpPutBytes:
		r.Header, r.Err = c.putBytes(ctx, "PutBytes", op.BP, op.Data, op.MIMEType, op.Header, len(op.Data) > batchSmallFile)
		if r.Err == nil {
			r.Bytes = int64(len(op.Data))
		}
	case OpGetFile:
		r.Bytes, r.Err = c.batchGetFile(ctx, op)
	case OpCopy:
		var known *copySource
		if op.SourceETag != "" {
			known = &copySource{etag: op.SourceETag, size: op.SourceSize}
		}
		r.Header, r.Err = c.copyObject(ctx, op.From, op.BP, op.Header, known)
	case OpHead:
		r.Header, r.Err = c.Head(ctx, op.BP, nil)
	case OpDelete:
		r.Header, r.Err = c.Delete(ctx, op.BP)
		r.Header = nil
	}
	if r.Err != nil {
		r.Header, r.Bytes = nil, 0
	}
	return r
}

// batchPutFile uploads a file: small files from memory in one request,
// files over the threshold as a multipart upload, the rest as one
// streaming request.
func (c *Client) batchPutFile(ctx context.Context, op *BatchOp, threshold int64) (http.Header, int64, error) {
	const fn = "PutFile"
	fsys := c.files()
	st, err := fsys.stat(op.File)
	if err != nil {
		return nil, 0, fmt.Errorf("engine.%s: %w", fn, err)
	}
	if !st.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("engine.%s: %s is not a regular file", fn, op.File)
	}
	o := op.PutFile
	o.Progress = nil
	switch size := st.Size(); {
	case size > threshold:
		res, err := c.multipartPutFile(ctx, "PutFile", op.BP, op.File, MultipartFileOptions{
			MIMEType: o.MIMEType, Mode: o.Mode, Inline: o.Inline, Header: o.Header})
		if err != nil {
			return nil, 0, err
		}
		h := http.Header{}
		if res != nil && res.ETag != "" {
			h.Set("ETag", res.ETag)
		}
		return h, size, nil
	case size <= batchSmallFile:
		f, size, err := fsys.openRegular(fn, op.File)
		if err != nil {
			return nil, 0, err
		}
		data := make([]byte, size)
		_, err = io.ReadFull(f, data)
		f.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("engine.%s: reading %s: %w", fn, op.File, err)
		}
		h := c.fileHeader(op.File, o.MIMEType, o.Inline, o.Header)
		resp, err := c.putBytes(ctx, fn, op.BP, data, h.Get("Content-Type"), h, false)
		if err != nil {
			return nil, 0, err
		}
		return resp, size, nil
	default:
		h, err := c.PutFile(ctx, op.BP, op.File, o)
		if err != nil {
			return nil, 0, err
		}
		return h, size, nil
	}
}

// batchGetFile downloads to op.File, creating its directory unless
// op.NoMkdir, and returns the bytes written.
func (c *Client) batchGetFile(ctx context.Context, op *BatchOp) (int64, error) {
	if !op.NoMkdir {
		if dir := filepath.Dir(op.File); dir != "." {
			if err := c.files().mkdirAll(dir); err != nil {
				return 0, fmt.Errorf("engine.GetFile: %w", err)
			}
		}
	}
	var n int64
	err := c.GetFile(ctx, op.BP, op.File, nil, GetFileOptions{Exists: op.Exists,
		Progress: func(done, _ int64) error { n = done; return nil }})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// batchDelete deletes a group of keys of one bucket with DeleteObjects (keys
// XML cannot carry one by one) and returns one result per operation.
func (c *Client) batchDelete(ctx context.Context, t batchTask) []BatchResult {
	rs := make([]BatchResult, len(t.ops))
	var keys []string
	seen := map[string]bool{}
	for i, op := range t.ops {
		rs[i].Op = op
		_, key, _ := SplitBucketPath(op.BP)
		if !xmlSafe(key) {
			_, rs[i].Err = c.Delete(ctx, op.BP)
			continue
		}
		if !seen[key] {
			seen[key] = true
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return rs
	}
	_, err := c.deleteMultiple(ctx, t.bucket, keys, true)
	var de *DeleteError
	failed := map[string]KeyError{}
	if errors.As(err, &de) {
		for _, ke := range de.Errors {
			failed[ke.Key] = ke
		}
		err = nil
	}
	for i, op := range t.ops {
		_, key, _ := SplitBucketPath(op.BP)
		if !seen[key] {
			continue
		}
		switch ke, bad := failed[key]; {
		case err != nil:
			rs[i].Err = err
		case bad:
			rs[i].Err = &ResponseError{StatusCode: http.StatusOK, Code: ke.Code, Message: ke.Message,
				Method: http.MethodPost, Bucket: t.bucket, Key: key}
		}
	}
	return rs
}
