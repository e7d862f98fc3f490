package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// clearAWSEnv isolates a test from the machine's AWS configuration.
func clearAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_SERVICE_ENDPOINT"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEnvCredentials(t *testing.T) {
	clearAWSEnv(t)
	if _, err := EnvCredentials().Retrieve(context.Background()); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("empty env: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SKENV")
	c, err := EnvCredentials().Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKENV" || c.SecretAccessKey != "SKENV" || c.SessionToken != "" {
		t.Fatalf("without token: %v %v", c, err)
	}
	t.Setenv("AWS_SESSION_TOKEN", "TOKENV")
	if c, _ = EnvCredentials().Retrieve(context.Background()); c.SessionToken != "TOKENV" {
		t.Fatalf("token: %v", c)
	}
}

const credentialsFile = `# comment
[default]
aws_access_key_id = AKDEFAULT
aws_secret_access_key = SKDEFAULT ; inline comment

[partial]
aws_access_key_id = AKPARTIAL

[later]
aws_secret_access_key = SKLATER

[session]
aws_access_key_id=AKSESSION
aws_secret_access_key=SKSESSION
aws_session_token=TOKSESSION
`

const configFileContent = `[default]
region = eu-west-3
[profile fromconfig]
aws_access_key_id = AKCONFIG
aws_secret_access_key = SKCONFIG
region = ap-south-1
endpoint_url = http://127.0.0.1:9000
`

func TestSharedFileCredentials(t *testing.T) {
	clearAWSEnv(t)
	writeFile(t, os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), credentialsFile)
	writeFile(t, os.Getenv("AWS_CONFIG_FILE"), configFileContent)
	tests := []struct {
		name, profile, envProfile, envDefault string
		wantID, wantToken                     string
		wantErr                               string
	}{
		{"default", "", "", "", "AKDEFAULT", "", ""},
		{"explicit", "session", "", "", "AKSESSION", "TOKSESSION", ""},
		{"AWS_PROFILE", "", "session", "default", "AKSESSION", "TOKSESSION", ""},
		{"AWS_DEFAULT_PROFILE", "", "", "session", "AKSESSION", "TOKSESSION", ""},
		{"config file profile", "fromconfig", "", "", "AKCONFIG", "", ""},
		// The reference took a missing key from a later section: keys stay in their section.
		{"partial section", "partial", "", "", "", "", "must both be set"},
		{"missing profile", "nosuch", "", "", "", "", "[profile nosuch]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_PROFILE", tt.envProfile)
			t.Setenv("AWS_DEFAULT_PROFILE", tt.envDefault)
			c, err := SharedFileCredentials("", tt.profile).Retrieve(context.Background())
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.AccessKeyID != tt.wantID || c.SessionToken != tt.wantToken {
				t.Fatalf("got %v, %v", c, err)
			}
		})
	}
}

func TestSharedFileExplicitFilename(t *testing.T) {
	clearAWSEnv(t)
	f := filepath.Join(t.TempDir(), "creds")
	writeFile(t, f, "[x]\naws_access_key_id=A\naws_secret_access_key=S\n")
	c, err := SharedFileCredentials(f, "x").Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "A" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestLoadSettings(t *testing.T) {
	clearAWSEnv(t)
	writeFile(t, os.Getenv("AWS_CONFIG_FILE"), configFileContent)
	s, err := LoadSettings("fromconfig")
	if err != nil || s.Region != "ap-south-1" || s.Endpoint != "http://127.0.0.1:9000" || s.Profile != "fromconfig" {
		t.Fatalf("config: %+v %v", s, err)
	}
	if s, _ := LoadSettings(""); s.Region != "eu-west-3" || s.Endpoint != "" {
		t.Fatalf("default: %+v", s)
	}
	t.Setenv("AWS_DEFAULT_REGION", "us-west-1")
	t.Setenv("AWS_ENDPOINT_URL", "http://generic")
	if s, _ := LoadSettings("fromconfig"); s.Region != "us-west-1" || s.Endpoint != "http://generic" {
		t.Fatalf("AWS_DEFAULT_REGION: %+v", s)
	}
	t.Setenv("AWS_REGION", "us-west-2")
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://s3specific")
	if s, _ := LoadSettings("fromconfig"); s.Region != "us-west-2" || s.Endpoint != "http://s3specific" {
		t.Fatalf("AWS_REGION: %+v", s)
	}
}

func TestNoCredentialsListsPlaces(t *testing.T) {
	clearAWSEnv(t)
	_, err := DefaultCredentials("").Retrieve(context.Background())
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("error %v", err)
	}
	var ce *CredentialsError
	if !errors.As(err, &ce) {
		t.Fatalf("not a *CredentialsError: %T", err)
	}
	msg := err.Error()
	for _, want := range []string{"AWS_ACCESS_KEY_ID", os.Getenv("AWS_SHARED_CREDENTIALS_FILE"),
		os.Getenv("AWS_CONFIG_FILE"), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_EC2_METADATA_DISABLED"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
}

func TestSecretsNeverFormatted(t *testing.T) {
	s := StaticCredentials{AccessKeyID: "AKID", SecretAccessKey: "TOPSECRET", SessionToken: "SESSIONTOK"}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s), s.String(), s.GoString()} {
		if strings.Contains(out, "TOPSECRET") || strings.Contains(out, "SESSIONTOK") {
			t.Errorf("secret leaked: %s", out)
		}
	}
}

// metadataJSON is the metadata services' answer.
func metadataJSON(id string, exp time.Time) string {
	return fmt.Sprintf(`{"Code":"Success","AccessKeyId":%q,"SecretAccessKey":"SK-%s","Token":"TOK-%s","Expiration":%q}`,
		id, id, id, exp.UTC().Format(time.RFC3339))
}

func TestECSCredentialsFullURI(t *testing.T) {
	clearAWSEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/creds" || r.Header.Get("Authorization") != "Bearer from-file" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, metadataJSON("AKECS", time.Now().Add(time.Hour)))
	}))
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, "Bearer from-file\n")
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/creds")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong") // the file wins
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile)
	c, err := ECSCredentials().Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKECS" || c.SessionToken != "TOK-AKECS" {
		t.Fatalf("%v %v", c, err)
	}
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "")
	_, err = ECSCredentials().Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "status 401") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong token: %v", err)
	}
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds")
	_, err = ECSCredentials().Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "only to loopback") {
		t.Fatalf("plain http to a remote host: %v", err)
	}
}

// imdsServer plays IMDSv2: the token is required; each credentials fetch
// hands out a new key that expires after ttl.
type imdsServer struct {
	*httptest.Server
	fetches atomic.Int32
	ttl     time.Duration
	gate    chan struct{} // if non-nil, credential fetches wait for it
}

func newIMDS(t *testing.T, ttl time.Duration) *imdsServer {
	s := &imdsServer{ttl: ttl}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const token = "imds-session-token"
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			if r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
				http.Error(w, "ttl required", http.StatusBadRequest)
				return
			}
			fmt.Fprint(w, token)
		case r.Header.Get("X-aws-ec2-metadata-token") != token:
			http.Error(w, "IMDSv1 refused", http.StatusUnauthorized)
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			fmt.Fprint(w, "the-role\n")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/the-role":
			if s.gate != nil {
				<-s.gate
			}
			n := s.fetches.Add(1)
			fmt.Fprint(w, metadataJSON(fmt.Sprintf("AKIMDS%d", n), time.Now().Add(s.ttl)))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestIMDSCredentials(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	srv := newIMDS(t, time.Hour)
	c, err := IMDSCredentials(srv.URL).Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKIMDS1" || c.SecretAccessKey != "SK-AKIMDS1" || c.SessionToken != "TOK-AKIMDS1" {
		t.Fatalf("%v %v", c, err)
	}
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", srv.URL)
	if c, err := IMDSCredentials("").Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIMDS2" {
		t.Fatalf("endpoint from env: %v %v", c, err)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if _, err := IMDSCredentials(srv.URL).Retrieve(context.Background()); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("disabled: %v", err)
	}
}

func TestCachedCredentialsRefreshBeforeExpiry(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	srv := newIMDS(t, time.Hour)
	p := NewCachedCredentials(IMDSCredentials(srv.URL)).(*cachedProvider)
	now := time.Now()
	p.now = func() time.Time { return now }
	ctx := context.Background()
	first, err := p.Retrieve(ctx)
	if err != nil || first.AccessKeyID != "AKIMDS1" {
		t.Fatalf("%v %v", first, err)
	}
	if again, _ := p.Retrieve(ctx); again.AccessKeyID != "AKIMDS1" || srv.fetches.Load() != 1 {
		t.Fatalf("cached: %v after %d fetches", again, srv.fetches.Load())
	}
	now = now.Add(time.Hour - 4*time.Minute) // inside the 5-minute window
	if fresh, _ := p.Retrieve(ctx); fresh.AccessKeyID != "AKIMDS2" {
		t.Fatalf("not refreshed before expiry: %v", fresh)
	}
}

// TestCachedCredentialsSurviveFailedRefresh: an early refresh that fails
// (the metadata service down) keeps the old keys while they are valid;
// once they have expired the failure is returned.
func TestCachedCredentialsSurviveFailedRefresh(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	srv := newIMDS(t, time.Hour)
	p := NewCachedCredentials(IMDSCredentials(srv.URL)).(*cachedProvider)
	now := time.Now()
	p.now = func() time.Time { return now }
	ctx := context.Background()
	if first, err := p.Retrieve(ctx); err != nil || first.AccessKeyID != "AKIMDS1" {
		t.Fatalf("%v %v", first, err)
	}
	srv.Close()
	now = now.Add(time.Hour - 4*time.Minute) // refresh due, keys still valid
	if got, err := p.Retrieve(ctx); err != nil || got.AccessKeyID != "AKIMDS1" {
		t.Fatalf("failed refresh before expiry: %v, %v; want the old keys", got, err)
	}
	now = now.Add(5 * time.Minute) // expired
	if got, err := p.Retrieve(ctx); err == nil {
		t.Fatalf("expired keys returned: %v", got)
	}
}

func TestCachedCredentialsSingleFlight(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	srv := newIMDS(t, time.Hour)
	srv.gate = make(chan struct{})
	p := NewCachedCredentials(IMDSCredentials(srv.URL))
	const workers = 32
	var wg sync.WaitGroup
	got := make([]signature.Credentials, workers)
	errs := make([]error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = p.Retrieve(context.Background())
		}()
	}
	close(srv.gate)
	wg.Wait()
	for i := range workers {
		if errs[i] != nil || got[i].AccessKeyID != got[0].AccessKeyID {
			t.Fatalf("worker %d: %v %v (worker 0 has %s)", i, got[i], errs[i], got[0].AccessKeyID)
		}
	}
	// Callers that arrive while the refresh runs join it; later ones find
	// its keys cached: one fetch whatever the interleaving.
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("%d refreshes for %d concurrent callers, want 1", n, workers)
	}
}

func TestRequestWithoutCredentials(t *testing.T) {
	clearAWSEnv(t)
	c, err := New(Config{Host: "127.0.0.1:1", Scheme: "http"}) // DefaultCredentials, nothing configured
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Head(context.Background(), "b/k", nil)
	var rq *RequestError
	if !errors.Is(err, ErrNoCredentials) || !errors.As(err, &rq) || rq.Key != "k" {
		t.Fatalf("error %v, want a *RequestError matching ErrNoCredentials", err)
	}
}

func TestECSCredentialsRelativeURI(t *testing.T) {
	clearAWSEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/credentials/abc" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, metadataJSON("AKREL", time.Now().Add(time.Hour)))
	}))
	defer srv.Close()
	old := ecsHost
	ecsHost = srv.URL
	defer func() { ecsHost = old }()
	t.Setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")
	c, err := DefaultCredentials("").Retrieve(context.Background())
	if err != nil || c.AccessKeyID != "AKREL" || c.SessionToken != "TOK-AKREL" {
		t.Fatalf("%v %v", c, err)
	}
}
