package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// CredentialsProvider supplies the keys requests are signed with. Retrieve
// is called before every attempt of every request, from many goroutines at
// once: implementations must be safe for concurrent use and cheap when the
// keys are cached (DefaultCredentials caches).
type CredentialsProvider interface {
	Retrieve(ctx context.Context) (signature.Credentials, error)
}

// ErrNoCredentials is the cause of every "no credentials found" failure.
// The error returned is a *CredentialsError naming every place looked at;
// errors.Is(err, ErrNoCredentials) matches it.
var ErrNoCredentials = errors.New("no AWS credentials found")

// CredentialsError reports that no provider had keys. Tried lists the
// places looked at (variable names, file paths, endpoints), never values.
// Errs holds failures that were not simply "nothing there" (a malformed
// file, an unreachable container endpoint).
type CredentialsError struct {
	Tried []string
	Errs  []error
}

// Error names every place looked at, never a value found there.
func (e *CredentialsError) Error() string {
	msg := ErrNoCredentials.Error()
	if len(e.Tried) > 0 {
		msg += "; looked in: " + strings.Join(e.Tried, "; ")
	}
	for _, err := range e.Errs {
		msg += "; " + err.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrNoCredentials) true.
func (e *CredentialsError) Is(target error) bool { return target == ErrNoCredentials }

// Unwrap returns the failures other than "nothing there".
func (e *CredentialsError) Unwrap() []error { return e.Errs }

// notFound is what a provider returns when its source simply has no keys;
// the chain moves on and records where it looked.
func notFound(where string) error { return &CredentialsError{Tried: []string{where}} }

// StaticCredentials are fixed keys. Its String and GoString never show the
// secret or the token.
type StaticCredentials signature.Credentials

// Retrieve returns the keys, or a *CredentialsError if the access key or
// the secret is empty.
func (s StaticCredentials) Retrieve(context.Context) (signature.Credentials, error) {
	if s.AccessKeyID == "" || s.SecretAccessKey == "" {
		return signature.Credentials{}, notFound("explicit credentials (empty)")
	}
	return signature.Credentials(s), nil
}

// String shows the access key id only.
func (s StaticCredentials) String() string { return signature.Credentials(s).String() }

// GoString redacts like String, so %#v is safe too.
func (s StaticCredentials) GoString() string { return signature.Credentials(s).GoString() }

// Format redacts in every verb.
func (s StaticCredentials) Format(f fmt.State, verb rune) {
	io.WriteString(f, signature.Credentials(s).String())
}

type envProvider struct{}

// EnvCredentials reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the
// optional AWS_SESSION_TOKEN at each Retrieve.
func EnvCredentials() CredentialsProvider { return envProvider{} }

func (envProvider) Retrieve(context.Context) (signature.Credentials, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return signature.Credentials{}, notFound("environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	}
	return signature.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN")}, nil
}

// chainProvider tries providers in order.
type chainProvider []CredentialsProvider

// ChainCredentials returns the keys of the first provider that has some.
// A provider with nothing to offer (a *CredentialsError) passes to the
// next; when none has keys the result lists every place looked at. Any
// other error (a malformed file, a cancelled context) stops the chain.
func ChainCredentials(ps ...CredentialsProvider) CredentialsProvider {
	return chainProvider(ps)
}

func (ch chainProvider) Retrieve(ctx context.Context) (signature.Credentials, error) {
	all := &CredentialsError{}
	for _, p := range ch {
		creds, err := p.Retrieve(ctx)
		if err == nil {
			return creds, nil
		}
		var ce *CredentialsError
		if !errors.As(err, &ce) {
			return signature.Credentials{}, err
		}
		all.Tried = append(all.Tried, ce.Tried...)
		all.Errs = append(all.Errs, ce.Errs...)
		if ctx.Err() != nil {
			return signature.Credentials{}, ctx.Err()
		}
	}
	return signature.Credentials{}, all
}

// sharedFileProvider reads the AWS CLI's credentials and config files.
type sharedFileProvider struct{ filename, profile string }

// SharedFileCredentials reads the AWS CLI's files at each Retrieve:
// filename (or $AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials) section
// [profile], then $AWS_CONFIG_FILE (or ~/.aws/config) section
// [profile NAME] ([default] for the default profile). profile "" means
// $AWS_PROFILE, then $AWS_DEFAULT_PROFILE, then "default". Keys:
// aws_access_key_id, aws_secret_access_key, aws_session_token.
func SharedFileCredentials(filename, profile string) CredentialsProvider {
	return sharedFileProvider{filename, profile}
}

func (p sharedFileProvider) Retrieve(context.Context) (signature.Credentials, error) {
	profile := resolveProfile(p.profile)
	credFile := p.filename
	if credFile == "" {
		credFile = sharedCredentialsFile()
	}
	var tried []string
	var errs []error
	try := func(file, section string) (signature.Credentials, bool) {
		tried = append(tried, fmt.Sprintf("%s [%s]", file, section))
		sec, err := readINISection(file, section)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
			return signature.Credentials{}, false
		}
		c := signature.Credentials{
			AccessKeyID:     sec["aws_access_key_id"],
			SecretAccessKey: sec["aws_secret_access_key"],
			SessionToken:    sec["aws_session_token"],
		}
		switch {
		case c.AccessKeyID != "" && c.SecretAccessKey != "":
			return c, true
		case c.AccessKeyID != "" || c.SecretAccessKey != "":
			errs = append(errs, fmt.Errorf("%s [%s]: aws_access_key_id and aws_secret_access_key must both be set", file, section))
		}
		return signature.Credentials{}, false
	}
	if c, ok := try(credFile, profile); ok {
		return c, nil
	}
	if p.filename == "" {
		if c, ok := try(configFile(), configSection(profile)); ok {
			return c, nil
		}
	}
	return signature.Credentials{}, &CredentialsError{Tried: tried, Errs: errs}
}

func resolveProfile(profile string) string {
	for _, p := range []string{profile, os.Getenv("AWS_PROFILE"), os.Getenv("AWS_DEFAULT_PROFILE")} {
		if p != "" {
			return p
		}
	}
	return "default"
}

// configSection is the section of a profile in the config file.
func configSection(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

func homeFile(parts ...string) string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "~"
	}
	return filepath.Join(append([]string{home}, parts...)...)
}

func sharedCredentialsFile() string {
	if f := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		return f
	}
	return homeFile(".aws", "credentials")
}

func configFile() string {
	if f := os.Getenv("AWS_CONFIG_FILE"); f != "" {
		return f
	}
	return homeFile(".aws", "config")
}

// readINISection returns the key = value pairs of [section] in file. Keys
// are lower-cased; lines starting with # or ; are comments; only the keys
// inside the section count (the reference took keys from later sections).
// A missing section is an empty map; a missing file is os.ErrNotExist.
func readINISection(file, section string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				in = false
				continue
			}
			in = strings.Join(strings.Fields(line[1:end]), " ") == section
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		// An inline comment needs whitespace before it, as in the AWS CLI.
		for _, mark := range []string{" #", "\t#", " ;", "\t;"} {
			if i := strings.Index(v, mark); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return out, nil
}

// Settings are the non-secret parts of the AWS CLI configuration.
type Settings struct {
	Region   string // "" when not configured
	Endpoint string // an endpoint URL, "" when not configured
	Profile  string // the profile that was read
	CABundle string // a PEM file of CA certificates (Config.CABundle), "" when not configured
}

// LoadSettings reads the region (AWS_REGION, AWS_DEFAULT_REGION, then the
// config file's region), the S3 endpoint (AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL, then the config file's endpoint_url) and the CA bundle
// (AWS_CA_BUNDLE, then the config file's ca_bundle) of profile ("" as in
// SharedFileCredentials). A missing config file is not an error.
func LoadSettings(profile string) (Settings, error) {
	s := Settings{Profile: resolveProfile(profile)}
	sec, err := readINISection(configFile(), configSection(s.Profile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return s, fmt.Errorf("engine.LoadSettings: %w", err)
	}
	s.Region = firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), sec["region"])
	s.Endpoint = firstNonEmpty(os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL"), sec["endpoint_url"])
	s.CABundle = firstNonEmpty(os.Getenv("AWS_CA_BUNDLE"), sec["ca_bundle"])
	return s, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// metadataClient talks to the container and instance metadata services:
// short timeouts so that a machine without them does not hang, no proxy
// (the addresses are link-local) and no redirects.
var metadataClient = &http.Client{
	Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
		ResponseHeaderTimeout: 2 * time.Second,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	},
	Timeout: 5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// metadataCreds is the JSON both metadata services answer with.
type metadataCreds struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	Code            string `json:"Code"`
	Message         string `json:"Message"`
}

// expiringProvider is implemented by providers whose keys expire; the
// cache asks for the expiry alongside the keys.
type expiringProvider interface {
	retrieveWithExpiry(ctx context.Context) (signature.Credentials, time.Time, error)
}

func (m *metadataCreds) result(where string) (signature.Credentials, time.Time, error) {
	if m.Code != "" && m.Code != "Success" {
		return signature.Credentials{}, time.Time{}, fmt.Errorf("%s: %s: %s", where, m.Code, m.Message)
	}
	if m.AccessKeyID == "" || m.SecretAccessKey == "" {
		return signature.Credentials{}, time.Time{}, fmt.Errorf("%s: answer without AccessKeyId/SecretAccessKey", where)
	}
	var exp time.Time
	if m.Expiration != "" {
		t, err := time.Parse(time.RFC3339, m.Expiration)
		if err != nil {
			return signature.Credentials{}, time.Time{}, fmt.Errorf("%s: bad Expiration %q", where, m.Expiration)
		}
		exp = t
	}
	return signature.Credentials{AccessKeyID: m.AccessKeyID, SecretAccessKey: m.SecretAccessKey, SessionToken: m.Token}, exp, nil
}

// ecsProvider fetches container credentials (ECS, EKS pod identity).
type ecsProvider struct{}

// ECSCredentials fetches container credentials from
// http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or from
// $AWS_CONTAINER_CREDENTIALS_FULL_URI, sending $AWS_CONTAINER_AUTHORIZATION_TOKEN
// (or the content of $AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) as the
// Authorization header. Without those variables it has nothing to offer.
// The keys expire; wrap it in DefaultCredentials' cache or ChainCredentials
// under DefaultCredentials to refresh them ahead of time.
func ECSCredentials() CredentialsProvider { return ecsProvider{} }

// ecsHost is the container credentials endpoint for relative URIs (a
// variable so that tests can point it at a local server).
var ecsHost = "http://169.254.170.2"

func (p ecsProvider) Retrieve(ctx context.Context) (signature.Credentials, error) {
	c, _, err := p.retrieveWithExpiry(ctx)
	return c, err
}

func (ecsProvider) retrieveWithExpiry(ctx context.Context) (signature.Credentials, time.Time, error) {
	const where = "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI)"
	var endpoint string
	if rel := os.Getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		endpoint = ecsHost + rel
	} else if full := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"); full != "" {
		if err := checkFullURI(full); err != nil {
			return signature.Credentials{}, time.Time{}, credFailure(where, err)
		}
		endpoint = full
	} else {
		return signature.Credentials{}, time.Time{}, notFound(where)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return signature.Credentials{}, time.Time{}, credFailure(where, fmt.Errorf("bad endpoint: %w", err))
	}
	token := os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	if tf := os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); tf != "" {
		b, err := os.ReadFile(tf)
		if err != nil {
			return signature.Credentials{}, time.Time{}, credFailure(where, fmt.Errorf("authorization token file: %w", err))
		}
		token = strings.TrimSpace(string(b))
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	var m metadataCreds
	if err := getJSON(req, &m); err != nil {
		return signature.Credentials{}, time.Time{}, credFailure(where, err)
	}
	c, exp, err := m.result("container credentials")
	if err != nil {
		return signature.Credentials{}, time.Time{}, credFailure(where, err)
	}
	return c, exp, nil
}

// checkFullURI allows, as the AWS SDKs do, https anywhere but plain http
// only to loopback and the ECS and EKS container endpoints, so that the
// authorization token never crosses a network in clear.
func checkFullURI(full string) error {
	u, err := url.Parse(full)
	if err != nil || u.Host == "" {
		return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI: not an absolute URL")
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme != "http" {
		return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI: scheme %q: want http or https", u.Scheme)
	}
	host := u.Hostname()
	if host == "localhost" || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is allowed only to loopback or the container endpoints, not %q", host)
}

// credFailure is a provider failure that is not "nothing there": it is
// reported, but the chain still moves on (a broken metadata endpoint must
// not hide keys further down).
func credFailure(where string, err error) error {
	return &CredentialsError{Tried: []string{where}, Errs: []error{err}}
}

// getJSON sends req with the metadata client and decodes a 200 answer.
// Errors never include the answer's body (it may hold keys).
func getJSON(req *http.Request, v any) error {
	resp, err := metadataClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), unwrapURLError(err))
	}
	defer drainClose(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Redacted(), resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", req.Method, req.URL.Redacted(), err)
	}
	return nil
}

// imdsProvider fetches EC2 instance-role credentials with IMDSv2.
type imdsProvider struct{ endpoint string }

// IMDSCredentials fetches EC2 instance-profile credentials with IMDSv2: a
// session token from PUT /latest/api/token, then the role name and its keys
// from /latest/meta-data/iam/security-credentials/. endpoint "" means
// $AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254. With
// AWS_EC2_METADATA_DISABLED=true it has nothing to offer. Timeouts are
// short (1 s to connect) so a machine that is not on EC2 does not hang.
func IMDSCredentials(endpoint string) CredentialsProvider { return imdsProvider{endpoint} }

func (p imdsProvider) Retrieve(ctx context.Context) (signature.Credentials, error) {
	c, _, err := p.retrieveWithExpiry(ctx)
	return c, err
}

func (p imdsProvider) retrieveWithExpiry(ctx context.Context) (signature.Credentials, time.Time, error) {
	base := firstNonEmpty(p.endpoint, os.Getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"), "http://169.254.169.254")
	base = strings.TrimRight(base, "/")
	where := "EC2 instance metadata (IMDSv2 at " + base + ")"
	if strings.EqualFold(os.Getenv("AWS_EC2_METADATA_DISABLED"), "true") {
		return signature.Credentials{}, time.Time{}, notFound("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)")
	}
	fail := func(err error) (signature.Credentials, time.Time, error) {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) {
			// Not on EC2: nothing there, not worth a message.
			return signature.Credentials{}, time.Time{}, notFound(where)
		}
		return signature.Credentials{}, time.Time{}, credFailure(where, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+"/latest/api/token", nil)
	if err != nil {
		return fail(err)
	}
	req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "21600")
	resp, err := metadataClient.Do(req)
	if err != nil {
		return fail(unwrapURLError(err))
	}
	tokenBytes, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("PUT /latest/api/token: status %d", resp.StatusCode))
	}
	token := strings.TrimSpace(string(tokenBytes))
	get := func(path string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err == nil {
			req.Header.Set("X-aws-ec2-metadata-token", token)
		}
		return req, err
	}
	const credPath = "/latest/meta-data/iam/security-credentials/"
	req, err = get(credPath)
	if err != nil {
		return fail(err)
	}
	resp, err = metadataClient.Do(req)
	if err != nil {
		return fail(unwrapURLError(err))
	}
	roles, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return signature.Credentials{}, time.Time{}, notFound(where + ": no instance role")
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("GET %s: status %d", credPath, resp.StatusCode))
	}
	role, _, _ := strings.Cut(strings.TrimSpace(string(roles)), "\n")
	role = strings.TrimSpace(role)
	if role == "" {
		return signature.Credentials{}, time.Time{}, notFound(where + ": no instance role")
	}
	if req, err = get(credPath + role); err != nil {
		return fail(err)
	}
	var m metadataCreds
	if err := getJSON(req, &m); err != nil {
		return fail(err)
	}
	c, exp, err := m.result("instance metadata")
	if err != nil {
		return fail(err)
	}
	return c, exp, nil
}

// cachedProvider caches keys until shortly before they expire; one refresh
// at a time (single flight), and every caller sees the new keys at once.
type cachedProvider struct {
	p      CredentialsProvider
	window time.Duration // refresh this long before expiry
	now    func() time.Time

	mu      sync.Mutex
	creds   signature.Credentials
	expires time.Time // zero: never
	valid   bool
	flight  *flight
}

// Format never shows the cached keys (see Client.Format for why).
func (c *cachedProvider) Format(f fmt.State, verb rune) {
	io.WriteString(f, "engine.cachedCredentials")
}

type flight struct {
	done    chan struct{}
	creds   signature.Credentials
	expires time.Time
	err     error
}

// refreshWindow is how long before expiry cached keys are replaced.
const refreshWindow = 5 * time.Minute

// NewCachedCredentials caches the keys of p until 5 minutes before they
// expire (keys without an expiry, such as environment or file keys, are
// cached for the life of the provider). Many concurrent callers share one
// refresh and all see its keys. Errors are not cached; while a refresh
// fails, keys that have not yet expired are still used.
func NewCachedCredentials(p CredentialsProvider) CredentialsProvider {
	return &cachedProvider{p: p, window: refreshWindow, now: time.Now}
}

func (c *cachedProvider) Retrieve(ctx context.Context) (signature.Credentials, error) {
	c.mu.Lock()
	if c.valid && (c.expires.IsZero() || c.now().Add(c.window).Before(c.expires)) {
		creds := c.creds
		c.mu.Unlock()
		return creds, nil
	}
	f := c.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		c.flight = f
		go c.refresh(f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			// A failed early refresh (the metadata service briefly down)
			// does not fail requests while the old keys are still valid.
			c.mu.Lock()
			creds, ok := c.creds, c.valid && c.now().Before(c.expires)
			c.mu.Unlock()
			if ok {
				return creds, nil
			}
		}
		return f.creds, f.err
	case <-ctx.Done():
		return signature.Credentials{}, ctx.Err()
	}
}

// refresh runs detached from any one caller's context, so a caller that
// gives up does not fail the refresh for the others; the metadata client's
// timeouts bound it.
func (c *cachedProvider) refresh(f *flight) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ep, ok := c.p.(expiringProvider); ok {
		f.creds, f.expires, f.err = ep.retrieveWithExpiry(ctx)
	} else {
		f.creds, f.err = c.p.Retrieve(ctx)
	}
	c.mu.Lock()
	if f.err == nil {
		c.creds, c.expires, c.valid = f.creds, f.expires, true
	}
	c.flight = nil
	c.mu.Unlock()
	close(f.done)
}

// retrieveWithExpiry lets a chain of expiring providers report expiry.
func (ch chainProvider) retrieveWithExpiry(ctx context.Context) (signature.Credentials, time.Time, error) {
	all := &CredentialsError{}
	for _, p := range ch {
		var (
			creds signature.Credentials
			exp   time.Time
			err   error
		)
		if ep, ok := p.(expiringProvider); ok {
			creds, exp, err = ep.retrieveWithExpiry(ctx)
		} else {
			creds, err = p.Retrieve(ctx)
		}
		if err == nil {
			return creds, exp, nil
		}
		var ce *CredentialsError
		if !errors.As(err, &ce) {
			return signature.Credentials{}, time.Time{}, err
		}
		all.Tried = append(all.Tried, ce.Tried...)
		all.Errs = append(all.Errs, ce.Errs...)
		if ctx.Err() != nil {
			return signature.Credentials{}, time.Time{}, ctx.Err()
		}
	}
	return signature.Credentials{}, time.Time{}, all
}

// DefaultCredentials is the AWS CLI's chain: the environment, the shared
// files for profile ("" = $AWS_PROFILE, $AWS_DEFAULT_PROFILE, "default"),
// container credentials, then EC2 instance metadata (IMDSv2). The keys are
// cached and refreshed 5 minutes before they expire, once for all callers.
//
// Environment and file keys are read once and then cached; build a new
// provider (or client) to pick up changed files.
func DefaultCredentials(profile string) CredentialsProvider {
	return NewCachedCredentials(ChainCredentials(
		EnvCredentials(),
		SharedFileCredentials("", profile),
		ECSCredentials(),
		IMDSCredentials(""),
	))
}
