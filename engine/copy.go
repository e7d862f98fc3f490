package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/s3lua/s3lua/signature"
)

// CopyThresholdDefault is the size above which Copy uses a multipart copy:
// 5 GiB, the largest object a single CopyObject may copy.
const CopyThresholdDefault = 5 << 30

// copyPartSizeMin is the smallest part of a multipart copy when
// Config.PartSize does not set one: copies happen inside the server, so
// larger parts mean fewer requests at no cost in memory.
const copyPartSizeMin = 128 << 20

// contentHeaders are the system headers a copy keeps from its source when
// the metadata is replaced without them, and that a multipart copy must
// carry itself (UploadPartCopy copies bytes only).
var contentHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition",
	"Content-Encoding", "Content-Language", "Expires"}

// Copy copies the object from ("bucket/key") to to ("bucket/key") on the
// server, without downloading it, and returns the final response's
// headers. h is passed through: for example X-Amz-Metadata-Directive:
// REPLACE with new X-Amz-Meta-* headers, or X-Amz-Copy-Source-If-Match.
// With REPLACE and no Content-Type (or Cache-Control, Content-Disposition,
// Content-Encoding, Content-Language, Expires) in h, the source's is kept:
// only what h gives is replaced. The source key is percent-encoded in
// X-Amz-Copy-Source; VersionIDHeader in h selects the source's version.
//
// Copy first heads the source. An object larger than Config.CopyThreshold
// (default 5 GiB, S3's limit for CopyObject) is copied with a multipart
// upload whose parts are UploadPartCopy requests, Config.Workers at a time;
// the source's metadata, content headers and tags are carried over unless
// h replaces them (X-Amz-Metadata-Directive / X-Amz-Tagging-Directive:
// REPLACE), and on failure the upload is aborted, so nothing is left
// behind. A "200 OK" whose body is an <Error> (S3 reports failures of long
// copies that way) is an error and is retried.
func (c *Client) Copy(ctx context.Context, from, to string, h http.Header) (http.Header, error) {
	return c.copyObject(ctx, from, to, h, nil)
}

// copySource is what a listing says of a copy's source.
type copySource struct {
	etag string
	size int64
}

// copyObject is Copy; with known (from a listing), a single-request copy
// that keeps the source's metadata takes the size and ETag from it instead
// of a HEAD (the server copies the headers itself).
func (c *Client) copyObject(ctx context.Context, from, to string, h http.Header, known *copySource) (http.Header, error) {
	srcBucket, srcKey, err := SplitBucketPath(from)
	if err != nil {
		return nil, err
	}
	bucket, key, err := SplitBucketPath(to)
	if err != nil {
		return nil, err
	}
	if srcKey == "" || key == "" {
		return nil, argError("Copy", "from %q to %q: both must name objects (bucket/key)", from, to)
	}
	hdr := h.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	source := "/" + srcBucket + "/" + signature.EscapePath(srcKey)
	versionID := hdr.Get(VersionIDHeader)
	if versionID != "" {
		// The version is the source's: the destination has none to choose.
		hdr.Del(VersionIDHeader)
		source += "?versionId=" + url.QueryEscape(versionID)
	}
	replace := strings.EqualFold(hdr.Get("X-Amz-Metadata-Directive"), "REPLACE")
	var src http.Header
	// A multipart copy (over the threshold) carries the source's headers,
	// metadata and tags over itself, so it needs the HEAD.
	if known != nil && !replace && versionID == "" && known.size <= c.cfg.CopyThreshold {
		src = http.Header{"Etag": {known.etag}, "Content-Length": {strconv.FormatInt(known.size, 10)}}
	} else if src, err = c.Head(ctx, from, sourceHeadHeader(hdr, versionID)); err != nil {
		return nil, copyError(err, srcBucket, srcKey, bucket, key)
	}
	size, _ := strconv.ParseInt(src.Get("Content-Length"), 10, 64)
	if replace {
		for _, name := range contentHeaders {
			if hdr.Get(name) == "" && src.Get(name) != "" {
				hdr.Set(name, src.Get(name))
			}
		}
	}
	if size > c.cfg.CopyThreshold {
		return c.multipartCopy(ctx, srcBucket, srcKey, bucket, key, source, size, src, hdr, replace)
	}
	hdr.Set("X-Amz-Copy-Source", source)
	resp, err := c.doCopy(ctx, &request{method: http.MethodPut, bucket: bucket, key: key, header: hdr, checkBody: true}, src)
	if err != nil {
		return nil, copyError(err, srcBucket, srcKey, bucket, key)
	}
	resp.Body.Close()
	return resp.Header, nil
}

// sourceHeadHeader is the header set to HEAD a copy's source: its version
// and its SSE-C key (given for the copy as X-Amz-Copy-Source-...). The
// copy's source conditions are left to the copy (or each part) to check.
func sourceHeadHeader(h http.Header, versionID string) http.Header {
	out := http.Header{}
	if versionID != "" {
		out.Set(VersionIDHeader, versionID)
	}
	pairs := [][2]string{
		{copySourceSSECustomerAlgorithm, sseCustomerAlgorithm},
		{copySourceSSECustomerKey, sseCustomerKey},
		{copySourceSSECustomerKeyMD5, sseCustomerKeyMD5},
	}
	for _, p := range pairs {
		if v := h.Get(p[0]); v != "" {
			out.Set(p[1], v)
		}
	}
	return out
}

// copyOnlyHeaders are headers of a CopyObject request that are not headers
// of the upload a multipart copy creates.
var copyOnlyHeaders = []string{"X-Amz-Metadata-Directive", "X-Amz-Tagging-Directive",
	"X-Amz-Copy-Source-If-Match", "X-Amz-Copy-Source-If-None-Match",
	"X-Amz-Copy-Source-If-Modified-Since", "X-Amz-Copy-Source-If-Unmodified-Since",
	copySourceSSECustomerAlgorithm, copySourceSSECustomerKey, copySourceSSECustomerKeyMD5}

// multipartCopy copies size bytes of source into bucket/key with
// UploadPartCopy parts. src is the source's HEAD answer.
func (c *Client) multipartCopy(ctx context.Context, srcBucket, srcKey, bucket, key, source string, size int64,
	src, hdr http.Header, replace bool) (http.Header, error) {
	const fn = "Copy"
	partSize := c.cfg.PartSize
	if partSize == 0 {
		partSize = max(PartSizeFor(size), copyPartSizeMin)
	}
	if err := checkPartSize(fn, partSize, size); err != nil {
		return nil, err
	}
	// What every part repeats: the source's SSE-C key and conditions, the
	// destination's SSE-C key.
	partHeader := http.Header{}
	for _, name := range copyOnlyHeaders[2:] {
		if v := hdr.Get(name); v != "" {
			partHeader.Set(name, v)
		}
	}
	for name, vs := range sseCustomerPartHeader(hdr) {
		partHeader[name] = vs
	}
	initHeader := hdr.Clone()
	for _, name := range copyOnlyHeaders {
		initHeader.Del(name)
	}
	if !replace {
		for _, name := range contentHeaders {
			if src.Get(name) != "" {
				initHeader.Set(name, src.Get(name))
			}
		}
		for name, v := range Metadata(src) {
			initHeader.Set("X-Amz-Meta-"+name, v)
		}
	}
	if !strings.EqualFold(hdr.Get("X-Amz-Tagging-Directive"), "REPLACE") {
		initHeader.Del("X-Amz-Tagging")
		if n, _ := strconv.Atoi(src.Get("X-Amz-Tagging-Count")); n > 0 {
			tags, err := c.GetTags(ctx, srcBucket+"/"+srcKey, sourceHeadHeader(hdr, src.Get("X-Amz-Version-Id")))
			if err != nil {
				return nil, err
			}
			initHeader.Set("X-Amz-Tagging", EncodeTags(tags))
		}
	}
	bp := bucket + "/" + key
	uploadID, err := c.InitiateMultipartUpload(ctx, bp, "", initHeader)
	if err != nil {
		return nil, err
	}
	count := int(numParts(size, partSize))
	parts := make([]Part, count)
	errs := make([]error, count)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(c.cfg.Workers, count) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				begin := int64(i) * partSize
				end := min(begin+partSize, size) - 1
				ph := partHeader.Clone()
				ph.Set("X-Amz-Copy-Source", source)
				ph.Set("X-Amz-Copy-Source-Range", fmt.Sprintf("bytes=%d-%d", begin, end))
				parts[i], errs[i] = c.uploadPartCopy(wctx, bucket, key, uploadID, i+1, ph)
				if errs[i] != nil {
					cancel()
				}
			}
		}()
	}
feed:
	for i := range count {
		select {
		case jobs <- i:
		case <-wctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	err = firstError(errs)
	if err == nil {
		err = ctx.Err()
	}
	var res *CompleteResult
	if err == nil {
		res, err = c.CompleteMultipartUpload(ctx, bp, uploadID, parts)
	}
	if err != nil {
		return nil, c.abortQuietly(ctx, bucket, key, uploadID, err)
	}
	out := http.Header{}
	if res != nil {
		out.Set("ETag", res.ETag)
	}
	return out, nil
}

// firstError is the first failure in order that is not a cancellation
// caused by another, else the first error.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// uploadPartCopy sends one UploadPartCopy and returns the part's ETag.
func (c *Client) uploadPartCopy(ctx context.Context, bucket, key, uploadID string, number int, h http.Header) (Part, error) {
	req := &request{method: http.MethodPut, bucket: bucket, key: key, header: h, checkBody: true,
		query: url.Values{"partNumber": {strconv.Itoa(number)}, "uploadId": {uploadID}}}
	var out struct {
		ETag string `xml:"ETag"`
	}
	if _, err := c.doXML(ctx, req, &out); err != nil {
		return Part{}, err
	}
	if out.ETag == "" {
		return Part{}, &RequestError{Method: req.method, Bucket: bucket, Key: key,
			Err: fmt.Errorf("the answer to UploadPartCopy %d has no ETag", number)}
	}
	return Part{PartNumber: number, ETag: out.ETag}, nil
}
