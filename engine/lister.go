package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// Lister pulls a listing one page at a time: the pull-based twin of LsProc,
// for callers that cannot hand over a callback, such as a Lua generic-for
// iterator. Only the current page is held in memory. A Lister is not safe
// for concurrent use; an abandoned Lister holds no goroutine or connection.
// It holds no context either: each Next takes the one its page request
// runs under, so a listing may be continued under a later context (a REPL
// line after the one that started it).
type Lister struct {
	c          *Client
	bucket     string
	prefix     string
	opt        ListOptions
	token      string
	startAfter string
	pending    []Item // common prefixes of the page whose objects were just returned
	lastPrefix string // the last common prefix returned, never returned twice
	done       bool
	err        error
}

// NewLister returns a Lister over the keys that start with bp's path. Errors
// in bp or opt are reported by the first call to Next.
func (c *Client) NewLister(bp string, opt ListOptions) *Lister {
	bucket, prefix, err := SplitBucketPath(bp)
	if err != nil {
		return &Lister{c: c, err: err}
	}
	return c.newLister("NewLister", bucket, prefix, opt)
}

// newLister checks opt for fn (the caller's name, for argument errors) and
// returns a Lister; a bad option is reported by the first call to Next.
// LsProc is a loop over such a Lister, so both share one page walk.
func (c *Client) newLister(fn, bucket, prefix string, opt ListOptions) *Lister {
	l := &Lister{c: c, bucket: bucket, prefix: prefix, opt: opt, startAfter: opt.StartAfter}
	if l.opt.MaxEach == 0 {
		l.opt.MaxEach = MaxKeysPerPage
	}
	if l.opt.MaxEach < 1 || l.opt.MaxEach > MaxKeysPerPage {
		l.err = argError(fn, "MaxEach %d: want 1..%d (0 means %d)", opt.MaxEach, MaxKeysPerPage, MaxKeysPerPage)
	}
	return l
}

// Next returns the next non-empty batch of items, in the order LsProc hands
// them to its callback: a page's objects, then its common prefixes. It
// returns io.EOF after the last batch; any other error ends the listing and
// is returned again by later calls. The page request, if one is needed,
// runs under ctx.
func (l *Lister) Next(ctx context.Context) ([]Item, error) {
	for {
		if l.err != nil {
			return nil, l.err
		}
		if len(l.pending) > 0 {
			items := l.pending
			l.pending = nil
			return items, nil
		}
		if l.done {
			return nil, io.EOF
		}
		objects, prefixes, err := l.fetch(ctx)
		if err != nil {
			l.err = err
			return nil, err
		}
		l.pending = prefixes
		if len(objects) > 0 {
			return objects, nil
		}
	}
}

// fetch reads one ListObjectsV2 page and advances the continuation state.
func (l *Lister) fetch(ctx context.Context) (objects, prefixes []Item, err error) {
	q := url.Values{
		"list-type":     {"2"},
		"max-keys":      {strconv.Itoa(l.opt.MaxEach)},
		"encoding-type": {"url"},
		"prefix":        {l.prefix},
		"fetch-owner":   {"true"}, // the reference's ListObjects (v1) always sent Owner
	}
	if l.opt.Delimiter != "" {
		q.Set("delimiter", l.opt.Delimiter)
	}
	if l.token != "" {
		q.Set("continuation-token", l.token)
	} else if l.startAfter != "" {
		q.Set("start-after", l.startAfter)
	}
	r := &request{method: http.MethodGet, bucket: l.bucket, query: q}
	var page listBucketResult
	if _, err := l.c.doXML(ctx, r, &page); err != nil {
		return nil, nil, err
	}
	if objects, prefixes, err = page.items(r); err != nil {
		return nil, nil, err
	}
	// A page that ended on a common prefix is continued after it, and some
	// servers (the embedded store) then send that prefix again, rolled up
	// from its remaining keys: skip it.
	sent := prefixes
	if len(prefixes) > 0 && l.lastPrefix != "" && prefixes[0].Prefix == l.lastPrefix {
		prefixes = prefixes[1:]
	}
	if len(prefixes) > 0 {
		l.lastPrefix = prefixes[len(prefixes)-1].Prefix
	}
	if !page.IsTruncated {
		l.done = true
		return objects, prefixes, nil
	}
	// A server that truncates without a token (some S3 clones) is continued
	// after the last key or prefix it sent.
	next, last := page.NextContinuationToken, lastName(objects, sent)
	switch {
	case next == "" && (last == "" || last == l.startAfter):
		return nil, nil, &RequestError{Method: r.method, Bucket: l.bucket, Key: l.prefix,
			Err: errors.New("listing is truncated but the server sent no way to continue")}
	case next != "" && next == l.token:
		return nil, nil, &RequestError{Method: r.method, Bucket: l.bucket, Key: l.prefix,
			Err: errors.New("listing: the server sent the same continuation token twice")}
	}
	l.token, l.startAfter = next, last
	return objects, prefixes, nil
}
