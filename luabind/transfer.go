package luabind

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

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
func s3GetProc(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	reader := c.function(2)
	h := c.objectHeaders(3, readObjectOptions)
	rng := c.rangeArgs(4)
	c.checkRangeHeader(3, h, rng)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	var results []lua.LValue
	err := c.client().GetProc(c.ctx(), bp, h, rng, func(body io.Reader, rh http.Header) error {
		var err error
		results, err = callReader(c.m, c.L, reader, "get_proc", body, rh)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, v := range results {
		c.L.Push(v)
	}
	return len(results), nil
}

// s3GetBytes implements s3.get_bytes(bp [, heads [, range_begin [,
// range_end]]]) -> string. The whole object is held in memory.
func s3GetBytes(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	h := c.objectHeaders(2, readObjectOptions)
	rng := c.rangeArgs(3)
	c.checkRangeHeader(2, h, rng)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	data, err := c.client().GetBytes(c.ctx(), bp, h, rng)
	if err != nil {
		return 0, err
	}
	c.L.Push(lua.LString(data))
	return 1, nil
}

// s3GetFile implements s3.get_file(bp, file [, heads [, {exists=, mode=,
// fsync=, progress=}]]). A progress function that raises stops the
// download: the engine leaves no file under the final name (in the
// replacing modes) and the error comes back unchanged.
func s3GetFile(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	h := c.objectHeaders(3, readObjectOptions)
	var o struct {
		Exists   string         `lua:"exists" enum:"error,append,update,replace,truncate,truncate/replace"`
		Mode     string         `lua:"mode" enum:"binary,text"`
		Fsync    bool           `lua:"fsync"`
		Progress *lua.LFunction `lua:"progress"`
		Workers  int            `lua:"workers" range:"1,64"`
		PartSize int64          `lua:"part_size" range:"multipart_size_minimum,"`
	}
	c.decodeOptions(4, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	p := c.progress(bp, o.Progress)
	defer p.end()
	err := c.client().GetFile(c.ctx(), bp, file, h, engine.GetFileOptions{
		Exists:   o.Exists,
		Mode:     o.Mode,
		Sync:     o.Fsync,
		Progress: p.engine(),
		Workers:  o.Workers,
		PartSize: o.PartSize,
	})
	return 0, err
}

// s3Put implements s3.put(bp, writer, data_length, mime_type [, reader [,
// heads [, {chunk_len=}]]]) -> headers [, reader's results]: the
// reference returns the response headers whether or not a reader is
// given. writer(w) writes exactly data_length bytes with w:write(...).
func s3Put(c *call) (int, error) {
	L := c.L
	bp, _, _ := c.bucketPath(1)
	writerFn := c.function(2)
	length := c.integer(3, 0, math.MaxInt64)
	mimeType := c.str(4)
	reader := c.optFunction(5)
	h := c.objectHeaders(6, putObjectOptions)
	var o struct {
		ChunkLen int `lua:"chunk_len" range:"aws_chunk_len_minimum,maxint32"`
	}
	c.decodeOptions(7, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt := engine.PutOptions{ChunkLen: o.ChunkLen}
	var results []lua.LValue
	if reader != nil {
		// The PUT answer has no body worth reading: the reader gets an
		// empty stream and the response headers, as the reference's reader
		// would. A reader that raises fails the put, and the engine deletes
		// the object it stored (if nobody replaced it meanwhile).
		opt.Stored = func(resp http.Header) error {
			var err error
			results, err = callReader(c.m, L, reader, "put", strings.NewReader(""), resp)
			return err
		}
	}
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
		return 0, err
	}
	L.Push(headersToTable(L, resp))
	for _, v := range results {
		L.Push(v)
	}
	return 1 + len(results), nil
}

// s3PutBytes implements s3.put_bytes(bp, data, mime_type [, heads]) ->
// headers.
func s3PutBytes(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	data := c.str(2)
	mimeType := c.str(3)
	h := c.objectHeaders(4, putObjectOptions)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	resp, err := c.client().PutBytes(c.ctx(), bp, []byte(data), mimeType, h)
	if err != nil {
		return 0, err
	}
	c.L.Push(headersToTable(c.L, resp))
	return 1, nil
}

// s3PutFile implements s3.put_file(bp, file [, {mime_type=, mode=,
// inline=, chunk_len=, headers=, progress=}]) -> headers. A progress
// function that raises stops the upload before its last bytes are sent,
// so no object is stored, and the error comes back unchanged.
func s3PutFile(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	var o struct {
		MIMEType string         `lua:"mime_type"`
		Mode     string         `lua:"mode" enum:"binary,text"`
		Inline   bool           `lua:"inline"`
		ChunkLen int            `lua:"chunk_len" range:"aws_chunk_len_minimum,maxint32"`
		Headers  http.Header    `lua:"headers"`
		Progress *lua.LFunction `lua:"progress"`
		// Object options (objectopts.go).
		SSE            string      `lua:"sse" enum:"AES256,aws:kms"`
		KMSKeyID       string      `lua:"kms_key_id"`
		SSECustomerKey *string     `lua:"sse_customer_key"`
		Metadata       *lua.LTable `lua:"metadata"`
		Tags           *lua.LTable `lua:"tags"`
		StorageClass   string      `lua:"storage_class"`
	}
	c.decodeOptions(3, &o)
	o.Headers = c.objectFieldsHeaders(3, objectFields{SSE: o.SSE, KMSKeyID: o.KMSKeyID, SSECustomerKey: o.SSECustomerKey,
		Metadata: o.Metadata, Tags: o.Tags, StorageClass: o.StorageClass}, o.Headers)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	mimeType, err := c.mimeType(file, o.MIMEType)
	if err != nil {
		return 0, err
	}
	p := c.progress(bp, o.Progress)
	defer p.end()
	resp, err := c.client().PutFile(c.ctx(), bp, file, engine.PutFileOptions{
		MIMEType: mimeType,
		Mode:     o.Mode,
		Inline:   o.Inline,
		ChunkLen: o.ChunkLen,
		Header:   o.Headers,
		Progress: p.engine(),
	})
	if err != nil {
		return 0, err
	}
	c.L.Push(headersToTable(c.L, resp))
	return 1, nil
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
// is the engine Progress's error: the engine stops the transfer, undoes it
// and returns that error, which the module raises as the very same value.
type transferProgress struct {
	c    *call
	desc string
	fn   *lua.LFunction

	hooked   bool
	update   func(done int64)
	finisher func()
}

// progress prepares the progress reporting of one transfer.
func (c *call) progress(bp string, fn *lua.LFunction) *transferProgress {
	return &transferProgress{c: c, desc: c.name + " " + bp, fn: fn}
}

// engine returns the engine.Progress, or nil when nobody listens.
func (p *transferProgress) engine() engine.Progress {
	if p.fn == nil && p.c.m.opts.Progress == nil {
		return nil
	}
	return func(done, total int64) error {
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
				return fromPCall(err)
			}
		}
		return nil
	}
}

func (p *transferProgress) end() {
	if p.finisher != nil {
		f := p.finisher
		p.finisher = nil
		f()
	}
}
