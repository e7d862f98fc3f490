package engine

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
)

// Object and bucket tags (GetObjectTagging, PutObjectTagging,
// DeleteObjectTagging and their bucket twins).

type tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  struct {
		Tags []tagXML `xml:"Tag"`
	} `xml:"TagSet"`
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// taggingRequest addresses the tagging sub-resource of bp: an object, or
// the bucket itself for "bucket/". h may carry VersionIDHeader.
func taggingRequest(fn, method, bp string, h http.Header) (*request, error) {
	bucket, key, err := SplitBucketPath(bp)
	if err != nil {
		return nil, fmt.Errorf("engine.%s: %w", fn, err)
	}
	return &request{method: method, bucket: bucket, key: key, header: h.Clone(),
		query: url.Values{"tagging": {""}}}, nil
}

// GetTags returns the tags of bp's object, or of the bucket for "bucket/".
// An object without tags gives an empty map. A bucket without tags is S3's
// NoSuchTagSet error, returned as an empty map too.
func (c *Client) GetTags(ctx context.Context, bp string, h http.Header) (map[string]string, error) {
	r, err := taggingRequest("GetTags", http.MethodGet, bp, h)
	if err != nil {
		return nil, err
	}
	var t tagging
	if _, err := c.doXML(ctx, r, &t); err != nil {
		if re, ok := err.(*ResponseError); ok && re.Code == "NoSuchTagSet" {
			return map[string]string{}, nil
		}
		return nil, err
	}
	out := make(map[string]string, len(t.TagSet.Tags))
	for _, tag := range t.TagSet.Tags {
		out[tag.Key] = tag.Value
	}
	return out, nil
}

// PutTags replaces the tags of bp's object (or bucket, for "bucket/") with
// tags. S3 allows 10 tags per object, 50 per bucket; the server checks.
func (c *Client) PutTags(ctx context.Context, bp string, tags map[string]string, h http.Header) error {
	r, err := taggingRequest("PutTags", http.MethodPut, bp, h)
	if err != nil {
		return err
	}
	var t tagging
	for _, k := range sortedKeys(tags) {
		if !xmlSafe(k) || !xmlSafe(tags[k]) {
			return argError("PutTags", "tag %q has characters XML cannot carry", k)
		}
		t.TagSet.Tags = append(t.TagSet.Tags, tagXML{Key: k, Value: tags[k]})
	}
	body, err := xmlBody(t)
	if err != nil {
		return fmt.Errorf("engine.PutTags: %w", err)
	}
	if r.header == nil {
		r.header = http.Header{}
	}
	r.body = body
	r.header.Set("Content-Md5", contentMD5(body))
	r.header.Set("Content-Type", "application/xml")
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	drainClose(resp.Body)
	return nil
}

// DeleteTags removes every tag of bp's object (or bucket, for "bucket/").
func (c *Client) DeleteTags(ctx context.Context, bp string, h http.Header) error {
	r, err := taggingRequest("DeleteTags", http.MethodDelete, bp, h)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	drainClose(resp.Body)
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}
