package signature

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Payload hash values for x-amz-content-sha256 and the last line of the canonical request.
const (
	// EmptySHA256 is the hex SHA-256 of the empty string.
	EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// UnsignedPayload tells S3 the body is not part of the signature (presigned URLs use it).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPayload marks an aws-chunked body whose chunks are signed.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer marks signed chunks followed by a signed trailer.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer marks unsigned chunks followed by an unsigned trailer.
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Limits.
const (
	// MinChunkLen is the smallest aws-chunked chunk S3 accepts (except the last).
	MinChunkLen = 8 << 10
	// DefaultChunkLen is the chunk length used when StreamOptions.ChunkLen is 0.
	DefaultChunkLen = 64 << 10
	// MaxPresignExpiry is the longest validity S3 accepts for a presigned URL.
	MaxPresignExpiry = 7 * 24 * time.Hour
)

const (
	algorithm     = "AWS4-HMAC-SHA256"
	amzDateLayout = "20060102T150405Z"
)

// Credentials are the inputs of a signature. The zero SessionToken means long-term keys.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// String shows the access key id only; the secret and the token are redacted.
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteString("{AccessKeyID:")
	b.WriteString(c.AccessKeyID)
	b.WriteString(" SecretAccessKey:")
	b.WriteString(redact(c.SecretAccessKey))
	b.WriteString(" SessionToken:")
	b.WriteString(redact(c.SessionToken))
	b.WriteString("}")
	return b.String()
}

// GoString redacts like String, so %#v never prints a secret either.
func (c Credentials) GoString() string {
	return "signature.Credentials{AccessKeyID:" + strconv.Quote(c.AccessKeyID) +
		", SecretAccessKey:" + strconv.Quote(redact(c.SecretAccessKey)) +
		", SessionToken:" + strconv.Quote(redact(c.SessionToken)) + "}"
}

// Format makes every fmt verb (%v, %+v, %s, %q, %x, ...) go through the redacting String.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(c.GoString()))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// Options are the per-request signing inputs. The signer has no clock: Time is required.
type Options struct {
	Region      string    // required, e.g. "us-east-1"
	Service     string    // "" means "s3"
	Time        time.Time // signing time; required
	PayloadHash string    // hex SHA-256, UnsignedPayload or a Streaming* constant; "" means EmptySHA256 (UnsignedPayload for Presign)
}

// Signed holds everything a caller, a test or a debug flag may want to see. It holds no secret
// key, but CanonicalRequest and a presigned URL carry the session token, if any, exactly as the
// request does; printing a Signed with fmt redacts the token (see Format).
type Signed struct {
	CanonicalRequest string
	StringToSign     string
	Signature        string // hex
	SignedHeaders    string // "host;x-amz-date;..."
	Scope            string // "20130524/us-east-1/s3/aws4_request"
	AmzDate          string // "20130524T000000Z"
	URL              string // Presign only: the presigned URL
}

// Signer signs requests. The zero value is ready to use and safe for concurrent use; it caches
// derived signing keys per (secret, date, region, service).
type Signer struct {
	mu   sync.RWMutex
	keys map[keyID][sha256.Size]byte
}

// Format prints the signature's fields with any session token replaced by REDACTED, whatever
// the verb, so that a debug print cannot leak it.
func (s Signed) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "signature.Signed{CanonicalRequest: %q, StringToSign: %q, Signature: %q, SignedHeaders: %q, Scope: %q, AmzDate: %q, URL: %q}",
		redactToken(s.CanonicalRequest), s.StringToSign, s.Signature, s.SignedHeaders, s.Scope, s.AmzDate, redactToken(s.URL))
}

// redactToken replaces the value of a session token in a canonical request (header line
// "x-amz-security-token:..." or query parameter) or URL.
func redactToken(s string) string {
	for _, marker := range []string{"x-amz-security-token:", "X-Amz-Security-Token="} {
		for from := 0; ; {
			i := strings.Index(s[from:], marker)
			if i < 0 {
				break
			}
			start := from + i + len(marker)
			end := start
			for end < len(s) && s[end] != '\n' && s[end] != '&' {
				end++
			}
			s = s[:start] + "REDACTED" + s[end:]
			from = start + len("REDACTED")
		}
	}
	return s
}

// Format prints how many signing keys are cached, never the keys or the secrets they are
// cached under.
func (s *Signer) Format(f fmt.State, verb rune) {
	n := 0
	if s != nil {
		s.mu.RLock()
		n = len(s.keys)
		s.mu.RUnlock()
	}
	fmt.Fprintf(f, "signature.Signer{cached keys: %d}", n)
}

type keyID struct {
	secret          string
	date            [8]byte // YYYYMMDD; an array so that a lookup allocates nothing
	region, service string
}

// maxCachedKeys bounds the cache; keys change once a day per credential, so it rarely fills.
const maxCachedKeys = 128

// ErrBodyLength is returned (wrapped) by a streaming body whose source yields fewer or more
// bytes than the declared decoded length.
var ErrBodyLength = errors.New("signature: body length differs from the declared length")

// signingKey returns HMAC("AWS4"+secret, date, region, service, "aws4_request"), cached.
func (s *Signer) signingKey(secret string, date [8]byte, region, service string) [sha256.Size]byte {
	id := keyID{secret, date, region, service}
	s.mu.RLock()
	k, ok := s.keys[id]
	s.mu.RUnlock()
	if ok {
		return k
	}
	var buf [64 + sha256.Size]byte
	seed := append(buf[:0], "AWS4"...)
	seed = append(seed, secret...)
	k = hmacSHA256(seed, date[:])
	k = hmacSHA256(k[:], region)
	k = hmacSHA256(k[:], service)
	k = hmacSHA256(k[:], "aws4_request")
	s.mu.Lock()
	if s.keys == nil || len(s.keys) >= maxCachedKeys {
		s.keys = make(map[keyID][sha256.Size]byte)
	}
	s.keys[id] = k
	s.mu.Unlock()
	return k
}

// hmacSHA256 computes HMAC-SHA256 without crypto/hmac's allocations: the messages signed here
// are short, so the inner and outer blocks are built on the stack.
func hmacSHA256[M ~string | ~[]byte](key []byte, msg M) [sha256.Size]byte {
	var k [64]byte
	if len(key) > 64 {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var stack [64 + 448]byte
	b := stack[:0]
	if len(msg) > len(stack)-64 {
		b = make([]byte, 0, 64+len(msg))
	}
	for i := range k {
		b = append(b, k[i]^0x36)
	}
	b = append(b, msg...)
	inner := sha256.Sum256(b)
	var outer [64 + sha256.Size]byte
	for i := range k {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[64:], inner[:])
	return sha256.Sum256(outer[:])
}

// validate checks the inputs every signing call needs.
func validate(op string, creds Credentials, req *http.Request, opt Options) error {
	switch {
	case req == nil || req.URL == nil:
		return fmt.Errorf("signature: %s: request or request URL is nil", op)
	case creds.AccessKeyID == "":
		return fmt.Errorf("signature: %s: access key id is empty", op)
	case creds.SecretAccessKey == "":
		return fmt.Errorf("signature: %s: secret access key is empty", op)
	case opt.Region == "":
		return fmt.Errorf("signature: %s: Options.Region is empty", op)
	case opt.Time.IsZero():
		return fmt.Errorf("signature: %s: Options.Time is zero (the signer has no clock)", op)
	case req.URL.Opaque != "":
		return fmt.Errorf("signature: %s: URL.Opaque is set; put the plain path in URL.Path", op)
	case req.URL.Path != "" && req.URL.Path[0] != '/':
		return fmt.Errorf("signature: %s: URL.Path %q does not begin with '/'", op, req.URL.Path)
	}
	return nil
}

// appendAmzDate formats t (UTC) as YYYYMMDDTHHMMSSZ without time.Format's allocations.
func appendAmzDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append4(b, y)
	b = append2(b, int(mo))
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append2(b, mi)
	b = append2(b, s)
	return append(b, 'Z')
}

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000%10), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10%10), byte('0'+n%10)) }

func appendHex(b []byte, sum []byte) []byte {
	n := len(b)
	b = append(b, make([]byte, hex.EncodedLen(len(sum)))...)
	hex.Encode(b[n:], sum)
	return b
}
