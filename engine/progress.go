package engine

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// reporter calls a Progress on the goroutine that started an upload while
// the transport reads the body on its own goroutine, and makes a failing
// Progress abort the upload before the server can store anything: the read
// that would hand the body's last bytes to the transport first waits for the
// report of them, and fails with the Progress's error instead of returning
// them. Without every byte of a declared length (or the final aws-chunked
// chunk) a server stores nothing, so there is never an object to remove.
type reporter struct {
	progress Progress
	total    int64

	sent   atomic.Int64  // bytes the current attempt's body handed out
	notify chan struct{} // poked (never blocking) when sent moves
	last   chan int64    // the body asks to hand out its last bytes
	answer chan error    // ... and is answered here
	stop   chan struct{} // closed when run returns

	mu     sync.Mutex
	failed error // the Progress's error, once it failed
}

// errUploadStopped is what a body read returns after its upload ended.
var errUploadStopped = errors.New("engine: upload body read after the upload ended")

func newReporter(p Progress, total int64) *reporter {
	return &reporter{progress: p, total: total, notify: make(chan struct{}, 1),
		last: make(chan int64), answer: make(chan error, 1), stop: make(chan struct{})}
}

func (r *reporter) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *reporter) fail(err error) {
	r.mu.Lock()
	if r.failed == nil {
		r.failed = err
	}
	r.mu.Unlock()
}

// body is the body of one attempt: src counted and gated as described on
// reporter. After a failure no new attempt starts.
func (r *reporter) body(src io.Reader) (io.Reader, error) {
	if r.progress == nil {
		return src, nil
	}
	if err := r.failure(); err != nil {
		return nil, err
	}
	r.sent.Store(0)
	return &reportingReader{r: src, rep: r}, nil
}

type reportingReader struct {
	r   io.Reader
	rep *reporter
}

func (b *reportingReader) Read(p []byte) (int, error) {
	if err := b.rep.failure(); err != nil {
		return 0, err
	}
	n, err := b.r.Read(p)
	if n > 0 {
		// Counted before the gate, so that a report the reporting
		// goroutine makes meanwhile never shows less than one made before.
		next := b.rep.sent.Add(int64(n))
		if next >= b.rep.total {
			if aerr := b.rep.confirm(next); aerr != nil {
				return 0, aerr
			}
		}
		select {
		case b.rep.notify <- struct{}{}:
		default:
		}
	}
	return n, err
}

// confirm has the reporting goroutine report done bytes and returns the
// Progress's error.
func (r *reporter) confirm(done int64) error {
	select {
	case r.last <- done:
	case <-r.stop:
		return errUploadStopped
	}
	select {
	case err := <-r.answer:
		return err
	case <-r.stop:
		return errUploadStopped
	}
}

// run runs work on another goroutine and reports progress on this one
// until work returns. The first report (0 bytes) comes before work starts.
// A Progress error cancels work's context and is what run returns.
func (r *reporter) run(ctx context.Context, work func(ctx context.Context) error) error {
	if r.progress == nil {
		return work(ctx)
	}
	defer close(r.stop)
	if err := r.progress(0, r.total); err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- work(wctx) }()
	last := int64(0)
	report := func(n int64) error {
		// n == last: already reported (and passed), or nothing new.
		if n == last || r.failure() != nil {
			return r.failure()
		}
		last = n
		if err := r.progress(n, r.total); err != nil {
			r.fail(err)
			cancel()
			return err
		}
		return nil
	}
	for {
		select {
		case <-r.notify:
			_ = report(r.sent.Load())
		case n := <-r.last:
			r.answer <- report(n)
		case err := <-done:
			if f := r.failure(); f != nil {
				return f
			}
			return err
		}
	}
}
