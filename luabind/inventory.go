package luabind

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// s3Inventory implements s3.inventory(manifest_bp [, {fields=}]): an
// iterator over the objects of an S3 Inventory report (CSV), one data file
// streamed at a time. Items are shaped like s3.list's, plus bucket (and
// version_id, is_latest, is_delete_marker when the report has them); with
// fields = true, fields holds every column by its schema name.
func s3Inventory(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	var o struct {
		Fields bool `lua:"fields"`
	}
	c.decodeOptions(2, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	l, err := c.client().OpenInventory(c.ctx(), bp)
	if err != nil {
		return 0, err
	}
	// The data files are read from the manifest's destination bucket: the
	// sandbox's bucket list covers it too.
	c.allowBucket(1, l.DataBucket())
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	var b itemTables
	pushPageIterator(c, eachPage(&b, l.Next), func(L *lua.LState, it engine.InventoryItem) bool {
		L.Push(b.inventoryItem(L, &it, o.Fields))
		return true
	}, func() { l.Close() })
	return 1, nil
}

// inventoryItem is an object's table with the inventory's fields after
// the object's: bucket, version_id, is_latest, is_delete_marker, fields.
func (b *itemTables) inventoryItem(L *lua.LState, it *engine.InventoryItem, fields bool) *lua.LTable {
	t := b.object(L, &it.Object)
	if it.Bucket != "" {
		t.RawSetString("bucket", b.bucketName(it.Bucket))
	}
	if _, ok := it.Fields["VersionId"]; ok && it.VersionID != "" {
		t.RawSetString("version_id", lua.LString(it.VersionID))
	}
	if _, ok := it.Fields["IsLatest"]; ok {
		t.RawSetString("is_latest", lua.LBool(it.IsLatest))
	}
	if _, ok := it.Fields["IsDeleteMarker"]; ok {
		t.RawSetString("is_delete_marker", lua.LBool(it.IsDeleteMarker))
	}
	if fields {
		ft := L.CreateTable(0, len(it.Fields))
		for k, v := range it.Fields {
			ft.RawSetString(k, lua.LString(v))
		}
		t.RawSetString("fields", ft)
	}
	return t
}
