package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Owner is the owner of an object or bucket.
type Owner struct {
	ID          string // canonical user id
	DisplayName string // may be empty
}

// Object is one object of a listing.
type Object struct {
	Key          string    // plain text
	LastModified time.Time // zero when the server sent none
	ETag         string    // as S3 sends it, with quotes
	Size         int64     // bytes
	StorageClass string    // e.g. "STANDARD"
	Owner        *Owner    // nil when the server did not send one
}

// Item is one listing entry: an object, or a common prefix when IsPrefix
// (listings with a delimiter), in which case only Prefix is set.
type Item struct {
	Object
	IsPrefix bool
	Prefix   string
}

// ListOptions tune LsProc. MaxEach is the page size, 1..1000 (0 means
// 1000); Delimiter (often "/") groups keys into common prefixes;
// StartAfter, if set, starts the listing after that key (S3's start-after:
// a key, not a prefix, compared as bytes).
type ListOptions struct {
	MaxEach    int
	Delimiter  string
	StartAfter string
}

// listBucketResult is one ListObjectsV2 page.
type listBucketResult struct {
	IsTruncated           bool   `xml:"IsTruncated"`
	NextContinuationToken string `xml:"NextContinuationToken"`
	EncodingType          string `xml:"EncodingType"`
	Contents              []struct {
		Key          string `xml:"Key"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		StorageClass string `xml:"StorageClass"`
		Owner        *struct {
			ID          string `xml:"ID"`
			DisplayName string `xml:"DisplayName"`
		} `xml:"Owner"`
	} `xml:"Contents"`
	CommonPrefixes []struct {
		Prefix string `xml:"Prefix"`
	} `xml:"CommonPrefixes"`
}

// LsProc lists the keys that start with bp's path (ListObjectsV2, page by
// page) and folds them into fn: for each page, fn gets the page's objects,
// then, if any, its common prefixes (with opt.Delimiter), as the reference.
// fn is never called with an empty slice, and is called on the calling
// goroutine, one page at a time; only one page is held in memory. fn
// returns stop=true to end the listing early. An error from fn ends the
// listing and is returned unchanged.
//
// Keys are plain text: the engine asks for URL-encoded keys
// (encoding-type=url) so that keys with characters XML cannot carry
// survive, and decodes them.
func (c *Client) LsProc(ctx context.Context, bp string, opt ListOptions, fn func(items []Item) (stop bool, err error)) error {
	bucket, prefix, err := SplitBucketPath(bp)
	if err != nil {
		return err
	}
	if fn == nil {
		return argError("LsProc", "nil callback")
	}
	l := c.newLister("LsProc", bucket, prefix, opt)
	for {
		items, err := l.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		stop, err := fn(items)
		if err != nil {
			return err
		}
		if stop {
			return nil
		}
	}
}

// lastName is the greatest name of a page: the later of its last key and
// its last common prefix.
func lastName(objects, prefixes []Item) string {
	var last string
	if n := len(objects); n > 0 {
		last = objects[n-1].Key
	}
	if n := len(prefixes); n > 0 && prefixes[n-1].Prefix > last {
		last = prefixes[n-1].Prefix
	}
	return last
}

// items converts a page, decoding URL-encoded names.
func (p *listBucketResult) items(r *request) (objects, prefixes []Item, err error) {
	decode := func(s string) (string, error) {
		if p.EncodingType != "url" {
			return s, nil
		}
		d, err := url.QueryUnescape(s)
		if err != nil {
			return "", &RequestError{Method: r.method, Bucket: r.bucket, Key: r.key,
				Err: errors.New("listing: the server sent a badly URL-encoded name")}
		}
		return d, nil
	}
	objects = make([]Item, 0, len(p.Contents))
	for _, o := range p.Contents {
		key, err := decode(o.Key)
		if err != nil {
			return nil, nil, err
		}
		it := Item{Object: Object{Key: key, ETag: o.ETag, Size: o.Size, StorageClass: o.StorageClass}}
		if o.LastModified != "" {
			it.LastModified, _ = time.Parse(time.RFC3339Nano, o.LastModified)
		}
		if o.Owner != nil {
			it.Owner = &Owner{ID: o.Owner.ID, DisplayName: o.Owner.DisplayName}
		}
		objects = append(objects, it)
	}
	for _, cp := range p.CommonPrefixes {
		pre, err := decode(cp.Prefix)
		if err != nil {
			return nil, nil, err
		}
		prefixes = append(prefixes, Item{IsPrefix: true, Prefix: pre})
	}
	return objects, prefixes, nil
}

// Ls returns every key that starts with bp's path ("bucket/" for all), in
// listing order. It holds the whole listing in memory, as its contract
// says; use LsProc to stream.
func (c *Client) Ls(ctx context.Context, bp string) ([]string, error) {
	var keys []string
	err := c.LsProc(ctx, bp, ListOptions{}, func(items []Item) (bool, error) {
		for _, it := range items {
			keys = append(keys, it.Key)
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// ObjectDetails is what LlStar and Ll report per object: the listing entry,
// the HEAD response headers and the ACL (nil when the server has no object
// ACLs).
type ObjectDetails struct {
	Object Object      // the listing entry
	Header http.Header // the HEAD response headers
	ACL    *ACL        // nil when the server has no object ACLs
}

// LlStar lists bp like Ls and, for each object, fetches its HEAD headers
// and its ACL, with Config.Workers requests in flight at a time. Results are
// in listing order. Memory holds the results plus one page. A server that
// does not implement object ACLs (NotImplemented, or an answer that is not
// an ACL) gives ACL nil rather than an error; any other failure, including
// an object deleted while listing, ends the call with that error.
func (c *Client) LlStar(ctx context.Context, bp string) ([]ObjectDetails, error) {
	bucket, _, err := SplitBucketPath(bp)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []ObjectDetails
	err = c.LsProc(ctx, bp, ListOptions{}, func(items []Item) (bool, error) {
		details, err := c.details(ctx, bucket, items)
		out = append(out, details...)
		return false, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Ll returns the same data as LlStar; the Lua binding shows the key instead
// of the whole listing entry, as the reference's ll.
func (c *Client) Ll(ctx context.Context, bp string) ([]ObjectDetails, error) {
	return c.LlStar(ctx, bp)
}

// details fetches HEAD and ACL for one page with bounded concurrency.
func (c *Client) details(ctx context.Context, bucket string, items []Item) ([]ObjectDetails, error) {
	out := make([]ObjectDetails, len(items))
	workers := min(c.cfg.Workers, len(items))
	jobs := make(chan int)
	errs := make([]error, len(items))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				bp := bucket + "/" + items[i].Key
				h, err := c.Head(ctx, bp, nil)
				if err == nil {
					var acl *ACL
					acl, err = c.GetACL(ctx, bp, nil)
					if err != nil && aclUnsupported(err) {
						acl, err = nil, nil
					}
					out[i] = ObjectDetails{Object: items[i].Object, Header: h, ACL: acl}
				}
				if err != nil {
					errs[i] = err
					cancel()
				}
			}
		}()
	}
feed:
	for i := range items {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	// The first failure in listing order, not a cancellation it caused.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
