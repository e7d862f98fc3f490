package engine

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
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
func tlsHTTPClient(bundle string, insecure bool) (*http.Client, error) {
	key := tlsKey{insecure: insecure}
	var roots *x509.CertPool
	if bundle != "" {
		abs, err := filepath.Abs(bundle)
		if err != nil {
			return nil, fmt.Errorf("engine.New: CABundle %q: %w", bundle, err)
		}
		key.bundle = abs
		if c, ok := tlsClients.Load(key); ok {
			return c.(*http.Client), nil
		}
		pem, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("engine.New: CABundle: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("engine.New: CABundle %s: no PEM certificate in it", bundle)
		}
	} else if c, ok := tlsClients.Load(key); ok {
		return c.(*http.Client), nil
	}
	tr := sharedTransport.Clone()
	tr.TLSClientConfig = &tls.Config{
		RootCAs:            roots,
		InsecureSkipVerify: insecure,
		MinVersion:         tls.VersionTLS12,
	}
	c := &http.Client{Transport: tr, CheckRedirect: sharedHTTPClient.CheckRedirect}
	got, _ := tlsClients.LoadOrStore(key, c)
	return got.(*http.Client), nil
}
