package engine

import (
	"strings"
	"testing"
)

func TestConfigDefaults(t *testing.T) {
	c, err := New(Config{Credentials: StaticCredentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.Config()
	if cfg.Host != "s3.amazonaws.com" || cfg.Region != "us-east-1" || cfg.Scheme != "https" ||
		cfg.MaxTries != 5 || cfg.ChunkLen != 64<<10 || cfg.Workers != 4 || cfg.HTTPClient != sharedHTTPClient {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"ok", Config{Host: "127.0.0.1:9000", Scheme: "http"}, ""},
		{"bad scheme", Config{Scheme: "ftp"}, `Scheme "ftp"`},
		{"negative tries", Config{MaxTries: -1}, "MaxTries -1"},
		{"small chunk", Config{ChunkLen: 1024}, "ChunkLen 1024"},
		{"url as host", Config{Host: "http://example.com"}, "not a URL"},
		{"empty port", Config{Host: "example.com:"}, "empty port"},
		{"negative workers", Config{Workers: -2}, "Workers -2"},
		{"negative part size", Config{PartSize: -1}, "PartSize -1"},
		{"part size below 5 MiB", Config{PartSize: 1 << 20}, "PartSize 1048576: want 0 (computed) or 5 MiB..5 GiB"},
		{"part size above 5 GiB", Config{PartSize: 6 << 30}, "PartSize 6442450944"},
		{"part size 5 MiB", Config{PartSize: 5 << 20}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Credentials = StaticCredentials{AccessKeyID: "a", SecretAccessKey: "b"}
			_, err := New(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestPathStyle(t *testing.T) {
	tests := []struct {
		host, scheme, bucket string
		force                bool
		want                 bool
	}{
		{"s3.amazonaws.com", "https", "mybucket", false, false},
		{"s3.amazonaws.com", "https", "mybucket", true, true},
		{"s3.amazonaws.com", "https", "my.bucket", false, true}, // TLS wildcard
		{"s3.amazonaws.com", "http", "my.bucket", false, false},
		{"s3.amazonaws.com", "https", "MyBucket", false, true}, // not DNS-compatible
		{"s3.amazonaws.com", "https", "my_bucket", false, true},
		{"127.0.0.1:9000", "http", "mybucket", false, true},
		{"[::1]:9000", "http", "mybucket", false, true},
		{"localhost:9000", "http", "mybucket", false, true},
		{"minio.localhost", "http", "mybucket", false, true},
		{"minio.example.com:9000", "http", "mybucket", false, false},
	}
	for _, tt := range tests {
		cfg := Config{Host: tt.host, Scheme: tt.scheme, PathStyle: tt.force}
		if got := cfg.usePathStyle(tt.bucket); got != tt.want {
			t.Errorf("%s %s %s force=%v: path style %v, want %v", tt.scheme, tt.host, tt.bucket, tt.force, got, tt.want)
		}
	}
}

func TestWithConfigSharesPoolAndCredentials(t *testing.T) {
	creds := StaticCredentials{AccessKeyID: "a", SecretAccessKey: "b"}
	c, err := New(Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.WithConfig(Config{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if d.http != c.http || d.creds != c.creds || d.signer != c.signer {
		t.Error("WithConfig did not share the pool, the credentials and the signer")
	}
	if d.Config().Region != "eu-west-1" || c.Config().Region != "us-east-1" {
		t.Errorf("regions: %q, %q", d.Config().Region, c.Config().Region)
	}
	if _, err := c.WithConfig(Config{Scheme: "gopher"}); err == nil {
		t.Error("WithConfig accepted a bad scheme")
	}
}

// LoadConfig follows the AWS CLI's conventions: region and endpoint from
// the environment, path style for a local endpoint, the regional host
// without one.
func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", dir+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_REGION", "eu-west-3")
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-3" || cfg.Host != "s3.eu-west-3.amazonaws.com" || cfg.PathStyle || cfg.Credentials == nil {
		t.Errorf("regional: %+v", cfg)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000")
	if cfg, err = LoadConfig(""); err != nil || cfg.Scheme != "http" || cfg.Host != "127.0.0.1:9000" || !cfg.PathStyle {
		t.Errorf("endpoint: %+v, %v", cfg, err)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://user:secret@host:9000")
	if _, err := LoadConfig(""); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("an endpoint with user information: %v (must fail without the password)", err)
	}
	if RegionalHost("us-east-1") != "" || RegionalHost("") != "" {
		t.Error("us-east-1 and no region use the default host")
	}
}
