package engine

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// Client is an S3 client. It is immutable after New and safe for concurrent
// use by any number of goroutines; derive a client with other settings with
// WithConfig, which shares the connection pool and the credential cache.
type Client struct {
	cfg    Config
	http   *http.Client
	creds  CredentialsProvider
	signer *signature.Signer

	// Backoff of retries; tests shorten them.
	retryBase, retryCap time.Duration
	// beforeBackoff, a test hook (nil in use), sees each wait before it starts.
	beforeBackoff func(attempt int, d time.Duration)
}

// sharedTransport is the one connection pool of the process: every Client
// whose Config.HTTPClient is nil uses it.
var sharedTransport = &http.Transport{
	Proxy: http.ProxyFromEnvironment,
	DialContext: (&net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
	}).DialContext,
	MaxIdleConns:        512,
	MaxIdleConnsPerHost: BatchWorkersMax, // every batch worker keeps its connection
	IdleConnTimeout:     90 * time.Second,
	TLSHandshakeTimeout: 10 * time.Second,
	// Go waits for "100 Continue" only when the request has a body and the
	// Expect header; after this long it sends the body anyway.
	ExpectContinueTimeout: time.Second,
	// Long enough for a server that computes before answering (copy,
	// complete); S3 itself answers those at once and streams whitespace.
	ResponseHeaderTimeout: 5 * time.Minute,
	// get must return the stored bytes exactly, even for objects stored
	// with Content-Encoding: gzip.
	DisableCompression: true,
}

// sharedHTTPClient does not follow redirects itself: Client.do re-signs a
// temporary redirect for the new host, and a 301 PermanentRedirect becomes
// a ResponseError naming the bucket's region.
var sharedHTTPClient = &http.Client{
	Transport: sharedTransport,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// sharedSigner caches signing keys for every client of the process.
var sharedSigner = &signature.Signer{}

// New returns a client for cfg, with defaults for its zero fields: host
// s3.amazonaws.com, region us-east-1, scheme https, 5 tries, 64 KiB chunks,
// 4 workers, the shared connection pool and DefaultCredentials("").
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = sharedHTTPClient
		if cfg.CABundle != "" || cfg.InsecureSkipVerify {
			if cfg.HTTPClient, err = tlsHTTPClient(cfg.CABundle, cfg.InsecureSkipVerify); err != nil {
				return nil, err
			}
		}
	}
	if cfg.Credentials == nil {
		cfg.Credentials = DefaultCredentials("")
	}
	return &Client{
		cfg:       cfg,
		http:      cfg.HTTPClient,
		creds:     cfg.Credentials,
		signer:    sharedSigner,
		retryBase: 100 * time.Millisecond,
		retryCap:  5 * time.Second,
	}, nil
}

// Config returns the client's configuration with every default filled in,
// including the HTTP client and the credentials provider in use. Passing it,
// modified, to WithConfig keeps the same pool and credential cache.
func (c *Client) Config() Config { return c.cfg }

// WithConfig returns a new client for cfg. Zero fields take their defaults
// as in New, except HTTPClient and Credentials: nil keeps this client's
// connection pool and credential cache (unless CABundle or
// InsecureSkipVerify differ from this client's: those get their own pool).
func (c *Client) WithConfig(cfg Config) (*Client, error) {
	if cfg.CABundle != c.cfg.CABundle || cfg.InsecureSkipVerify != c.cfg.InsecureSkipVerify {
		// Other TLS settings need the pool built for them, not this one's.
		if cfg.HTTPClient == c.cfg.HTTPClient {
			cfg.HTTPClient = nil
		}
	} else if cfg.HTTPClient == nil {
		cfg.HTTPClient = c.cfg.HTTPClient
	}
	if cfg.Credentials == nil {
		cfg.Credentials = c.cfg.Credentials
	}
	n, err := New(cfg)
	if err != nil {
		return nil, err
	}
	n.retryBase, n.retryCap = c.retryBase, c.retryCap
	return n, nil
}

// Format prints where the client points, never its credentials: fmt cannot
// call the redacting methods of values in unexported fields, so %+v of a
// Client would otherwise reach the keys through them.
func (c Client) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "engine.Client{Host: %q, Region: %q, Scheme: %q, PathStyle: %t}",
		c.cfg.Host, c.cfg.Region, c.cfg.Scheme, c.cfg.PathStyle)
}
