package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// s3c is the plain net/http S3 client of the harness: the "go" column (the
// limit for listing and many-request rows: the same requests with nothing
// around them) and the harness's own setup and checks. It speaks path-style
// SigV4 with the project's signer, nothing else.
type s3c struct {
	base   *url.URL // http://127.0.0.1:PORT
	bucket string
	creds  signature.Credentials
	region string
	hc     *http.Client
	signer signature.Signer
}

func newS3c(endpoint, bucket, access, secret, region string) (*s3c, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 128,
		DisableCompression:  true,
	}
	return &s3c{base: u, bucket: bucket, region: region,
		creds: signature.Credentials{AccessKeyID: access, SecretAccessKey: secret},
		hc:    &http.Client{Transport: tr}}, nil
}

// do sends one signed request. body may be nil; payloadHash "" means the
// SHA-256 of body when it is a *bytes.Reader, else UNSIGNED-PAYLOAD.
func (c *s3c) do(ctx context.Context, method, key string, q url.Values, body io.Reader, size int64, hdr http.Header) (*http.Response, error) {
	u := *c.base
	u.Path = "/" + c.bucket
	if key != "" {
		u.Path += "/" + key
	}
	if q != nil {
		u.RawQuery = signature.EncodeQuery(q)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	u2 := u
	req.URL = &u2
	for k, v := range hdr {
		req.Header[k] = v
	}
	hash := signature.UnsignedPayload
	if body == nil {
		hash = ""
	} else {
		req.ContentLength = size
	}
	if b, ok := body.(*bytes.Reader); ok {
		data := make([]byte, b.Len())
		b.ReadAt(data, 0)
		hash = sha256hex(data)
	}
	if _, err := c.signer.SignHTTP(c.creds, req, signature.Options{Region: c.region, Time: time.Now(), PayloadHash: hash}); err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %s: %s", method, u.Path, resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp, nil
}

func (c *s3c) call(ctx context.Context, method, key string, q url.Values, body []byte, hdr http.Header) ([]byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	resp, err := c.do(ctx, method, key, q, r, int64(len(body)), hdr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

type listPage struct {
	KeyCount              int
	IsTruncated           bool
	NextContinuationToken string
	Contents              []struct {
		Key          string
		Size         int64
		ETag         string
		LastModified string
		StorageClass string
	}
}

// list pages through prefix with ListObjectsV2 (1000 keys a page) and calls
// fn for every object.
func (c *s3c) list(ctx context.Context, prefix string, fn func(key string, size int64)) error {
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}, "max-keys": {"1000"}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		resp, err := c.do(ctx, http.MethodGet, "", q, nil, 0, nil)
		if err != nil {
			return err
		}
		var page listPage
		err = xml.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			fn(o.Key, o.Size)
		}
		if !page.IsTruncated {
			return nil
		}
		token = page.NextContinuationToken
	}
}

func (c *s3c) count(ctx context.Context, prefix string) (n int, bytes int64, err error) {
	err = c.list(ctx, prefix, func(_ string, size int64) { n++; bytes += size })
	return n, bytes, err
}

// deleteKeys removes keys with DeleteObjects, 1000 a request.
func (c *s3c) deleteKeys(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		var b strings.Builder
		b.WriteString("<Delete><Quiet>true</Quiet>")
		for _, k := range keys[:n] {
			b.WriteString("<Object><Key>")
			xml.EscapeText(&b, []byte(k))
			b.WriteString("</Key></Object>")
		}
		b.WriteString("</Delete>")
		body := []byte(b.String())
		sum := md5.Sum(body)
		out, err := c.call(ctx, http.MethodPost, "", url.Values{"delete": {""}}, body,
			http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}, "Content-Type": {"application/xml"}})
		if err != nil {
			return err
		}
		if bytes.Contains(out, []byte("<Error>")) {
			return fmt.Errorf("DeleteObjects: %s", out)
		}
		keys = keys[n:]
	}
	return nil
}

// deletePrefix removes every object under prefix.
func (c *s3c) deletePrefix(ctx context.Context, prefix string) error {
	var keys []string
	if err := c.list(ctx, prefix, func(k string, _ int64) { keys = append(keys, k) }); err != nil {
		return err
	}
	return c.deleteKeys(ctx, keys)
}

// parallel runs fn(i) for i in [0,n) on conc goroutines; the first error wins.
func parallel(n, conc int, fn func(i int) error) error {
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// putMany stores n objects name(i) with body(i), conc at a time.
func (c *s3c) putMany(ctx context.Context, n, conc int, name func(int) string, body func(int) []byte) error {
	return parallel(n, conc, func(i int) error {
		_, err := c.call(ctx, http.MethodPut, name(i), nil, body(i), nil)
		return err
	})
}

func keyName(prefix string, i int) string {
	return prefix + "k-" + leftPad(strconv.Itoa(i), 6)
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}
