package engine

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Part is an uploaded part as CompleteMultipartUpload needs it. ETag is as
// the server sent it (with its double quotes); both forms are accepted back.
type Part struct {
	PartNumber int    // 1..10000
	ETag       string // e.g. `"9b2cf535f27731c974343645a3985328"`
	// ChecksumCRC32C is the part's CRC32C (base64, as sent in
	// x-amz-checksum-crc32c) when the upload declared CRC32C; "" otherwise.
	// CompleteMultipartUpload repeats it, as S3 requires then.
	ChecksumCRC32C string
}

// Upload is an in-progress multipart upload, as ListMultipartUploads
// reports it.
type Upload struct {
	Key       string    // the object's key, plain text
	UploadID  string    // the id the building blocks take
	Initiated time.Time // when InitiateMultipartUpload ran (zero if not sent)
}

// PartInfo is an uploaded part as ListMultipartUploadParts reports it. ETag
// is as the server sent it, with quotes.
type PartInfo struct {
	PartNumber   int       // 1..10000
	ETag         string    // with quotes; the MD5 of the part for plain uploads
	Size         int64     // bytes
	LastModified time.Time // when the part was uploaded
	// ChecksumCRC32C is the part's CRC32C (base64) when its upload
	// declared CRC32C, "" otherwise.
	ChecksumCRC32C string
}

// CompleteResult is the answer to CompleteMultipartUpload. ETag is the
// object's ETag, with quotes ("<hex>-<parts>" on S3).
type CompleteResult struct {
	Location string // the object's URL, as the server reports it
	Bucket   string // the bucket
	Key      string // the key, plain text
	ETag     string // the object's ETag, with quotes
}

// InitiateMultipartUpload starts a multipart upload of bp ("bucket/key")
// and returns its upload id. mimeType, if not "", is the object's
// Content-Type; h holds the object's other headers (x-amz-meta-*,
// Content-Disposition, x-amz-acl, ...), which belong to this request, not to
// the parts.
//
// When an attempt's connection broke (the server may have created an upload
// whose id never arrived) and the request was sent again, the upload that
// attempt left is aborted afterwards if it can be told apart safely; see
// abortOrphans for the rule.
func (c *Client) InitiateMultipartUpload(ctx context.Context, bp, mimeType string, h http.Header) (string, error) {
	const fn = "InitiateMultipartUpload"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return "", err
	}
	header := h.Clone()
	if header == nil {
		header = http.Header{}
	}
	if mimeType != "" {
		header.Set("Content-Type", mimeType)
	}
	req := &request{method: http.MethodPost, bucket: bucket, key: key, header: header,
		query: url.Values{"uploads": {""}}}
	// An attempt whose connection broke may have created an upload whose id
	// we never saw: count them, and clean up after (see abortOrphans).
	start, broken := time.Now(), 0
	req.retrying = func(err error) {
		if _, ok := errors.AsType[*RequestError](err); ok {
			broken++
		}
	}
	var out struct {
		UploadID string `xml:"UploadId"`
	}
	respHeader, err := c.doXML(ctx, req, &out)
	if err == nil && out.UploadID == "" {
		err = &RequestError{Method: req.method, Bucket: bucket, Key: key,
			Err: fmt.Errorf("the answer to InitiateMultipartUpload has no UploadId")}
	}
	if err != nil {
		out.UploadID = ""
		// The last attempt too may have created an upload before it broke.
		if _, ok := errors.AsType[*RequestError](err); ok && !errors.Is(err, ErrNoCredentials) {
			broken++
		}
	}
	if broken > 0 && ctx.Err() == nil {
		c.abortOrphans(ctx, bucket, key, out.UploadID, start, respHeader, broken)
	}
	if err != nil {
		return "", err
	}
	return out.UploadID, nil
}

// checkPartNumber validates a part number (1..10000).
func checkPartNumber(fn string, n int) error {
	if n < MinPartNumber || n > MaxPartNumber {
		return fmt.Errorf("engine.%s: part number %d: want %d..%d", fn, n, MinPartNumber, MaxPartNumber)
	}
	return nil
}

// UploadPart uploads data as part partNumber (1..10000) of the upload
// uploadID of bp, with Content-MD5 and the SHA-256 of data signed, and
// returns the part number and the ETag exactly as the server sent it
// (quotes included). Transient failures are retried (the data is in
// memory). Every part but the last must be at least MultipartSizeMinimum
// bytes, which the server checks when the upload is completed.
func (c *Client) UploadPart(ctx context.Context, bp, uploadID string, partNumber int, data []byte) (Part, error) {
	const fn = "UploadPart"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return Part{}, err
	}
	if uploadID == "" {
		return Part{}, argError(fn, "empty upload id")
	}
	if err := checkPartNumber(fn, partNumber); err != nil {
		return Part{}, err
	}
	return c.uploadPart(ctx, bucket, key, uploadID, partNumber, data)
}

func (c *Client) uploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, data []byte) (Part, error) {
	header := http.Header{"Content-Md5": {contentMD5(data)}}
	req := &request{method: http.MethodPut, bucket: bucket, key: key, header: header, body: data,
		expectContinue: true,
		query:          url.Values{"partNumber": {strconv.Itoa(partNumber)}, "uploadId": {uploadID}}}
	return c.sendPart(ctx, req, partNumber)
}

// pageSize is the page size the listing functions ask for (S3's maximum).
const pageSize = MaxKeysPerPage

// ListMultipartUploads returns every in-progress multipart upload of bucket
// ("bucket" or "bucket/"), following the pages (key-marker and
// upload-id-marker) until the listing is complete, unlike the reference,
// which stopped at 1000.
func (c *Client) ListMultipartUploads(ctx context.Context, bucket string) ([]Upload, error) {
	const fn = "ListMultipartUploads"
	bucket = strings.TrimSuffix(bucket, "/")
	if bucket == "" || strings.Contains(bucket, "/") {
		return nil, argError(fn, "bucket %q: want a bucket name", bucket)
	}
	return c.listUploads(ctx, bucket, "", pageSize)
}

// listUploads lists the uploads of keys starting with prefix, maxUploads per
// request.
func (c *Client) listUploads(ctx context.Context, bucket, prefix string, maxUploads int) ([]Upload, error) {
	var out []Upload
	keyMarker, idMarker := "", ""
	for {
		page, err := c.listUploadsPage(ctx, bucket, prefix, maxUploads, keyMarker, idMarker)
		if err != nil {
			return nil, err
		}
		out = append(out, page.uploads...)
		if !page.truncated {
			return out, nil
		}
		if page.nextKey == "" || (page.nextKey == keyMarker && page.nextID == idMarker) {
			return nil, &RequestError{Method: http.MethodGet, Bucket: bucket,
				Err: fmt.Errorf("ListMultipartUploads: truncated page without a new marker (key %q, upload id %q)", page.nextKey, page.nextID)}
		}
		keyMarker, idMarker = page.nextKey, page.nextID
	}
}

// uploadsPage is one page of ListMultipartUploads.
type uploadsPage struct {
	uploads         []Upload
	truncated       bool
	nextKey, nextID string // the markers of the next page (from the last upload if the server sent none)
}

// listUploadsPage fetches the page of uploads of keys starting with prefix
// that follows keyMarker and idMarker ("" for the first page).
func (c *Client) listUploadsPage(ctx context.Context, bucket, prefix string, maxUploads int, keyMarker, idMarker string) (uploadsPage, error) {
	q := url.Values{"uploads": {""}, "max-uploads": {strconv.Itoa(maxUploads)}}
	if prefix != "" {
		q.Set("prefix", prefix)
	}
	if keyMarker != "" {
		q.Set("key-marker", keyMarker)
		if idMarker != "" {
			q.Set("upload-id-marker", idMarker)
		}
	}
	req := &request{method: http.MethodGet, bucket: bucket, query: q}
	var page struct {
		IsTruncated        bool   `xml:"IsTruncated"`
		NextKeyMarker      string `xml:"NextKeyMarker"`
		NextUploadIDMarker string `xml:"NextUploadIdMarker"`
		Uploads            []struct {
			Key       string `xml:"Key"`
			UploadID  string `xml:"UploadId"`
			Initiated string `xml:"Initiated"`
		} `xml:"Upload"`
	}
	_, err := c.doXML(ctx, req, &page)
	var re *ResponseError
	if errors.As(err, &re) && re.Code == "NoSuchUpload" && keyMarker == "" {
		// The embedded store (gofakes3) answers so for a bucket that never
		// had an upload; a bucket listing has no upload to miss.
		return uploadsPage{}, nil
	}
	if err != nil {
		return uploadsPage{}, err
	}
	out := uploadsPage{truncated: page.IsTruncated, nextKey: page.NextKeyMarker, nextID: page.NextUploadIDMarker}
	for _, u := range page.Uploads {
		out.uploads = append(out.uploads, Upload{Key: u.Key, UploadID: u.UploadID, Initiated: parseTime(u.Initiated)})
	}
	if out.nextKey == "" && len(page.Uploads) > 0 {
		last := page.Uploads[len(page.Uploads)-1]
		out.nextKey, out.nextID = last.Key, last.UploadID
	}
	return out, nil
}

// parseTime reads S3's ISO 8601 timestamps; a malformed one gives the zero
// time rather than failing a whole listing.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t
}

// ListMultipartUploadParts returns every part uploaded so far for uploadID
// of bp, following the pages (part-number-marker) to the end.
func (c *Client) ListMultipartUploadParts(ctx context.Context, bp, uploadID string) ([]PartInfo, error) {
	const fn = "ListMultipartUploadParts"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return nil, err
	}
	if uploadID == "" {
		return nil, argError(fn, "empty upload id")
	}
	return c.listParts(ctx, bucket, key, uploadID, pageSize)
}

// listParts lists the parts of an upload, maxParts per request.
func (c *Client) listParts(ctx context.Context, bucket, key, uploadID string, maxParts int) ([]PartInfo, error) {
	var out []PartInfo
	marker := 0
	for {
		q := url.Values{"uploadId": {uploadID}, "max-parts": {strconv.Itoa(maxParts)}}
		if marker > 0 {
			q.Set("part-number-marker", strconv.Itoa(marker))
		}
		req := &request{method: http.MethodGet, bucket: bucket, key: key, query: q}
		var page struct {
			IsTruncated          bool   `xml:"IsTruncated"`
			NextPartNumberMarker string `xml:"NextPartNumberMarker"`
			Parts                []struct {
				PartNumber   int    `xml:"PartNumber"`
				ETag         string `xml:"ETag"`
				Size         int64  `xml:"Size"`
				LastModified string `xml:"LastModified"`
				CRC32C       string `xml:"ChecksumCRC32C"`
			} `xml:"Part"`
		}
		if _, err := c.doXML(ctx, req, &page); err != nil {
			return nil, err
		}
		for _, p := range page.Parts {
			out = append(out, PartInfo{PartNumber: p.PartNumber, ETag: p.ETag, Size: p.Size,
				LastModified: parseTime(p.LastModified), ChecksumCRC32C: p.CRC32C})
		}
		if !page.IsTruncated {
			return out, nil
		}
		next, _ := strconv.Atoi(strings.TrimSpace(page.NextPartNumberMarker))
		if next == 0 && len(page.Parts) > 0 {
			next = page.Parts[len(page.Parts)-1].PartNumber
		}
		if next <= marker {
			return nil, &RequestError{Method: req.method, Bucket: bucket, Key: key,
				Err: fmt.Errorf("ListParts: truncated page without a new part-number marker (%d)", next)}
		}
		marker = next
	}
}

// completeXML is the body of CompleteMultipartUpload.
type completeXML struct {
	XMLName xml.Name          `xml:"CompleteMultipartUpload"`
	XMLNS   string            `xml:"xmlns,attr"`
	Parts   []completePartXML `xml:"Part"`
}

type completePartXML struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
	CRC32C     string `xml:"ChecksumCRC32C,omitempty"`
}

// quoteETag returns etag with exactly one pair of surrounding double quotes.
func quoteETag(etag string) string {
	return `"` + strings.Trim(strings.TrimSpace(etag), `"`) + `"`
}

// CompleteMultipartUpload assembles the upload uploadID of bp from parts,
// which may be in any order and whose ETags may carry quotes or not. A
// "200 OK" whose body is an <Error> (S3 answers before assembling) is a
// *ResponseError and is retried like a 500. It returns the result document.
//
// When a retried complete fails (NoSuchUpload, NoSuchKey, any error) because
// an earlier attempt completed the upload and only its answer was lost, the
// object is recognised by its multipart ETag (see completedEarlier) and the
// result is built from a HEAD of it: Location is then the engine's URL of
// the object.
func (c *Client) CompleteMultipartUpload(ctx context.Context, bp, uploadID string, parts []Part) (*CompleteResult, error) {
	return c.complete(ctx, "CompleteMultipartUpload", bp, uploadID, parts, "", nil)
}

// complete is CompleteMultipartUpload; fullCRC32C, if not "", is the whole
// object's CRC32C (base64) of an upload of the FULL_OBJECT checksum type,
// for the server to check against what it assembled. header holds the
// SSE-C key of the upload, which S3 requires again when the upload
// declared a checksum.
func (c *Client) complete(ctx context.Context, fn, bp, uploadID string, parts []Part, fullCRC32C string, header http.Header) (*CompleteResult, error) {
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return nil, err
	}
	if uploadID == "" {
		return nil, argError(fn, "empty upload id")
	}
	if len(parts) == 0 {
		return nil, argError(fn, "no parts")
	}
	sorted := slices.Clone(parts)
	slices.SortFunc(sorted, func(a, b Part) int { return a.PartNumber - b.PartNumber })
	doc := completeXML{XMLNS: "http://s3.amazonaws.com/doc/2006-03-01/"}
	for i, p := range sorted {
		if err := checkPartNumber(fn, p.PartNumber); err != nil {
			return nil, err
		}
		if i > 0 && sorted[i-1].PartNumber == p.PartNumber {
			return nil, argError(fn, "part number %d given twice", p.PartNumber)
		}
		if strings.Trim(p.ETag, `" `) == "" {
			return nil, argError(fn, "part %d has an empty ETag", p.PartNumber)
		}
		doc.Parts = append(doc.Parts, completePartXML{PartNumber: p.PartNumber, ETag: quoteETag(p.ETag), CRC32C: p.ChecksumCRC32C})
	}
	body, err := xmlBody(doc)
	if err != nil {
		return nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	req := &request{method: http.MethodPost, bucket: bucket, key: key, body: body,
		query:     url.Values{"uploadId": {uploadID}},
		checkBody: true, header: header.Clone()}
	if fullCRC32C != "" {
		req.header = setHeader(req.header, "X-Amz-Checksum-Crc32c", fullCRC32C)
		req.header.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	retried := false
	req.retrying = func(error) { retried = true }
	resp, err := c.do(ctx, req)
	if err != nil {
		// An earlier attempt may have completed the upload before its answer
		// was lost: then the retry finds no upload (S3 says NoSuchUpload,
		// MinIO NoSuchKey or other codes, or the answers are lost again),
		// but the object is there. Whatever the retry's error, the object's
		// multipart ETag is the evidence.
		if retried && ctx.Err() == nil {
			if res := c.completedEarlier(ctx, bucket, key, sorted); res != nil {
				return res, nil
			}
		}
		return nil, err
	}
	var out struct {
		Location string `xml:"Location"`
		Bucket   string `xml:"Bucket"`
		Key      string `xml:"Key"`
		ETag     string `xml:"ETag"`
	}
	if err := decodeXMLResponse(req, resp, &out); err != nil {
		return nil, err
	}
	if out.ETag == "" {
		out.ETag = resp.Header.Get("ETag")
	}
	return &CompleteResult{Location: out.Location, Bucket: out.Bucket, Key: out.Key, ETag: out.ETag}, nil
}

// AbortMultipartUpload abandons the upload uploadID of bp; the server frees
// its parts.
func (c *Client) AbortMultipartUpload(ctx context.Context, bp, uploadID string) error {
	const fn = "AbortMultipartUpload"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return err
	}
	if uploadID == "" {
		return argError(fn, "empty upload id")
	}
	resp, err := c.do(ctx, &request{method: http.MethodDelete, bucket: bucket, key: key,
		query: url.Values{"uploadId": {uploadID}}})
	if err != nil {
		return err
	}
	drainClose(resp.Body)
	return nil
}
