package luabind

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Batches: s3.batch and the recursive operations, on engine.Batch. The
// operations run on the engine's goroutines; every Lua callback (on_result,
// progress, filter) runs on the script's goroutine, inside the batch method
// or the wait that delivers the result.

const batchType = "s3.batch"

// luaBatch is the Go side of a batch value.
type luaBatch struct {
	m        *module
	b        *engine.Batch
	ud       *lua.LUserData
	L        *lua.LState // the state of the method call running now
	onResult *lua.LFunction
	progress *lua.LFunction

	// The terminal bar (Options.Progress), started with the first result.
	hooked       bool
	update       func(done int64)
	finish       func()
	done, queued int64
}

// batchOptions are s3.batch's options.
type batchOptions struct {
	Workers     int            `lua:"workers" range:"1,256"`
	OnResult    *lua.LFunction `lua:"on_result"`
	StopOnError bool           `lua:"stop_on_error"`
	Progress    *lua.LFunction `lua:"progress"`
}

// s3Batch implements s3.batch([opts]) -> b.
func s3Batch(c *call) (int, error) {
	o := batchOptions{Workers: engine.BatchWorkersDefault}
	c.decodeOptions(1, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	lb := &luaBatch{m: c.m, L: c.L, onResult: o.OnResult, progress: o.Progress}
	b, err := c.client().NewBatch(engine.BatchOptions{
		Workers:     o.Workers,
		StopOnError: o.StopOnError,
		OnResult:    lb.deliver,
	})
	if err != nil {
		return 0, err
	}
	lb.b = b
	ud := c.L.NewUserData()
	ud.Value = lb
	lb.ud = ud
	mt := c.L.NewTable()
	methods := c.L.NewTable()
	for name, f := range map[string]func(c *call, lb *luaBatch) (int, error){
		"put_file":  batchPutFile,
		"put_bytes": batchPutBytes,
		"get_file":  batchGetFile,
		"copy":      batchCopy,
		"head":      batchHead,
		"delete":    batchDelete,
		"wait":      batchWait,
		"cancel":    batchCancel,
	} {
		methods.RawSetString(name, c.L.NewFunction(lb.method(name, f)))
	}
	mt.RawSetString("__index", methods)
	mt.RawSetString("__name", lua.LString(batchType))
	mt.RawSetString("__tostring", c.L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(batchType))
		return 1
	}))
	c.L.SetMetatable(ud, mt)
	c.L.Push(ud)
	return 1, nil
}

// method binds a batch method: self is checked and removed, so that the
// arguments are numbered as Lua numbers a method's (b:put_bytes(bp, ...):
// bp is argument #1), and errors are raised as the module's functions
// raise them.
func (lb *luaBatch) method(name string, f func(c *call, lb *luaBatch) (int, error)) lua.LGFunction {
	return func(L *lua.LState) int {
		if L.Get(1) != lb.ud {
			raiseMessage(L, fmt.Sprintf("bad self to '%s' (%s expected, got %s): call it as b:%s(...)", name, batchType, typeName(L.Get(1)), name))
		}
		L.Remove(1)
		c := &call{L: L, m: lb.m, name: name, collect: true}
		lb.L = L
		n, err := f(c, lb)
		if err == nil {
			err = c.argErr
		}
		if err != nil {
			c.raise(err)
		}
		return n
	}
}

// objectPath is bucketPath for an object: "bucket/" alone is an argument
// error.
func (c *call) objectPath(n int) string {
	bp, bucket, key := c.bucketPath(n)
	if key == "" && bucket != "" {
		c.argError(n, "'%s' names a bucket, not an object", bp)
	}
	return bp
}

// submit queues op; the results that arrive meanwhile go to on_result.
func (lb *luaBatch) submit(c *call, op engine.BatchOp) (int, error) {
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	lb.queued++
	if err := lb.b.Submit(c.ctx(), op); err != nil {
		return 0, err
	}
	return 0, nil
}

// deliver is the engine's OnResult: the result as a table to on_result,
// then the progress function and the terminal bar. A Lua error in either
// cancels the batch and comes back unchanged from the call that ran it.
func (lb *luaBatch) deliver(r engine.BatchResult) error {
	lb.done++
	return deliverResult(lb.m, lb.L, r, lb.onResult, lb.progress, lb.done, lb.queued, &lb.hooked, &lb.update, &lb.finish)
}

// deliverResult is on_result and progress for a batch result.
func deliverResult(m *module, L *lua.LState, r engine.BatchResult, onResult, progress *lua.LFunction, done, queued int64,
	hooked *bool, update *func(int64), finish *func()) error {
	if hook := m.opts.Progress; hook != nil {
		if !*hooked {
			*hooked = true
			*update, *finish = hook("batch", -1)
		}
		if *update != nil {
			(*update)(done)
		}
	}
	if onResult != nil {
		if err := m.callback(L, lua.P{Fn: onResult, NRet: 0, Protect: true}, resultToTable(m, L, r)); err != nil {
			return fromPCall(err)
		}
	}
	if progress != nil {
		if err := m.callback(L, lua.P{Fn: progress, NRet: 0, Protect: true}, lua.LNumber(done), lua.LNumber(queued)); err != nil {
			return fromPCall(err)
		}
	}
	return nil
}

// resultToTable is on_result's r: {op =, bp =, file =, from =, ok =,
// error =, result =, bytes =}.
func resultToTable(m *module, L *lua.LState, r engine.BatchResult) *lua.LTable {
	t := L.CreateTable(0, 8)
	t.RawSetString("op", lua.LString(r.Op.Op))
	t.RawSetString("bp", lua.LString(r.Op.BP))
	if r.Op.File != "" {
		t.RawSetString("file", lua.LString(fileName(r.Op)))
	}
	if r.Op.From != "" {
		t.RawSetString("from", lua.LString(r.Op.From))
	}
	t.RawSetString("ok", lua.LBool(r.Err == nil))
	t.RawSetString("bytes", lua.LNumber(r.Bytes))
	if r.Err != nil {
		t.RawSetString("error", (&call{L: L, m: m, name: r.Op.Op}).errorTable(r.Err))
	} else if r.Header != nil {
		t.RawSetString("result", headersToTable(L, r.Header))
	}
	return t
}

// fileName is the file as the script named it (the engine may have a name
// relative to Root).
func fileName(op *engine.BatchOp) string {
	if s, ok := op.Tag.(string); ok {
		return s
	}
	return op.File
}

// summaryToTable is wait's summary: {ok =, failed =, bytes =, seconds =,
// errors = {{op =, bp =, error =}, ...}}.
func summaryToTable(m *module, L *lua.LState, s engine.BatchSummary) *lua.LTable {
	t := L.CreateTable(0, 5)
	t.RawSetString("ok", lua.LNumber(s.OK))
	t.RawSetString("failed", lua.LNumber(s.Failed))
	t.RawSetString("bytes", lua.LNumber(s.Bytes))
	t.RawSetString("seconds", lua.LNumber(s.Seconds))
	errs := L.CreateTable(len(s.Errors), 0)
	for _, r := range s.Errors {
		e := L.CreateTable(0, 3)
		e.RawSetString("op", lua.LString(r.Op.Op))
		e.RawSetString("bp", lua.LString(r.Op.BP))
		e.RawSetString("error", (&call{L: L, m: m, name: r.Op.Op}).errorTable(r.Err))
		errs.Append(e)
	}
	t.RawSetString("errors", errs)
	return t
}

// batchPutFileOptions are b:put_file's options: s3.put_file's, without a
// per-operation progress (the batch has one).
type batchPutFileOptions struct {
	MIMEType string         `lua:"mime_type"`
	Mode     string         `lua:"mode" enum:"binary,text"`
	Inline   bool           `lua:"inline"`
	ChunkLen int            `lua:"chunk_len" range:"aws_chunk_len_minimum,maxint32"`
	Headers  http.Header    `lua:"headers"`
	Progress *lua.LFunction `lua:"progress"` // accepted as s3.put_file's; the batch's progress reports
	// Object options (objectopts.go).
	SSE            string      `lua:"sse" enum:"AES256,aws:kms"`
	KMSKeyID       string      `lua:"kms_key_id"`
	SSECustomerKey *string     `lua:"sse_customer_key"`
	Metadata       *lua.LTable `lua:"metadata"`
	Tags           *lua.LTable `lua:"tags"`
	StorageClass   string      `lua:"storage_class"`
}

// b:put_file(bp, file [, opts])
func batchPutFile(c *call, lb *luaBatch) (int, error) {
	bp := c.objectPath(1)
	name := c.str(2)
	file := c.path(2)
	var o batchPutFileOptions
	c.decodeOptions(3, &o)
	o.Headers = c.objectFieldsHeaders(3, objectFields{SSE: o.SSE, KMSKeyID: o.KMSKeyID, SSECustomerKey: o.SSECustomerKey,
		Metadata: o.Metadata, Tags: o.Tags, StorageClass: o.StorageClass}, o.Headers)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	mimeType, err := c.mimeType(name, o.MIMEType)
	if err != nil {
		return 0, err
	}
	return lb.submit(c, engine.BatchOp{Op: engine.OpPutFile, BP: bp, File: file, Tag: name, PutFile: engine.PutFileOptions{
		MIMEType: mimeType, Mode: o.Mode, Inline: o.Inline, ChunkLen: o.ChunkLen, Header: o.Headers}})
}

// b:put_bytes(bp, data, mime_type [, heads])
func batchPutBytes(c *call, lb *luaBatch) (int, error) {
	bp := c.objectPath(1)
	data := c.str(2)
	mimeType := c.str(3)
	h := c.objectHeaders(4, putObjectOptions)
	return lb.submit(c, engine.BatchOp{Op: engine.OpPutBytes, BP: bp, Data: []byte(data), MIMEType: mimeType, Header: h})
}

// b:get_file(bp, file [, {exists =, mkdir =}])
func batchGetFile(c *call, lb *luaBatch) (int, error) {
	bp := c.objectPath(1)
	name := c.str(2)
	o := struct {
		Exists string `lua:"exists" enum:"error,append,update,replace,truncate,truncate/replace"`
		Mkdir  bool   `lua:"mkdir"`
	}{Exists: "error", Mkdir: true}
	c.decodeOptions(3, &o)
	var file string
	if o.Mkdir {
		file = c.pathToCreate(2)
	} else {
		file = c.path(2)
	}
	return lb.submit(c, engine.BatchOp{Op: engine.OpGetFile, BP: bp, File: file, Tag: name, Exists: o.Exists, NoMkdir: !o.Mkdir})
}

// b:copy(from_bp, to_bp [, heads])
func batchCopy(c *call, lb *luaBatch) (int, error) {
	from := c.objectPath(1)
	to := c.objectPath(2)
	h := c.objectHeaders(3, copyObjectOptions)
	if t, ok := c.L.Get(3).(*lua.LTable); ok && h != nil {
		// As s3.copy: new metadata or tags replace the source's.
		if t.RawGetString("metadata") != lua.LNil && h.Get("X-Amz-Metadata-Directive") == "" {
			h.Set("X-Amz-Metadata-Directive", "REPLACE")
		}
		if t.RawGetString("tags") != lua.LNil && h.Get("X-Amz-Tagging-Directive") == "" {
			h.Set("X-Amz-Tagging-Directive", "REPLACE")
		}
	}
	return lb.submit(c, engine.BatchOp{Op: engine.OpCopy, From: from, BP: to, Header: h})
}

// b:head(bp)
func batchHead(c *call, lb *luaBatch) (int, error) {
	bp := c.objectPath(1)
	return lb.submit(c, engine.BatchOp{Op: engine.OpHead, BP: bp})
}

// b:delete(bp)
func batchDelete(c *call, lb *luaBatch) (int, error) {
	bp := c.objectPath(1)
	return lb.submit(c, engine.BatchOp{Op: engine.OpDelete, BP: bp})
}

// b:wait() -> summary
func batchWait(c *call, lb *luaBatch) (int, error) {
	sum, err := lb.b.Wait(c.ctx())
	lb.done, lb.queued = 0, 0
	if lb.hooked {
		if lb.finish != nil {
			lb.finish()
		}
		lb.hooked, lb.update, lb.finish = false, nil, nil
	}
	if err != nil {
		return 0, err
	}
	c.L.Push(summaryToTable(lb.m, c.L, sum))
	return 1, nil
}

// b:cancel()
func batchCancel(c *call, lb *luaBatch) (int, error) {
	lb.b.Cancel()
	return 0, nil
}

// prefixOptions are the options of copy_prefix, move_prefix and
// delete_prefix.
type prefixOptions struct {
	Workers  int            `lua:"workers" range:"1,256"`
	Include  *lua.LTable    `lua:"include"`
	Exclude  *lua.LTable    `lua:"exclude"`
	Filter   *lua.LFunction `lua:"filter"`
	DryRun   bool           `lua:"dry_run"`
	Progress *lua.LFunction `lua:"progress"`
	OnResult *lua.LFunction `lua:"on_result"`
}

// patterns reads an array of glob patterns of option key at argument n.
func (c *call) patterns(n int, key string, t *lua.LTable) []string {
	if t == nil {
		return nil
	}
	var out []string
	for i := 1; i <= t.Len(); i++ {
		s, ok := t.RawGetInt(i).(lua.LString)
		if !ok {
			c.argError(n, "option '%s': pattern #%d must be a string, got %s", key, i, typeName(t.RawGetInt(i)))
			return nil
		}
		out = append(out, string(s))
	}
	return out
}

// enginePrefixOptions turns the options into the engine's, with the Lua
// callbacks run on this call's goroutine.
func (c *call) enginePrefixOptions(n int, o prefixOptions) (opts engine.PrefixOptions, end func()) {
	L, m := c.L, c.m
	opt := engine.PrefixOptions{
		Workers: o.Workers,
		Include: c.patterns(n, "include", o.Include),
		Exclude: c.patterns(n, "exclude", o.Exclude),
		DryRun:  o.DryRun,
	}
	if _, err := engine.NewPathFilter(opt.Include, opt.Exclude); err != nil {
		c.argError(n, "%s", err.Error())
	}
	if o.Filter != nil {
		opt.Filter = func(it engine.Item) (bool, error) {
			if err := m.callback(L, lua.P{Fn: o.Filter, NRet: 1, Protect: true}, itemToTable(L, it)); err != nil {
				return false, fromPCall(err)
			}
			v := L.Get(-1)
			L.Pop(1)
			return lua.LVAsBool(v), nil
		}
	}
	var (
		done, queued int64
		hooked       bool
		update       func(int64)
		finish       func()
	)
	opt.Progress = func(d, q int64) error { done, queued = d, q; return nil }
	if o.OnResult != nil || o.Progress != nil || m.opts.Progress != nil {
		opt.OnResult = func(r engine.BatchResult) error {
			// Progress runs after OnResult in the engine: count this one now.
			return deliverResult(m, L, r, o.OnResult, o.Progress, done+1, max(queued, done+1), &hooked, &update, &finish)
		}
	}
	return opt, func() {
		if finish != nil {
			finish()
		}
	}
}

// prefixResult pushes the summary, or the plan of a dry run.
func (c *call) prefixResult(sum engine.BatchSummary, plan *engine.PrefixPlan, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	if plan != nil {
		t := c.L.CreateTable(0, 3)
		t.RawSetString("keys", stringsToTable(c.L, plan.Keys))
		t.RawSetString("count", lua.LNumber(plan.Count))
		t.RawSetString("bytes", lua.LNumber(plan.Bytes))
		c.L.Push(t)
		return 1, nil
	}
	c.L.Push(summaryToTable(c.m, c.L, sum))
	return 1, nil
}

// s3CopyPrefix implements s3.copy_prefix(from_bp, to_bp [, opts]) ->
// summary | plan.
func s3CopyPrefix(c *call) (int, error) { return copyOrMovePrefix(c, false) }

// s3MovePrefix implements s3.move_prefix(from_bp, to_bp [, opts]) ->
// summary | plan.
func s3MovePrefix(c *call) (int, error) { return copyOrMovePrefix(c, true) }

func copyOrMovePrefix(c *call, move bool) (int, error) {
	from, fromBucket, fromPrefix := c.bucketPath(1)
	to, toBucket, toPrefix := c.bucketPath(2)
	if c.argErr == nil && fromBucket == toBucket && strings.HasPrefix(toPrefix, fromPrefix) {
		c.argError(2, "destination \"%s\" is inside the source \"%s\": its copies would be taken again", to, from)
	}
	o := prefixOptions{Workers: engine.BatchWorkersDefault}
	c.decodeOptions(3, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt, end := c.enginePrefixOptions(3, o)
	defer end()
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if move {
		return c.prefixResult(c.client().MovePrefix(c.ctx(), from, to, opt))
	}
	return c.prefixResult(c.client().CopyPrefix(c.ctx(), from, to, opt))
}

// s3DeletePrefix implements s3.delete_prefix(bp [, opts]) -> summary |
// plan.
func s3DeletePrefix(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	o := prefixOptions{Workers: engine.BatchWorkersDefault}
	c.decodeOptions(2, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt, end := c.enginePrefixOptions(2, o)
	defer end()
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	return c.prefixResult(c.client().DeletePrefix(c.ctx(), bp, opt))
}

// pathToCreate is path for a file whose parent directories may not exist
// yet (get_file with mkdir): under Root, a path whose directory is missing
// is taken when it lies inside Root by its name; the engine then creates and
// opens everything through os.Root, which refuses a symbolic link leading
// out.
func (c *call) pathToCreate(n int) string {
	file := c.str(n)
	if c.m.root == "" || file == "" {
		return c.path(n)
	}
	p := file
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.m.root, p)
	}
	p = filepath.Clean(p)
	if _, err := os.Stat(filepath.Dir(p)); err == nil {
		return c.path(n)
	}
	rel, err := filepath.Rel(c.m.root, p)
	if err != nil || !within(c.m.root, p) || rel == "." {
		c.argError(n, "path '%s' %s", file, errOutsideRoot.Error())
		return ""
	}
	return rel
}
