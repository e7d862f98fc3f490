package engine

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type versioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
	Status  string   `xml:"Status,omitempty"`
}

// BucketVersioning returns the versioning state of bucket: "Enabled",
// "Suspended", or "" for a bucket whose versioning was never enabled.
func (c *Client) BucketVersioning(ctx context.Context, bucket string) (string, error) {
	bucket = strings.TrimSuffix(bucket, "/")
	if err := checkBucketArg("BucketVersioning", bucket); err != nil {
		return "", err
	}
	var v struct {
		Status string `xml:"Status"`
	}
	r := &request{method: http.MethodGet, bucket: bucket, query: url.Values{"versioning": {""}}}
	if _, err := c.doXML(ctx, r, &v); err != nil {
		return "", err
	}
	return v.Status, nil
}

// PutBucketVersioning sets the versioning state of bucket: "Enabled" or
// "Suspended" (a bucket cannot go back to never-versioned).
func (c *Client) PutBucketVersioning(ctx context.Context, bucket, status string) error {
	bucket = strings.TrimSuffix(bucket, "/")
	if err := checkBucketArg("PutBucketVersioning", bucket); err != nil {
		return err
	}
	if status != "Enabled" && status != "Suspended" {
		return argError("PutBucketVersioning", "status %q: want \"Enabled\" or \"Suspended\"", status)
	}
	body, err := xmlBody(versioningConfiguration{Status: status})
	if err != nil {
		return fmt.Errorf("engine.PutBucketVersioning: %w", err)
	}
	r := &request{method: http.MethodPut, bucket: bucket, query: url.Values{"versioning": {""}}, body: body,
		header: http.Header{"Content-Md5": {contentMD5(body)}, "Content-Type": {"application/xml"}}}
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	drainClose(resp.Body)
	return nil
}

// Version is one entry of a versions listing: an object version, or a
// delete marker (DeleteMarker true; Size and ETag are then empty).
type Version struct {
	Key          string
	VersionID    string // "null" for a version written while versioning was off
	IsLatest     bool
	DeleteMarker bool
	Size         int64
	LastModified time.Time
	ETag         string // with its quotes, as S3 sends it
	StorageClass string
}

// VersionListOptions tune NewVersionLister: MaxEach is the page size,
// 1..MaxKeysPerPage (0 means MaxKeysPerPage).
type VersionListOptions struct {
	MaxEach int
}

// VersionLister pulls a ListObjectVersions listing one page at a time, in
// listing order (by key, then newest version first), versions and delete
// markers merged as S3 orders them. Only one page is in memory. It is not
// safe for concurrent use. Like Lister, it holds no context: each Next
// takes the one its request runs under.
type VersionLister struct {
	c                    *Client
	bucket, prefix       string
	maxEach              int
	keyMarker, verMarker string
	done                 bool
	err                  error
}

// NewVersionLister returns a lister of the versions of the keys that start
// with bp's path. Errors in bp or opt come from the first Next.
func (c *Client) NewVersionLister(bp string, opt VersionListOptions) *VersionLister {
	l := &VersionLister{c: c, maxEach: opt.MaxEach}
	bucket, prefix, err := SplitBucketPath(bp)
	if err != nil {
		l.err = err
		return l
	}
	l.bucket, l.prefix = bucket, prefix
	if l.maxEach == 0 {
		l.maxEach = MaxKeysPerPage
	}
	if l.maxEach < 1 || l.maxEach > MaxKeysPerPage {
		l.err = argError("NewVersionLister", "MaxEach %d: want 1..%d (0 means %d)", opt.MaxEach, MaxKeysPerPage, MaxKeysPerPage)
	}
	return l
}

// versionEntry is a <Version> or <DeleteMarker> element.
type versionEntry struct {
	XMLName      xml.Name
	Key          string `xml:"Key"`
	VersionID    string `xml:"VersionId"`
	IsLatest     bool   `xml:"IsLatest"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type listVersionsResult struct {
	IsTruncated         bool           `xml:"IsTruncated"`
	NextKeyMarker       string         `xml:"NextKeyMarker"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker"`
	EncodingType        string         `xml:"EncodingType"`
	Entries             []versionEntry `xml:",any"`
}

// Next returns the next non-empty page of versions, io.EOF after the last;
// its request runs under ctx.
func (l *VersionLister) Next(ctx context.Context) ([]Version, error) {
	for {
		if l.err != nil {
			return nil, l.err
		}
		if l.done {
			return nil, io.EOF
		}
		page, err := l.fetch(ctx)
		if err != nil {
			l.err = err
			return nil, err
		}
		if len(page) > 0 {
			return page, nil
		}
	}
}

func (l *VersionLister) fetch(ctx context.Context) ([]Version, error) {
	q := url.Values{"versions": {""}, "max-keys": {strconv.Itoa(l.maxEach)}, "encoding-type": {"url"}}
	if l.prefix != "" {
		q.Set("prefix", l.prefix)
	}
	if l.keyMarker != "" {
		q.Set("key-marker", l.keyMarker)
		if l.verMarker != "" {
			q.Set("version-id-marker", l.verMarker)
		}
	}
	r := &request{method: http.MethodGet, bucket: l.bucket, query: q}
	var res listVersionsResult
	if _, err := l.c.doXML(ctx, r, &res); err != nil {
		return nil, err
	}
	out := make([]Version, 0, len(res.Entries))
	for _, e := range res.Entries {
		if e.XMLName.Local != "Version" && e.XMLName.Local != "DeleteMarker" {
			continue
		}
		key := e.Key
		if res.EncodingType == "url" {
			d, err := url.QueryUnescape(key)
			if err != nil {
				return nil, &RequestError{Method: r.method, Bucket: r.bucket,
					Err: errors.New("versions listing: the server sent a badly URL-encoded key")}
			}
			key = d
		}
		v := Version{Key: key, VersionID: e.VersionID, IsLatest: e.IsLatest,
			DeleteMarker: e.XMLName.Local == "DeleteMarker", Size: e.Size, ETag: e.ETag, StorageClass: e.StorageClass}
		if e.LastModified != "" {
			v.LastModified, _ = time.Parse(time.RFC3339Nano, e.LastModified)
		}
		out = append(out, v)
	}
	if !res.IsTruncated {
		l.done = true
		return out, nil
	}
	next, nextVer := res.NextKeyMarker, res.NextVersionIDMarker
	if res.EncodingType == "url" {
		if d, err := url.QueryUnescape(next); err == nil {
			next = d
		}
	}
	if next == "" && len(out) > 0 {
		// Some servers (the embedded store) truncate without markers: go
		// on after the last entry sent.
		next, nextVer = out[len(out)-1].Key, out[len(out)-1].VersionID
	}
	if next == "" {
		return nil, &RequestError{Method: r.method, Bucket: l.bucket, Key: l.prefix,
			Err: errors.New("versions listing is truncated but the server sent no way to continue")}
	}
	if next == l.keyMarker && nextVer == l.verMarker {
		return nil, &RequestError{Method: r.method, Bucket: l.bucket, Key: l.prefix,
			Err: errors.New("versions listing: the server sent the same markers twice")}
	}
	l.keyMarker, l.verMarker = next, nextVer
	return out, nil
}
