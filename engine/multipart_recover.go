package engine

// Recovering from connections that break after the server acted on a
// multipart request (docs/engine.md, "Lost answers"):
//
//   - CompleteMultipartUpload: the server completed the upload but the
//     answer was lost; the retry finds no upload (404 NoSuchUpload on S3,
//     NoSuchKey on MinIO, or its answer is lost too). completedEarlier
//     recognises the object by its multipart ETag, whatever the error.
//   - PutObject (PutBytes, PutFile): the server stored the object but the
//     answer was lost, and the retries fail; doPut recognises the object by
//     its ETag, the MD5 of the bytes sent.
//   - CopyObject: the server copied but the answer was lost, and the retries
//     fail; doCopy recognises the copy by the source's ETag and length.
//   - InitiateMultipartUpload: the server created an upload but the answer
//     was lost; the retry creates another, and the first is orphaned (its
//     parts cost storage until a lifecycle rule removes them). abortOrphans
//     finds it by key and initiation time and aborts it.

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// completedEarlier reports whether bucket/key now holds the object that
// completing an upload of parts (sorted by part number) would have made,
// and if so returns its CompleteResult, built from a HEAD of the key.
//
// The evidence is the object's ETag: S3, MinIO and versitygw give a
// multipart object the ETag hex(MD5(MD5(part 1) || ... || MD5(part N)))-N,
// the MD5s taken from the parts' ETags. An object written by anyone else
// (a plain PUT, another multipart upload) has another ETag, so a match
// means the upload we were completing is the object there now. When the
// parts' ETags are not hex MD5s (SSE-C or SSE-KMS on AWS), only the "-N"
// suffix can be compared. A server whose multipart objects carry another
// kind of ETag (the embedded store's is the MD5 of the whole content) never
// matches: the retry's error stands, as before this check.
func (c *Client) completedEarlier(ctx context.Context, bucket, key string, parts []Part) *CompleteResult {
	resp, err := c.cleanup().do(ctx, &request{method: http.MethodHead, bucket: bucket, key: key})
	if err != nil {
		return nil
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if !multipartETagMatches(etag, parts) {
		return nil
	}
	return &CompleteResult{Location: c.endpoint(bucket, key, false).String(), Bucket: bucket, Key: key, ETag: etag}
}

// multipartETag is the ETag S3 gives the object assembled from parts (sorted
// by part number): hex(MD5 of the concatenated binary MD5s) + "-" + count,
// without quotes. ok is false when a part's ETag is not a hex MD5.
func multipartETag(parts []Part) (etag string, ok bool) {
	h := md5.New()
	for _, p := range parts {
		sum, err := hex.DecodeString(strings.Trim(strings.TrimSpace(p.ETag), `"`))
		if err != nil || len(sum) != md5.Size {
			return "", false
		}
		h.Write(sum)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), true
}

// multipartETagMatches reports whether etag (quoted or not) is the
// multipart ETag of parts; see completedEarlier.
func multipartETagMatches(etag string, parts []Part) bool {
	got := strings.ToLower(strings.Trim(strings.TrimSpace(etag), `"`))
	if !strings.HasSuffix(got, "-"+strconv.Itoa(len(parts))) {
		return false
	}
	if want, ok := multipartETag(parts); ok {
		return got == want
	}
	return true
}

// orphanSlack widens the window in which an upload counts as initiated by
// this call: server timestamps may be truncated to the second, and the
// skew measured from the Date header is up to a second off.
const orphanSlack = 10 * time.Second

// abortOrphans aborts the uploads of bucket/key that the broken attempts of
// one InitiateMultipartUpload call (started at start, broken of them) may
// have created. ours is the upload id the call returned ("" when it failed);
// h holds the final answer's headers (nil on failure), whose Date gives the
// server's clock.
//
// S3 offers no way to tag an upload so that a lost one can be recognised
// (its metadata is not listed, initiation has no idempotency token), so the
// rule is by key and time, kept narrow because aborting someone else's
// upload would break their transfer:
//
//   - one ListMultipartUploads page with prefix = key (cheap); if it is
//     truncated, nothing is done;
//   - candidates are uploads of exactly key, not ours, initiated no earlier
//     than start (on the server's clock, skew measured from Date) minus
//     orphanSlack; an upload without an Initiated time is never one;
//   - if there are more candidates than broken attempts, some belong to
//     another client uploading the same key right now: nothing is aborted.
//
// Everything here is best effort: a failure leaves the orphan, as before
// this cleanup, and never fails the initiate.
func (c *Client) abortOrphans(ctx context.Context, bucket, key, ours string, start time.Time, h http.Header, broken int) {
	since := start.Add(-orphanSlack)
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		since = since.Add(d.Sub(time.Now()))
	}
	c = c.cleanup()
	page, err := c.listUploadsPage(ctx, bucket, key, pageSize, "", "")
	if err != nil || page.truncated {
		return
	}
	var orphans []string
	for _, u := range page.uploads {
		if u.Key == key && u.UploadID != ours && !u.Initiated.IsZero() && !u.Initiated.Before(since) {
			orphans = append(orphans, u.UploadID)
		}
	}
	if len(orphans) > broken {
		return
	}
	for _, id := range orphans {
		if resp, err := c.do(ctx, &request{method: http.MethodDelete, bucket: bucket, key: key,
			query: url.Values{"uploadId": {id}}}); err == nil {
			drainClose(resp.Body)
		}
	}
}

// doPut sends a single-request upload r (which carries Content-MD5) like
// do, and recognises a lost answer: when an attempt broke after its body
// may have reached the server (a *RequestError: reset, lost answer) and
// the call then fails, the key is HEADed, and an ETag equal to the MD5 of
// the bytes sent means the object holds them: the upload succeeded and only
// its answer was lost, so the HEAD's headers are returned as the answer.
// An ETag that is not that MD5 (another writer, SSE-KMS or SSE-C, where
// the ETag is not the content's MD5) leaves the error as it was.
func (c *Client) doPut(ctx context.Context, r *request) (*http.Response, error) {
	broken := false
	retrying := r.retrying
	r.retrying = func(err error) {
		if _, ok := errors.AsType[*RequestError](err); ok {
			broken = true
		}
		if retrying != nil {
			retrying(err)
		}
	}
	defer func() { r.retrying = retrying }()
	resp, err := c.do(ctx, r)
	if err == nil {
		return resp, nil
	}
	if _, ok := errors.AsType[*RequestError](err); ok {
		broken = true
	}
	sum, derr := base64.StdEncoding.DecodeString(r.header.Get("Content-MD5"))
	if !broken || ctx.Err() != nil || derr != nil || len(sum) != md5.Size {
		return nil, err
	}
	head, herr := c.cleanup().do(ctx, &request{method: http.MethodHead, bucket: r.bucket, key: r.key})
	if herr != nil {
		return nil, err
	}
	head.Body.Close()
	if strings.ToLower(strings.Trim(strings.TrimSpace(head.Header.Get("ETag")), `"`)) != hex.EncodeToString(sum) {
		return nil, err
	}
	head.Body = http.NoBody
	head.ContentLength = 0
	return head, nil
}

// cleanup is c with at least DefaultMaxTries attempts per request, for the
// requests that check whether a lost answer hid a success and those that
// clean up after a failure (aborting an upload): giving up there, even when
// MaxTries is lower, would report a failure for work that was done or leave
// an orphaned upload behind.
func (c *Client) cleanup() *Client {
	if c.cfg.MaxTries >= DefaultMaxTries {
		return c
	}
	cc := *c
	cc.cfg.MaxTries = DefaultMaxTries
	return &cc
}

// doCopy sends a CopyObject request r like do, and recognises a lost
// answer as doPut does: when an attempt broke after the server may have
// copied and the call then fails, the destination is HEADed; the ETag and
// length of the source (src, its HEAD before the copy), and for a REPLACE
// copy the Content-Type and X-Amz-Meta-* headers asked for, mean the
// destination holds the copy, and its headers are returned as the answer.
// Anything else leaves the error as it was.
func (c *Client) doCopy(ctx context.Context, r *request, src http.Header) (*http.Response, error) {
	broken := false
	r.retrying = func(err error) {
		if _, ok := errors.AsType[*RequestError](err); ok {
			broken = true
		}
	}
	defer func() { r.retrying = nil }()
	resp, err := c.do(ctx, r)
	if err == nil {
		return resp, nil
	}
	if _, ok := errors.AsType[*RequestError](err); ok {
		broken = true
	}
	if !broken || ctx.Err() != nil {
		return nil, err
	}
	cc := c.cleanup()
	dst, derr := cc.do(ctx, &request{method: http.MethodHead, bucket: r.bucket, key: r.key})
	if derr != nil {
		return nil, err
	}
	dst.Body.Close()
	same := src.Get("ETag") != "" && src.Get("ETag") == dst.Header.Get("ETag") &&
		src.Get("Content-Length") == dst.Header.Get("Content-Length")
	if strings.EqualFold(r.header.Get("X-Amz-Metadata-Directive"), "REPLACE") {
		for name, values := range r.header {
			if (strings.HasPrefix(name, "X-Amz-Meta-") || name == "Content-Type") && dst.Header.Get(name) != values[0] {
				same = false
			}
		}
	}
	if !same {
		return nil, err
	}
	dst.Body = http.NoBody
	dst.ContentLength = 0
	return dst, nil
}
