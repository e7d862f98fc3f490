package engine

import (
	"os"
	"path/filepath"
	"strings"
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

// TestFileHasPEMCertificate: the start-up check reads a bundle only up to
// its first certificate, wherever that is (before, across and after the
// boundaries of its reads), and answers as the whole file would.
func TestFileHasPEMCertificate(t *testing.T) {
	dir := t.TempDir()
	cert := "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	key := "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"
	pad := func(n int) string { return strings.Repeat("#", n) + "\n" }
	tests := []struct {
		name, content string
		want          bool
	}{
		{"first", cert, true},
		{"after a key", key + cert, true},
		{"only a key", key, false},
		{"empty", "", false},
		{"no PEM", pad(100), false},
		{"after 8 KiB", pad(9<<10) + cert, true},
		{"across 8 KiB", pad(8<<10-20) + cert, true},
		{"across 24 KiB", pad(24<<10-30) + cert, true},
		{"after 1 MiB", pad(1<<20) + cert, true},
		{"cut block, then a certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n" + pad(10<<10) + cert, true},
		{"key across 8 KiB only", pad(8<<10-20) + key + pad(20<<10), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".pem")
			writeFile(t, name, tt.content)
			got, err := fileHasPEMCertificate(name)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || got != hasPEMCertificate([]byte(tt.content)) {
				t.Errorf("fileHasPEMCertificate = %v, want %v (hasPEMCertificate of the whole file: %v)", got, tt.want, hasPEMCertificate([]byte(tt.content)))
			}
		})
	}
	if _, err := fileHasPEMCertificate(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing file: no error")
	}
}
