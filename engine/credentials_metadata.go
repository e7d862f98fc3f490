package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// Credentials from the container (ECS) and instance (IMDSv2) metadata
// services.

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
