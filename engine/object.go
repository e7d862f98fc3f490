package engine

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Head returns the headers of bp's object (HEAD), e.g. Content-Length,
// Content-Type, ETag, Last-Modified and X-Amz-Meta-*. h adds request
// headers such as If-Match or Range. "bucket/" heads the bucket. A missing
// object is a *ResponseError with Code "NoSuchKey" (HEAD answers carry no
// body, so the code comes from the status).
func (c *Client) Head(ctx context.Context, bp string, h http.Header) (http.Header, error) {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, &request{method: http.MethodHead, bucket: bucket, key: key, header: h})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp.Header, nil
}

// Delete deletes bp's object and returns the response headers. S3 answers
// 204 whether or not the key existed.
func (c *Client) Delete(ctx context.Context, bp string) (http.Header, error) {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, argError("Delete", "%q names a bucket, not an object (use DeleteBucket)", bp)
	}
	resp, err := c.do(ctx, &request{method: http.MethodDelete, bucket: bucket, key: key})
	if err != nil {
		return nil, err
	}
	drainClose(resp.Body)
	return resp.Header, nil
}

// DeleteVersion deletes one version of bp's object (versionID "" is
// Delete) and returns the response headers (x-amz-delete-marker and
// x-amz-version-id tell what was deleted).
func (c *Client) DeleteVersion(ctx context.Context, bp, versionID string) (http.Header, error) {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, argError("DeleteVersion", "%q names a bucket, not an object (use DeleteBucket)", bp)
	}
	r := &request{method: http.MethodDelete, bucket: bucket, key: key}
	if versionID != "" {
		r.query = url.Values{"versionId": {versionID}}
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	drainClose(resp.Body)
	return resp.Header, nil
}

type deleteRequest struct {
	XMLName xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Delete"`
	Quiet   bool           `xml:"Quiet"`
	Objects []deleteObject `xml:"Object"`
}

type deleteObject struct {
	Key string `xml:"Key"`
}

type deleteResult struct {
	Deleted []struct {
		Key string `xml:"Key"`
	} `xml:"Deleted"`
	Errors []struct {
		Key     string `xml:"Key"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
}

// DeleteMultiple deletes up to 1000 keys of bucket in one request and
// returns the keys deleted. Keys S3 could not delete are reported in a
// *DeleteError with S3's code for each, beside the deleted list; they are
// not retried (a whole-request failure such as a 503 is retried as usual).
// More than 1000 keys is an error before any request; no keys makes no
// request. bucket may be written "bucket" or "bucket/".
func (c *Client) DeleteMultiple(ctx context.Context, bucket string, keys []string) (deleted []string, err error) {
	return c.deleteMultiple(ctx, bucket, keys, false)
}

// deleteMultiple is DeleteMultiple; quiet asks the server to report only the
// failures (S3's Quiet mode), which saves it listing every deleted key: the
// batch needs no deleted list, only the failures.
func (c *Client) deleteMultiple(ctx context.Context, bucket string, keys []string, quiet bool) (deleted []string, err error) {
	bucket = strings.TrimSuffix(bucket, "/")
	if err := checkBucketArg("DeleteMultiple", bucket); err != nil {
		return nil, err
	}
	if len(keys) > MaxDeleteKeys {
		return nil, argError("DeleteMultiple", "cannot delete more than %d keys at a time (got %d)", MaxDeleteKeys, len(keys))
	}
	if len(keys) == 0 {
		return nil, nil
	}
	doc := deleteRequest{Quiet: quiet, Objects: make([]deleteObject, len(keys))}
	for i, k := range keys {
		if k == "" {
			return nil, argError("DeleteMultiple", "key #%d is empty", i+1)
		}
		if !xmlSafe(k) {
			// encoding/xml would write U+FFFD and delete another key.
			return nil, argError("DeleteMultiple", "key #%d %q has characters XML cannot carry; delete it with Delete", i+1, k)
		}
		doc.Objects[i].Key = k
	}
	body, err := xmlBody(doc)
	if err != nil {
		return nil, fmt.Errorf("engine.DeleteMultiple: %w", err)
	}
	r := &request{method: http.MethodPost, bucket: bucket, query: url.Values{"delete": {""}}, body: body,
		header: http.Header{"Content-Md5": {contentMD5(body)}, "Content-Type": {"application/xml"}}}
	var res deleteResult
	if _, err := c.doXML(ctx, r, &res); err != nil {
		return nil, err
	}
	for _, d := range res.Deleted {
		deleted = append(deleted, d.Key)
	}
	if len(res.Errors) > 0 {
		de := &DeleteError{}
		for _, e := range res.Errors {
			de.Errors = append(de.Errors, KeyError{Key: e.Key, Code: e.Code, Message: e.Message})
		}
		return deleted, de
	}
	return deleted, nil
}

// xmlSafe reports whether s is valid UTF-8 made only of characters XML 1.0
// allows.
func xmlSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// copyError names the source in a copy's "not found" error: a NoSuchKey
// can only be the source's (a copy creates the destination), so the
// error's Bucket and Key become the source's; a NoSuchBucket may be either
// bucket, so its message names both ends.
func copyError(err error, srcBucket, srcKey, bucket, key string) error {
	re, ok := errors.AsType[*ResponseError](err)
	if !ok {
		return err
	}
	switch {
	case re.Code == "NoSuchKey":
		re.Bucket, re.Key = srcBucket, srcKey
		re.Message = strings.TrimSpace(re.Message + " (the copy source " + srcBucket + "/" + srcKey + ")")
	case re.Code == "NoSuchBucket" || (re.StatusCode == http.StatusNotFound && re.Code != "NoSuchUpload"):
		re.Message = strings.TrimSpace(re.Message + " (copying " + srcBucket + "/" + srcKey + " to " + bucket + "/" + key + ")")
	}
	return err
}
