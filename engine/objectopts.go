package engine

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// VersionIDHeader is a request header the engine never sends: a request
// carrying it is sent with its value as the versionId query parameter
// instead (GET, HEAD, DELETE and the tagging requests of one object
// version), and Copy turns it into the versionId of X-Amz-Copy-Source.
// It lets every function that takes request headers address an object
// version without a new parameter; see ObjectOptions.VersionID.
const VersionIDHeader = "X-S3lua-Version-Id"

// SSE-C headers (server-side encryption with a customer-provided key). The
// key header carries the key itself: it is a secret, and the engine never
// shows it (tracing drops every header).
const (
	sseCustomerAlgorithm           = "X-Amz-Server-Side-Encryption-Customer-Algorithm"
	sseCustomerKey                 = "X-Amz-Server-Side-Encryption-Customer-Key"
	sseCustomerKeyMD5              = "X-Amz-Server-Side-Encryption-Customer-Key-Md5"
	copySourceSSECustomerAlgorithm = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm"
	copySourceSSECustomerKey       = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key"
	copySourceSSECustomerKeyMD5    = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5"
)

// SSECustomerKeyLen is the length of an SSE-C key: 256 bits.
const SSECustomerKeyLen = 32

// ObjectOptions are the per-object settings S3 takes as request headers,
// in typed form. Apply writes them into a header set that any function of
// the engine taking http.Header accepts (puts, gets, head, copy,
// multipart uploads).
type ObjectOptions struct {
	// SSE is the server-side encryption of a new object: "AES256" (SSE-S3)
	// or "aws:kms" (SSE-KMS, with KMSKeyID or the account's default key).
	SSE      string
	KMSKeyID string
	// CustomerKey is an SSE-C key (SSECustomerKeyLen bytes): the object is
	// encrypted with it on put, and every get, head and copy of the object
	// must give it again. Its MD5 is computed and sent beside it.
	CustomerKey []byte
	// CopySourceCustomerKey is the SSE-C key of a copy's source object.
	CopySourceCustomerKey []byte
	// Metadata becomes x-amz-meta-<name> headers (names lower-cased).
	Metadata map[string]string
	// Tags become the x-amz-tagging header of a put or a multipart upload.
	Tags map[string]string
	// StorageClass is x-amz-storage-class, e.g. "STANDARD_IA".
	StorageClass string
	// VersionID selects an object version (gets, head, delete, the source
	// of a copy); see VersionIDHeader.
	VersionID string
}

// Apply returns h (a copy; h itself is not changed) with the options
// written as headers; an option overrides a header of the same name in h.
// Argument errors name fn.
func (o ObjectOptions) Apply(fn string, h http.Header) (http.Header, error) {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	switch o.SSE {
	case "", "AES256", "aws:kms":
	default:
		return nil, argError(fn, "SSE %q: want \"AES256\" or \"aws:kms\"", o.SSE)
	}
	if o.KMSKeyID != "" && o.SSE != "aws:kms" {
		return nil, argError(fn, "a KMS key id needs SSE \"aws:kms\"")
	}
	if o.SSE != "" && o.CustomerKey != nil {
		return nil, argError(fn, "SSE %q and a customer key (SSE-C): give one or the other", o.SSE)
	}
	if o.SSE != "" {
		out.Set("X-Amz-Server-Side-Encryption", o.SSE)
	}
	if o.KMSKeyID != "" {
		out.Set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", o.KMSKeyID)
	}
	if o.CustomerKey != nil {
		if len(o.CustomerKey) != SSECustomerKeyLen {
			// Never the key itself in a message.
			return nil, argError(fn, "customer key: want %d bytes, got %d", SSECustomerKeyLen, len(o.CustomerKey))
		}
		setCustomerKey(out, sseCustomerAlgorithm, sseCustomerKey, sseCustomerKeyMD5, o.CustomerKey)
	}
	if o.CopySourceCustomerKey != nil {
		if len(o.CopySourceCustomerKey) != SSECustomerKeyLen {
			return nil, argError(fn, "copy source customer key: want %d bytes, got %d", SSECustomerKeyLen, len(o.CopySourceCustomerKey))
		}
		setCustomerKey(out, copySourceSSECustomerAlgorithm, copySourceSSECustomerKey, copySourceSSECustomerKeyMD5, o.CopySourceCustomerKey)
	}
	for name, v := range o.Metadata {
		if name == "" || !validHeaderToken(name) {
			return nil, argError(fn, "metadata name %q: want a non-empty HTTP token (letters, digits, - _ . ...)", name)
		}
		out.Set("X-Amz-Meta-"+strings.ToLower(name), v)
	}
	if len(o.Tags) > 0 {
		out.Set("X-Amz-Tagging", EncodeTags(o.Tags))
	}
	if o.StorageClass != "" {
		out.Set("X-Amz-Storage-Class", o.StorageClass)
	}
	if o.VersionID != "" {
		out.Set(VersionIDHeader, o.VersionID)
	}
	return out, nil
}

func setCustomerKey(h http.Header, algName, keyName, md5Name string, key []byte) {
	sum := md5.Sum(key)
	h.Set(algName, "AES256")
	h.Set(keyName, base64.StdEncoding.EncodeToString(key))
	h.Set(md5Name, base64.StdEncoding.EncodeToString(sum[:]))
}

// sseCustomerPartHeader returns the SSE-C headers of h, which every
// UploadPart (and UploadPartCopy) of an SSE-C upload must repeat; nil when
// there are none.
func sseCustomerPartHeader(h http.Header) http.Header {
	var out http.Header
	for _, k := range []string{sseCustomerAlgorithm, sseCustomerKey, sseCustomerKeyMD5,
		copySourceSSECustomerAlgorithm, copySourceSSECustomerKey, copySourceSSECustomerKeyMD5} {
		if v := h.Get(k); v != "" {
			if out == nil {
				out = http.Header{}
			}
			out.Set(k, v)
		}
	}
	return out
}

// validHeaderToken reports whether s is an HTTP token (RFC 9110).
func validHeaderToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// EncodeTags is the x-amz-tagging header value of tags: a URL query string,
// sorted by key.
func EncodeTags(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(tags[k]))
	}
	return b.String()
}

// Metadata returns the x-amz-meta-* headers of h (a HEAD or GET answer) as
// a map from the lower-case name without the prefix to the value.
func Metadata(h http.Header) map[string]string {
	out := map[string]string{}
	for k, vs := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-meta-") && len(vs) > 0 {
			out[strings.TrimPrefix(lk, "x-amz-meta-")] = strings.Join(vs, ", ")
		}
	}
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
