// Package testenv gives tests the S3 servers to run against: MinIO and
// versitygw started by tests/run.sh (found through the environment), and the
// embedded store (engine/localstore) started in-process.
//
// tests/run.sh exports, for NAME in MINIO and VERSITYGW:
//
//	S3LUA_<NAME>_ENDPOINT    http://127.0.0.1:PORT
//	S3LUA_<NAME>_ACCESS_KEY
//	S3LUA_<NAME>_SECRET_KEY
//	S3LUA_<NAME>_REGION      optional, default us-east-1
//
// When a server's variables are missing, a test asking for it is skipped, or
// fails when CI=true: in CI a missing server is a failure, never a skip.
//
// testenv imports engine/localstore only, never engine, so that the engine's
// own tests can use it.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/engine/localstore"
)

// Server is one S3 server under test.
type Server struct {
	Name      string // "minio", "versitygw" or "local"; use it in t.Run
	Endpoint  string // "http://127.0.0.1:PORT"
	Host      string // "127.0.0.1:PORT", for engine.Config.Host
	AccessKey string
	SecretKey string
	Region    string
	// Local is true for the embedded store, which accepts any signature:
	// tests proving that signing is right must skip it.
	Local bool
}

// String names the server without its secret.
func (s Server) String() string { return s.Name + " " + s.Endpoint }

// DefaultRegion is the region the servers are started with.
const DefaultRegion = "us-east-1"

// Remote server names, as used in Server.Name and in the variable names.
const (
	NameMinIO     = "minio"
	NameVersityGW = "versitygw"
	NameLocal     = "local"
)

// CI reports whether CI=true (or 1): missing servers then fail tests.
func CI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// fromEnv reads a remote server's settings. ok is false, with the names of
// the missing variables in missing, when any required one is unset.
func fromEnv(name string) (s Server, missing []string, err error) {
	prefix := "S3LUA_" + strings.ToUpper(name) + "_"
	get := func(v string) string {
		val := os.Getenv(prefix + v)
		if val == "" {
			missing = append(missing, prefix+v)
		}
		return val
	}
	s = Server{
		Name:      name,
		Endpoint:  strings.TrimRight(get("ENDPOINT"), "/"),
		AccessKey: get("ACCESS_KEY"),
		SecretKey: get("SECRET_KEY"),
		Region:    os.Getenv(prefix + "REGION"),
	}
	if s.Region == "" {
		s.Region = DefaultRegion
	}
	if len(missing) > 0 {
		return s, missing, nil
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return s, nil, &url.Error{Op: "parse " + prefix + "ENDPOINT", URL: s.Endpoint, Err: err}
	}
	s.Host = u.Host
	return s, nil, nil
}

// remote returns the named server, or skips (fails under CI) when absent.
func remote(t testing.TB, name string) Server {
	t.Helper()
	s, missing, err := fromEnv(name)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if len(missing) > 0 {
		msg := "testenv: " + name + " not configured (" + strings.Join(missing, ", ") +
			" unset); run the tests through tests/run.sh"
		if CI() {
			t.Fatal(msg + " [CI=true: a missing server is a failure]")
		}
		t.Skip(msg)
	}
	return s
}

// MinIO returns the MinIO server from the environment.
func MinIO(t testing.TB) Server {
	t.Helper()
	return remote(t, NameMinIO)
}

// VersityGW returns the versitygw server from the environment.
func VersityGW(t testing.TB) Server {
	t.Helper()
	return remote(t, NameVersityGW)
}

// Local starts an in-memory embedded store for this test; it is closed by
// t.Cleanup.
func Local(t testing.TB) Server {
	t.Helper()
	st, err := localstore.Start("")
	if err != nil {
		t.Fatalf("testenv: start the embedded store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("testenv: close the embedded store: %v", err)
		}
	})
	ak, sk := st.Credentials()
	return Server{
		Name:      NameLocal,
		Endpoint:  st.Endpoint(),
		Host:      st.Host(),
		AccessKey: ak,
		SecretKey: sk,
		Region:    st.Region(),
		Local:     true,
	}
}

// Remotes returns MinIO and versitygw: the servers that verify signatures.
// A server missing from the environment is left out with a log line, or
// fails the test under CI=true; when both are missing the test is skipped.
func Remotes(t testing.TB) []Server {
	t.Helper()
	out := configured(t, "run the tests through tests/run.sh")
	if len(out) == 0 {
		t.Skip("testenv: no remote S3 server configured; run the tests through tests/run.sh")
	}
	return out
}

// Servers returns every server to test against: MinIO and versitygw from the
// environment, then a fresh embedded store (closed by t.Cleanup). A missing
// remote server is left out with a log line, or fails the test under
// CI=true; the embedded store is always there.
func Servers(t testing.TB) []Server {
	t.Helper()
	out := configured(t, "testing the embedded store only for it")
	return append(out, Local(t))
}

// UniqueBucket returns a fresh bucket name: prefix lower-cased, with
// characters outside [a-z0-9-] turned into '-', then '-' and 12 random hex
// digits; always 3..63 characters, DNS-compliant (no dots, no leading or
// trailing '-'). It does not create the bucket.
func UniqueBucket(t testing.TB, prefix string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range strings.ToLower(prefix) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	p := strings.Trim(b.String(), "-")
	for strings.Contains(p, "--") {
		p = strings.ReplaceAll(p, "--", "-")
	}
	if p == "" {
		p = "s3lua"
	}
	const suffixLen = 1 + 12 // "-" + 6 random bytes in hex
	if len(p) > 63-suffixLen {
		p = strings.TrimRight(p[:63-suffixLen], "-")
	}
	rnd := make([]byte, 6)
	if _, err := rand.Read(rnd); err != nil {
		t.Fatalf("testenv: random bucket suffix: %v", err)
	}
	return p + "-" + hex.EncodeToString(rnd)
}

// configured returns the remote servers the environment describes. A
// missing one fails the test under CI=true, else is logged with note.
func configured(t testing.TB, note string) []Server {
	t.Helper()
	var out []Server
	for _, name := range []string{NameMinIO, NameVersityGW} {
		s, missing, err := fromEnv(name)
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		if len(missing) > 0 {
			if CI() {
				t.Fatalf("testenv: %s not configured (%s unset) [CI=true: a missing server is a failure]",
					name, strings.Join(missing, ", "))
			}
			t.Logf("testenv: %s not configured (%s unset); %s", name, strings.Join(missing, ", "), note)
			continue
		}
		out = append(out, s)
	}
	return out
}
