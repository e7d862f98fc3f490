package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// Helpers every operation uses (all in this file unless noted):
//
//   - Client.do(ctx, *request): send with signing, retries, typed errors.
//   - Client.doXML(ctx, *request, &v): do, then decode the XML answer into v,
//     retrying when the connection breaks while the answer is read.
//   - decodeXMLResponse, xmlBody (marshal without a declaration),
//     contentMD5 (the Content-MD5 header value), drainClose.
//   - argError(fn, format, ...) (errors.go): "engine.Fn: ..." argument errors;
//     checkBucketArg (bucket.go); SplitBucketPath (uri.go).

// request describes one S3 operation for Client.do, the single path by
// which every operation of this package reaches the network. do turns it
// into an *http.Request afresh for each attempt (new X-Amz-Date, new
// signature, new body), so the same request value can be retried.
//
// Addressing: bucket "" means the service (ListBuckets); key "" means the
// bucket itself. key is plain text, exactly the object's name; do puts it
// in URL.Path and the signer encodes it once for the wire and the canonical
// request with signature.EscapePath. Never pre-encode a key.
//
// Sub-resources and parameters go in query, plain text too:
// {"uploads": {""}}, {"partNumber": {"3"}, "uploadId": {id}}, {"acl": {""}}.
// do writes them with signature.EncodeQuery (sorted, %20, valueless keys
// as "k=").
//
// The body is one of (at most one set):
//
//   - body: bytes in memory, replayable. payloadHash "" means
//     hex(sha256(body)), computed once by do.
//   - newBody: a replayable stream (e.g. an io.SectionReader of a file)
//     of contentLength bytes; newBody is called once per attempt and also
//     serves as http.Request.GetBody. payloadHash must be the hex SHA-256
//     of the content or signature.UnsignedPayload ("" means unsigned).
//   - stream: an aws-chunked signed upload (signature.SignStreaming) of
//     stream.decodedLen bytes. With stream.source, every attempt gets a
//     fresh reader; with the one-shot stream.reader, the request is retried
//     only while nothing has been read from it.
//
// No body at all sends Content-Length: 0 for PUT and POST and the empty
// payload hash.
//
// expectContinue adds "Expect: 100-continue" when there is a body: the
// shared transport waits (up to 1 s) for the server's verdict before
// sending the body, so a rejected PUT never reads its body source.
//
// do treats 2xx and okStatus as success. With checkBody, do reads a
// successful body whole (for CopyObject and CompleteMultipartUpload, which
// may answer "200 OK" with an <Error> document): such an error becomes a
// *ResponseError and is retried like a 500; otherwise resp.Body is replaced
// by the bytes read.
type request struct {
	method string // "GET", "PUT", ...
	bucket string // "" for the service
	key    string // plain text; "" for the bucket
	query  url.Values
	header http.Header // extra headers to send and sign (copied per attempt)

	body          []byte
	newBody       func() (io.ReadCloser, error)
	contentLength int64 // with newBody
	payloadHash   string
	stream        *streamSpec

	expectContinue bool
	okStatus       []int // extra statuses that are not errors, e.g. 304
	checkBody      bool  // detect "200 OK with an <Error> body"
	pathStyle      bool  // force path-style addressing (GetBucketLocation)

	// tries, if not nil, is the attempt budget this request shares with the
	// layers that retry it as a whole (a part upload, doXML's decode retry,
	// a GET's resumes): every request sent counts against one MaxTries in
	// all. nil means a budget of its own for this do call.
	tries *tries

	// retrying, if not nil, is called on the caller's goroutine with the
	// failure each time do or doXML is about to send the request again. A
	// *RequestError there means the connection broke, so the server may have
	// acted on the failed attempt (multipart.go: initiate and complete use
	// it to clean up or to recognise their own earlier success).
	retrying func(err error)
}

// streamSpec is an aws-chunked upload body for request.stream.
type streamSpec struct {
	// source returns a fresh reader of the whole body for each attempt.
	source func() (io.Reader, error)
	// reader is used when source is nil: a one-shot body, retried only if
	// never read.
	reader     io.Reader
	decodedLen int64
	opts       signature.StreamOptions // chunk length (fill from Config.ChunkLen), trailer
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 1 << 20

// maxCheckedBody bounds a "checkBody" success answer (copy and complete
// results are a few hundred bytes plus S3's keep-alive whitespace).
const maxCheckedBody = 16 << 20

// userAgent identifies the engine to servers and proxies.
const userAgent = "s3lua-engine/1"

// do sends r with retries and returns the successful response; the caller
// must close resp.Body. Failures are *ResponseError (the server answered
// with an error) or *RequestError (no usable answer, including context
// cancellation, credential and signing failures).
func (c *Client) do(ctx context.Context, r *request) (*http.Response, error) {
	if ctx == nil {
		return nil, argError("do", "nil context")
	}
	payloadHash := r.payloadHash
	if payloadHash == "" {
		switch {
		case r.newBody != nil:
			payloadHash = signature.UnsignedPayload
		case len(r.body) > 0:
			sum := sha256.Sum256(r.body)
			payloadHash = hex.EncodeToString(sum[:])
		}
	}
	var oneShot *countingReader
	if r.stream != nil && r.stream.source == nil {
		oneShot = &countingReader{r: r.stream.reader}
	}
	t := r.tries
	if t == nil {
		t = c.newTries()
	}
	var target *redirect
	redirects := 0
	for {
		t.n++
		var info *traceInfo
		start := time.Now()
		if c.cfg.Trace != nil {
			info = &traceInfo{sent: -1, received: -1}
		}
		resp, retry, err := c.attempt(ctx, r, payloadHash, oneShot, target, info)
		if err == nil {
			c.emitTrace(r, info, t.n, start, nil, "")
			return resp, nil
		}
		// A temporary redirect (S3 sends them while a new bucket's DNS name
		// spreads) is followed at once, signed afresh for the new host.
		if rd, ok := err.(*redirectError); ok {
			if redirects < maxRedirects && r.replayable(oneShot) && ctx.Err() == nil {
				c.emitTrace(r, info, t.n, start, rd.ResponseError, "redirected to "+rd.to.url.Host)
				redirects++
				t.n--
				target = rd.to
				continue
			}
			err = rd.ResponseError
		}
		if !retry || t.spent() || !r.replayable(oneShot) || ctx.Err() != nil {
			c.emitTrace(r, info, t.n, start, err, "")
			return nil, err
		}
		c.emitTrace(r, info, t.n, start, err, retryReason(err))
		if r.retrying != nil {
			r.retrying(err)
		}
		if serr := c.backoff(ctx, t.n, err); serr != nil {
			return nil, &RequestError{Method: r.method, Bucket: r.bucket, Key: r.key,
				Err: fmt.Errorf("%w (while waiting to retry after: %v)", serr, err)}
		}
	}
}

// maxRedirects bounds the temporary redirects one request follows.
const maxRedirects = 3

// redirect is where a 307 or 302 sent a request: the new URL (its path is
// used, the query is the request's own) and the region to sign for.
type redirect struct {
	url    *url.URL
	region string
}

// redirectTarget returns where resp, a temporary redirect with a usable
// Location, points; nil for anything else.
func redirectTarget(resp *http.Response) *redirect {
	if resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusFound {
		return nil
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	return &redirect{url: u, region: resp.Header.Get("X-Amz-Bucket-Region")}
}

// redirectError carries a temporary redirect from attempt to do, which
// follows it or returns the ResponseError inside.
type redirectError struct {
	*ResponseError
	to *redirect
}

// replayable reports whether the body can be sent again.
func (r *request) replayable(oneShot *countingReader) bool {
	if oneShot != nil {
		return oneShot.n.Load() == 0
	}
	return true
}

// attempt makes one try. retry reports whether the failure is worth another.
func (c *Client) attempt(ctx context.Context, r *request, payloadHash string, oneShot *countingReader, target *redirect, info *traceInfo) (resp *http.Response, retry bool, err error) {
	fail := func(err error) *RequestError {
		return &RequestError{Method: r.method, Bucket: r.bucket, Key: r.key, Err: err}
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, false, fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, "http://placeholder/", nil)
	if err != nil {
		return nil, false, fail(err)
	}
	req.URL = c.endpoint(r.bucket, r.key, r.pathStyle)
	region := c.cfg.Region
	if target != nil {
		req.URL.Scheme, req.URL.Host, req.URL.Path = target.url.Scheme, target.url.Host, target.url.Path
		if req.URL.Path == "" {
			req.URL.Path = "/"
		}
		if target.region != "" {
			region = target.region
		}
	}
	req.Host = req.URL.Host
	req.Header = r.header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	query := r.query
	if v := req.Header.Get(VersionIDHeader); v != "" {
		// A pseudo-header (objectopts.go): the version goes in the query.
		req.Header.Del(VersionIDHeader)
		query = cloneValues(query)
		query.Set("versionId", v)
	}
	req.URL.RawQuery = signature.EncodeQuery(query)
	req.Header.Set("User-Agent", userAgent)
	opt := signature.Options{Region: region, Time: time.Now().UTC(), PayloadHash: payloadHash}

	switch {
	case r.stream != nil:
		var src io.Reader = oneShot
		if r.stream.source != nil {
			if src, err = r.stream.source(); err != nil {
				return nil, false, fail(err)
			}
		}
		if r.expectContinue {
			req.Header.Set("Expect", "100-continue")
		}
		opt.PayloadHash = ""
		if _, err := c.signer.SignStreaming(creds, req, src, r.stream.decodedLen, r.stream.opts, opt); err != nil {
			return nil, false, fail(err)
		}
		if req.ContentLength <= 0 {
			// Go's transport sends req.ContentLength, not the header.
			n, perr := strconv.ParseInt(req.Header.Get("Content-Length"), 10, 64)
			if perr != nil {
				return nil, false, fail(fmt.Errorf("streaming body: no Content-Length from the signer"))
			}
			req.ContentLength = n
		}
	default:
		switch {
		case r.newBody != nil:
			body, err := r.newBody()
			if err != nil {
				return nil, false, fail(err)
			}
			req.Body, req.GetBody, req.ContentLength = body, r.newBody, r.contentLength
			if req.ContentLength == 0 {
				body.Close()
				req.Body = http.NoBody
			}
		case len(r.body) > 0:
			data := r.body
			req.Body = io.NopCloser(bytes.NewReader(data))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
			req.ContentLength = int64(len(data))
		case r.method == http.MethodPut || r.method == http.MethodPost:
			req.Body = http.NoBody
		}
		if r.expectContinue && req.ContentLength > 0 {
			req.Header.Set("Expect", "100-continue")
		}
		if _, err := c.signer.SignHTTP(creds, req, opt); err != nil {
			return nil, false, fail(err)
		}
	}

	if info != nil {
		info.url, info.sent = traceURL(req.URL), req.ContentLength
	}
	resp, err = c.http.Do(req)
	if info != nil && err == nil {
		info.status, info.received = resp.StatusCode, resp.ContentLength
	}
	if err != nil {
		if req.Body != nil && req.Body != http.NoBody {
			req.Body.Close()
		}
		err = unwrapURLError(err)
		return nil, retryableNetError(r.method, err), fail(err)
	}
	if (resp.StatusCode >= 200 && resp.StatusCode < 300) || slices.Contains(r.okStatus, resp.StatusCode) {
		if !r.checkBody {
			return resp, false, nil
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxCheckedBody))
		resp.Body.Close()
		if rerr != nil {
			rerr = unwrapURLError(rerr)
			return nil, retryableNetError(http.MethodGet, rerr), fail(fmt.Errorf("reading the answer: %w", rerr))
		}
		if x, bad := hasErrorBody(data); bad {
			re := newResponseError(r, resp, nil)
			re.Code, re.Message = x.Code, x.Message
			if x.RequestID != "" {
				re.RequestID = x.RequestID
			}
			if x.HostID != "" {
				re.HostID = x.HostID
			}
			// S3 documents these as "retry the request", whatever the code.
			return nil, true, re
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
		resp.ContentLength = int64(len(data))
		return resp, false, nil
	}
	var body []byte
	if r.method != http.MethodHead {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if info != nil {
			info.received = int64(len(body))
		}
	}
	resp.Body.Close()
	re := newResponseError(r, resp, body)
	if to := redirectTarget(resp); to != nil {
		return nil, false, &redirectError{re, to}
	}
	return nil, retryableResponse(re), re
}

// endpoint is the URL of bucket/key with the key in plain text in Path
// (the signer sets RawPath); bucket "" is the service.
func (c *Client) endpoint(bucket, key string, pathStyle bool) *url.URL {
	u := &url.URL{Scheme: c.cfg.Scheme, Host: c.cfg.Host, Path: "/"}
	switch {
	case bucket == "":
	case pathStyle || c.cfg.usePathStyle(bucket):
		u.Path = "/" + bucket
		if key != "" {
			u.Path += "/" + key
		}
	default:
		u.Host = bucket + "." + c.cfg.Host
		u.Path = "/" + key
	}
	return u
}

// countingReader counts what was read from a one-shot body.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// contentMD5 is the Content-MD5 header value of data.
func contentMD5(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// decodeXMLResponse decodes an XML answer into v and closes the body.
// Entities (&amp; &lt; &#13; ...) are decoded and all text pieces of an
// element are joined, unlike the reference.
func decodeXMLResponse(r *request, resp *http.Response, v any) error {
	defer drainClose(resp.Body) // what follows the document, so the connection is reused
	var err error
	if page, ok := v.(*listBucketResult); ok {
		err = decodeListPage(resp.Body, page)
	} else {
		err = xml.NewDecoder(io.LimitReader(resp.Body, maxCheckedBody)).Decode(v)
	}
	if err != nil {
		err = unwrapURLError(err)
		switch {
		case errors.Is(err, io.EOF):
			err = fmt.Errorf("%w: empty answer", errBadXML)
		case !retryableNetError(http.MethodGet, err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
			err = fmt.Errorf("%w: %w", errBadXML, err)
		}
		return &RequestError{Method: r.method, Bucket: r.bucket, Key: r.key,
			Err: fmt.Errorf("decoding the XML answer: %w", err)}
	}
	return nil
}

// errBadXML marks an answer that is not the XML document expected (as
// opposed to a connection that broke while it was read).
var errBadXML = errors.New("unexpected answer")

// doXML sends r and decodes its XML answer into v (a pointer to a struct),
// returning the response headers. A connection that breaks while the
// answer is read is retried like a failed request (the answer is read
// whole before anything is returned, so this is safe for every caller).
//
// The decode retries and do's own share one budget of Config.MaxTries
// requests (request.tries).
func (c *Client) doXML(ctx context.Context, r *request, v any) (http.Header, error) {
	if r.tries == nil {
		r.tries = c.newTries()
	}
	for {
		resp, err := c.do(ctx, r)
		if err != nil {
			return nil, err
		}
		err = decodeXMLResponse(r, resp, v)
		if err == nil {
			return resp.Header, nil
		}
		if r.tries.spent() || ctx.Err() != nil || !retryableNetError(http.MethodGet, err) || !r.replayable(nil) {
			return nil, err
		}
		reflect.ValueOf(v).Elem().SetZero()
		if r.retrying != nil {
			r.retrying(err)
		}
		if serr := c.backoff(ctx, r.tries.n, err); serr != nil {
			return nil, &RequestError{Method: r.method, Bucket: r.bucket, Key: r.key,
				Err: fmt.Errorf("%w (while waiting to retry after: %v)", serr, err)}
		}
	}
}

// xmlBody marshals v (an S3 request document) without an XML declaration.
func xmlBody(v any) ([]byte, error) {
	return xml.Marshal(v)
}

// drainClose discards a little of what is left of body, so the connection
// can be reused, and closes it.
func drainClose(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// cloneValues copies v (nil gives an empty, usable map).
func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+1)
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// retryReason is the short reason of a retry, for traces: the S3 code and
// status, or the network failure.
func retryReason(err error) string {
	var re *ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("%d %s", re.StatusCode, re.Code)
	}
	var rq *RequestError
	if errors.As(err, &rq) && rq.Err != nil {
		return oneLine(rq.Err.Error())
	}
	return oneLine(err.Error())
}
