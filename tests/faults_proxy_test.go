package tests

// faultProxy: a fault-injecting HTTP proxy in front of a real S3 server
// (MinIO in the fault tests). It is not S3: every request that is not
// faulted is forwarded unchanged (the Host header kept, so signatures made
// for the proxy's address verify at the server), and the server does the
// S3 work. The faults are what networks and S3 front ends do to clients:
//
//   - 503 SlowDown and 500 InternalError answers (not forwarded);
//   - a connection reset before anything is forwarded;
//   - a reset while the request body is being read (upload side);
//   - a reset in the middle of the answer's body (download side);
//   - an answer cut short with its full Content-Length (then closed);
//   - a lost answer: forwarded, the server acts, the connection is reset;
//   - "200 OK" with an <Error> body for complete-multipart and copy;
//   - a stall: the request is held without an answer until the client
//     gives up (only for requests the test selects).
//
// Deterministic from a seed: whether a request is faulted, and how, depends
// only on the seed, the request's identity (method, path, the query's
// parameter names and paging markers, Range) and how many times that
// identity was seen before, never on timing or on the order in which
// concurrent requests arrive.

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
)

type faultKind int

const (
	faultNone          faultKind = iota
	faultSlowDown                // 503 SlowDown, not forwarded
	faultInternal                // 500 InternalError, not forwarded
	faultResetBefore             // reset before anything is forwarded
	faultResetUpload             // half the request body read, then reset; not forwarded
	faultResetDownload           // forwarded; half the answer's body, then reset
	faultCutBody                 // forwarded; half the body under the full Content-Length, then closed
	faultLost                    // forwarded (the server acts), then reset: the answer is lost
	faultErrorBody               // complete and copy: "200 OK" with an <Error> body; not forwarded
	faultStall                   // held without an answer until the client goes away
	faultStallBody               // forwarded; headers and half the body, then held
)

var faultNames = map[faultKind]string{
	faultSlowDown: "503 SlowDown", faultInternal: "500 InternalError", faultResetBefore: "reset before the answer",
	faultResetUpload: "reset mid-upload", faultResetDownload: "reset mid-download", faultCutBody: "body cut (full Content-Length)",
	faultLost: "answer lost (server acted)", faultErrorBody: "200 OK with <Error>", faultStall: "stall",
	faultStallBody: "stall mid-body",
}

func (k faultKind) String() string { return faultNames[k] }

type faultProxy struct {
	target   *url.URL
	seed     uint64
	rate     float64                         // probability that a request is faulted
	stall    func(r *http.Request) faultKind // faultStall or faultStallBody for requests to hold (nil: none)
	stalled  chan string                     // gets the identity of each request held (buffered; extra dropped)
	observe  func(r *http.Request)           // sees every request (nil: none)
	only     func(r *http.Request) bool      // requests that may be faulted (nil: all)
	upstream *http.Transport
	srv      *httptest.Server
	stop     chan struct{}

	mu       sync.Mutex
	seen     map[string]int    // identity -> times seen
	kinds    map[faultKind]int // faults injected, by kind
	byPath   map[string]int    // faults injected, by URL path (bucket/key)
	requests int               // requests received
	log      []string          // first faults, for failure messages
}

// newFaultProxy starts a proxy in front of srv faulting rate of the
// requests, deterministically from seed.
func newFaultProxy(t testing.TB, srv testenv.Server, seed uint64, rate float64) *faultProxy {
	t.Helper()
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{target: target, seed: seed, rate: rate, stop: make(chan struct{}), stalled: make(chan string, 64),
		upstream: &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true},
		seen:     map[string]int{}, kinds: map[faultKind]int{}, byPath: map[string]int{}}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	// One connection per request: Go's transport silently resends a request
	// that failed on a reused connection, which would make the number of
	// requests, and so the faults drawn, depend on timing.
	p.srv.Config.SetKeepAlivesEnabled(false)
	p.srv.Start()
	t.Cleanup(func() {
		close(p.stop)
		p.srv.CloseClientConnections()
		p.srv.Close()
		p.upstream.CloseIdleConnections()
	})
	return p
}

// client is an engine client going through the proxy, with a connection
// pool of its own.
func (p *faultProxy) client(t testing.TB, srv testenv.Server, cfg engine.Config) *engine.Client {
	t.Helper()
	transport := &http.Transport{ExpectContinueTimeout: time.Second, DisableCompression: true, MaxIdleConnsPerHost: 16}
	t.Cleanup(transport.CloseIdleConnections)
	cfg.Host, cfg.Scheme, cfg.PathStyle, cfg.Region = strings.TrimPrefix(p.srv.URL, "http://"), "http", true, srv.Region
	if cfg.Credentials == nil {
		cfg.Credentials = engine.StaticCredentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	c, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// identity names a request for the deterministic draw: bucket names, upload
// ids and signatures change from run to run and are left out.
func identity(r *http.Request) string {
	q := r.URL.Query()
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(' ')
	// The key without the bucket: tests use a new bucket name each run.
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	b.WriteString(key)
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(" " + name)
		switch name {
		case "partNumber", "continuation-token", "start-after", "marker", "key-marker", "max-keys", "prefix":
			b.WriteString("=" + q.Get(name))
		}
	}
	if r.Header.Get("Range") != "" {
		// Not its value: a resume starts where the broken answer stopped,
		// which depends on how much arrived before the reset.
		b.WriteString(" range")
	}
	if r.Header.Get("X-Amz-Copy-Source") != "" {
		b.WriteString(" copy")
	}
	return b.String()
}

func isCopy(r *http.Request) bool {
	return r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != ""
}

// draw decides the fault for r.
func (p *faultProxy) draw(r *http.Request) faultKind {
	id := identity(r)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	n := p.seen[id]
	p.seen[id] = n + 1
	kind := faultNone
	switch {
	case p.stall != nil && p.stall(r) != faultNone:
		kind = p.stall(r)
	case p.only != nil && !p.only(r):
	default:
		var buf [16]byte
		binary.LittleEndian.PutUint64(buf[:8], p.seed)
		binary.LittleEndian.PutUint64(buf[8:], uint64(n))
		sum := sha256.Sum256(append(buf[:], id...))
		v := binary.LittleEndian.Uint64(sum[:8])
		if float64(v>>11)/float64(1<<53) >= p.rate {
			return faultNone
		}
		kinds := []faultKind{faultSlowDown, faultInternal, faultResetBefore, faultLost}
		if r.ContentLength > 0 {
			kinds = append(kinds, faultResetUpload)
		}
		if r.Method == http.MethodGet || r.Method == http.MethodPost || isCopy(r) {
			kinds = append(kinds, faultResetDownload, faultCutBody)
		}
		if isCopy(r) || (r.Method == http.MethodPost && r.URL.Query().Has("uploadId")) {
			kinds = append(kinds, faultErrorBody)
		}
		kind = kinds[(v>>3)%uint64(len(kinds))]
	}
	if kind != faultNone {
		p.kinds[kind]++
		p.byPath[r.URL.Path]++
		if len(p.log) < 200 {
			p.log = append(p.log, fmt.Sprintf("%s: %s", id, kind))
		}
	}
	return kind
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	if p.observe != nil {
		p.observe(r)
	}
	kind := p.draw(r)
	switch kind {
	case faultSlowDown:
		proxyError(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
		return
	case faultInternal:
		proxyError(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	case faultResetBefore:
		resetConn(w)
		return
	case faultResetUpload:
		io.CopyN(io.Discard, r.Body, r.ContentLength/2)
		resetConn(w)
		return
	case faultErrorBody:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>FAULTPROXY</RequestId></Error>`)
		return
	case faultStall:
		p.hold(r)
		return
	}
	resp, err := p.forward(r)
	if err != nil {
		resetConn(w)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		resetConn(w)
		return
	}
	if kind == faultLost {
		resetConn(w)
		return
	}
	for name, values := range resp.Header {
		w.Header()[name] = values
	}
	if kind == faultStallBody {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(resp.StatusCode)
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		p.hold(r)
		return
	}
	if (kind == faultResetDownload || kind == faultCutBody) && len(body) >= 2 {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(resp.StatusCode)
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		if kind == faultResetDownload {
			resetConn(w)
		} else {
			closeConn(w)
		}
		return
	}
	if kind == faultResetDownload || kind == faultCutBody {
		// Nothing to cut: the answer is lost instead.
		resetConn(w)
		return
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// hold keeps r unanswered until its client goes away or the proxy stops,
// and reports it on p.stalled.
func (p *faultProxy) hold(r *http.Request) {
	select {
	case p.stalled <- identity(r):
	default:
	}
	select {
	case <-r.Context().Done():
	case <-p.stop:
	}
}

// forward sends r to the server and returns its answer.
func (p *faultProxy) forward(r *http.Request) (*http.Response, error) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	out.Host = r.Host
	out.Header.Del("Expect")
	if r.ContentLength == 0 {
		out.Body = nil
	}
	return p.upstream.RoundTrip(out)
}

func proxyError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>%s</Code><Message>%s</Message><RequestId>FAULTPROXY</RequestId></Error>`, code, msg)
}

// resetConn ends the connection with a TCP reset (SO_LINGER 0).
func resetConn(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// closeConn ends the connection cleanly (FIN), whatever was promised.
func closeConn(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}

// stats returns the requests seen, the faults by kind and the faults by
// path.
func (p *faultProxy) stats() (requests int, kinds map[faultKind]int, byPath map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, maps.Clone(p.kinds), maps.Clone(p.byPath)
}

// summary is one line: requests, faults in all and by kind.
func (p *faultProxy) summary() string {
	requests, kinds, _ := p.stats()
	total := 0
	var parts []string
	keys := make([]faultKind, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		total += kinds[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
	}
	return fmt.Sprintf("%d requests, %d faults (%s)", requests, total, strings.Join(parts, ", "))
}
