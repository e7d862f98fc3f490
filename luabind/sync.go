package luabind

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// s3.sync: make a destination hold what a source holds.

// syncLocation checks argument n as a sync location: "s3://bucket/prefix"
// (its bucket against Options.Buckets) or a local directory (confined to
// Options.Root). It returns the location as the engine takes it.
func (c *call) syncLocation(n int) string {
	s := c.str(n)
	if c.checkArgs() != nil {
		return ""
	}
	loc, err := engine.ParseSyncLocation(s)
	if err != nil {
		c.argError(n, "%s", err.Error())
		return ""
	}
	if loc.IsS3() {
		c.allowBucket(n, loc.Bucket)
		return s
	}
	return c.path(n)
}

// patternList reads an include or exclude option: one pattern or an array
// of them.
func (c *call) patternList(n int, key string, v lua.LValue) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case lua.LString:
		return []string{string(v)}
	case *lua.LTable:
		var out []string
		for i := 1; i <= v.Len(); i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok {
				c.argError(n, "option '%s': %s[%d] must be a string, got %s", key, key, i, typeName(v.RawGetInt(i)))
				return nil
			}
			out = append(out, string(s))
		}
		return out
	}
	if v == lua.LNil {
		return nil
	}
	c.argError(n, "option '%s' must be a string or an array of strings, got %s", key, typeName(v))
	return nil
}

// s3Sync implements s3.sync(src, dst [, opts]) -> summary | plan.
func s3Sync(c *call) (int, error) {
	src := c.syncLocation(1)
	dst := c.syncLocation(2)
	o := struct {
		Compare        string         `lua:"compare" enum:"size_time,size,checksum"`
		Delete         bool           `lua:"delete"`
		Include        lua.LValue     `lua:"include"`
		Exclude        lua.LValue     `lua:"exclude"`
		Filter         *lua.LFunction `lua:"filter"`
		FollowSymlinks bool           `lua:"follow_symlinks"`
		DryRun         bool           `lua:"dry_run"`
		Workers        int            `lua:"workers" range:"1,256"`
		Progress       *lua.LFunction `lua:"progress"`
		OnResult       *lua.LFunction `lua:"on_result"`
	}{Compare: engine.SyncCompareSizeTime, Workers: engine.BatchWorkersDefault}
	c.decodeOptions(3, &o)
	include := c.patternList(3, "include", o.Include)
	exclude := c.patternList(3, "exclude", o.Exclude)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if s, _ := engine.ParseSyncLocation(src); !s.IsS3() {
		if d, _ := engine.ParseSyncLocation(dst); !d.IsS3() {
			c.argError(2, "both locations are local: one must be s3://bucket/prefix")
		}
	}
	filter, err := engine.NewPathFilter(include, exclude)
	if err != nil {
		c.argError(3, "%s", err.Error())
	}
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	L := c.L
	opt := engine.SyncOptions{
		Compare:        o.Compare,
		Delete:         o.Delete,
		Filter:         filter,
		FollowSymlinks: o.FollowSymlinks,
		DryRun:         o.DryRun,
		Workers:        o.Workers,
	}
	if o.Filter != nil {
		opt.Accept = func(e engine.SyncEntry) (bool, error) {
			t := L.CreateTable(0, 3)
			t.RawSetString("rel", lua.LString(e.Rel))
			t.RawSetString("size", lua.LNumber(e.Size))
			t.RawSetString("mtime", lua.LNumber(e.ModTime.Unix()))
			if err := c.m.callback(L, lua.P{Fn: o.Filter, NRet: 1, Protect: true}, t); err != nil {
				return false, fromPCall(err)
			}
			keep := lua.LVAsBool(L.Get(-1))
			L.Pop(1)
			return keep, nil
		}
	}
	var actions *lua.LTable
	if o.DryRun {
		actions = L.NewTable()
		opt.OnAction = func(a engine.SyncAction) error {
			t := L.CreateTable(0, 6)
			t.RawSetString("op", lua.LString(a.Op))
			t.RawSetString("rel", lua.LString(a.Rel))
			if a.Src != "" {
				t.RawSetString("src", lua.LString(a.Src))
			}
			t.RawSetString("dst", lua.LString(a.Dst))
			t.RawSetString("size", lua.LNumber(a.Size))
			t.RawSetString("reason", lua.LString(a.Reason))
			actions.Append(t)
			return nil
		}
	}
	if o.OnResult != nil {
		opt.OnResult = func(r engine.BatchResult) error {
			if err := c.m.callback(L, lua.P{Fn: o.OnResult, NRet: 0, Protect: true}, batchResultTable(c, r)); err != nil {
				return fromPCall(err)
			}
			return nil
		}
	}
	if o.Progress != nil {
		opt.Progress = func(done, total int64) {
			// A failing progress function is ignored here: on_result is
			// the place to stop a sync.
			_ = c.m.callback(L, lua.P{Fn: o.Progress, NRet: 0, Protect: true}, lua.LNumber(done), lua.LNumber(total))
		}
	}
	sum, err := c.client().Sync(c.ctx(), src, dst, opt)
	if err != nil {
		return 0, err
	}
	t := L.CreateTable(0, 12)
	if o.DryRun {
		t.RawSetString("actions", actions)
	}
	for k, v := range map[string]int64{"uploads": sum.Uploads, "downloads": sum.Downloads, "copies": sum.Copies,
		"deletes": sum.Deletes, "skipped": sum.Skipped, "bytes": sum.Bytes} {
		t.RawSetString(k, lua.LNumber(v))
	}
	t.RawSetString("refused", stringsToTable(L, sum.Refused))
	if !o.DryRun {
		setBatchSummary(c, t, sum.Batch)
	}
	L.Push(t)
	return 1, nil
}

// batchResultTable is on_result's r: {op=, bp=, file=, from=, ok=, error=,
// result=, bytes=}.
func batchResultTable(c *call, r engine.BatchResult) *lua.LTable {
	L := c.L
	t := L.CreateTable(0, 8)
	if r.Op != nil {
		t.RawSetString("op", lua.LString(r.Op.Op))
		setString(t, "bp", r.Op.BP)
		setString(t, "file", r.Op.File)
		setString(t, "from", r.Op.From)
	}
	t.RawSetString("ok", lua.LBool(r.Err == nil))
	if r.Err != nil {
		t.RawSetString("error", c.errorTable(r.Err))
	}
	if r.Header != nil {
		t.RawSetString("result", headersToTable(L, r.Header))
	}
	t.RawSetString("bytes", lua.LNumber(r.Bytes))
	return t
}

// setBatchSummary adds ok, failed, seconds and errors ({op=, bp=, error=},
// the first 100 failures) to t. bytes is left to the caller.
func setBatchSummary(c *call, t *lua.LTable, s engine.BatchSummary) {
	L := c.L
	t.RawSetString("ok", lua.LNumber(s.OK))
	t.RawSetString("failed", lua.LNumber(s.Failed))
	t.RawSetString("seconds", lua.LNumber(s.Seconds))
	errs := L.CreateTable(len(s.Errors), 0)
	for _, r := range s.Errors {
		e := L.CreateTable(0, 3)
		if r.Op != nil {
			e.RawSetString("op", lua.LString(r.Op.Op))
			bp := r.Op.BP
			if bp == "" {
				bp = r.Op.File
			}
			setString(e, "bp", bp)
			setString(e, "file", r.Op.File)
		}
		e.RawSetString("error", c.errorTable(r.Err))
		errs.Append(e)
	}
	t.RawSetString("errors", errs)
}
