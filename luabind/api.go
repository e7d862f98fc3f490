package luabind

import (
	"net/http"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Tags and versioning.

// versionHeader reads the optional {version_id=} table at argument n as
// request headers.
func (c *call) versionHeader(n int) http.Header {
	var o struct {
		VersionID string `lua:"version_id"`
	}
	c.decodeOptions(n, &o)
	h, _ := engine.ObjectOptions{VersionID: o.VersionID}.Apply(c.name, nil)
	return h
}

// s3GetTags implements s3.get_tags(bp [, {version_id=}]) -> {key = value};
// "bucket/" reads the bucket's tags.
func s3GetTags(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	h := c.versionHeader(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	tags, err := c.client().GetTags(c.ctx(), bp, h)
	if err != nil {
		return 0, err
	}
	t := c.L.CreateTable(0, len(tags))
	for k, v := range tags {
		t.RawSetString(k, lua.LString(v))
	}
	c.L.Push(t)
	return 1, nil
}

// s3PutTags implements s3.put_tags(bp, tags [, {version_id=}]): the tags
// replace the object's (or, for "bucket/", the bucket's).
func s3PutTags(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	tags := c.stringMapArg(2)
	h := c.versionHeader(3)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	return 0, c.client().PutTags(c.ctx(), bp, tags, h)
}

// s3DeleteTags implements s3.delete_tags(bp [, {version_id=}]).
func s3DeleteTags(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	h := c.versionHeader(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	return 0, c.client().DeleteTags(c.ctx(), bp, h)
}

// stringMapArg reads argument n as a {name = string} table.
func (c *call) stringMapArg(n int) map[string]string {
	t := c.table(n)
	out := map[string]string{}
	if t == nil {
		return out
	}
	var bad string
	t.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		ks, ok := k.(lua.LString)
		if !ok || ks == "" {
			bad = "names must be non-empty strings, got " + typeName(k)
			return
		}
		switch v := v.(type) {
		case lua.LString:
			out[string(ks)] = string(v)
		case lua.LNumber:
			out[string(ks)] = v.String()
		default:
			bad = "value of '" + string(ks) + "' must be a string, got " + typeName(v)
		}
	})
	if bad != "" {
		c.argError(n, "%s", bad)
	}
	return out
}

// s3BucketVersioning implements s3.bucket_versioning(bucket [, status]):
// with a status ("Enabled" or "Suspended") it sets it and returns nothing;
// without, it returns "Enabled", "Suspended" or nil (never enabled).
func s3BucketVersioning(c *call) (int, error) {
	bucket := c.bucketName(1)
	if !c.isNone(2) {
		status := c.str(2)
		if err := c.checkArgs(); err != nil {
			return 0, err
		}
		if status != "Enabled" && status != "Suspended" {
			c.argError(2, "'Enabled' or 'Suspended' expected, got '%s'", status)
			return 0, c.checkArgs()
		}
		return 0, c.client().PutBucketVersioning(c.ctx(), bucket, status)
	}
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	status, err := c.client().BucketVersioning(c.ctx(), bucket)
	if err != nil {
		return 0, err
	}
	if status == "" {
		c.L.Push(lua.LNil)
	} else {
		c.L.Push(lua.LString(status))
	}
	return 1, nil
}

// s3ListVersions implements s3.list_versions(bp [, {max_each=}]): an
// iterator over versions and delete markers, one page in memory at a time.
func s3ListVersions(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	o := struct {
		MaxEach int `lua:"max_each" range:"1,max_keys"`
	}{MaxEach: engine.MaxKeysPerPage}
	c.decodeOptions(2, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	lister := c.client().NewVersionLister(bp, engine.VersionListOptions{MaxEach: o.MaxEach})
	var b itemTables
	pushPageIterator(c, eachPage(&b, lister.Next), func(L *lua.LState, v engine.Version) bool {
		L.Push(b.version(L, &v))
		return true
	}, nil)
	return 1, nil
}

// version is {key=, version_id=, is_latest=, delete_marker=, size=,
// etag=, storage_class=, last_modified=} (fields set in this order).
func (b *itemTables) version(L *lua.LState, v *engine.Version) *lua.LTable {
	t := L.CreateTable(0, 8)
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
			t.RawSetString("storage_class", b.storageClass(v.StorageClass))
		}
	}
	if !v.LastModified.IsZero() {
		t.RawSetString("last_modified", b.lastModified(v.LastModified))
	}
	return t
}
