package engine

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// ValidBucketName reports whether name is a valid bucket name.
//
// With dnsCompliant (the usual choice) it applies AWS's current rules for
// general purpose buckets: 3 to 63 characters of ASCII lower-case letters,
// digits, '.' and '-'; beginning and ending with a letter or digit; no
// ".."; not an IP address; not starting with "xn--" or "sthree-"; not
// ending with "-s3alias", "--ol-s3", ".mrap" or "--x-s3". Such names work
// with virtual-host addressing.
//
// Without it, the legacy US-Standard rule: 1 to 255 characters of ASCII
// letters, digits, '.', '-' and '_'. Those names need path-style requests,
// which the client then uses automatically.
//
// Unlike the reference, only ASCII is accepted (AWS never allowed more), and
// only a name that is entirely an IP address is refused, not one that merely
// contains a dotted quad such as "my.1.2.3.4.bucket".
func ValidBucketName(name string, dnsCompliant bool) bool {
	if !dnsCompliant {
		if len(name) < 1 || len(name) > 255 {
			return false
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !isLowerAlnum(c) && !('A' <= c && c <= 'Z') && c != '.' && c != '-' && c != '_' {
				return false
			}
		}
		return true
	}
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isLowerAlnum(c) && c != '.' && c != '-' {
			return false
		}
	}
	if !isLowerAlnum(name[0]) || !isLowerAlnum(name[len(name)-1]) || strings.Contains(name, "..") {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil || looksLikeIPv4(name) {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// looksLikeIPv4 catches dotted quads netip refuses, such as "1.1.1.01" or
// "999.1.1.1": four all-digit labels of one to three digits.
func looksLikeIPv4(name string) bool {
	labels := strings.Split(name, ".")
	if len(labels) != 4 {
		return false
	}
	for _, l := range labels {
		if len(l) < 1 || len(l) > 3 || strings.Trim(l, "0123456789") != "" {
			return false
		}
	}
	return true
}

// createBucketConfiguration is the body of CreateBucket with a location.
type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

// CreateBucket creates bucket. location "" (or "us-east-1", which AWS
// refuses as a constraint) creates it in the region of the endpoint;
// anything else is sent as the LocationConstraint. Creating a bucket you
// already own succeeds (BucketAlreadyOwnedByYou is not an error), as the
// reference documents.
func (c *Client) CreateBucket(ctx context.Context, bucket, location string) error {
	if err := checkBucketArg("CreateBucket", bucket); err != nil {
		return err
	}
	r := &request{method: http.MethodPut, bucket: bucket, expectContinue: true}
	if location != "" && location != "us-east-1" {
		body, err := xmlBody(createBucketConfiguration{LocationConstraint: location})
		if err != nil {
			return fmt.Errorf("engine.CreateBucket: %w", err)
		}
		r.body = body
		r.header = http.Header{"Content-Type": {"application/xml"}, "Content-Md5": {contentMD5(body)}}
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		var re *ResponseError
		if errors.As(err, &re) && re.Code == "BucketAlreadyOwnedByYou" {
			return nil
		}
		return err
	}
	drainClose(resp.Body)
	return nil
}

// DeleteBucket deletes bucket, which must be empty. Deleting a bucket that
// does not exist succeeds (NoSuchBucket is not an error), as the reference
// documents.
func (c *Client) DeleteBucket(ctx context.Context, bucket string) error {
	if err := checkBucketArg("DeleteBucket", bucket); err != nil {
		return err
	}
	resp, err := c.do(ctx, &request{method: http.MethodDelete, bucket: bucket})
	if err != nil {
		var re *ResponseError
		if errors.As(err, &re) && re.Code == "NoSuchBucket" {
			return nil
		}
		return err
	}
	drainClose(resp.Body)
	return nil
}

type listAllMyBucketsResult struct {
	Buckets []struct {
		Name string `xml:"Name"`
	} `xml:"Buckets>Bucket"`
	ContinuationToken string `xml:"ContinuationToken"`
}

// ListBuckets returns the names of the buckets the credentials own, in the
// server's order (by name on S3).
func (c *Client) ListBuckets(ctx context.Context) ([]string, error) {
	var names []string
	token := ""
	for {
		r := &request{method: http.MethodGet}
		if token != "" {
			r.query = url.Values{"continuation-token": {token}}
		}
		var res listAllMyBucketsResult
		if _, err := c.doXML(ctx, r, &res); err != nil {
			return nil, err
		}
		for _, b := range res.Buckets {
			names = append(names, b.Name)
		}
		if res.ContinuationToken == "" || res.ContinuationToken == token {
			return names, nil
		}
		token = res.ContinuationToken
	}
}

// BucketLocation returns the region of bucket (GET ?location, always path
// style, as the reference). An empty LocationConstraint, which S3 sends for
// us-east-1, gives def; the legacy "EU" gives "eu-west-1".
func (c *Client) BucketLocation(ctx context.Context, bucket, def string) (string, error) {
	if err := checkBucketArg("BucketLocation", bucket); err != nil {
		return "", err
	}
	r := &request{method: http.MethodGet, bucket: bucket, query: url.Values{"location": {""}}, pathStyle: true}
	var loc struct {
		Value string `xml:",chardata"`
	}
	if _, err := c.doXML(ctx, r, &loc); err != nil {
		return "", err
	}
	switch v := strings.TrimSpace(loc.Value); v {
	case "":
		return def, nil
	case "EU":
		return "eu-west-1", nil
	default:
		return v, nil
	}
}

// checkBucketArg refuses an empty bucket or one containing '/'.
func checkBucketArg(fn, bucket string) error {
	if bucket == "" {
		return argError(fn, "empty bucket name")
	}
	if strings.Contains(bucket, "/") {
		return argError(fn, "bucket %q: a bucket name has no '/'", bucket)
	}
	return nil
}
