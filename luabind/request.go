package luabind

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// s3.request: a signed request to any S3 operation.

// requestSpec is s3.request's spec.
type requestSpec struct {
	Method     *string        `lua:"method"`
	BP         *string        `lua:"bp"`
	Query      *lua.LTable    `lua:"query"`
	Headers    *lua.LTable    `lua:"headers"`
	Body       lua.LValue     `lua:"body"` // a string, a function or an element table
	DataLength *int64         `lua:"data_length"`
	Reader     *lua.LFunction `lua:"reader"`
	XML        bool           `lua:"xml"`
	ChunkLen   int            `lua:"chunk_len" range:"aws_chunk_len_minimum,maxint32"`
}

// s3Request implements s3.request(spec) -> status, headers, body (or, with
// spec.reader, status, headers and the reader's results).
func s3Request(c *call) (int, error) {
	L := c.L
	c.table(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	var o requestSpec
	c.decodeOptions(1, &o)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if o.Method == nil {
		c.argError(1, "field 'method' expected (an HTTP method such as \"GET\")")
		return 0, c.checkArgs()
	}
	method := *o.Method
	m := strings.ToUpper(method)
	if m == "" || strings.ContainsAny(m, " \t\r\n") {
		c.argError(1, "field 'method': HTTP method expected, got '%s'", method)
	}
	rr := engine.RawRequest{Method: m}
	if o.BP != nil {
		bp := *o.BP
		bucket, _, err := engine.SplitBucketPath(bp)
		if err != nil {
			c.argError(1, "field 'bp': %s", oneLine(err.Error()))
		}
		c.allowBucket(1, bucket)
		rr.BucketPath = bp
	} else if c.m.buckets != nil {
		c.argError(1, "field 'bp' is required: requests outside a bucket are not allowed here")
	}
	if o.Query != nil {
		rr.Query = c.queryTable(o.Query)
	}
	if o.Headers != nil {
		h, msg := headersFromTable(o.Headers)
		if msg != "" {
			c.argError(1, "field 'headers': %s", msg)
		}
		for _, name := range []string{"Authorization", "Host", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Amz-Security-Token"} {
			if _, ok := h[name]; ok {
				c.argError(1, "field 'headers': %s is set by the signer", strings.ToLower(name))
			}
		}
		if src := h.Get("X-Amz-Copy-Source"); src != "" {
			// The sandbox's bucket list covers the source of a copy too.
			p, _ := url.PathUnescape(strings.TrimPrefix(src, "/"))
			b, _, _ := strings.Cut(p, "/")
			c.allowBucket(1, b)
		}
		rr.Header = h
	}
	rr.ChunkLen = o.ChunkLen
	var writerFn *lua.LFunction
	if o.Body == nil {
		o.Body = lua.LNil
	}
	switch b := o.Body.(type) {
	case *lua.LNilType:
	case lua.LString:
		rr.Body = []byte(b)
	case lua.LNumber:
		rr.Body = []byte(b.String())
	case *lua.LTable:
		data, err := tableToXML(b)
		if err != nil {
			c.argError(1, "field 'body': %s", err)
		}
		rr.Body = data
		if rr.Header.Get("Content-Type") == "" {
			if rr.Header == nil {
				rr.Header = http.Header{}
			}
			rr.Header.Set("Content-Type", "application/xml")
		}
	case *lua.LFunction:
		writerFn = b
		var length int64
		switch {
		case o.DataLength == nil:
			c.argError(1, "field 'data_length' is required with a writer function body")
		case *o.DataLength < 0:
			c.argError(1, "option 'data_length': %s", rangeMessage(*o.DataLength, 0, math.MaxInt64))
		default:
			length = *o.DataLength
		}
		rr.DataLength = length
		rr.Writer = func(w io.Writer) error {
			wr, ud := newWriter(L, w, length)
			defer func() { wr.valid = false }()
			if err := c.m.callback(L, lua.P{Fn: writerFn, NRet: 0, Protect: true}, ud); err != nil {
				if wr.err != nil {
					return wr.err
				}
				return fromPCall(err)
			}
			if wr.written != length {
				return &usageError{msg: fmt.Sprintf("request: the writer wrote %d bytes, data_length is %d", wr.written, length)}
			}
			return nil
		}
	default:
		c.argError(1, "field 'body' must be a string, a function or an element table, got %s", typeName(o.Body))
	}
	if o.DataLength != nil && writerFn == nil {
		c.argError(1, "field 'data_length' goes with a writer function body")
	}
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	reader, asXML := o.Reader, o.XML
	var (
		results []lua.LValue
		bodyVal lua.LValue = lua.LString("")
	)
	status, h, err := c.client().Request(c.ctx(), rr, func(status int, h http.Header, r io.Reader) error {
		if reader != nil {
			var err error
			results, err = callReader(c.m, L, reader, "request", r, h)
			return err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		bodyVal = lua.LString(data)
		if asXML && looksLikeXML(h, data) {
			t, err := xmlToTable(L, data)
			if err != nil {
				return &usageError{msg: fmt.Sprintf("request: the answer is not well-formed XML: %v", err)}
			}
			bodyVal = t
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	L.Push(lua.LNumber(status))
	L.Push(headersToTable(L, h))
	if reader != nil {
		for _, v := range results {
			L.Push(v)
		}
		return 2 + len(results), nil
	}
	L.Push(bodyVal)
	return 3, nil
}

// looksLikeXML: an XML content type, or a body that starts with '<'.
func looksLikeXML(h http.Header, data []byte) bool {
	if len(bytes.TrimSpace(data)) == 0 {
		return false
	}
	if strings.Contains(strings.ToLower(h.Get("Content-Type")), "xml") {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("<"))
}

// queryTable reads {name = value}: string or number values, true or "" for
// a sub-resource without a value.
func (c *call) queryTable(t *lua.LTable) url.Values {
	q := url.Values{}
	var bad string
	t.ForEach(func(k, v lua.LValue) {
		if bad != "" {
			return
		}
		ks, ok := k.(lua.LString)
		if !ok || ks == "" {
			bad = fmt.Sprintf("field 'query': names must be non-empty strings, got %s", typeName(k))
			return
		}
		switch v := v.(type) {
		case lua.LString:
			q.Set(string(ks), string(v))
		case lua.LNumber:
			q.Set(string(ks), v.String())
		case lua.LBool:
			if v {
				q.Set(string(ks), "")
			}
		default:
			bad = fmt.Sprintf("field 'query': value of '%s' must be a string, got %s", ks, typeName(v))
		}
	})
	if bad != "" {
		c.argError(1, "%s", bad)
	}
	return q
}
