package engine

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

// Defaults of Config, as the reference's parameters (except Scheme, which
// the reference defaulted to plain http).
const (
	DefaultHost     = "s3.amazonaws.com"
	DefaultRegion   = "us-east-1"
	DefaultScheme   = "https"
	DefaultMaxTries = 5
	DefaultWorkers  = 4
)

// Chunk lengths of aws-chunked uploads. The exported ChunkLenMinimum and
// ChunkLenDefault (multipart.go) have the same values.
const chunkLenMin, chunkLenDefault = 8 << 10, 64 << 10

// Config is the client's configuration. The zero value of every field means
// its default; New fills them in and Client.Config returns the result.
type Config struct {
	Host      string // "s3.amazonaws.com"; may carry ":port"
	Region    string // "us-east-1"
	Scheme    string // "https" (the reference defaulted to http); "http" allowed
	PathStyle bool   // forced on for IP literals, localhost and non-DNS bucket names
	MaxTries  int    // total attempts; 1 = no retry; default 5
	ChunkLen  int    // aws-chunked chunk length; default 64 KiB, at least 8 KiB
	PartSize  int64  // multipart part size; 0 = computed from the file size, else 5 MiB..5 GiB
	Workers   int    // multipart and LlStar workers; default 4
	// Trace, if set, is called once per HTTP attempt, on the goroutine
	// that sent it, with what was sent and what came back (never a secret;
	// see TraceEvent). It must be quick and safe for concurrent use.
	Trace func(TraceEvent)
	// CopyThreshold is the source size above which Copy uses a multipart
	// copy; 0 means CopyThresholdDefault (5 GiB, S3's CopyObject limit).
	// A smaller value (at least 5 MiB) is for tests and for servers with a
	// lower limit.
	CopyThreshold int64
	// ChecksumCalculation is ChecksumWhenSupported ("" means it: multipart
	// file uploads declare CRC32C, every part carries its CRC32C and the
	// object gets a full-object CRC32C the server checks) or
	// ChecksumWhenRequired (no x-amz-checksum-* headers, for stores that
	// refuse them). The AWS CLI's request_checksum_calculation and
	// AWS_REQUEST_CHECKSUM_CALCULATION; LoadSettings reads them.
	ChecksumCalculation string
	// SignPayload signs every part's payload (its SHA-256, which the
	// server computes again) even where the engine would send it unsigned
	// with its CRC32C: over https, and to loopback addresses over http.
	SignPayload bool
	HTTPClient  *http.Client             // nil = one shared pooled client (keep-alive, 100-continue timeout)
	MIMEType    func(path string) string // nil = engine.MIMEType
	Credentials CredentialsProvider      // nil = DefaultCredentials(""), the AWS CLI chain

	// Root, if set, confines the file functions (GetFile, PutFile and the
	// multipart file functions) to one directory: every file name is
	// resolved inside it through os.Root, one directory at a time with
	// openat, so neither "..", an absolute path nor a symbolic link (even
	// one swapped in while a transfer runs) reaches a file outside it.
	// Names are then relative to Root. nil = the whole file system.
	Root *os.Root

	// CABundle is a PEM file of the certificate authorities an https
	// endpoint's certificate must chain to, instead of the system's (the
	// AWS CLI's AWS_CA_BUNDLE and ca_bundle; LoadSettings reads them). ""
	// = the system's roots. Certificates are always verified unless
	// InsecureSkipVerify is set.
	CABundle string

	// InsecureSkipVerify accepts any certificate an https endpoint shows:
	// anyone on the path can then read and change the traffic. For a test
	// server with a self-signed certificate; prefer CABundle.
	InsecureSkipVerify bool
}

// withDefaults fills zero fields and validates the rest.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Host == "" {
		cfg.Host = DefaultHost
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.Scheme == "" {
		cfg.Scheme = DefaultScheme
	}
	cfg.Scheme = strings.ToLower(cfg.Scheme)
	if cfg.MaxTries == 0 {
		cfg.MaxTries = DefaultMaxTries
	}
	if cfg.ChunkLen == 0 {
		cfg.ChunkLen = chunkLenDefault
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.CopyThreshold == 0 {
		cfg.CopyThreshold = CopyThresholdDefault
	}
	cfg.ChecksumCalculation = strings.ToLower(cfg.ChecksumCalculation)
	if cfg.ChecksumCalculation == "" {
		cfg.ChecksumCalculation = ChecksumWhenSupported
	}
	switch {
	case cfg.Scheme != "http" && cfg.Scheme != "https":
		return cfg, fmt.Errorf("engine.New: Scheme %q: want \"http\" or \"https\"", cfg.Scheme)
	case strings.Contains(cfg.Host, "/") || strings.ContainsAny(cfg.Host, " \t\r\n?#@"):
		return cfg, fmt.Errorf("engine.New: Host %q: want a host name with an optional \":port\", not a URL", cfg.Host)
	case cfg.MaxTries < 1:
		return cfg, fmt.Errorf("engine.New: MaxTries %d: want at least 1 (1 means no retry)", cfg.MaxTries)
	case cfg.ChunkLen < chunkLenMin:
		return cfg, fmt.Errorf("engine.New: ChunkLen %d: want at least %d", cfg.ChunkLen, chunkLenMin)
	case cfg.PartSize != 0 && (cfg.PartSize < MultipartSizeMinimum || cfg.PartSize > MaxPartSize):
		return cfg, fmt.Errorf("engine.New: PartSize %d: want 0 (computed) or 5 MiB..5 GiB", cfg.PartSize)
	case cfg.CopyThreshold < MultipartSizeMinimum || cfg.CopyThreshold > CopyThresholdDefault:
		return cfg, fmt.Errorf("engine.New: CopyThreshold %d: want 0 (5 GiB) or 5 MiB..5 GiB", cfg.CopyThreshold)
	case cfg.Workers < 1:
		return cfg, fmt.Errorf("engine.New: Workers %d: want at least 1", cfg.Workers)
	case cfg.ChecksumCalculation != ChecksumWhenSupported && cfg.ChecksumCalculation != ChecksumWhenRequired:
		return cfg, fmt.Errorf("engine.New: ChecksumCalculation %q: want %q or %q", cfg.ChecksumCalculation, ChecksumWhenSupported, ChecksumWhenRequired)
	}
	if _, port, err := net.SplitHostPort(cfg.Host); err == nil && port == "" {
		return cfg, fmt.Errorf("engine.New: Host %q: empty port", cfg.Host)
	}
	return cfg, nil
}

// isLoopback reports whether host (no port) names this machine: an address
// of 127.0.0.0/8 or ::1, or localhost.
func isLoopback(host string) bool {
	h := strings.ToLower(strings.Trim(host, "[]"))
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback()
	}
	return h == "localhost"
}

// hostname is the host without its port.
func (cfg *Config) hostname() string {
	if h, _, err := net.SplitHostPort(cfg.Host); err == nil {
		return h
	}
	return strings.Trim(cfg.Host, "[]")
}

// usePathStyle decides the addressing style for one bucket: path style when
// configured, for IP-literal and localhost endpoints, for names that are not
// DNS-compatible, and for dotted names over https (a dotted virtual host
// does not match the *.s3.amazonaws.com certificate).
func (cfg *Config) usePathStyle(bucket string) bool {
	if cfg.PathStyle || bucket == "" {
		return true
	}
	if IsLocalHost(cfg.hostname()) {
		return true
	}
	if !ValidBucketName(bucket, true) {
		return true
	}
	return cfg.Scheme == "https" && strings.Contains(bucket, ".")
}

// IsLocalHost reports whether host (no port) is an IP literal or localhost:
// such endpoints cannot serve virtual-host-style buckets, so requests to
// them are path-style whatever Config.PathStyle says.
func IsLocalHost(host string) bool {
	h := strings.ToLower(host)
	return net.ParseIP(h) != nil || h == "localhost" || strings.HasSuffix(h, ".localhost")
}
