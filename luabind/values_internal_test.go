package luabind

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

func TestAppendTime(t *testing.T) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	times := []time.Time{
		time.Unix(0, 0),
		time.Date(2026, 12, 6, 2, 40, 0, 123e6, time.UTC),
		time.Date(2026, 12, 6, 2, 40, 0, 999999999, time.UTC), // truncated, not rounded
		time.Date(2026, 12, 31, 23, 59, 59, 5e6, zone),
		time.Date(2000, 2, 29, 0, 0, 0, 1, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // out of the fast path
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		times = append(times, time.Unix(r.Int64N(1<<36)-1<<34, r.Int64N(1e9)).In(zone))
	}
	for _, tm := range times {
		want := tm.UTC().Format("2006-01-02T15:04:05.000Z")
		if got := string(appendTime([]byte("x"), tm)); got != "x"+want {
			t.Errorf("appendTime(%v) = %q, want %q", tm, got, "x"+want)
		}
		if n := timeLen(tm); n != len(want) {
			t.Errorf("timeLen(%v) = %d, want %d", tm, n, len(want))
		}
	}
}

// refObjectTable is the documented item shape built field by field in the
// documented order: what the shared-value builder must equal.
func refObjectTable(L *lua.LState, it engine.Item) *lua.LTable {
	t := L.NewTable()
	if it.IsPrefix {
		t.RawSetString("prefix", lua.LString(it.Prefix))
		return t
	}
	o := it.Object
	t.RawSetString("key", lua.LString(o.Key))
	if !o.LastModified.IsZero() {
		t.RawSetString("last_modified", lua.LString(o.LastModified.UTC().Format("2006-01-02T15:04:05.000Z")))
	}
	if o.ETag != "" {
		t.RawSetString("etag", lua.LString(o.ETag))
	}
	t.RawSetString("size", lua.LNumber(o.Size))
	if o.StorageClass != "" {
		t.RawSetString("storage_class", lua.LString(o.StorageClass))
	}
	if o.Owner != nil {
		own := L.NewTable()
		if o.Owner.ID != "" {
			own.RawSetString("id", lua.LString(o.Owner.ID))
		}
		if o.Owner.DisplayName != "" {
			own.RawSetString("display_name", lua.LString(o.Owner.DisplayName))
		}
		t.RawSetString("owner", own)
	}
	return t
}

// dumpTable writes t's fields in the order pairs() visits them, with
// their Lua types, nested tables inline.
func dumpTable(t *lua.LTable) string {
	var b strings.Builder
	b.WriteByte('{')
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		fmt.Fprintf(&b, "%s:%s=", k.Type(), k)
		if vt, ok := v.(*lua.LTable); ok {
			b.WriteString(dumpTable(vt))
		} else {
			fmt.Fprintf(&b, "%s:%s", v.Type(), v)
		}
		b.WriteByte(';')
	}
	b.WriteByte('}')
	return b.String()
}

func TestItemTables(t *testing.T) {
	alice := &engine.Owner{ID: "a1", DisplayName: "alice"}
	bob := &engine.Owner{ID: "b2"}
	alice2 := &engine.Owner{ID: "a1", DisplayName: "alice"} // equal to alice, another pointer
	t0 := time.Date(2026, 12, 6, 2, 40, 0, 123e6, time.UTC)
	obj := func(key string, mod func(*engine.Object)) engine.Item {
		o := engine.Object{Key: key, LastModified: t0, ETag: `"e-` + key + `"`, Size: int64(len(key)), StorageClass: "STANDARD", Owner: alice}
		if mod != nil {
			mod(&o)
		}
		return engine.Item{Object: o}
	}
	items := []engine.Item{
		obj("a", nil),
		obj("b", nil), // same time, owner, class as a
		obj("c", func(o *engine.Object) {
			o.Owner = bob
			o.StorageClass = "GLACIER"
			o.LastModified = t0.Add(time.Millisecond)
		}),
		obj("d", func(o *engine.Object) { o.Owner = alice2; o.StorageClass = "GLACIER" }),
		obj("e", func(o *engine.Object) { o.Owner = nil; o.StorageClass = ""; o.ETag = ""; o.LastModified = time.Time{} }),
		obj("f", func(o *engine.Object) {
			o.StorageClass = "STANDARD_IA"
			o.Size = 0
			o.LastModified = time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC)
		}),
		obj("g", func(o *engine.Object) { o.Size = 1 << 50; o.LastModified = t0.In(time.FixedZone("x", 3600)) }),
		{IsPrefix: true, Prefix: "dir/"},
		obj("h", func(o *engine.Object) { o.Owner = bob }),
	}
	L := lua.NewState()
	defer L.Close()

	check := func(name string, got *lua.LTable, it engine.Item) {
		t.Helper()
		if g, w := dumpTable(got), dumpTable(refObjectTable(L, it)); g != w {
			t.Errorf("%s %q:\n got %s\nwant %s", name, it.Key+it.Prefix, g, w)
		}
	}
	page := itemsToTable(L, items)
	if page.Len() != len(items) || dumpTable(page) == "" {
		t.Fatalf("page length %d", page.Len())
	}
	var b itemTables // as the iterators use it
	b.reset()
	for i, it := range items {
		check("page", page.RawGetInt(i+1).(*lua.LTable), it)
		check("item", b.item(L, &it), it)
		check("itemToTable", itemToTable(L, it), it)
		if !it.IsPrefix {
			check("objectToTable", objectToTable(L, it.Object), it)
		}
	}

	// Objects of a page with equal owners share the owner table; others
	// do not, nor do pages.
	owner := func(p *lua.LTable, i int) lua.LValue { return p.RawGetInt(i).(*lua.LTable).RawGetString("owner") }
	if owner(page, 1) != owner(page, 2) || owner(page, 1) != owner(page, 4) || owner(page, 3) != owner(page, 9) {
		t.Error("equal owners of a page do not share their table")
	}
	if owner(page, 1) == owner(page, 3) {
		t.Error("alice and bob share an owner table")
	}
	if page2 := itemsToTable(L, items); owner(page2, 1) == owner(page, 1) {
		t.Error("two pages share an owner table")
	}

	// Seen from Lua: pairs order, # and types.
	L.SetGlobal("page", page)
	if err := L.DoString(`
		local keys = {}
		for k, v in pairs(page[3]) do keys[#keys + 1] = k .. ":" .. type(v) end
		got = table.concat(keys, ",")
		assert(#page == 9 and page[8].prefix == "dir/" and page[5].etag == nil and page[6].size == 0)
		assert(math.type == nil or math.type(page[7].size) ~= nil)
		assert(page[7].size == 2^50 and page[7].last_modified == "2026-12-06T02:40:00.123Z")
		assert(page[6].last_modified == "12026-01-01T00:00:00.000Z", page[6].last_modified)
		assert(page[1].owner.display_name == "alice" and page[3].owner.display_name == nil)
	`); err != nil {
		t.Fatal(err)
	}
	if got, want := L.GetGlobal("got").String(), "key:string,last_modified:string,etag:string,size:number,storage_class:string,owner:table"; got != want {
		t.Errorf("pairs order %s, want %s", got, want)
	}
}

func TestVersionTables(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 2, 40, 0, 123e6, time.UTC)
	versions := []engine.Version{
		{Key: "a", VersionID: "v2", IsLatest: true, Size: 3, LastModified: t0, ETag: `"e"`, StorageClass: "STANDARD"},
		{Key: "a", VersionID: "v1", Size: 0, LastModified: t0, ETag: `"f"`, StorageClass: "GLACIER"},
		{Key: "b", VersionID: "null", IsLatest: true, DeleteMarker: true, LastModified: t0.Add(time.Second)},
		{Key: "c", VersionID: "v3"},
	}
	// ref is the documented shape, fields in the documented order.
	ref := func(L *lua.LState, v engine.Version) *lua.LTable {
		t := L.NewTable()
		t.RawSetString("key", lua.LString(v.Key))
		t.RawSetString("version_id", lua.LString(v.VersionID))
		t.RawSetString("is_latest", lua.LBool(v.IsLatest))
		t.RawSetString("delete_marker", lua.LBool(v.DeleteMarker))
		if !v.DeleteMarker {
			t.RawSetString("size", lua.LNumber(v.Size))
			if v.ETag != "" {
				t.RawSetString("etag", lua.LString(v.ETag))
			}
			if v.StorageClass != "" {
				t.RawSetString("storage_class", lua.LString(v.StorageClass))
			}
		}
		if !v.LastModified.IsZero() {
			t.RawSetString("last_modified", lua.LString(formatTime(v.LastModified)))
		}
		return t
	}
	L := lua.NewState()
	defer L.Close()
	var b itemTables
	for _, v := range versions {
		if g, w := dumpTable(b.version(L, &v)), dumpTable(ref(L, v)); g != w {
			t.Errorf("version %s %s:\n got %s\nwant %s", v.Key, v.VersionID, g, w)
		}
	}
}
