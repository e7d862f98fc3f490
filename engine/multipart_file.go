package engine

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
)

// Multipart uploads of a file: the plan (part size, parts, workers) and
// MultipartPutFile.

// MultipartFileOptions are the options of MultipartPutFile,
// IncompleteMultipartPutFile and ResumeMultipartPutFile.
type MultipartFileOptions struct {
	// MIMEType is the Content-Type; "" means Config.MIMEType(file), and
	// MIMEType(file) when that is nil.
	MIMEType string
	// Mode is "binary" (default) or "text"; both send the bytes unchanged.
	Mode string
	// Inline sends "Content-Disposition: inline" instead of an attachment.
	Inline bool
	// PartSize is the part size, at least MultipartSizeMinimum and giving at
	// most 10,000 parts; 0 means Config.PartSize, then PartSizeFor(size).
	// Resuming needs the part size of the interrupted upload.
	PartSize int64
	// Workers is the number of parallel part uploads; 0 means Config.Workers.
	Workers int
	// Header holds extra headers for the object (x-amz-meta-*, ...); they
	// override the computed Content-Type and Content-Disposition.
	Header http.Header
	// Progress, if not nil, is called as parts are sent.
	Progress Progress
	// MD5Metadata records the MD5 of the whole file in the object's
	// metadata (MD5MetadataHeader), as rclone does: a pass over the file
	// before the upload starts, about 1.6 s of CPU per GiB. Without it the
	// object's integrity record is its full-object CRC32C (unless
	// Config.ChecksumCalculation is ChecksumWhenRequired), which Sync
	// compares as well.
	MD5Metadata bool
}

// filePlan is the part layout of a file upload.
type filePlan struct {
	f        *os.File
	name     string      // as given, for opening it again (fsys)
	fsys     fileSystem  // where name is opened
	st       os.FileInfo // f's, to recognise it when opened again
	size     int64
	partSize int64
	parts    int
	workers  int
}

// planFile checks the arguments of the multipart file functions (bp must
// name an object), opens file and works out its part layout.
func (c *Client) planFile(fn, bp, file string, opt MultipartFileOptions) (bucket, key string, plan *filePlan, err error) {
	if bucket, key, err = objectArg(fn, bp); err != nil {
		return "", "", nil, err
	}
	if err := checkFileMode(fn, opt.Mode); err != nil {
		return "", "", nil, err
	}
	if opt.Workers < 0 {
		return "", "", nil, argError(fn, "workers %d: want at least 1 (0 = Config.Workers)", opt.Workers)
	}
	f, size, err := c.files().openRegular(fn, file)
	if err != nil {
		return "", "", nil, err
	}
	partSize := opt.PartSize
	if partSize == 0 {
		partSize = c.cfg.PartSize
	}
	if partSize == 0 {
		partSize = PartSizeFor(size)
	} else if err := checkPartSize(fn, partSize, size); err != nil {
		f.Close()
		return "", "", nil, err
	}
	workers := opt.Workers
	if workers == 0 {
		workers = c.cfg.Workers
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return "", "", nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	return bucket, key, &filePlan{f: f, name: file, fsys: c.files(), st: st, size: size, partSize: partSize, parts: int(numParts(size, partSize)), workers: max(workers, 1)}, nil
}

// partLen is the size of part i (0-based).
func (p *filePlan) partLen(i int) int64 {
	off := int64(i) * p.partSize
	return min(p.partSize, p.size-off)
}

// fullCRC32C combines the parts' CRC32Cs into the whole file's, "" when a
// part has none (the upload declared no checksum).
func (p *filePlan) fullCRC32C(parts []Part) string {
	if len(parts) != p.parts {
		return ""
	}
	byNumber := make([]uint32, p.parts)
	for _, part := range parts {
		v, ok := parseCRC32C(part.ChecksumCRC32C)
		if !ok || part.PartNumber < 1 || part.PartNumber > p.parts {
			return ""
		}
		byNumber[part.PartNumber-1] = v
	}
	sum := byNumber[0]
	for i := 1; i < p.parts; i++ {
		sum = crc32cCombine(sum, byNumber[i], p.partLen(i))
	}
	return crc32cBase64(sum)
}

// task returns the worker task that uploads part i from the file.
func (p *filePlan) task(i int) partTask {
	off, n := int64(i)*p.partSize, p.partLen(i)
	return partTask{number: i + 1, size: n, section: &fileSection{plan: p, off: off, n: n}}
}

// loadTask returns a worker task that reads part i from the file into
// memory first (the coordinator's tests replace the upload function,
// which takes the part's bytes).
func (p *filePlan) loadTask(i int) partTask {
	off, n := int64(i)*p.partSize, p.partLen(i)
	return partTask{number: i + 1, size: n, load: func(buf []byte) ([]byte, error) {
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(io.NewSectionReader(p.f, off, n), buf); err != nil {
			return nil, fmt.Errorf("reading %s at %d: %w", p.f.Name(), off, err)
		}
		return buf, nil
	}}
}

// MultipartPutFile uploads file to bp as a multipart upload and returns the
// upload id. The part size is MultipartFileOptions.PartSize, else
// Config.PartSize, else PartSizeFor(size) (an eighth of the file, 5 to
// 32 MiB, or what 10,000 parts need). Each part carries its CRC32C (see
// Config.ChecksumCalculation). Over plain http each worker hashes its part
// through a 256 KiB buffer (CRC32C, and SHA-256 when the payload is signed:
// to hosts other than loopback), then sends it from the file itself
// (sendfile on a plain TCP connection); over https it streams the part
// with a CRC32C trailer. Memory does not grow with the part size.
// Content-Type and Content-Disposition are chosen as for PutFile. On
// failure the upload is aborted.
//
// An empty file has no parts: it is stored with one plain PUT (same
// headers) and the upload id returned is "" (the reference failed with a
// contract error). A single empty part would do on S3, MinIO and versitygw,
// but the embedded store refuses empty parts.
func (c *Client) MultipartPutFile(ctx context.Context, bp, file string, opt MultipartFileOptions) (string, error) {
	res, err := c.multipartPutFile(ctx, "MultipartPutFile", bp, file, opt)
	if err != nil {
		return "", err
	}
	return res.uploadID, nil
}

// multipartPut is the outcome of multipartPutFile: the upload id ("" for an
// empty file) and the completed object's ETag.
type multipartPut struct {
	uploadID string
	ETag     string
}

// multipartPutFile is MultipartPutFile, also returning the object's ETag.
func (c *Client) multipartPutFile(ctx context.Context, fn, bp, file string, opt MultipartFileOptions) (*multipartPut, error) {
	bucket, key, plan, err := c.planFile(fn, bp, file, opt)
	if err != nil {
		return nil, err
	}
	defer plan.f.Close()
	header := c.fileHeader(file, opt.MIMEType, opt.Inline, opt.Header)
	if plan.parts == 0 {
		// No parts: S3 and MinIO accept a single empty part, but the
		// embedded store refuses it (411), so an empty file is one plain PUT.
		header.Set("Content-MD5", contentMD5(nil))
		if opt.Progress != nil {
			// Reported before the request, so that its error stores nothing.
			if err := opt.Progress(0, 0); err != nil {
				return nil, err
			}
		}
		resp, err := c.do(ctx, &request{method: http.MethodPut, bucket: bucket, key: key, header: header})
		if err != nil {
			return nil, err
		}
		drainClose(resp.Body)
		return &multipartPut{ETag: resp.Header.Get("ETag")}, nil
	}
	if opt.MD5Metadata && header.Get(MD5MetadataHeader) == "" {
		// A multipart ETag is no MD5 of the content: record one, for
		// checksum comparisons (rclone's).
		sum, err := fileMD5(ctx, plan.f, plan.size)
		if err != nil {
			return nil, fmt.Errorf("engine.%s: %w", fn, err)
		}
		header.Set(MD5MetadataHeader, base64.StdEncoding.EncodeToString(sum))
	}
	// The initiate runs to its end even when ctx is cancelled meanwhile: a
	// server may create the upload after the client gave up, and no listing
	// right after would show it. An upload we know of is aborted below.
	if err := ctx.Err(); err != nil {
		return nil, &RequestError{Method: http.MethodPost, Bucket: bucket, Key: key, Err: err}
	}
	crc := c.cfg.ChecksumCalculation != ChecksumWhenRequired
	if crc {
		header.Set("X-Amz-Checksum-Algorithm", "CRC32C")
		header.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	uploadID, err := c.InitiateMultipartUpload(ictx, bp, "", header)
	cancel()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, c.abortQuietly(ctx, bucket, key, uploadID, &RequestError{Method: http.MethodPost, Bucket: bucket, Key: key, Err: err})
	}
	run := &partsRun{c: c, fn: fn, bucket: bucket, key: key, uploadID: uploadID, crc32c: crc,
		workers: plan.workers, progress: opt.Progress, total: plan.size, partHeader: sseCustomerPartHeader(opt.Header)}
	parts, err := run.run(ctx, plan.parts, func(i int) (partTask, *Part, error) {
		return plan.task(i), nil, nil
	})
	var done *CompleteResult
	if err == nil {
		done, err = c.complete(ctx, fn, bp, uploadID, parts, plan.fullCRC32C(parts), run.partHeader)
	}
	if err != nil {
		return nil, c.abortQuietly(ctx, bucket, key, uploadID, err)
	}
	return &multipartPut{uploadID: uploadID, ETag: done.ETag}, nil
}
