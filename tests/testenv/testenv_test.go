package testenv

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var dnsBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

func TestUniqueBucket(t *testing.T) {
	tests := []struct{ prefix, wantPrefix string }{
		{"sig", "sig-"},
		{"TestSignature/MinIO", "testsignature-minio-"},
		{"", "s3lua-"},
		{"--__--", "s3lua-"},
		{"a.b_c d", "a-b-c-d-"},
		{strings.Repeat("x", 100), strings.Repeat("x", 50) + "-"},
		{"ünïcode", "n-code-"},
	}
	for _, tc := range tests {
		t.Run(tc.prefix, func(t *testing.T) {
			a, b := UniqueBucket(t, tc.prefix), UniqueBucket(t, tc.prefix)
			if a == b {
				t.Fatalf("two calls gave the same name %q", a)
			}
			if !dnsBucket.MatchString(a) || strings.Contains(a, "--") {
				t.Fatalf("%q is not a DNS-compliant bucket name", a)
			}
			if !strings.HasPrefix(a, tc.wantPrefix) {
				t.Fatalf("%q does not start with %q", a, tc.wantPrefix)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("S3LUA_MINIO_ENDPOINT", "http://127.0.0.1:9000/")
	t.Setenv("S3LUA_MINIO_ACCESS_KEY", "ak")
	t.Setenv("S3LUA_MINIO_SECRET_KEY", "sk")
	t.Setenv("S3LUA_MINIO_REGION", "")
	s, missing, err := fromEnv(NameMinIO)
	if err != nil || len(missing) > 0 {
		t.Fatalf("fromEnv: %v, missing %v", err, missing)
	}
	want := Server{Name: "minio", Endpoint: "http://127.0.0.1:9000", Host: "127.0.0.1:9000",
		AccessKey: "ak", SecretKey: "sk", Region: "us-east-1"}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	if strings.Contains(s.String(), "sk") {
		t.Fatalf("String shows the secret: %s", s)
	}

	t.Setenv("S3LUA_VERSITYGW_ENDPOINT", "")
	t.Setenv("S3LUA_VERSITYGW_ACCESS_KEY", "")
	t.Setenv("S3LUA_VERSITYGW_SECRET_KEY", "x")
	if _, missing, _ := fromEnv(NameVersityGW); strings.Join(missing, ",") != "S3LUA_VERSITYGW_ENDPOINT,S3LUA_VERSITYGW_ACCESS_KEY" {
		t.Fatalf("missing = %v", missing)
	}

	t.Setenv("S3LUA_MINIO_ENDPOINT", "127.0.0.1:9000")
	if _, _, err := fromEnv(NameMinIO); err == nil {
		t.Fatal("an endpoint without a scheme was accepted")
	}
}

func TestLocal(t *testing.T) {
	s := Local(t)
	if !s.Local || s.Name != "local" || s.Endpoint != "http://"+s.Host || s.AccessKey == "" || s.Region != "us-east-1" {
		t.Fatalf("Local = %+v", s)
	}
}

// fakeTB records how a helper ended a test: Fatal or Skip stop it with a
// panic that run recovers, as runtime.Goexit would stop the real test.
type fakeTB struct {
	testing.TB
	fatal, skipped bool
	msg            string
}

type stopped struct{}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Logf(string, ...any) {}
func (f *fakeTB) Fatal(args ...any)   { f.fatal, f.msg = true, fmt.Sprint(args...); panic(stopped{}) }
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.fatal, f.msg = true, fmt.Sprintf(format, a...)
	panic(stopped{})
}
func (f *fakeTB) Skip(args ...any) { f.skipped, f.msg = true, fmt.Sprint(args...); panic(stopped{}) }

func run(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopped); !ok {
					panic(r)
				}
			}
		}()
		fn(f)
	}()
	return f
}

func TestMissingServerSkipsOrFailsUnderCI(t *testing.T) {
	for _, name := range []string{"MINIO", "VERSITYGW"} {
		for _, v := range []string{"ENDPOINT", "ACCESS_KEY", "SECRET_KEY"} {
			t.Setenv("S3LUA_"+name+"_"+v, "")
		}
	}
	helpers := []struct {
		name string
		fn   func(tb testing.TB)
	}{
		{"MinIO", func(tb testing.TB) { MinIO(tb) }},
		{"VersityGW", func(tb testing.TB) { VersityGW(tb) }},
		{"Remotes", func(tb testing.TB) { Remotes(tb) }},
		{"Servers", func(tb testing.TB) { Servers(tb) }},
	}
	for _, ci := range []string{"", "true"} {
		for _, h := range helpers {
			t.Run(h.name+"/CI="+ci, func(t *testing.T) {
				t.Setenv("CI", ci)
				f := run(t, h.fn)
				switch {
				case ci == "true" && !f.fatal:
					t.Fatalf("under CI=true a missing server must fail the test (skipped=%v)", f.skipped)
				case ci == "true" && !strings.Contains(f.msg, "S3LUA_"):
					t.Fatalf("the failure does not name the missing variable: %s", f.msg)
				case ci == "" && h.name == "Servers" && (f.fatal || f.skipped):
					t.Fatalf("Servers without remote servers must still give the embedded store: %s", f.msg)
				case ci == "" && h.name != "Servers" && !f.skipped:
					t.Fatalf("a missing server must skip outside CI (fatal=%v)", f.fatal)
				}
			})
		}
	}
}
