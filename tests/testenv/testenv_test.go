package testenv

import (
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
