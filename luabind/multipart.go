package luabind

import (
	"fmt"
	"math"

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
func s3MultipartPut(c *call) int {
	L := c.L
	bp, _, _ := c.bucketPath(1)
	numParts := c.integer(2, multipartNumberMin, multipartNumberMax)
	getPart := c.function(3)
	mimeType := c.optStr(4, defaultUploadMIMEType)
	h := c.headers(5)
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
		c.raise(err)
	}
	L.Push(lua.LString(id))
	return 1
}

// multipartOptions reads the options of multipart_put_file and the resume
// functions: {mime_type=, mode=, inline=, part_size=, workers=, headers=,
// progress=}.
func (c *call) multipartOptions(n int, file string) (engine.MultipartFileOptions, *lua.LFunction) {
	o := c.options(n, map[string]string{
		"mime_type": optString, "mode": optString, "inline": optBoolean,
		"part_size": optInteger, "workers": optInteger, "headers": optTable, "progress": optFunction,
	})
	c.checkOptionEnum(n, o, "mode", fileModes...)
	c.checkOptionRange(n, o, "part_size", engine.MultipartSizeMinimum, math.MaxInt64)
	c.checkOptionRange(n, o, "workers", 1, 64)
	return engine.MultipartFileOptions{
		MIMEType: c.mimeType(file, optionString(o, "mime_type", "")),
		Mode:     optionString(o, "mode", ""),
		Inline:   optionBool(o, "inline"),
		PartSize: optionInt(o, "part_size", 0),
		Workers:  int(optionInt(o, "workers", 0)),
		Header:   c.optionHeaders(n, o),
	}, optionFunction(o, "progress")
}

// s3MultipartPutFile implements s3.multipart_put_file(bp, file [, opts])
// -> upload_id.
func s3MultipartPutFile(c *call) int {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	opt, fn := c.multipartOptions(3, file)
	ctx, p := c.progress(bp, fn)
	defer p.end()
	opt.Progress = p.engine()
	id, err := c.client().MultipartPutFile(ctx, bp, file, opt)
	p.undoUpload(err, bp)
	if err = p.err(err); err != nil {
		c.raise(err)
	}
	c.L.Push(lua.LString(id))
	return 1
}

// s3IncompleteMultipartPutFile implements
// s3.incomplete_multipart_put_file(bp, file [, opts]) -> nil, or
// upload_id and {{part_number, etag}, ...}: the parts already uploaded
// that match the file.
func s3IncompleteMultipartPutFile(c *call) int {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	opt, fn := c.multipartOptions(3, file)
	ctx, p := c.progress(bp, fn)
	defer p.end()
	opt.Progress = p.engine()
	id, parts, err := c.client().IncompleteMultipartPutFile(ctx, bp, file, opt)
	if err = p.err(err); err != nil {
		c.raise(err)
	}
	if id == "" {
		c.L.Push(lua.LNil)
		return 1
	}
	c.L.Push(lua.LString(id))
	c.L.Push(partsToTable(c.L, parts))
	return 2
}

// s3ResumeMultipartPutFile implements s3.resume_multipart_put_file(bp,
// file [, opts]) -> nil or upload_id.
func s3ResumeMultipartPutFile(c *call) int {
	bp, _, _ := c.bucketPath(1)
	file := c.path(2)
	opt, fn := c.multipartOptions(3, file)
	ctx, p := c.progress(bp, fn)
	defer p.end()
	opt.Progress = p.engine()
	id, err := c.client().ResumeMultipartPutFile(ctx, bp, file, opt)
	p.undoUpload(err, bp)
	if err = p.err(err); err != nil {
		c.raise(err)
	}
	if id == "" {
		c.L.Push(lua.LNil)
		return 1
	}
	c.L.Push(lua.LString(id))
	return 1
}

// s3InitiateMultipartUpload implements s3.initiate_multipart_upload(bp,
// mime_type [, heads]) -> upload_id.
func s3InitiateMultipartUpload(c *call) int {
	bp, _, _ := c.bucketPath(1)
	mimeType := c.str(2)
	h := c.headers(3)
	id, err := c.client().InitiateMultipartUpload(c.ctx(), bp, mimeType, h)
	if err != nil {
		c.raise(err)
	}
	c.L.Push(lua.LString(id))
	return 1
}

// uploadID checks an upload id argument.
func (c *call) uploadID(n int) string {
	id := c.str(n)
	if id == "" {
		c.argError(n, "upload id expected, got an empty string")
	}
	return id
}

// s3UploadPart implements s3.upload_part(bp, upload_id, part_number, data)
// -> {part_number, etag}.
func s3UploadPart(c *call) int {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	n := c.integer(3, multipartNumberMin, multipartNumberMax)
	data := c.str(4)
	part, err := c.client().UploadPart(c.ctx(), bp, id, int(n), []byte(data))
	if err != nil {
		c.raise(err)
	}
	c.L.Push(partToTable(c.L, part))
	return 1
}

// s3ListMultipartUploads implements s3.list_multipart_uploads(bucket) ->
// {{key=, upload_id=, initiated=}, ...}.
func s3ListMultipartUploads(c *call) int {
	bucket := c.bucketName(1)
	ups, err := c.client().ListMultipartUploads(c.ctx(), bucket)
	if err != nil {
		c.raise(err)
	}
	t := c.L.CreateTable(len(ups), 0)
	for _, u := range ups {
		t.Append(uploadToTable(c.L, u))
	}
	c.L.Push(t)
	return 1
}

// s3ListMultipartUploadParts implements
// s3.list_multipart_upload_parts(bp, upload_id) -> {{part_number=, etag=,
// size=, last_modified=}, ...}.
func s3ListMultipartUploadParts(c *call) int {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	parts, err := c.client().ListMultipartUploadParts(c.ctx(), bp, id)
	if err != nil {
		c.raise(err)
	}
	t := c.L.CreateTable(len(parts), 0)
	for _, p := range parts {
		t.Append(partInfoToTable(c.L, p))
	}
	c.L.Push(t)
	return 1
}

// s3CompleteMultipartUpload implements s3.complete_multipart_upload(bp,
// upload_id, parts) -> {location=, bucket=, key=, etag=}; parts in any
// order.
func s3CompleteMultipartUpload(c *call) int {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	t := c.table(3)
	parts, msg := partsFromTable(t)
	if msg != "" {
		c.argError(3, "%s", msg)
	}
	if len(parts) == 0 {
		c.argError(3, "at least one part expected")
	}
	res, err := c.client().CompleteMultipartUpload(c.ctx(), bp, id, parts)
	if err != nil {
		c.raise(err)
	}
	c.L.Push(completeToTable(c.L, res))
	return 1
}

// s3AbortMultipartUpload implements s3.abort_multipart_upload(bp,
// upload_id).
func s3AbortMultipartUpload(c *call) int {
	bp, _, _ := c.bucketPath(1)
	id := c.uploadID(2)
	if err := c.client().AbortMultipartUpload(c.ctx(), bp, id); err != nil {
		c.raise(err)
	}
	return 0
}
