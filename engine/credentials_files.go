package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/s3lua/s3lua/signature"
)

// The AWS CLI's shared files: credentials and config, profiles, and the
// settings they hold.

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
	// ChecksumCalculation is Config.ChecksumCalculation, "" when not configured.
	ChecksumCalculation string
}

// LoadSettings reads the region (AWS_REGION, AWS_DEFAULT_REGION, then the
// config file's region), the S3 endpoint (AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL, then the config file's endpoint_url), the CA bundle
// (AWS_CA_BUNDLE, then the config file's ca_bundle) and the checksum
// calculation (AWS_REQUEST_CHECKSUM_CALCULATION, then the config file's
// request_checksum_calculation) of profile ("" as in
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
	s.ChecksumCalculation = firstNonEmpty(os.Getenv("AWS_REQUEST_CHECKSUM_CALCULATION"), sec["request_checksum_calculation"])
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
