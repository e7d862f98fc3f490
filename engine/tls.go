package engine

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// tlsClients holds one pooled client per TLS setting (CA bundle, insecure),
// so that clients derived with the same settings share connections as the
// default ones share sharedHTTPClient.
var tlsClients sync.Map // tlsKey -> *http.Client

type tlsKey struct {
	bundle   string // absolute path
	insecure bool
}

// tlsHTTPClient returns the pooled client for a CA bundle (a PEM file that
// replaces the system's roots) and/or skipping verification. A bundle that
// cannot be read or holds no certificate is an error: silently falling
// back to the system's roots would hide a misconfiguration.
//
// The bundle's certificates are parsed at the first https request, not
// here: parsing a system bundle (AWS_CA_BUNDLE often names one) costs more
// than the rest of the CLI's start-up, and plain-http endpoints or scripts
// that never reach S3 never need it.
func tlsHTTPClient(bundle string, insecure bool) (*http.Client, error) {
	key := tlsKey{insecure: insecure}
	if bundle != "" {
		abs, err := filepath.Abs(bundle)
		if err != nil {
			return nil, fmt.Errorf("engine.New: CABundle %q: %w", bundle, err)
		}
		key.bundle = abs
		if c, ok := tlsClients.Load(key); ok {
			return c.(*http.Client), nil
		}
		ok, err := fileHasPEMCertificate(abs)
		if err != nil {
			return nil, fmt.Errorf("engine.New: CABundle: %w", err)
		}
		if !ok {
			return nil, fmt.Errorf("engine.New: CABundle %s: no PEM certificate in it", bundle)
		}
	} else if c, ok := tlsClients.Load(key); ok {
		return c.(*http.Client), nil
	}
	build := func() (*http.Transport, error) {
		var roots *x509.CertPool
		if key.bundle != "" {
			pemData, err := os.ReadFile(key.bundle)
			if err != nil {
				return nil, fmt.Errorf("engine: CABundle: %w", err)
			}
			roots = x509.NewCertPool()
			if !roots.AppendCertsFromPEM(pemData) {
				return nil, fmt.Errorf("engine: CABundle %s: no usable PEM certificate in it", bundle)
			}
		}
		tr := sharedTransport.Clone()
		tr.TLSClientConfig = &tls.Config{
			RootCAs:            roots,
			InsecureSkipVerify: insecure,
			MinVersion:         tls.VersionTLS12,
		}
		return tr, nil
	}
	var rt http.RoundTripper
	if key.bundle == "" {
		tr, _ := build()
		rt = tr
	} else {
		rt = &lazyTLSTransport{build: build}
	}
	c := &http.Client{Transport: rt, CheckRedirect: sharedHTTPClient.CheckRedirect}
	got, _ := tlsClients.LoadOrStore(key, c)
	return got.(*http.Client), nil
}

// fileHasPEMCertificate reports whether the file holds a PEM CERTIFICATE
// block, reading it only as far as the first one: a system bundle is a few
// hundred KiB, and the whole of it is read when the first https request
// parses it.
func fileHasPEMCertificate(name string) (bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var data []byte
	for n := 8 << 10; ; n *= 2 {
		if cap(data)-len(data) < n {
			data = append(make([]byte, 0, len(data)+n), data...)
		}
		m, err := io.ReadFull(f, data[len(data):len(data)+n])
		data = data[:len(data)+m]
		// A certificate found in a prefix is found in the whole file:
		// pem.Decode reads blocks in order, and a block cut short by the
		// prefix ends the search (read more) rather than matching.
		if hasPEMCertificate(data) {
			return true, nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// hasPEMCertificate reports whether data holds a PEM CERTIFICATE block
// (without parsing it).
func hasPEMCertificate(data []byte) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if b.Type == "CERTIFICATE" {
			return true
		}
	}
}

// lazyTLSTransport builds its https transport at the first https request;
// plain http requests go through the shared transport.
type lazyTLSTransport struct {
	once  sync.Once
	build func() (*http.Transport, error)
	tr    *http.Transport
	err   error
	built atomic.Pointer[http.Transport] // tr, once built
}

func (l *lazyTLSTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return sharedTransport.RoundTrip(req)
	}
	l.once.Do(l.load)
	if l.err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, l.err
	}
	return l.tr.RoundTrip(req)
}

func (l *lazyTLSTransport) load() {
	l.tr, l.err = l.build()
	if l.tr != nil {
		l.built.Store(l.tr)
	}
}

// CloseIdleConnections closes the idle connections of the https
// transport, if it was built.
func (l *lazyTLSTransport) CloseIdleConnections() {
	if tr := l.built.Load(); tr != nil {
		tr.CloseIdleConnections()
	}
}
