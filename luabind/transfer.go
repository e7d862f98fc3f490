package luabind

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Get and put.

// rangeArgs reads the optional range_begin, range_end at arguments n, n+1
// (end exclusive, as the reference). Neither: no range; only begin: to the
// end; only end: from 0.
func (c *call) rangeArgs(n int) *engine.Range {
	if c.isNone(n) && c.isNone(n+1) {
		return nil
	}
	begin := c.optInteger(n, 0, 0, math.MaxInt64)
	end := c.optInteger(n+1, -1, 0, math.MaxInt64)
	if end >= 0 && end <= begin {
		c.argError(n+1, "range_end (%d) must be greater than range_begin (%d)", end, begin)
	}
	return &engine.Range{Begin: begin, End: end}
}

// checkRangeHeader refuses a Range header together with range arguments.
func (c *call) checkRangeHeader(n int, h http.Header, rng *engine.Range) {
	if rng != nil && h.Get("Range") != "" {
		c.argError(n, "a Range header and range arguments: give one or the other")
	}
}

// callReader calls a Lua reader(body, headers) with a stream over r and
// returns its results; the body is closed (invalid) when it returns.
func callReader(m *module, L *lua.LState, reader *lua.LFunction, owner string, r io.Reader, h http.Header) ([]lua.LValue, error) {
	b, ud := newBody(L, r, owner)
	defer func() { b.valid = false }()
	top := L.GetTop()
	if err := m.callback(L, lua.P{Fn: reader, NRet: lua.MultRet, Protect: true}, ud, headersToTable(L, h)); err != nil {
		return nil, fromPCall(err)
	}
	results := make([]lua.LValue, 0, L.GetTop()-top)
	for i := top + 1; i <= L.GetTop(); i++ {
		results = append(results, L.Get(i))
	}
	L.SetTop(top)
	return results, nil
}

// s3GetProc implements s3.get_proc(bp, reader [, heads [, range_begin [,
// range_end]]]) -> reader's results. reader(body, headers) gets a
// read-only stream valid only during the call.
func s3GetProc(c *call) int {
	bp, _, _ := c.bucketPath(1)
	reader := c.function(2)
	h := c.headers(3)
	rng := c.rangeArgs(4)
	c.checkRangeHeader(3, h, rng)
	var results []lua.LValue
	err := c.client().GetProc(c.ctx(), bp, h, rng, func(body io.Reader, rh http.Header) error {
		var err error
		results, err = callReader(c.m, c.L, reader, "get_proc", body, rh)
		return err
	})
	if err != nil {
		c.raise(err)
	}
	for _, v := range results {
		c.L.Push(v)
	}
	return len(results)
}

// s3GetBytes implements s3.get_bytes(bp [, heads [, range_begin [,
// range_end]]]) -> string. The whole object is held in memory.
func s3GetBytes(c *call) int {
	bp, _, _ := c.bucketPath(1)
	h := c.headers(2)
	rng := c.rangeArgs(3)
	c.checkRangeHeader(2, h, rng)
	data, err := c.client().GetBytes(c.ctx(), bp, h, rng)
	if err != nil {
		c.raise(err)
	}
	c.L.Push(lua.LString(data))
	return 1
}

var (
	existsModes = []string{"error", "append", "update", "replace", "truncate", "truncate/replace"}
	fileModes   = []string{"binary", "text"}
)

// s3GetFile implements s3.get_file(bp, file [, heads [, {exists=, mode=,
// fsync=, progress=}]]).
func s3GetFile(c *call) int {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	h := c.headers(3)
	o := c.options(4, map[string]string{"exists": optString, "mode": optString, "progress": optFunction, "fsync": optBoolean})
	c.checkOptionEnum(4, o, "exists", existsModes...)
	c.checkOptionEnum(4, o, "mode", fileModes...)
	ctx, p := c.progress(bp, optionFunction(o, "progress"))
	defer p.end()
	err := c.client().GetFile(ctx, bp, file, h, engine.GetFileOptions{
		Exists:   optionString(o, "exists", ""),
		Mode:     optionString(o, "mode", ""),
		Sync:     optionBool(o, "fsync"),
		Progress: p.engine(),
	})
	if err == nil && p.failure != nil && optionString(o, "exists", "error") == "error" {
		// The download completed before the cancellation took effect: the
		// file did not exist before, so remove it.
		c.m.removeFile(file)
	}
	if err = p.err(err); err != nil {
		c.raise(err)
	}
	return 0
}

// s3Put implements s3.put(bp, writer, data_length, mime_type [, reader [,
// heads [, {chunk_len=}]]]) -> headers [, reader's results]: the
// reference returns the response headers whether or not a reader is given. writer(w) writes exactly data_length bytes with w:write(...).
func s3Put(c *call) int {
	L := c.L
	bp, _, _ := c.bucketPath(1)
	writerFn := c.function(2)
	length := c.integer(3, 0, math.MaxInt64)
	mimeType := c.str(4)
	reader := c.optFunction(5)
	h := c.headers(6)
	o := c.options(7, map[string]string{"chunk_len": optInteger})
	c.checkOptionRange(7, o, "chunk_len", engine.ChunkLenMinimum, math.MaxInt32)
	opt := engine.PutOptions{ChunkLen: int(optionInt(o, "chunk_len", 0))}
	resp, err := c.client().Put(c.ctx(), bp, func(w io.Writer) error {
		wr, ud := newWriter(L, w, length)
		defer func() { wr.valid = false }()
		if err := c.m.callback(L, lua.P{Fn: writerFn, NRet: 0, Protect: true}, ud); err != nil {
			if wr.err != nil {
				return wr.err
			}
			return fromPCall(err)
		}
		if wr.written != length {
			return shortWriteError(wr.written, length)
		}
		return nil
	}, length, mimeType, h, opt)
	if err != nil {
		c.raise(err)
	}
	headers := headersToTable(L, resp)
	if reader == nil {
		L.Push(headers)
		return 1
	}
	// The PUT answer has no body worth reading: the reader gets an empty
	// stream and the response headers, as the reference's reader would.
	// A reader that raises aborts the put: the object it created is
	// deleted, so the error leaves nothing behind.
	results, err := callReader(c.m, L, reader, "put", strings.NewReader(""), resp)
	if err != nil {
		_, _ = c.client().Delete(c.ctx(), bp)
		c.raise(err)
	}
	L.Push(headers)
	for _, v := range results {
		L.Push(v)
	}
	return 1 + len(results)
}

// s3PutBytes implements s3.put_bytes(bp, data, mime_type [, heads]) ->
// headers.
func s3PutBytes(c *call) int {
	bp, _, _ := c.bucketPath(1)
	data := c.str(2)
	mimeType := c.str(3)
	h := c.headers(4)
	resp, err := c.client().PutBytes(c.ctx(), bp, []byte(data), mimeType, h)
	if err != nil {
		c.raise(err)
	}
	c.L.Push(headersToTable(c.L, resp))
	return 1
}

// s3PutFile implements s3.put_file(bp, file [, {mime_type=, mode=,
// inline=, chunk_len=, headers=, progress=}]) -> headers.
func s3PutFile(c *call) int {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	o := c.options(3, map[string]string{
		"mime_type": optString, "mode": optString, "inline": optBoolean,
		"chunk_len": optInteger, "headers": optTable, "progress": optFunction,
	})
	c.checkOptionEnum(3, o, "mode", fileModes...)
	c.checkOptionRange(3, o, "chunk_len", engine.ChunkLenMinimum, math.MaxInt32)
	h := c.optionHeaders(3, o)
	mimeType, err := c.mimeType(file, optionString(o, "mime_type", ""))
	if err != nil {
		c.raise(err)
	}
	ctx, p := c.progress(bp, optionFunction(o, "progress"))
	defer p.end()
	// A single PUT cannot be taken back once its body is on the wire: the
	// server may store the object after a cancelled client gave up, so
	// that no check afterwards can find it. After a progress error the
	// upload runs to its end, and the object it created is deleted.
	p.finish = true
	resp, err := c.client().PutFile(ctx, bp, file, engine.PutFileOptions{
		MIMEType: mimeType,
		Mode:     optionString(o, "mode", ""),
		Inline:   optionBool(o, "inline"),
		ChunkLen: int(optionInt(o, "chunk_len", 0)),
		Header:   h,
		Progress: p.engine(),
	})
	p.undoUpload(err, bp)
	if err = p.err(err); err != nil {
		c.raise(err)
	}
	c.L.Push(headersToTable(c.L, resp))
	return 1
}

// optionHeaders reads the headers option of an options table.
func (c *call) optionHeaders(n int, o map[string]lua.LValue) http.Header {
	t, ok := o["headers"].(*lua.LTable)
	if !ok {
		return nil
	}
	h, msg := headersFromTable(t)
	if msg != "" {
		c.argError(n, "option 'headers': %s", msg)
	}
	return h
}

// mimeType is the content type for an upload of file: the explicit one,
// else the script's path_to_mime_proc (called here, on the script's
// goroutine), else "" for the engine's own guess.
func (c *call) mimeType(file, explicit string) (string, error) {
	if explicit != "" || c.m.mime == nil {
		return explicit, nil
	}
	L := c.L
	if err := c.m.callback(L, lua.P{Fn: c.m.mime, NRet: 1, Protect: true}, lua.LString(file)); err != nil {
		return "", fromPCall(err)
	}
	v := L.Get(-1)
	L.Pop(1)
	s, ok := v.(lua.LString)
	if !ok || s == "" {
		return "", &usageError{msg: fmt.Sprintf("%s: path_to_mime_proc must return a non-empty string, got %s", c.name, typeName(v))}
	}
	return string(s), nil
}

// transferProgress feeds a transfer's progress to the script's progress
// function and to Options.Progress. A Lua error in the progress function
// cancels the transfer (engine progress functions cannot fail) and is
// raised afterwards as the very same value.
type transferProgress struct {
	c       *call
	desc    string
	fn      *lua.LFunction
	cancel  context.CancelFunc
	failure error
	start   time.Time
	// finish, when set, lets the transfer run to its end after the
	// progress function failed instead of cancelling it (see s3PutFile).
	finish bool

	hooked   bool
	update   func(done int64)
	finisher func()
}

// progress prepares the progress reporting of one transfer; the returned
// context is the one to give the engine.
func (c *call) progress(bp string, fn *lua.LFunction) (context.Context, *transferProgress) {
	ctx, cancel := context.WithCancel(c.ctx())
	return ctx, &transferProgress{c: c, desc: c.name + " " + bp, fn: fn, cancel: cancel, start: time.Now()}
}

// engine returns the engine.Progress, or nil when nobody listens.
func (p *transferProgress) engine() engine.Progress {
	if p.fn == nil && p.c.m.opts.Progress == nil {
		return nil
	}
	return func(done, total int64) {
		if p.failure != nil {
			return
		}
		if hook := p.c.m.opts.Progress; hook != nil {
			if !p.hooked {
				p.hooked = true
				p.update, p.finisher = hook(p.desc, total)
			}
			if p.update != nil {
				p.update(done)
			}
		}
		if p.fn != nil {
			L := p.c.L
			if err := p.c.m.callback(L, lua.P{Fn: p.fn, NRet: 0, Protect: true}, lua.LNumber(done), lua.LNumber(total)); err != nil {
				p.failure = fromPCall(err)
				if !p.finish {
					p.cancel()
				}
			}
		}
	}
}

// err prefers the progress function's failure to the cancellation it
// caused.
func (p *transferProgress) err(err error) error {
	if p.failure != nil {
		return p.failure
	}
	return err
}

// undoUpload deletes the object an upload created although the progress
// function failed. The engine reports progress while the request runs, so
// the failure (and the cancellation it causes) can come after the server
// has the whole body: the upload then completes anyway, or the server
// completes it while the client gives up. If the call succeeded, or the
// object was written since the call started, it is ours: delete it, so a
// callback error leaves no object behind.
func (p *transferProgress) undoUpload(err error, bp string) {
	if p.failure == nil {
		return
	}
	ctx := p.c.ctx()
	if err != nil {
		h, herr := p.c.client().Head(ctx, bp, nil)
		if herr != nil {
			return
		}
		lm, perr := http.ParseTime(h.Get("Last-Modified"))
		if perr != nil || lm.Before(p.start.Truncate(time.Second)) {
			return
		}
	}
	_, _ = p.c.client().Delete(ctx, bp)
}

func (p *transferProgress) end() {
	p.cancel()
	if p.finisher != nil {
		f := p.finisher
		p.finisher = nil
		f()
	}
}
