package luabind

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Conversions between engine values and Lua values. Every table built here
// is plain data: no secret, no userdata, no functions.

// timeLayout is the form S3 uses for times in its XML (ISO 8601, UTC,
// milliseconds): "2009-10-12T17:50:30.000Z".
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// headersToTable turns response headers into {["content-length"] = "13"}:
// lower-case names, string values (several values joined with ", ").
func headersToTable(L *lua.LState, h http.Header) *lua.LTable {
	t := L.CreateTable(0, len(h))
	for name, values := range h {
		t.RawSetString(strings.ToLower(name), lua.LString(strings.Join(values, ", ")))
	}
	return t
}

func ownerToTable(L *lua.LState, o engine.Owner) *lua.LTable {
	t := L.CreateTable(0, 2)
	if o.ID != "" { // constant field names: see itemTables
		t.RawSetString("id", lua.LString(o.ID))
	}
	if o.DisplayName != "" {
		t.RawSetString("display_name", lua.LString(o.DisplayName))
	}
	return t
}

func setString(t *lua.LTable, k, v string) {
	if v != "" {
		t.RawSetString(k, lua.LString(v))
	}
}

// objectToTable is a listing entry for an object:
// {key=, last_modified=, etag=, size=, storage_class=, owner={id=, display_name=}}.
func objectToTable(L *lua.LState, o engine.Object) *lua.LTable {
	var b itemTables
	return b.object(L, &o)
}

// itemToTable is a listing entry: an object table, or {prefix=} for a
// common prefix.
func itemToTable(L *lua.LState, it engine.Item) *lua.LTable {
	var b itemTables
	return b.item(L, &it)
}

// itemsToTable is a listing page: an array of item tables.
func itemsToTable(L *lua.LState, items []engine.Item) *lua.LTable {
	var b itemTables
	return b.page(L, items)
}

// lStandard is the storage class of most objects, boxed once.
var lStandard lua.LValue = lua.LString("STANDARD")

// itemTables builds the Lua tables of listing items. Most of their cost is
// gopher-lua's table itself (a Go map for the fields, plus a key-order
// slice and a key-index map), which the binding cannot change; what it can
// save is work per value. Objects of a page with the same owner share one
// owner table (a page usually has a single owner; a table per object was a
// quarter of the page's cost), and values that repeat from one object to
// the next (storage class, modification time) are boxed once. Field names
// are constants: gopher-lua boxes a constant key without allocating, a
// variable one twice. Fields are set in the documented order (key,
// last_modified, etag, size, storage_class, owner), which is the order
// pairs() visits them in. The zero value is ready; call reset between
// pages so that no table is shared across pages.
type itemTables struct {
	owner  engine.Owner
	ownerT *lua.LTable
	owners map[engine.Owner]*lua.LTable

	class  string
	classV lua.LValue

	bucket  string
	bucketV lua.LValue

	time  time.Time
	timeS string
	timeV lua.LValue
	buf   []byte
}

// reset forgets the shared tables and values of the previous page.
func (b *itemTables) reset() {
	b.ownerT, b.owners = nil, nil
	b.classV, b.timeV, b.bucketV = nil, nil, nil
}

// eachPage wraps an iterator's page source so that b is reset at every
// page: the item tables of a page share values, those of different pages
// do not.
func eachPage[T any](b *itemTables, next func(context.Context) ([]T, error)) func(context.Context) ([]T, error) {
	return func(ctx context.Context) ([]T, error) {
		b.reset()
		return next(ctx)
	}
}

// page is the array of a page's item tables. The modification times of
// the page are formatted into one string first, which the objects' fields
// share: one allocation per page instead of one per object.
func (b *itemTables) page(L *lua.LState, items []engine.Item) *lua.LTable {
	b.reset()
	var sb strings.Builder
	sb.Grow(len(items) * len(timeLayout))
	var scratch [64]byte
	for i := range items {
		if !items[i].IsPrefix && !items[i].LastModified.IsZero() {
			sb.Write(appendTime(scratch[:0], items[i].LastModified))
		}
	}
	times, start := sb.String(), 0
	t := L.CreateTable(len(items), 0)
	for i := range items {
		it := &items[i]
		if it.IsPrefix {
			t.Append(b.item(L, it))
			continue
		}
		var lm lua.LValue
		if !it.LastModified.IsZero() {
			end := start + timeLen(it.LastModified)
			lm = b.timeValue(times[start:end])
			start = end
		}
		t.Append(b.objectWith(L, &it.Object, lm))
	}
	return t
}

func (b *itemTables) item(L *lua.LState, it *engine.Item) *lua.LTable {
	if it.IsPrefix {
		t := L.CreateTable(0, 1)
		t.RawSetString("prefix", lua.LString(it.Prefix))
		return t
	}
	return b.object(L, &it.Object)
}

func (b *itemTables) object(L *lua.LState, o *engine.Object) *lua.LTable {
	var lm lua.LValue
	if !o.LastModified.IsZero() {
		lm = b.lastModified(o.LastModified)
	}
	return b.objectWith(L, o, lm)
}

// objectWith is the object's table with lm as its last_modified (nil:
// none).
func (b *itemTables) objectWith(L *lua.LState, o *engine.Object, lm lua.LValue) *lua.LTable {
	t := L.CreateTable(0, 6)
	t.RawSetString("key", lua.LString(o.Key))
	if lm != nil {
		t.RawSetString("last_modified", lm)
	}
	if o.ETag != "" {
		t.RawSetString("etag", lua.LString(o.ETag))
	}
	t.RawSetString("size", lua.LNumber(o.Size))
	if o.StorageClass != "" {
		t.RawSetString("storage_class", b.storageClass(o.StorageClass))
	}
	if o.Owner != nil {
		t.RawSetString("owner", b.ownerTable(L, *o.Owner))
	}
	return t
}

func (b *itemTables) storageClass(class string) lua.LValue {
	if class == "STANDARD" {
		return lStandard
	}
	if b.classV == nil || class != b.class {
		b.class, b.classV = class, lua.LString(class)
	}
	return b.classV
}

// bucketName is the bucket of inventory items, boxed once.
func (b *itemTables) bucketName(bucket string) lua.LValue {
	if b.bucketV == nil || bucket != b.bucket {
		b.bucket, b.bucketV = bucket, lua.LString(bucket)
	}
	return b.bucketV
}

// lastModified is the time in S3's form, formatted without time.Format's
// layout parsing.
func (b *itemTables) lastModified(t time.Time) lua.LValue {
	if b.timeV != nil && t.Equal(b.time) {
		return b.timeV
	}
	b.buf = appendTime(b.buf[:0], t)
	b.time, b.timeS, b.timeV = t, string(b.buf), lua.LString(b.buf)
	return b.timeV
}

// timeValue is s boxed, once for objects written in the same millisecond
// one after the other.
func (b *itemTables) timeValue(s string) lua.LValue {
	if b.timeV == nil || s != b.timeS {
		b.time, b.timeS, b.timeV = time.Time{}, s, lua.LString(s)
	}
	return b.timeV
}

func (b *itemTables) ownerTable(L *lua.LState, o engine.Owner) *lua.LTable {
	if b.ownerT != nil && o == b.owner {
		return b.ownerT
	}
	own, ok := b.owners[o]
	if !ok {
		own = ownerToTable(L, o)
		if b.owners == nil {
			b.owners = map[engine.Owner]*lua.LTable{}
		}
		b.owners[o] = own
	}
	b.owner, b.ownerT = o, own
	return own
}

// timeLen is the length of appendTime's form of t.
func timeLen(t time.Time) int {
	if y := t.UTC().Year(); y >= 0 && y <= 9999 {
		return len(timeLayout)
	}
	return len(formatTime(t))
}

// appendTime appends t as formatTime does ("2009-10-12T17:50:30.000Z").
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, timeLayout)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	return append(dst,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

func stringsToTable(L *lua.LState, ss []string) *lua.LTable {
	t := L.CreateTable(len(ss), 0)
	for _, s := range ss {
		t.Append(lua.LString(s))
	}
	return t
}

// aclToTable: {owner={id=, display_name=}, grants={{grantee={type=, id=,
// display_name=, uri=, email=}, permission=}, ...}}.
func aclToTable(L *lua.LState, acl *engine.ACL) lua.LValue {
	if acl == nil {
		return lua.LNil
	}
	t := L.CreateTable(0, 2)
	t.RawSetString("owner", ownerToTable(L, acl.Owner))
	grants := L.CreateTable(len(acl.Grants), 0)
	for _, g := range acl.Grants {
		gt := L.CreateTable(0, 2)
		ge := L.CreateTable(0, 5)
		setString(ge, "type", g.Grantee.Type)
		setString(ge, "id", g.Grantee.ID)
		setString(ge, "display_name", g.Grantee.DisplayName)
		setString(ge, "uri", g.Grantee.URI)
		setString(ge, "email", g.Grantee.Email)
		gt.RawSetString("grantee", ge)
		gt.RawSetString("permission", lua.LString(g.Permission))
		grants.Append(gt)
	}
	t.RawSetString("grants", grants)
	return t
}

// aclFromTable reads the same shape; msg says what is wrong.
func aclFromTable(t *lua.LTable) (acl *engine.ACL, msg string) {
	acl = &engine.ACL{}
	field := func(tb *lua.LTable, path, k string) (string, string) {
		switch v := tb.RawGetString(k).(type) {
		case *lua.LNilType:
			return "", ""
		case lua.LString:
			return string(v), ""
		default:
			return "", fmt.Sprintf("%s%s must be a string, got %s", path, k, typeName(v))
		}
	}
	switch o := t.RawGetString("owner").(type) {
	case *lua.LNilType:
	case *lua.LTable:
		if acl.Owner.ID, msg = field(o, "owner.", "id"); msg != "" {
			return nil, msg
		}
		if acl.Owner.DisplayName, msg = field(o, "owner.", "display_name"); msg != "" {
			return nil, msg
		}
	default:
		return nil, "owner must be a table, got " + typeName(o)
	}
	grants, ok := t.RawGetString("grants").(*lua.LTable)
	if !ok {
		if v := t.RawGetString("grants"); v != lua.LNil {
			return nil, "grants must be a table, got " + typeName(v)
		}
		return acl, ""
	}
	for i := 1; i <= grants.Len(); i++ {
		path := fmt.Sprintf("grants[%d].", i)
		g, ok := grants.RawGetInt(i).(*lua.LTable)
		if !ok {
			return nil, fmt.Sprintf("grants[%d] must be a table, got %s", i, typeName(grants.RawGetInt(i)))
		}
		var grant engine.Grant
		if grant.Permission, msg = field(g, path, "permission"); msg != "" {
			return nil, msg
		}
		if grant.Permission == "" {
			return nil, path + "permission must be a string, got nil"
		}
		ge, ok := g.RawGetString("grantee").(*lua.LTable)
		if !ok {
			return nil, fmt.Sprintf("%sgrantee must be a table, got %s", path, typeName(g.RawGetString("grantee")))
		}
		gp := path + "grantee."
		for _, f := range []struct {
			k   string
			dst *string
		}{
			{"type", &grant.Grantee.Type}, {"id", &grant.Grantee.ID}, {"display_name", &grant.Grantee.DisplayName},
			{"uri", &grant.Grantee.URI}, {"email", &grant.Grantee.Email},
		} {
			if *f.dst, msg = field(ge, gp, f.k); msg != "" {
				return nil, msg
			}
		}
		acl.Grants = append(acl.Grants, grant)
	}
	return acl, ""
}

// partToTable is {part_number, etag}: the two-element array upload_part
// returns and complete_multipart_upload takes.
func partToTable(L *lua.LState, p engine.Part) *lua.LTable {
	t := L.CreateTable(2, 0)
	t.Append(lua.LNumber(p.PartNumber))
	t.Append(lua.LString(p.ETag))
	return t
}

func partsToTable(L *lua.LState, parts []engine.Part) *lua.LTable {
	t := L.CreateTable(len(parts), 0)
	for _, p := range parts {
		t.Append(partToTable(L, p))
	}
	return t
}

// partsFromTable reads an array of {part_number, etag} (or of
// {part_number=, etag=} tables, as list_multipart_upload_parts returns).
func partsFromTable(t *lua.LTable) (parts []engine.Part, msg string) {
	n := t.Len()
	for i := 1; i <= n; i++ {
		pt, ok := t.RawGetInt(i).(*lua.LTable)
		if !ok {
			return nil, fmt.Sprintf("parts[%d] must be a table {part_number, etag}, got %s", i, typeName(t.RawGetInt(i)))
		}
		num, etag := pt.RawGetInt(1), pt.RawGetInt(2)
		if num == lua.LNil && etag == lua.LNil {
			num, etag = pt.RawGetString("part_number"), pt.RawGetString("etag")
		}
		nn, ok := num.(lua.LNumber)
		pn, isInt := toInteger(nn)
		if !ok || !isInt || pn < multipartNumberMin || pn > multipartNumberMax {
			return nil, fmt.Sprintf("parts[%d][1] must be a part number from %d to %d, got %s", i, multipartNumberMin, multipartNumberMax, describe(num))
		}
		es, ok := etag.(lua.LString)
		if !ok || es == "" {
			return nil, fmt.Sprintf("parts[%d][2] must be an etag string, got %s", i, describe(etag))
		}
		parts = append(parts, engine.Part{PartNumber: int(pn), ETag: string(es)})
	}
	return parts, ""
}

// describe names a value for a message: its type, or the number itself.
func describe(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return n.String()
	}
	return typeName(v)
}

func uploadToTable(L *lua.LState, u engine.Upload) *lua.LTable {
	t := L.CreateTable(0, 3)
	t.RawSetString("key", lua.LString(u.Key))
	t.RawSetString("upload_id", lua.LString(u.UploadID))
	if !u.Initiated.IsZero() {
		t.RawSetString("initiated", lua.LString(formatTime(u.Initiated)))
	}
	return t
}

func partInfoToTable(L *lua.LState, p engine.PartInfo) *lua.LTable {
	t := L.CreateTable(0, 4)
	t.RawSetString("part_number", lua.LNumber(p.PartNumber))
	t.RawSetString("etag", lua.LString(p.ETag))
	t.RawSetString("size", lua.LNumber(p.Size))
	if !p.LastModified.IsZero() {
		t.RawSetString("last_modified", lua.LString(formatTime(p.LastModified)))
	}
	return t
}

func completeToTable(L *lua.LState, r *engine.CompleteResult) *lua.LTable {
	t := L.CreateTable(0, 4)
	if r == nil {
		return t
	}
	t.RawSetString("location", lua.LString(r.Location))
	t.RawSetString("bucket", lua.LString(r.Bucket))
	t.RawSetString("key", lua.LString(r.Key))
	t.RawSetString("etag", lua.LString(r.ETag))
	return t
}
