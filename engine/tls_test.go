package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLoadSettingsCABundle: the CA bundle comes from AWS_CA_BUNDLE, else the
// profile's ca_bundle, as in the AWS CLI.
func TestLoadSettingsCABundle(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv("AWS_CA_BUNDLE", "")
	writeFile(t, os.Getenv("AWS_CONFIG_FILE"), "[default]\nca_bundle = /etc/default-ca.pem\n[profile corp]\nca_bundle = /etc/corp-ca.pem\n")
	if s, err := LoadSettings(""); err != nil || s.CABundle != "/etc/default-ca.pem" {
		t.Fatalf("default profile: %+v %v", s, err)
	}
	if s, _ := LoadSettings("corp"); s.CABundle != "/etc/corp-ca.pem" {
		t.Fatalf("profile corp: %+v", s)
	}
	t.Setenv("AWS_CA_BUNDLE", "/env/ca.pem")
	if s, _ := LoadSettings("corp"); s.CABundle != "/env/ca.pem" {
		t.Fatalf("AWS_CA_BUNDLE: %+v", s)
	}
}

// TestTLSClientPerSetting: clients with the same TLS settings share one
// pool; other settings, or none, get another; a bad bundle is an error.
func TestTLSClientPerSetting(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca.pem")
	// A syntactically valid PEM block is enough until the first https
	// request parses it.
	writeFile(t, bundle, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	a, err := New(Config{CABundle: bundle})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{CABundle: bundle})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := New(Config{})
	insecure, _ := New(Config{InsecureSkipVerify: true})
	if a.Config().HTTPClient != b.Config().HTTPClient {
		t.Error("two clients with one bundle do not share a pool")
	}
	if a.Config().HTTPClient == plain.Config().HTTPClient || insecure.Config().HTTPClient == plain.Config().HTTPClient ||
		insecure.Config().HTTPClient == a.Config().HTTPClient {
		t.Error("clients with different TLS settings share a pool")
	}
	// Deriving without the bundle goes back to the shared pool.
	cfg := a.Config()
	cfg.CABundle = ""
	d, err := a.WithConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d.Config().HTTPClient != plain.Config().HTTPClient {
		t.Error("a client derived without the bundle keeps the bundle's pool")
	}
	for _, bad := range []string{filepath.Join(dir, "missing.pem"), filepath.Join(dir, "empty.pem")} {
		if bad == filepath.Join(dir, "empty.pem") {
			writeFile(t, bad, "no certificate here\n")
		}
		if _, err := New(Config{CABundle: bad}); err == nil {
			t.Errorf("CABundle %s: no error", bad)
		}
	}
}
