package luabind

import (
	"errors"
	"net/http"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// URIs, buckets, listing and single-object operations.

// s3BucketPathToURI implements s3.bucket_path_to_uri(bucket, path) -> uri.
// A pure string function: it sends nothing (so Options.Buckets does not
// apply).
func s3BucketPathToURI(c *call) (int, error) {
	bucket := c.str(1)
	path := c.str(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	c.L.Push(lua.LString(c.client().BucketPathToURI(bucket, path)))
	return 1, nil
}

// s3BucketPathToBucketPathURI implements
// s3.bucket_path_to_bucket_path_uri(bp) -> bucket, path, uri.
func s3BucketPathToBucketPathURI(c *call) (int, error) {
	bp := c.str(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	bucket, path, uri, err := c.client().BucketPathToBucketPathURI(bp)
	if err != nil {
		c.argError(1, "%s", oneLine(err.Error()))
		return 0, c.checkArgs()
	}
	c.L.Push(lua.LString(bucket))
	c.L.Push(lua.LString(path))
	c.L.Push(lua.LString(uri))
	return 3, nil
}

// s3BucketPathToBucketPath implements s3.bucket_path_to_bucket_path(bp) ->
// bucket, path (the reference's bucket+path->bucket&path).
func s3BucketPathToBucketPath(c *call) (int, error) {
	bp := c.str(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	bucket, path, err := engine.SplitBucketPath(bp)
	if err != nil {
		c.argError(1, "%s", oneLine(err.Error()))
		return 0, c.checkArgs()
	}
	c.L.Push(lua.LString(bucket))
	c.L.Push(lua.LString(path))
	return 2, nil
}

// method checks an HTTP method argument and upper-cases it.
func (c *call) method(n int) string {
	m := strings.ToUpper(c.str(n))
	if m == "" || strings.ContainsAny(m, " \t\r\n") {
		c.argError(n, "HTTP method expected, got '%s'", c.str(n))
	}
	return m
}

// s3URIHeaders implements s3.uri_headers(bp, method [, heads [, body]]) ->
// uri, headers: the signed request for the caller to send. The headers
// include Authorization, as the caller asked.
func s3URIHeaders(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	method := c.method(2)
	h := c.headers(3)
	body := []byte(c.optStr(4, ""))
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	uri, signed, err := c.client().URIAndHeaders(c.ctx(), bp, method, h, body)
	if err != nil {
		return 0, err
	}
	c.L.Push(lua.LString(uri))
	c.L.Push(headersToTable(c.L, signed))
	return 2, nil
}

// maxExpires is the longest a presigned URL may live, in seconds.
const maxExpires = int64(engine.MaxPresignExpiry / time.Second)

// s3SignURI implements s3.sign_uri(bp, method, expires [, heads]) -> url,
// a presigned URL valid for expires seconds (1..604800).
func s3SignURI(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	method := c.method(2)
	expires := c.integer(3, 1, maxExpires)
	h := c.headers(4)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	u, err := c.client().SignURI(c.ctx(), bp, method, time.Duration(expires)*time.Second, h)
	if err != nil {
		return 0, err
	}
	c.L.Push(lua.LString(u))
	return 1, nil
}

// s3CreateBucket implements s3.create_bucket(name [, location]).
func s3CreateBucket(c *call) (int, error) {
	bucket := c.bucketName(1)
	location := c.optStr(2, "")
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	// A new bucket must have a DNS-compatible name (AWS refuses others in
	// every region; some stores create them anyway): refused here, before
	// any request, rather than left to each server; after the type checks,
	// as the reference checks types first.
	if !engine.ValidBucketName(bucket, true) {
		c.argError(1, "invalid bucket name %q (3 to 63 lower-case letters, digits, '.' and '-', starting and ending with a letter or digit, no '..', not an IP address)", bucket)
		return 0, c.checkArgs()
	}
	if err := c.client().CreateBucket(c.ctx(), bucket, location); err != nil {
		return 0, err
	}
	return 0, nil
}

// s3ValidBucketName implements s3.valid_bucket_name(name [, dns_compliant])
// -> boolean; dns_compliant defaults to true.
func s3ValidBucketName(c *call) (int, error) {
	name := c.str(1)
	dns := c.optBoolean(2, true)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	c.L.Push(lua.LBool(engine.ValidBucketName(name, dns)))
	return 1, nil
}

// s3DeleteBucket implements s3.delete_bucket(name).
func s3DeleteBucket(c *call) (int, error) {
	bucket := c.bucketName(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if err := c.client().DeleteBucket(c.ctx(), bucket); err != nil {
		return 0, err
	}
	return 0, nil
}

// s3ListBuckets implements s3.list_buckets() -> {name, ...}; with
// Options.Buckets, only the allowed ones.
func s3ListBuckets(c *call) (int, error) {
	names, err := c.client().ListBuckets(c.ctx())
	if err != nil {
		return 0, err
	}
	if c.m.buckets != nil {
		kept := names[:0:0]
		for _, n := range names {
			if c.m.buckets[n] {
				kept = append(kept, n)
			}
		}
		names = kept
	}
	c.L.Push(stringsToTable(c.L, names))
	return 1, nil
}

// s3BucketLocation implements s3.bucket_location(bucket [, default]) ->
// region; default defaults to "us-east-1".
func s3BucketLocation(c *call) (int, error) {
	bucket := c.bucketName(1)
	def := c.optStr(2, "us-east-1")
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	loc, err := c.client().BucketLocation(c.ctx(), bucket, def)
	if err != nil {
		return 0, err
	}
	c.L.Push(lua.LString(loc))
	return 1, nil
}

// s3LsProc implements s3.ls_proc(bp, proc, init [, max_each [,
// {delimiter=}]]) -> acc. proc(acc, items) returns the new accumulator and,
// to stop early, true as a second value. Per page, proc gets the objects,
// then the common prefixes. init is returned when nothing is listed.
func s3LsProc(c *call) (int, error) {
	L := c.L
	bp, _, _ := c.bucketPath(1)
	proc := c.function(2)
	acc := L.Get(3)
	maxEach := c.optInteger(4, engine.MaxKeysPerPage, 1, engine.MaxKeysPerPage)
	var o struct {
		Delimiter  string `lua:"delimiter"`
		StartAfter string `lua:"start_after"`
	}
	c.decodeOptions(5, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt := engine.ListOptions{MaxEach: int(maxEach), Delimiter: o.Delimiter, StartAfter: o.StartAfter}
	err := c.client().LsProc(c.ctx(), bp, opt, func(items []engine.Item) (bool, error) {
		if len(items) == 0 {
			return false, nil
		}
		if err := c.m.callback(L, lua.P{Fn: proc, NRet: 2, Protect: true}, acc, itemsToTable(L, items)); err != nil {
			return false, fromPCall(err)
		}
		acc = L.Get(-2)
		stop := L.Get(-1) == lua.LTrue
		L.Pop(2)
		return stop, nil
	})
	if err != nil {
		return 0, err
	}
	L.Push(acc)
	return 1, nil
}

// s3Ls implements s3.ls(bp) -> {key, ...}.
func s3Ls(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	keys, err := c.client().Ls(c.ctx(), bp)
	if err != nil {
		return 0, err
	}
	c.L.Push(stringsToTable(c.L, keys))
	return 1, nil
}

// s3LlStar implements s3.ll_star(bp) -> {{object_item, headers, acl}, ...}.
func s3LlStar(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	details, err := c.client().LlStar(c.ctx(), bp)
	if err != nil {
		return 0, err
	}
	c.L.Push(detailsToTable(c.L, details, false))
	return 1, nil
}

// s3Ll implements s3.ll(bp) -> {{key, headers, acl}, ...}.
func s3Ll(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	details, err := c.client().Ll(c.ctx(), bp)
	if err != nil {
		return 0, err
	}
	c.L.Push(detailsToTable(c.L, details, true))
	return 1, nil
}

func detailsToTable(L *lua.LState, details []engine.ObjectDetails, keyOnly bool) *lua.LTable {
	t := L.CreateTable(len(details), 0)
	for _, d := range details {
		row := L.CreateTable(3, 0)
		if keyOnly {
			row.RawSetInt(1, lua.LString(d.Object.Key))
		} else {
			row.RawSetInt(1, objectToTable(L, d.Object))
		}
		row.RawSetInt(2, headersToTable(L, d.Header))
		if d.ACL != nil {
			row.RawSetInt(3, aclToTable(L, d.ACL))
		}
		t.Append(row)
	}
	return t
}

// s3List implements s3.list(bp [, {delimiter=, max_each=}]): an iterator
// for a generic for, yielding item tables, fetching one page at a time.
func s3List(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	o := struct {
		Delimiter  string `lua:"delimiter"`
		MaxEach    int    `lua:"max_each" range:"1,max_keys"`
		StartAfter string `lua:"start_after"`
	}{MaxEach: engine.MaxKeysPerPage}
	c.decodeOptions(2, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt := engine.ListOptions{MaxEach: o.MaxEach, Delimiter: o.Delimiter, StartAfter: o.StartAfter}
	// The iterator may be called long after s3.list returned (in the REPL,
	// on a later line, under a new context): each page request uses the
	// state's context of the moment.
	lister := c.client().NewLister(bp, opt)
	var b itemTables
	pushPageIterator(c, eachPage(&b, lister.Next), func(L *lua.LState, it engine.Item) bool {
		L.Push(b.item(L, &it))
		return true
	}, nil)
	return 1, nil
}

// s3Head implements s3.head(bp [, heads]) -> headers.
// heads may hold version_id and sse_customer_key; the result's field
// metadata (through its metatable) is {name = value} of the x-amz-meta-*
// headers.
func s3Head(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	h := c.objectHeaders(2, readObjectOptions)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	resp, err := c.client().Head(c.ctx(), bp, h)
	if err != nil {
		return 0, err
	}
	t := headersToTable(c.L, resp)
	// Through the metatable, so that pairs(headers) still sees only
	// headers, each a string.
	mt := c.L.CreateTable(0, 1)
	idx := c.L.CreateTable(0, 1)
	idx.RawSetString("metadata", metadataTable(c.L, resp))
	mt.RawSetString("__index", idx)
	c.L.SetMetatable(t, mt)
	c.L.Push(t)
	return 1, nil
}

// s3Delete implements s3.delete(bp [, {version_id=}]) -> headers.
//
// With {version_id=}, that version is deleted.
func s3Delete(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	var o struct {
		VersionID string `lua:"version_id"`
	}
	c.decodeOptions(2, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	resp, err := c.client().DeleteVersion(c.ctx(), bp, o.VersionID)
	if err != nil {
		return 0, err
	}
	c.L.Push(headersToTable(c.L, resp))
	return 1, nil
}

// maxDeleteKeys is S3's limit of keys per DeleteObjects request.
const maxDeleteKeys = engine.MaxDeleteKeys

// s3DeleteMultiple implements s3.delete_multiple(bucket, keys) -> {key,
// ...}, the keys deleted. When some keys fail, the error table has code
// "DeleteError", errors = {{key=, code=, message=}, ...} and deleted.
func s3DeleteMultiple(c *call) (int, error) {
	bucket := c.bucketName(1)
	t := c.table(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	n := t.Len()
	if n > maxDeleteKeys {
		c.argError(2, "at most %d keys at a time, got %d", maxDeleteKeys, n)
		return 0, c.checkArgs()
	}
	keys := make([]string, 0, n)
	for i := 1; i <= n; i++ {
		k, ok := t.RawGetInt(i).(lua.LString)
		if !ok {
			c.argError(2, "keys[%d] must be a string, got %s", i, typeName(t.RawGetInt(i)))
			return 0, c.checkArgs()
		}
		keys = append(keys, string(k))
	}
	deleted, err := c.client().DeleteMultiple(c.ctx(), bucket, keys)
	if err != nil {
		var de *engine.DeleteError
		if !errors.As(err, &de) {
			c.raise(err)
		}
		et := c.errorTable(err)
		et.RawSetString("deleted", stringsToTable(c.L, deleted))
		c.L.Error(et, 1)
	}
	c.L.Push(stringsToTable(c.L, deleted))
	return 1, nil
}

// s3Copy implements s3.copy(from_bp, to_bp [, heads]) -> headers.
func s3Copy(c *call) (int, error) {
	from, _, _ := c.bucketPath(1)
	to, _, _ := c.bucketPath(2)
	h := c.objectHeaders(3, copyObjectOptions)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if t, ok := c.L.Get(3).(*lua.LTable); ok {
		// New metadata or tags replace the source's rather than being
		// ignored (S3 copies them unless told otherwise).
		if t.RawGetString("metadata") != lua.LNil && h.Get("X-Amz-Metadata-Directive") == "" {
			h.Set("X-Amz-Metadata-Directive", "REPLACE")
		}
		if t.RawGetString("tags") != lua.LNil && h.Get("X-Amz-Tagging-Directive") == "" {
			h.Set("X-Amz-Tagging-Directive", "REPLACE")
		}
	}
	resp, err := c.client().Copy(c.ctx(), from, to, h)
	if err != nil {
		return 0, err
	}
	c.L.Push(headersToTable(c.L, resp))
	return 1, nil
}

// s3GetACL implements s3.get_acl(bp [, heads]) -> acl table.
func s3GetACL(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	h := c.headers(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	acl, err := c.client().GetACL(c.ctx(), bp, h)
	if err != nil {
		return 0, err
	}
	c.L.Push(aclToTable(c.L, acl))
	return 1, nil
}

// s3PutACL implements s3.put_acl(bp, acl_or_nil [, heads]); with nil, the
// ACL comes from the headers (a canned ACL: {["x-amz-acl"] = "private"}).
func s3PutACL(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	var acl *engine.ACL
	if !c.isNone(2) {
		t := c.table(2)
		if err := c.checkArgs(); err != nil {
			return 0, err
		}
		var msg string
		if acl, msg = aclFromTable(t); msg != "" {
			c.argError(2, "%s", msg)
			return 0, c.checkArgs()
		}
	}
	h := c.headers(3)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if acl == nil && h.Get("x-amz-acl") == "" && !hasGrantHeader(h) {
		c.argError(3, "an ACL table or ACL headers (x-amz-acl or x-amz-grant-*) expected")
		return 0, c.checkArgs()
	}
	if err := c.client().PutACL(c.ctx(), bp, acl, h); err != nil {
		return 0, err
	}
	return 0, nil
}

func hasGrantHeader(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			return true
		}
	}
	return false
}
