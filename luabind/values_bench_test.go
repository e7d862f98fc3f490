package luabind

import (
	"fmt"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// BenchmarkItemsToTable builds the Lua table ls_proc hands its fold for a
// 1000-key page (key, last_modified, etag, size, storage_class, owner per
// object): the Lua side's cost of a listing, per object in ns/object.
func BenchmarkItemsToTable(b *testing.B) {
	const n = 1000
	items := make([]engine.Item, n)
	owner := &engine.Owner{ID: "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4", DisplayName: "minio"}
	t0 := time.Date(2026, 12, 6, 2, 40, 0, 123e6, time.UTC)
	for i := range items {
		items[i] = engine.Item{Object: engine.Object{Key: fmt.Sprintf("dir/sub/key-%06d.txt", i),
			LastModified: t0.Add(time.Duration(i) * time.Second), ETag: fmt.Sprintf(`"%032x"`, i*7919),
			Size: int64(1000 + i), StorageClass: "STANDARD", Owner: owner}}
	}
	L := lua.NewState()
	defer L.Close()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		t := itemsToTable(L, items)
		if t.Len() != n {
			b.Fatal(t.Len())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/object")
	if used := processCPU() - cpu; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N)/n, "cpu-ns/object")
	}
}

// BenchmarkLuaTableFloor builds what BenchmarkItemsToTable builds with no
// value to convert: 1,000 tables of the six item fields, every value one
// shared, already boxed string. It is gopher-lua's own cost for such a
// table (the table, its field map, its key-order slice and key-index map),
// which no binding code can go below.
func BenchmarkLuaTableFloor(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if t := floorPage(L, 1000); t.Len() != 1000 {
			b.Fatal(t.Len())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/object")
	if used := processCPU() - cpu; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N)/1000, "cpu-ns/object")
	}
}

// floorPage is outside the b.Loop body, whose calls' arguments the
// compiler keeps alive: inside, the constant field names would be boxed
// at every call.
func floorPage(L *lua.LState, n int) *lua.LTable {
	v := lStandard
	p := L.CreateTable(n, 0)
	for range n {
		t := L.CreateTable(0, 6)
		t.RawSetString("key", v)
		t.RawSetString("last_modified", v)
		t.RawSetString("etag", v)
		t.RawSetString("size", v)
		t.RawSetString("storage_class", v)
		t.RawSetString("owner", v)
		p.Append(t)
	}
	return p
}
