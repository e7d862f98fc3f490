package engine

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// LoadConfig returns the Config the AWS CLI's conventions give for profile
// ("" means AWS_PROFILE, else "default"): the region (AWS_REGION,
// AWS_DEFAULT_REGION, the config file), the endpoint URL
// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the config file's endpoint_url;
// path-style for IP literals and localhost) or else the regional host
// s3.<region>.amazonaws.com, the CA bundle (AWS_CA_BUNDLE, ca_bundle), the
// checksum calculation (AWS_REQUEST_CHECKSUM_CALCULATION,
// request_checksum_calculation), and
// the credential chain: DefaultCredentials, except that an explicit profile
// skips the keys in the environment, as the CLI's --profile does. A program
// changes what its own flags say and passes the result to New. A missing
// config file is not an error; a malformed endpoint is.
func LoadConfig(profile string) (Config, error) {
	set, err := LoadSettings(profile)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{Region: set.Region, CABundle: set.CABundle, ChecksumCalculation: set.ChecksumCalculation}
	if set.Endpoint != "" {
		u, err := ParseEndpoint(set.Endpoint)
		if err != nil {
			return Config{}, fmt.Errorf("engine.LoadConfig: endpoint %q from the environment or the config file: %w", RedactURL(set.Endpoint), err)
		}
		cfg.Scheme, cfg.Host = u.Scheme, u.Host
		cfg.PathStyle = IsLocalHost(u.Hostname())
	} else {
		cfg.Host = RegionalHost(set.Region)
	}
	cfg.Credentials = DefaultCredentials(profile)
	if profile != "" {
		cfg.Credentials = NewCachedCredentials(ChainCredentials(
			SharedFileCredentials("", profile),
			ECSCredentials(),
			IMDSCredentials(""),
		))
	}
	return cfg, nil
}

// RegionalHost is the S3 host of region: s3.<region>.amazonaws.com, or ""
// (Config's default, s3.amazonaws.com) for "" and us-east-1.
func RegionalHost(region string) string {
	if region == "" || region == DefaultRegion {
		return ""
	}
	return "s3." + region + ".amazonaws.com"
}

// ParseEndpoint reads an endpoint URL, scheme://host[:port] with scheme
// http or https and nothing else (no user information, path, query or
// fragment).
func ParseEndpoint(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		return nil, errors.New("want scheme://host[:port], e.g. http://127.0.0.1:9000")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("missing host")
	case u.User != nil:
		return nil, errors.New("user information is not allowed (use credentials)")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return nil, errors.New("only scheme://host[:port] is allowed")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("bad port")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, errors.New("empty port")
	}
	u.Path = ""
	return u, nil
}

// RedactURL hides the password of a URL with user information, so that an
// error never echoes a secret.
func RedactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "xxxxx" + s[i:]
	}
	return s
}
