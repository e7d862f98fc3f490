package luabind

import (
	"path/filepath"
	"strings"

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
	if c.m.root == "" {
		return s
	}
	// Under a Root the directory may not exist yet (a destination is
	// created): its name is checked lexically here, and os.Root (the
	// engine's Config.Root) confines every access, symbolic links included.
	rel := filepath.Clean(s)
	if filepath.IsAbs(rel) {
		r, err := filepath.Rel(c.m.root, rel)
		if err != nil {
			c.argError(n, "path '%s' %s", s, errOutsideRoot.Error())
			return ""
		}
		rel = r
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		c.argError(n, "path '%s' %s", s, errOutsideRoot.Error())
		return ""
	}
	return rel
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
	// on_result and progress as a batch's (one place for both).
	var (
		done, queued int64
		hooked       bool
		update       func(int64)
		finish       func()
	)
	opt.Progress = func(d, q int64) error { done, queued = d, q; return nil }
	if o.OnResult != nil || o.Progress != nil || c.m.opts.Progress != nil {
		opt.OnResult = func(r engine.BatchResult) error {
			// The engine reports progress after OnResult: count this one.
			return deliverResult(c.m, L, r, o.OnResult, o.Progress, done+1, max(queued, done+1), &hooked, &update, &finish)
		}
	}
	sum, err := c.client().Sync(c.ctx(), src, dst, opt)
	if finish != nil {
		finish()
	}
	if err != nil {
		return 0, err
	}
	var t *lua.LTable
	if o.DryRun {
		t = L.CreateTable(0, 9)
		t.RawSetString("actions", actions)
	} else {
		t = summaryToTable(c.m, L, sum.Batch)
	}
	for k, v := range map[string]int64{"uploads": sum.Uploads, "downloads": sum.Downloads, "copies": sum.Copies,
		"deletes": sum.Deletes, "skipped": sum.Skipped, "bytes": sum.Bytes} {
		t.RawSetString(k, lua.LNumber(v))
	}
	t.RawSetString("refused", stringsToTable(L, sum.Refused))
	L.Push(t)
	return 1, nil
}
