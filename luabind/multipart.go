package luabind

import (
	"fmt"
	"net/http"

	lua "github.com/yuin/gopher-lua"

	"github.com/s3lua/s3lua/engine"
)

// Multipart uploads: the conveniences and the building blocks.

// defaultUploadMIMEType is multipart_put's default mime_type, as the
// reference.
const defaultUploadMIMEType = "application/x-unknown-content-type"

// s3MultipartPut implements s3.multipart_put(bp, num_parts, get_part [,
// mime_type [, heads]]) -> upload_id. get_part(n), n from 0, returns part
// n's data as a string.
func s3MultipartPut(c *call) (int, error) {
	L := c.L
	bp, _, _ := c.bucketPath(1)
	numParts := c.integer(2, multipartNumberMin, multipartNumberMax)
	getPart := c.function(3)
	mimeType := c.optStr(4, defaultUploadMIMEType)
	h := c.objectHeaders(5, putObjectOptions)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	id, err := c.client().MultipartPut(c.ctx(), bp, int(numParts), func(n int) ([]byte, error) {
		if err := c.m.callback(L, lua.P{Fn: getPart, NRet: 1, Protect: true}, lua.LNumber(n)); err != nil {
			return nil, fromPCall(err)
		}
		v := L.Get(-1)
		L.Pop(1)
		s, ok := v.(lua.LString)
		if !ok {
			return nil, &usageError{msg: fmt.Sprintf("multipart_put: get_part(%d) returned %s, string expected", n, typeName(v))}
		}
		return []byte(s), nil
	}, mimeType, h)
	if err != nil {
		return 0, err
	}
	L.Push(lua.LString(id))
	return 1, nil
}

// multipartOptions reads the options of multipart_put_file and the resume
// functions: {mime_type=, mode=, inline=, part_size=, workers=, headers=,
// progress=, md5=} and the object options.
type multipartFileOptions struct {
	MIMEType string         `lua:"mime_type"`
	Mode     string         `lua:"mode" enum:"binary,text"`
	Inline   bool           `lua:"inline"`
	PartSize int64          `lua:"part_size" range:"multipart_size_minimum,"`
	Workers  int            `lua:"workers" range:"1,64"`
	Headers  http.Header    `lua:"headers"`
	Progress *lua.LFunction `lua:"progress"`
	MD5      bool           `lua:"md5"`
	// Object options (objectopts.go).
	SSE            string      `lua:"sse" enum:"AES256,aws:kms"`
	KMSKeyID       string      `lua:"kms_key_id"`
	SSECustomerKey *string     `lua:"sse_customer_key"`
	Metadata       *lua.LTable `lua:"metadata"`
	Tags           *lua.LTable `lua:"tags"`
	StorageClass   string      `lua:"storage_class"`
}

func (c *call) multipartOptions(n int) multipartFileOptions {
	var o multipartFileOptions
	c.decodeOptions(n, &o)
	o.Headers = c.objectFieldsHeaders(n, objectFields{SSE: o.SSE, KMSKeyID: o.KMSKeyID, SSECustomerKey: o.SSECustomerKey,
		Metadata: o.Metadata, Tags: o.Tags, StorageClass: o.StorageClass}, o.Headers)
	return o
}

// engineOptions is o for the engine, with the content type for file.
func (c *call) engineMultipartOptions(file string, o multipartFileOptions) (engine.MultipartFileOptions, error) {
	mimeType, err := c.mimeType(file, o.MIMEType)
	if err != nil {
		return engine.MultipartFileOptions{}, err
	}
	return engine.MultipartFileOptions{
		MIMEType:    mimeType,
		Mode:        o.Mode,
		Inline:      o.Inline,
		PartSize:    o.PartSize,
		Workers:     o.Workers,
		Header:      o.Headers,
		MD5Metadata: o.MD5,
	}, nil
}

// s3MultipartPutFile implements s3.multipart_put_file(bp, file [, opts])
// -> upload_id.
func s3MultipartPutFile(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	o := c.multipartOptions(3)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt, err := c.engineMultipartOptions(file, o)
	if err != nil {
		return 0, err
	}
	p := c.progress(bp, o.Progress)
	defer p.end()
	opt.Progress = p.engine()
	id, err := c.client().MultipartPutFile(c.ctx(), bp, file, opt)
	if err != nil {
		return 0, err
	}
	c.L.Push(lua.LString(id))
	return 1, nil
}

// s3IncompleteMultipartPutFile implements
// s3.incomplete_multipart_put_file(bp, file [, opts]) -> nil, or
// upload_id and {{part_number, etag}, ...}: the parts already uploaded
// that match the file.
func s3IncompleteMultipartPutFile(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	o := c.multipartOptions(3)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt, err := c.engineMultipartOptions(file, o)
	if err != nil {
		return 0, err
	}
	p := c.progress(bp, o.Progress)
	defer p.end()
	opt.Progress = p.engine()
	id, parts, err := c.client().IncompleteMultipartPutFile(c.ctx(), bp, file, opt)
	if err != nil {
		return 0, err
	}
	if id == "" {
		c.L.Push(lua.LNil)
		return 1, nil
	}
	c.L.Push(lua.LString(id))
	c.L.Push(partsToTable(c.L, parts))
	return 2, nil
}

// s3ResumeMultipartPutFile implements s3.resume_multipart_put_file(bp,
// file [, opts]) -> nil or upload_id.
func s3ResumeMultipartPutFile(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	o := c.multipartOptions(3)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	opt, err := c.engineMultipartOptions(file, o)
	if err != nil {
		return 0, err
	}
	p := c.progress(bp, o.Progress)
	defer p.end()
	opt.Progress = p.engine()
	id, err := c.client().ResumeMultipartPutFile(c.ctx(), bp, file, opt)
	if err != nil {
		return 0, err
	}
	if id == "" {
		c.L.Push(lua.LNil)
		return 1, nil
	}
	c.L.Push(lua.LString(id))
	return 1, nil
}

// s3InitiateMultipartUpload implements s3.initiate_multipart_upload(bp,
// mime_type [, heads]) -> upload_id.
func s3InitiateMultipartUpload(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	mimeType := c.str(2)
	h := c.headers(3)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	id, err := c.client().InitiateMultipartUpload(c.ctx(), bp, mimeType, h)
	if err != nil {
		return 0, err
	}
	c.L.Push(lua.LString(id))
	return 1, nil
}

// uploadID checks an upload id argument.
func (c *call) uploadID(n int) string {
	id := c.str(n)
	if id == "" && c.checkArgs() == nil {
		c.argError(n, "upload id expected, got an empty string")
	}
	return id
}

// s3UploadPart implements s3.upload_part(bp, upload_id, part_number, data)
// -> {part_number, etag}.
func s3UploadPart(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	n := c.integer(3, multipartNumberMin, multipartNumberMax)
	data := c.str(4)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	part, err := c.client().UploadPart(c.ctx(), bp, id, int(n), []byte(data))
	if err != nil {
		return 0, err
	}
	c.L.Push(partToTable(c.L, part))
	return 1, nil
}

// s3ListMultipartUploads implements s3.list_multipart_uploads(bucket) ->
// {{key=, upload_id=, initiated=}, ...}.
func s3ListMultipartUploads(c *call) (int, error) {
	bucket := c.bucketName(1)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	ups, err := c.client().ListMultipartUploads(c.ctx(), bucket)
	if err != nil {
		return 0, err
	}
	t := c.L.CreateTable(len(ups), 0)
	for _, u := range ups {
		t.Append(uploadToTable(c.L, u))
	}
	c.L.Push(t)
	return 1, nil
}

// s3ListMultipartUploadParts implements
// s3.list_multipart_upload_parts(bp, upload_id) -> {{part_number=, etag=,
// size=, last_modified=}, ...}.
func s3ListMultipartUploadParts(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	parts, err := c.client().ListMultipartUploadParts(c.ctx(), bp, id)
	if err != nil {
		return 0, err
	}
	t := c.L.CreateTable(len(parts), 0)
	for _, p := range parts {
		t.Append(partInfoToTable(c.L, p))
	}
	c.L.Push(t)
	return 1, nil
}

// s3CompleteMultipartUpload implements s3.complete_multipart_upload(bp,
// upload_id, parts) -> {location=, bucket=, key=, etag=}; parts in any
// order.
func s3CompleteMultipartUpload(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	t := c.table(3)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	parts, msg := partsFromTable(t)
	if msg != "" {
		c.argError(3, "%s", msg)
	} else if len(parts) == 0 {
		c.argError(3, "at least one part expected")
	}
	if err := c.checkArgs(); err != nil {
		return 0, err
	}

	res, err := c.client().CompleteMultipartUpload(c.ctx(), bp, id, parts)
	if err != nil {
		return 0, err
	}
	c.L.Push(completeToTable(c.L, res))
	return 1, nil
}

// s3AbortMultipartUpload implements s3.abort_multipart_upload(bp,
// upload_id).
func s3AbortMultipartUpload(c *call) (int, error) {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	if err := c.checkArgs(); err != nil {
		return 0, err
	}
	if err := c.client().AbortMultipartUpload(c.ctx(), bp, id); err != nil {
		return 0, err
	}
	return 0, nil
}
