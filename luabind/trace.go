package luabind

import (
	"fmt"
	"io"
	"os"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Request tracing: s3.trace(true | false | function(event)).
//
// The engine reports each HTTP attempt on the goroutine that made it,
// which may be a worker of a multipart upload or a batch. Lines (trace
// true) are written from there at once. Events for a Lua function are
// queued and delivered on the script's goroutine: when the module function
// that made the requests returns (or fails), before each of the script's
// callbacks, and by the listing iterators.

// maxQueuedTraces bounds the events waiting for delivery; beyond it they
// are counted and reported as dropped.
const maxQueuedTraces = 10000

type tracer struct {
	mu         sync.Mutex
	fn         *lua.LFunction // nil: lines to out
	out        io.Writer
	queue      []engine.TraceEvent
	dropped    int
	delivering bool
}

// hook is the engine's Config.Trace.
func (t *tracer) hook(e engine.TraceEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fn == nil {
		fmt.Fprintf(t.out, "s3lua: %s\n", e)
		return
	}
	if len(t.queue) >= maxQueuedTraces {
		t.dropped++
		return
	}
	t.queue = append(t.queue, e)
}

// s3Trace implements s3.trace(true | false | function(event)).
func s3Trace(c *call) (int, error) {
	var fn *lua.LFunction
	on := false
	switch v := c.L.Get(1).(type) {
	case lua.LBool:
		on = bool(v)
	case *lua.LFunction:
		fn, on = v, true
	default:
		c.typeError(1, "boolean or function")
		return 0, c.checkArgs()
	}
	if c.m.trace == nil {
		out := c.m.opts.TraceOutput
		if out == nil {
			out = os.Stderr
		}
		c.m.trace = &tracer{out: out}
	}
	t := c.m.trace
	t.mu.Lock()
	t.fn = fn
	t.mu.Unlock()
	cfg := c.client().Config()
	if on {
		cfg.Trace = t.hook
	} else {
		cfg.Trace = nil
		// Events still queued are delivered: they were asked for.
	}
	next, err := c.client().WithConfig(cfg)
	if err != nil {
		return 0, err
	}
	c.m.client = next
	return 0, nil
}

// deliverTrace calls the script's trace function with the queued events,
// on L (the script's goroutine). An error from the function is returned
// (the rest of the queue is dropped).
func (m *module) deliverTrace(L *lua.LState) error {
	t := m.trace
	if t == nil {
		return nil
	}
	t.mu.Lock()
	if t.delivering || (len(t.queue) == 0 && t.dropped == 0) {
		t.mu.Unlock()
		return nil
	}
	events, dropped, fn := t.queue, t.dropped, t.fn
	t.queue, t.dropped, t.delivering = nil, 0, true
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.delivering = false
		t.mu.Unlock()
	}()
	if fn == nil {
		for _, e := range events {
			fmt.Fprintf(t.out, "s3lua: %s\n", e)
		}
		return nil
	}
	leave := m.enterCallback(L)
	defer leave()
	for _, e := range events {
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, traceEventTable(L, e)); err != nil {
			return fromPCall(err)
		}
	}
	if dropped > 0 {
		ev := L.CreateTable(0, 1)
		ev.RawSetString("dropped", lua.LNumber(dropped))
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, ev); err != nil {
			return fromPCall(err)
		}
	}
	return nil
}

// traceEventTable is {method=, url=, status=, bytes_sent=, bytes_received=,
// duration=, attempt=, retry_reason=, error=}.
func traceEventTable(L *lua.LState, e engine.TraceEvent) *lua.LTable {
	t := L.CreateTable(0, 9)
	t.RawSetString("method", lua.LString(e.Method))
	t.RawSetString("url", lua.LString(e.URL))
	if e.Status > 0 {
		t.RawSetString("status", lua.LNumber(e.Status))
	}
	t.RawSetString("bytes_sent", lua.LNumber(e.BytesSent))
	t.RawSetString("bytes_received", lua.LNumber(e.BytesReceived))
	t.RawSetString("duration", lua.LNumber(e.Duration.Seconds()))
	t.RawSetString("attempt", lua.LNumber(e.Attempt))
	setString(t, "retry_reason", e.RetryReason)
	setString(t, "error", e.Err)
	return t
}
