package luabind

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Object options: typed settings S3 carries as request headers (versions,
// server-side encryption, metadata, tags, storage class). They are accepted
// in a function's options table, or, for functions that only take a heads
// table, as extra keys of that table (names with "_", so they cannot be
// mistaken for headers): s3.head(bp, {version_id = v}).

// objectFields are the object options, decoded by decodeOptionsTable: each
// key is named once, here. Options structs that take them declare the
// same fields and hand them to objectFieldsHeaders.
type objectFields struct {
	VersionID            string      `lua:"version_id"`
	SSE                  string      `lua:"sse" enum:"AES256,aws:kms"`
	KMSKeyID             string      `lua:"kms_key_id"`
	SSECustomerKey       *string     `lua:"sse_customer_key"`
	SourceSSECustomerKey *string     `lua:"source_sse_customer_key"`
	Metadata             *lua.LTable `lua:"metadata"`
	Tags                 *lua.LTable `lua:"tags"`
	StorageClass         string      `lua:"storage_class"`
}

// objectOptionKeys are the keys of objectFields, found at the first use.
var objectOptionKeys = sync.OnceValue(func() map[string]bool { return optionKeys(objectFields{}) })

// optionKeys returns the lua tags of the fields of the struct v.
func optionKeys(v any) map[string]bool {
	t := reflect.TypeOf(v)
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		if name := t.Field(i).Tag.Get("lua"); name != "" {
			keys[name] = true
		}
	}
	return keys
}

// The object options each kind of call accepts.
var (
	putObjectOptions  = []string{"sse", "kms_key_id", "sse_customer_key", "metadata", "tags", "storage_class"}
	readObjectOptions = []string{"version_id", "sse_customer_key"}
	copyObjectOptions = []string{"version_id", "source_sse_customer_key", "sse", "kms_key_id", "sse_customer_key",
		"metadata", "tags", "storage_class"}
)

// objectOptions checks f (argument n, for errors) and converts it for the
// engine.
func (c *call) objectOptions(n int, f objectFields) engine.ObjectOptions {
	oo := engine.ObjectOptions{VersionID: f.VersionID, SSE: f.SSE, KMSKeyID: f.KMSKeyID, StorageClass: f.StorageClass}
	if f.SSECustomerKey != nil {
		oo.CustomerKey = c.customerKey(n, "sse_customer_key", *f.SSECustomerKey)
	}
	if f.SourceSSECustomerKey != nil {
		oo.CopySourceCustomerKey = c.customerKey(n, "source_sse_customer_key", *f.SourceSSECustomerKey)
	}
	if f.Metadata != nil {
		oo.Metadata = c.stringMap(n, "metadata", f.Metadata)
	}
	if f.Tags != nil {
		oo.Tags = c.stringMap(n, "tags", f.Tags)
	}
	if oo.KMSKeyID != "" && oo.SSE != "aws:kms" {
		c.argError(n, "option 'kms_key_id' needs sse = \"aws:kms\"")
	}
	if oo.SSE != "" && oo.CustomerKey != nil {
		c.argError(n, "options 'sse' and 'sse_customer_key': give one or the other")
	}
	return oo
}

// customerKey checks an SSE-C key; the message never shows the key.
func (c *call) customerKey(n int, name string, v string) []byte {
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
	opts := c.L.NewTable()
	var bad string
	t.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		ks, isStr := k.(lua.LString)
		switch {
		case !isStr || !objectOptionKeys()[string(ks)]:
			plain.RawSet(k, v)
		case !allowed[string(ks)]:
			bad = fmt.Sprintf("'%s' is not an option of %s (valid: %s)", ks, c.name, sortedJoin(keys))
		default:
			opts.RawSet(k, v)
		}
	})
	var f objectFields
	if bad == "" {
		bad = decodeOptionsTable(opts, &f)
	}
	if bad != "" {
		c.argError(n, "%s", bad)
		return nil
	}
	h, msg := headersFromTable(plain)
	if msg != "" {
		c.argError(n, "%s", msg)
	}
	return c.objectFieldsHeaders(n, f, h)
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

// objectFieldsHeaders applies f to h (argument n, for errors); h itself
// when f sets nothing.
func (c *call) objectFieldsHeaders(n int, f objectFields, h http.Header) http.Header {
	if f == (objectFields{}) {
		return h
	}
	return c.applyObjectOptions(n, c.objectOptions(n, f), h)
}
