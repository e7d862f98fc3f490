package luabind

import (
	"fmt"
	"net/http"
	"sort"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Object options: typed settings S3 carries as request headers (versions,
// server-side encryption, metadata, tags, storage class). They are accepted
// in a function's options table, or, for functions that only take a heads
// table, as extra keys of that table (names with "_", so they cannot be
// mistaken for headers): s3.head(bp, {version_id = v}).

// Kinds of object option.
var objectOptionKinds = map[string]string{
	"version_id":              optString,
	"sse":                     optString,
	"kms_key_id":              optString,
	"sse_customer_key":        optString,
	"source_sse_customer_key": optString,
	"metadata":                optTable,
	"tags":                    optTable,
	"storage_class":           optString,
}

// The object options each kind of call accepts.
var (
	putObjectOptions  = []string{"sse", "kms_key_id", "sse_customer_key", "metadata", "tags", "storage_class"}
	readObjectOptions = []string{"version_id", "sse_customer_key"}
	copyObjectOptions = []string{"version_id", "source_sse_customer_key", "sse", "kms_key_id", "sse_customer_key",
		"metadata", "tags", "storage_class"}
)

// withObjectOptions returns spec with the object options keys added.
func withObjectOptions(spec map[string]string, keys []string) map[string]string {
	out := make(map[string]string, len(spec)+len(keys))
	for k, v := range spec {
		out[k] = v
	}
	for _, k := range keys {
		out[k] = objectOptionKinds[k]
	}
	return out
}

// objectOptions decodes the object options of an options table already
// read by c.options (argument n).
func (c *call) objectOptions(n int, o map[string]lua.LValue) engine.ObjectOptions {
	var oo engine.ObjectOptions
	oo.VersionID = optionString(o, "version_id", "")
	oo.SSE = optionString(o, "sse", "")
	oo.KMSKeyID = optionString(o, "kms_key_id", "")
	oo.StorageClass = optionString(o, "storage_class", "")
	if v, ok := o["sse_customer_key"].(lua.LString); ok {
		oo.CustomerKey = c.customerKey(n, "sse_customer_key", v)
	}
	if v, ok := o["source_sse_customer_key"].(lua.LString); ok {
		oo.CopySourceCustomerKey = c.customerKey(n, "source_sse_customer_key", v)
	}
	if t, ok := o["metadata"].(*lua.LTable); ok {
		oo.Metadata = c.stringMap(n, "metadata", t)
	}
	if t, ok := o["tags"].(*lua.LTable); ok {
		oo.Tags = c.stringMap(n, "tags", t)
	}
	c.checkOptionEnum(n, o, "sse", "AES256", "aws:kms")
	if oo.KMSKeyID != "" && oo.SSE != "aws:kms" {
		c.argError(n, "option 'kms_key_id' needs sse = \"aws:kms\"")
	}
	if oo.SSE != "" && oo.CustomerKey != nil {
		c.argError(n, "options 'sse' and 'sse_customer_key': give one or the other")
	}
	return oo
}

// customerKey checks an SSE-C key; the message never shows the key.
func (c *call) customerKey(n int, name string, v lua.LString) []byte {
	if len(v) != engine.SSECustomerKeyLen {
		c.argError(n, "option '%s' must be %d bytes, got %d", name, engine.SSECustomerKeyLen, len(v))
	}
	return []byte(v)
}

// stringMap reads {name = value} with string names and string (or number)
// values.
func (c *call) stringMap(n int, name string, t *lua.LTable) map[string]string {
	out := map[string]string{}
	var bad string
	t.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		ks, ok := k.(lua.LString)
		if !ok || ks == "" {
			bad = fmt.Sprintf("option '%s': names must be non-empty strings, got %s", name, typeName(k))
			return
		}
		switch v := v.(type) {
		case lua.LString:
			out[string(ks)] = string(v)
		case lua.LNumber:
			out[string(ks)] = v.String()
		default:
			bad = fmt.Sprintf("option '%s': value of '%s' must be a string, got %s", name, ks, typeName(v))
		}
	})
	if bad != "" {
		c.argError(n, "%s", bad)
	}
	return out
}

// applyObjectOptions writes oo into h (a new header set is returned).
func (c *call) applyObjectOptions(n int, oo engine.ObjectOptions, h http.Header) http.Header {
	out, err := oo.Apply(c.name, h)
	if err != nil {
		c.argError(n, "%s", oneLine(err.Error()))
	}
	return out
}

// objectHeaders reads an optional heads table at argument n whose keys are
// header names or one of the object options keys; it returns the headers
// with the options applied.
func (c *call) objectHeaders(n int, keys []string) http.Header {
	v := c.L.Get(n)
	if v == lua.LNil {
		return nil
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		c.typeError(n, "table")
		return nil
	}
	allowed := map[string]bool{}
	for _, k := range keys {
		allowed[k] = true
	}
	plain := c.L.NewTable()
	o := map[string]lua.LValue{}
	var bad string
	t.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		ks, isStr := k.(lua.LString)
		kind, special := objectOptionKinds[string(ks)]
		switch {
		case !isStr || !special:
			plain.RawSet(k, v)
		case !allowed[string(ks)]:
			bad = fmt.Sprintf("'%s' is not an option of %s (valid: %s)", ks, c.name, sortedJoin(keys))
		case !hasKind(v, kind):
			bad = fmt.Sprintf("option '%s' must be %s, got %s", ks, article(kind), typeName(v))
		default:
			o[string(ks)] = v
		}
	})
	if bad != "" {
		c.argError(n, "%s", bad)
		return nil
	}
	h, msg := headersFromTable(plain)
	if msg != "" {
		c.argError(n, "%s", msg)
	}
	if len(o) == 0 {
		return h
	}
	return c.applyObjectOptions(n, c.objectOptions(n, o), h)
}

func sortedJoin(keys []string) string {
	s := append([]string(nil), keys...)
	sort.Strings(s)
	out := ""
	for i, k := range s {
		if i > 0 {
			out += ", "
		}
		out += k
	}
	return out
}

// metadataTable is head's metadata field: {name = value} of the
// x-amz-meta-* headers, names lower-case without the prefix.
func metadataTable(L *lua.LState, h http.Header) *lua.LTable {
	md := engine.Metadata(h)
	t := L.CreateTable(0, len(md))
	for k, v := range md {
		t.RawSetString(k, lua.LString(v))
	}
	return t
}

// objectFields are the put object options as decoded by decodeOptions
// (each options struct that takes them declares the same fields).
type objectFields struct {
	SSE            string
	KMSKeyID       string
	SSECustomerKey *string
	Metadata       *lua.LTable
	Tags           *lua.LTable
	StorageClass   string
}

// objectFieldsHeaders applies f to h (argument n, for errors).
func (c *call) objectFieldsHeaders(n int, f objectFields, h http.Header) http.Header {
	o := map[string]lua.LValue{}
	if f.SSE != "" {
		o["sse"] = lua.LString(f.SSE)
	}
	if f.KMSKeyID != "" {
		o["kms_key_id"] = lua.LString(f.KMSKeyID)
	}
	if f.SSECustomerKey != nil {
		o["sse_customer_key"] = lua.LString(*f.SSECustomerKey)
	}
	if f.Metadata != nil {
		o["metadata"] = f.Metadata
	}
	if f.Tags != nil {
		o["tags"] = f.Tags
	}
	if f.StorageClass != "" {
		o["storage_class"] = lua.LString(f.StorageClass)
	}
	if len(o) == 0 {
		return h
	}
	return c.applyObjectOptions(n, c.objectOptions(n, o), h)
}
