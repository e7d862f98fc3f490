package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
)

// tlsMinIO is a MinIO serving https on loopback with a certificate from a
// CA made for the test.
type tlsMinIO struct {
	host           string // 127.0.0.1:PORT
	access, secret string
	caFile         string // PEM of the CA that signed the server's certificate
	otherCAFile    string // PEM of an unrelated CA
}

// writeCA makes a CA; it returns its certificate, key and PEM file.
func writeCA(t *testing.T, dir, name string) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(dir, name+".pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key, file
}

// startTLSMinIO starts MinIO (the binary tests/run.sh uses) with
// --certs-dir on a free loopback port and waits until it answers.
func startTLSMinIO(t *testing.T) *tlsMinIO {
	t.Helper()
	bin := os.Getenv("S3LUA_MINIO_BIN")
	if bin == "" {
		if testenv.CI() {
			t.Fatal("S3LUA_MINIO_BIN is not set (tests/run.sh sets it)")
		}
		t.Skip("S3LUA_MINIO_BIN is not set: run through tests/run.sh")
	}
	dir := t.TempDir()
	ca, caKey, caFile := writeCA(t, dir, "s3lua-test-ca")
	_, _, otherCA := writeCA(t, dir, "s3lua-other-ca")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(dir, "certs")
	os.MkdirAll(certs, 0o700)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cliWriteFile(t, filepath.Join(certs, "public.crt"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	cliWriteFile(t, filepath.Join(certs, "private.key"), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))

	b := make([]byte, 10)
	rand.Read(b)
	m := &tlsMinIO{access: "tlsminio" + hex.EncodeToString(b[:3]), secret: hex.EncodeToString(b), caFile: caFile, otherCAFile: otherCA}
	port, port2 := freePort(t), freePort(t)
	m.host = "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "server", "--address", m.host, "--console-address", "127.0.0.1:"+strconv.Itoa(port2),
		"--certs-dir", certs, filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.access, "MINIO_ROOT_PASSWORD="+m.secret,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=on")
	logFile, _ := os.Create(filepath.Join(dir, "minio.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
	})

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	probe := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := probe.Get("https://" + m.host + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "minio.log"))
			t.Fatalf("TLS MinIO not ready on %s: %v\n%s", m.host, err, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestTLSEngine: certificates are verified by default (an unknown CA
// fails), Config.CABundle trusts the given CA (and only it),
// InsecureSkipVerify accepts any certificate.
func TestTLSEngine(t *testing.T) {
	m := startTLSMinIO(t)
	ctx := context.Background()
	client := func(t *testing.T, cfg engine.Config) *engine.Client {
		cfg.Host, cfg.Scheme, cfg.MaxTries = m.host, "https", 1
		cfg.Credentials = engine.StaticCredentials{AccessKeyID: m.access, SecretAccessKey: m.secret}
		c, err := engine.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	unknownCA := func(t *testing.T, err error) {
		t.Helper()
		var ua x509.UnknownAuthorityError
		if err == nil || !errors.As(err, &ua) {
			t.Fatalf("error %v: want a certificate signed by an unknown authority", err)
		}
		if strings.Contains(err.Error(), m.secret) {
			t.Errorf("error shows the secret key: %v", err)
		}
	}

	t.Run("verified by default", func(t *testing.T) {
		_, err := client(t, engine.Config{}).ListBuckets(ctx)
		unknownCA(t, err)
	})
	t.Run("another CA's bundle", func(t *testing.T) {
		_, err := client(t, engine.Config{CABundle: m.otherCAFile}).ListBuckets(ctx)
		unknownCA(t, err)
	})
	t.Run("CA bundle", func(t *testing.T) {
		c := client(t, engine.Config{CABundle: m.caFile})
		bucket := testenv.UniqueBucket(t, "s3lua-tls")
		if err := c.CreateBucket(ctx, bucket, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutBytes(ctx, bucket+"/k", []byte("over tls"), "text/plain", nil); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetBytes(ctx, bucket+"/k", nil, nil)
		if err != nil || string(got) != "over tls" {
			t.Fatalf("get: %q, %v", got, err)
		}
		// A derived client keeps the bundle.
		d, err := c.WithConfig(c.Config())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ListBuckets(ctx); err != nil {
			t.Fatalf("derived client: %v", err)
		}
		// And one derived without it verifies against the system's roots.
		cfg := c.Config()
		cfg.CABundle = ""
		if d, err = c.WithConfig(cfg); err != nil {
			t.Fatal(err)
		}
		_, err = d.ListBuckets(ctx)
		unknownCA(t, err)
	})
	t.Run("insecure", func(t *testing.T) {
		if _, err := client(t, engine.Config{InsecureSkipVerify: true}).ListBuckets(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("bad bundles", func(t *testing.T) {
		empty := filepath.Join(t.TempDir(), "empty.pem")
		cliWriteFile(t, empty, "not a certificate\n")
		for _, file := range []string{empty, filepath.Join(t.TempDir(), "missing.pem")} {
			if _, err := engine.New(engine.Config{CABundle: file}); err == nil || !strings.Contains(err.Error(), "CABundle") {
				t.Errorf("CABundle %s: error %v, want one naming CABundle", file, err)
			}
		}
	})
}

// TestTLSCLI: the CLI verifies by default, honours AWS_CA_BUNDLE, the
// profile's ca_bundle and --ca-bundle, and --insecure works with a warning
// on stderr.
func TestTLSCLI(t *testing.T) {
	m := startTLSMinIO(t)
	base := append(cliCleanEnv(t), "AWS_ACCESS_KEY_ID="+m.access, "AWS_SECRET_ACCESS_KEY="+m.secret)
	with := func(kv ...string) []string { return append(append([]string{}, base...), kv...) }
	endpoint := []string{"--endpoint", "https://" + m.host, "--max-tries", "1"}
	chunk := []string{"-e", "print('buckets', #s3.list_buckets())"}
	args := func(extra ...string) []string {
		return append(append(append([]string{}, endpoint...), extra...), chunk...)
	}
	home := ""
	for _, kv := range base {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			home = v
		}
	}
	cliWriteFile(t, filepath.Join(home, ".aws", "config"), "[profile tls]\nca_bundle = "+m.caFile+"\n")

	tests := []struct {
		name    string
		env     []string
		args    []string
		ok      bool
		warning bool
	}{
		{"verified by default", base, args(), false, false},
		{"AWS_CA_BUNDLE", with("AWS_CA_BUNDLE=" + m.caFile), args(), true, false},
		{"AWS_CA_BUNDLE of another CA", with("AWS_CA_BUNDLE=" + m.otherCAFile), args(), false, false},
		{"config ca_bundle", with("AWS_PROFILE=tls"), args(), true, false},
		{"--ca-bundle", base, args("--ca-bundle", m.caFile), true, false},
		{"--ca-bundle over AWS_CA_BUNDLE", with("AWS_CA_BUNDLE=" + m.otherCAFile), args("--ca-bundle", m.caFile), true, false},
		{"--insecure", base, args("--insecure"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := cliRun(t, tt.env, "", tt.args...)
			if tt.ok {
				if res.code != 0 || !strings.Contains(res.stdout, "buckets") {
					t.Fatalf("exit %d, want 0:\nstdout %s\nstderr %s", res.code, res.stdout, res.stderr)
				}
			} else {
				if res.code != 1 || !strings.Contains(res.stderr, "certificate") {
					t.Fatalf("exit %d, want 1 with a certificate error:\nstdout %s\nstderr %s", res.code, res.stdout, res.stderr)
				}
			}
			warned := strings.Contains(res.stderr, "warning: --insecure")
			if warned != tt.warning {
				t.Errorf("warning on stderr: %v, want %v:\n%s", warned, tt.warning, res.stderr)
			}
			if strings.Contains(res.stdout+res.stderr, m.secret) {
				t.Errorf("output shows the secret key")
			}
		})
	}
}
