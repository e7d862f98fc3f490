package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Parallel ranged downloads (GetFileOptions.Workers): the first range's
// answer gives the object's size and ETag; the other ranges go to workers,
// each GET pinned to that ETag (If-Match), and are written at their offsets
// into the temporary file, which is renamed into place only when all are in.

// GetFilePartSizeDefault is the range size of a parallel GetFile.
const GetFilePartSizeDefault = 16 << 20

// getFileParallel is GetFile with opt.Workers ranged GETs in flight; the
// caller has checked that the file is written through a temporary file and
// that h asks for no range.
func (c *Client) getFileParallel(ctx context.Context, fn, bp, file string, h http.Header, opt GetFileOptions) error {
	partSize := opt.PartSize
	if partSize == 0 {
		partSize = GetFilePartSizeDefault
	}
	fsys := c.files()
	return c.getProc(ctx, fn, bp, h, &Range{Begin: 0, End: partSize}, func(body io.Reader, resp *http.Response) error {
		total, ranged := contentRangeTotal(resp)
		if !ranged {
			total = resp.ContentLength // the whole object came back
		}
		sink, err := fsys.openSink(fn, file, opt.Exists)
		if err != nil {
			return err
		}
		sink.sync = opt.Sync
		fail := func(err error) error {
			sink.abort()
			return err
		}
		var done atomic.Int64
		report := func() error {
			if opt.Progress == nil {
				return nil
			}
			return opt.Progress(done.Load(), total)
		}
		if err := report(); err != nil {
			return fail(err)
		}
		// The other ranges start at once; the first one's body is copied
		// here meanwhile, then this goroutine takes a worker's place.
		var rf *rangeFetcher
		if ranged && total > partSize {
			rf = c.newRangeFetcher(ctx, bp, h, resp.Header.Get("ETag"), sink, partSize, total, &done)
			defer rf.cancel()
			rf.start(opt.Workers - 1)
		}
		var cbErr error // the Progress's, returned unchanged
		_, err = copyBody(&offsetWriter{f: sink.File, done: &done, after: func() error {
			cbErr = report()
			return cbErr
		}}, body)
		if err != nil {
			if rf != nil {
				rf.cancel()
				rf.wg.Wait()
			}
			if cbErr != nil {
				return fail(cbErr)
			}
			return fail(writeError(fn, file, err))
		}
		if rf != nil {
			rf.start(1)
			if err := rf.wait(report); err != nil {
				return fail(err)
			}
		}
		if err := ctx.Err(); err != nil {
			return fail(&RequestError{Method: http.MethodGet, Bucket: bucketOf(bp), Key: keyOf(bp), Err: err})
		}
		return sink.commit(fn)
	})
}

// rangeFetcher fetches the ranges after the first, partSize each, with
// GETs pinned to the object's ETag (If-Match: a replaced object fails with
// 412), written at their offsets into the sink.
type rangeFetcher struct {
	c        *Client
	ctx      context.Context
	cancel   context.CancelFunc
	bp       string
	header   http.Header
	sink     *fileSink
	partSize int64
	total    int64
	next     atomic.Int64
	done     *atomic.Int64
	tick     chan struct{}
	errs     chan error
	wg       sync.WaitGroup
}

func (c *Client) newRangeFetcher(ctx context.Context, bp string, h http.Header, etag string, sink *fileSink, partSize, total int64, done *atomic.Int64) *rangeFetcher {
	rf := &rangeFetcher{c: c, bp: bp, header: h.Clone(), sink: sink, partSize: partSize, total: total, done: done,
		tick: make(chan struct{}, 1), errs: make(chan error, numParts(total, partSize))}
	rf.ctx, rf.cancel = context.WithCancel(ctx)
	if etag != "" {
		rf.header = setHeader(rf.header, "If-Match", etag)
	}
	rf.next.Store(partSize)
	return rf
}

// start adds n workers.
func (rf *rangeFetcher) start(n int) {
	for range n {
		rf.wg.Add(1)
		go func() {
			defer rf.wg.Done()
			for rf.ctx.Err() == nil {
				off := rf.next.Add(rf.partSize) - rf.partSize
				if off >= rf.total {
					return
				}
				r := &Range{Begin: off, End: min(off+rf.partSize, rf.total)}
				err := rf.c.getProc(rf.ctx, "GetFile", rf.bp, rf.header, r, func(body io.Reader, _ *http.Response) error {
					w := &offsetWriter{f: rf.sink.File, off: off, done: rf.done, after: func() error {
						select {
						case rf.tick <- struct{}{}:
						default:
						}
						return nil
					}}
					_, err := copyBody(w, body)
					return err
				})
				if err != nil {
					rf.errs <- err
					rf.cancel()
					return
				}
			}
		}()
	}
}

// wait runs report on the calling goroutine as bytes arrive until every
// worker is done, and returns the first failure (report's included).
func (rf *rangeFetcher) wait(report func() error) error {
	finished := make(chan struct{})
	go func() {
		rf.wg.Wait()
		close(finished)
	}()
	var first error
	for {
		select {
		case <-rf.tick:
			if first == nil {
				if err := report(); err != nil {
					first = err
					rf.cancel()
				}
			}
		case <-finished:
			for len(rf.errs) > 0 {
				if err := <-rf.errs; first == nil {
					first = err
				}
			}
			if first == nil {
				first = report()
			}
			return first
		}
	}
}

// offsetWriter writes sequentially into f from off, counting the bytes in
// done and calling after each write (its error stops the copy).
type offsetWriter struct {
	f interface {
		WriteAt([]byte, int64) (int, error)
	}
	off   int64
	done  *atomic.Int64
	after func() error
}

func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	if n > 0 {
		w.done.Add(int64(n))
		if aerr := w.after(); aerr != nil && err == nil {
			err = aerr
		}
	}
	return n, err
}

// contentRangeTotal reads the total size of a 206 answer's Content-Range
// ("bytes 0-99/1234"); false for any other answer.
func contentRangeTotal(resp *http.Response) (int64, bool) {
	if resp.StatusCode != http.StatusPartialContent {
		return 0, false
	}
	_, after, ok := strings.Cut(resp.Header.Get("Content-Range"), "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(after), 10, 64)
	return n, err == nil && n >= 0
}

// writeError is GetFile's error for a failed copy into the file.
func writeError(fn, file string, err error) error {
	if _, ok := errors.AsType[*RequestError](err); ok {
		return err
	}
	return fmt.Errorf("engine.%s: writing %s: %w", fn, file, err)
}
