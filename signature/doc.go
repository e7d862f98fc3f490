// Package signature implements AWS Signature Version 4 for Amazon S3 and S3-compatible stores:
// Authorization-header signing (SignHTTP), presigned URLs (Presign) and aws-chunked signed
// streaming uploads (SignStreaming, EncodedLength). It uses only the standard library and never
// touches the network or a clock: credentials, the signing time and the payload hash are inputs.
//
// # S3 rules
//
// S3 canonicalises differently from the generic SigV4 services, and these are the rules used:
//
//   - Canonical URI: the plain path in req.URL.Path, each byte outside A-Za-z0-9-._~ and '/'
//     percent-encoded exactly once (EscapePath). No double encoding, no dot-segment removal,
//     '//' runs kept, the empty path is "/".
//   - Canonical query: the raw query is parsed here, not by net/url: '+' is a literal plus (not
//     a space), %XX is decoded, a '%' without two hex digits is a literal '%', a key without
//     '=' is "key=". Keys and values are re-encoded ('%' becomes %25, '+' %2B, space %20) and
//     sorted by encoded key, then encoded value. Build queries with EncodeQuery, never
//     url.Values.Encode (which writes spaces as '+').
//   - Canonical headers: names lower-cased and sorted, values trimmed with inner runs of
//     spaces collapsed, repeated headers joined with ','. Host is signed with its port unless
//     it is the scheme's default. Every header present on the request is signed except those
//     the transport adds or rewrites (User-Agent, Content-Length, Expect, Accept-Encoding,
//     Transfer-Encoding, Connection and the other hop-by-hop headers) and Authorization.
//     SignStreaming signs Content-Length, because it sets it.
//   - X-Amz-Date and X-Amz-Content-Sha256 are set and signed; X-Amz-Security-Token too when
//     the credentials carry a session token (in the query for presigned URLs). For a service
//     other than "s3", X-Amz-Content-Sha256 is only sent when Options.PayloadHash is given.
//
// # What is sent is what was signed
//
// The signer writes its canonical forms back into the request: req.URL.RawPath becomes the
// canonical URI (net/url sends RawPath as is since it is a valid encoding of Path),
// req.URL.RawQuery the canonical query, and req.Host the signed host. So the request line and
// Host header net/http writes are byte for byte the ones in the canonical request, whatever the
// key contains (spaces, '+', '%', '?', '#', unicode, '//').
//
// # Streaming
//
// SignStreaming signs the seed request and replaces req.Body with a reader that frames the body
// in chunks ("hex(len);chunk-signature=SIG\r\n<data>\r\n", then a zero-length final chunk), each
// signature chained from the previous one. Trailer variants append an x-amz-checksum-crc32c or
// x-amz-checksum-sha256 trailer (signed with x-amz-trailer-signature, or unsigned for
// STREAMING-UNSIGNED-PAYLOAD-TRAILER). The reader holds one chunk in memory and fails with
// ErrBodyLength when the source is shorter or longer than declared, before the final chunk is
// emitted, so a wrong length can never complete an upload.
//
// # Keys and concurrency
//
// A Signer caches derived signing keys per (secret, date, region, service); its zero value is
// ready and it is safe for concurrent use. Credentials print with the secret and token redacted.
package signature
