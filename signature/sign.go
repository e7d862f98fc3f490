package signature

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type signMode int

const (
	modeHeader signMode = iota
	modePresign
	modeStreaming
)

// header is one canonical header: its name as found in req.Header and its values.
type header struct {
	name   string
	values []string // from req.Header; nil for the headers the signer adds
	value  string   // used when values is nil
	date   bool     // the X-Amz-Date being signed, written from the date buffer (no string needed)
}

// SignHTTP signs req in place for the Authorization header: it sets X-Amz-Date,
// X-Amz-Content-Sha256 (always for S3, and for other services when opt.PayloadHash is given),
// X-Amz-Security-Token when creds carry a session token, and Authorization. It rewrites
// req.URL.RawPath, req.URL.RawQuery and req.Host so that what net/http sends is exactly what
// was signed.
func (s *Signer) SignHTTP(creds Credentials, req *http.Request, opt Options) (*Signed, error) {
	return s.sign("SignHTTP", creds, req, opt, modeHeader, 0, -1)
}

// Presign signs req for the query string and returns the presigned URL in Signed.URL. expires
// must be between 1 second and MaxPresignExpiry (604800 s). opt.PayloadHash "" means
// UnsignedPayload. Every header already on req (host, x-amz-*, content-type, ...; the
// hop-by-hop ones excepted) is signed, so whoever uses the URL must send those headers; a
// session token travels as X-Amz-Security-Token in the query. req.URL is rewritten to the
// presigned URL; req.Header is left alone.
func (s *Signer) Presign(creds Credentials, req *http.Request, expires time.Duration, opt Options) (*Signed, error) {
	secs := int64(expires / time.Second)
	if secs < 1 || expires > MaxPresignExpiry {
		return nil, fmt.Errorf("signature: Presign: expiry %v out of range: must be between 1s and %v (%d seconds)", expires, MaxPresignExpiry, int64(MaxPresignExpiry/time.Second))
	}
	if opt.PayloadHash == "" {
		opt.PayloadHash = UnsignedPayload
	}
	return s.sign("Presign", creds, req, opt, modePresign, secs, -1)
}

// skipHeader reports whether a header (lower-case name) is left out of the signature: headers
// the transport adds, rewrites or removes, and the signature's own.
func skipHeader(lname string, mode signMode) bool {
	switch lname {
	case "authorization", "user-agent", "content-length", "expect", "accept-encoding",
		"transfer-encoding", "connection", "keep-alive", "proxy-authorization",
		"proxy-connection", "te", "trailer", "upgrade", "x-amzn-trace-id", "host":
		return true
	case "x-amz-date", "x-amz-security-token", "x-amz-algorithm", "x-amz-credential",
		"x-amz-signedheaders", "x-amz-signature", "x-amz-expires":
		return mode == modePresign
	}
	return false
}

// lowerInto lower-cases ASCII s into buf without allocating when it fits.
func lowerInto(buf []byte, s string) []byte {
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// compareFold compares ASCII strings as if lower-cased.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

// appendLower appends s lower-cased.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// appendHeaderValue appends v trimmed of spaces and tabs, with inner runs of spaces collapsed.
func appendHeaderValue(b []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

// signedHost returns the Host value to sign: req.Host or req.URL.Host, without the scheme's
// default port. It writes the value back so net/http sends what was signed.
func signedHost(req *http.Request) (string, error) {
	host := req.Host
	fromURL := host == "" || host == req.URL.Host
	if host == "" {
		host = req.URL.Host
	}
	if host == "" {
		return "", errors.New("no host in request or URL")
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") &&
		(host[0] == '[' || strings.Count(host, ":") == 1) {
		port := host[i+1:]
		scheme := strings.ToLower(req.URL.Scheme)
		if port == "" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
			host = host[:i]
		}
	}
	req.Host = host
	if fromURL {
		req.URL.Host = host
	}
	return host, nil
}

// sign is the one implementation behind SignHTTP, Presign and SignStreaming. contentLength >= 0
// is signed as content-length (streaming only).
//
// Everything it produces (canonical request, string to sign, Authorization, the canonical path
// and query written back to the URL) is built in one buffer and converted to one string, so a
// typical signature costs a handful of allocations.
func (s *Signer) sign(op string, creds Credentials, req *http.Request, opt Options, mode signMode, expires, contentLength int64) (*Signed, error) {
	if err := validate(op, creds, req, opt); err != nil {
		return nil, err
	}
	host, err := signedHost(req)
	if err != nil {
		return nil, fmt.Errorf("signature: %s: %w", op, err)
	}
	service := opt.Service
	if service == "" {
		service = "s3"
	}
	payload := opt.PayloadHash
	if payload == "" {
		payload = EmptySHA256
	}
	headerMode := mode != modePresign
	setContentSHA := headerMode && (service == "s3" || opt.PayloadHash != "")

	// "<date>\n<scope>", the middle of the string to sign.
	var dsBuf [160]byte
	ds := appendAmzDate(dsBuf[:0], opt.Time)
	ds = append(ds, '\n')
	ds = append(ds, ds[:8]...)
	ds = append(ds, '/')
	ds = append(ds, opt.Region...)
	ds = append(ds, '/')
	ds = append(ds, service...)
	ds = append(ds, "/aws4_request"...)
	amzDate, scope := ds[:16], ds[17:]

	// Canonical headers: the ones the signer sets, then req.Header minus the skipped names,
	// sorted by lower-case name.
	var hbuf [24]header
	hs := append(hbuf[:0], header{name: "host", value: host})
	if headerMode {
		hs = append(hs, header{name: "x-amz-date", date: true})
		if setContentSHA {
			hs = append(hs, header{name: "x-amz-content-sha256", value: payload})
		}
		if creds.SessionToken != "" {
			hs = append(hs, header{name: "x-amz-security-token", value: creds.SessionToken})
		}
	}
	if contentLength >= 0 {
		hs = append(hs, header{name: "content-length", value: strconv.FormatInt(contentLength, 10)})
	}
	var lbuf [64]byte
	for name, values := range req.Header {
		lname := lowerInto(lbuf[:], name)
		if skipHeader(string(lname), mode) {
			if headerMode && string(lname) == "authorization" && name != "Authorization" {
				delete(req.Header, name) // a stray spelling would be sent as well
			}
			continue
		}
		if headerMode {
			own := false
			switch string(lname) {
			case "x-amz-date", "x-amz-security-token":
				own = true
			case "x-amz-content-sha256":
				own = setContentSHA
			}
			if own {
				if name != http.CanonicalHeaderKey(name) {
					delete(req.Header, name) // a stray spelling would be sent unsigned
				}
				continue
			}
		}
		hs = append(hs, header{name: name, values: values})
	}
	// Names equal but for case (non-canonical keys set directly in the map) keep the byte order
	// of their keys, which is the order http.Header.Write puts them on the wire.
	slices.SortFunc(hs, func(a, b header) int {
		if c := compareFold(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})

	// Canonical query.
	var pbuf [16]queryPair
	pairs := parseRawQuery(req.URL.RawQuery, pbuf[:0])
	if mode == modePresign {
		pairs = slices.DeleteFunc(pairs, func(p queryPair) bool {
			switch p.key {
			case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
				"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token":
				return true
			}
			return false
		})
		var sh []byte
		for i, h := range hs {
			if i > 0 && compareFold(hs[i-1].name, h.name) == 0 {
				continue
			}
			if i > 0 {
				sh = append(sh, ';')
			}
			sh = appendLower(sh, h.name)
		}
		cred := make([]byte, 0, len(creds.AccessKeyID)+1+len(scope))
		cred = append(cred, creds.AccessKeyID...)
		cred = append(cred, '/')
		cred = append(cred, scope...)
		pairs = append(pairs,
			queryPair{"X-Amz-Algorithm", algorithm},
			queryPair{"X-Amz-Credential", escapeComponent(string(cred))},
			queryPair{"X-Amz-Date", string(amzDate)},
			queryPair{"X-Amz-Expires", strconv.FormatInt(expires, 10)},
			queryPair{"X-Amz-SignedHeaders", escapeComponent(string(sh))})
		if creds.SessionToken != "" {
			pairs = append(pairs, queryPair{"X-Amz-Security-Token", escapeComponent(creds.SessionToken)})
		}
	}
	sortPairs(pairs)

	// The canonical request.
	var stack [2048]byte
	b := stack[:0]
	b = append(b, req.Method...)
	b = append(b, '\n')
	pathAt := len(b)
	if req.URL.Path == "" {
		b = append(b, '/')
	} else {
		b = appendEscaped(b, req.URL.Path, true)
	}
	pathEnd := len(b)
	b = append(b, '\n')
	queryAt := len(b)
	b = appendPairs(b, pairs)
	queryEnd := len(b)
	b = append(b, '\n')
	for i, h := range hs {
		if i == 0 || compareFold(hs[i-1].name, h.name) != 0 {
			if i > 0 {
				b = append(b, '\n')
			}
			b = appendLower(b, h.name)
			b = append(b, ':')
		} else {
			b = append(b, ',')
		}
		switch {
		case h.values != nil:
			for j, v := range h.values {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendHeaderValue(b, v)
			}
		case h.date:
			b = append(b, amzDate...)
		default:
			b = appendHeaderValue(b, h.value)
		}
	}
	b = append(b, '\n', '\n')
	shAt := len(b)
	for i, h := range hs {
		if i > 0 && compareFold(hs[i-1].name, h.name) == 0 {
			continue
		}
		if i > 0 {
			b = append(b, ';')
		}
		b = appendLower(b, h.name)
	}
	shEnd := len(b)
	b = append(b, '\n')
	b = append(b, payload...)
	crEnd := len(b)

	// The string to sign and the signature.
	crHash := sha256.Sum256(b[:crEnd])
	stsAt := len(b)
	b = append(b, algorithm...)
	b = append(b, '\n')
	dateAt := len(b)
	b = append(b, ds...)
	scopeAt := dateAt + 17
	scopeEnd := len(b)
	b = append(b, '\n')
	b = appendHex(b, crHash[:])
	stsEnd := len(b)
	key := s.signingKey(creds.SecretAccessKey, [8]byte(amzDate[:8]), opt.Region, service)
	sig := hmacSHA256(key[:], b[stsAt:stsEnd])

	// What goes on the wire: the Authorization header, or the presigned query.
	outAt := len(b)
	var sigAt int
	if headerMode {
		b = append(b, algorithm...)
		b = append(b, " Credential="...)
		b = append(b, creds.AccessKeyID...)
		b = append(b, '/')
		b = append(b, scope...)
		b = append(b, ", SignedHeaders="...)
		b = append(b, b[shAt:shEnd]...)
		b = append(b, ", Signature="...)
		sigAt = len(b)
		b = appendHex(b, sig[:])
	} else {
		b = append(b, b[queryAt:queryEnd]...)
		if queryEnd > queryAt {
			b = append(b, '&')
		}
		b = append(b, "X-Amz-Signature="...)
		sigAt = len(b)
		b = appendHex(b, sig[:])
	}
	all := string(b)
	out := &Signed{
		CanonicalRequest: all[:crEnd],
		StringToSign:     all[stsAt:stsEnd],
		Signature:        all[sigAt:],
		SignedHeaders:    all[shAt:shEnd],
		Scope:            all[scopeAt:scopeEnd],
		AmzDate:          all[dateAt : dateAt+16],
	}

	// Make the wire equal to what was signed.
	if req.URL.Path == "" {
		req.URL.RawPath = ""
	} else {
		req.URL.RawPath = all[pathAt:pathEnd]
	}
	if mode == modePresign {
		req.URL.RawQuery = all[outAt:]
		req.URL.ForceQuery = false
		out.URL = req.URL.String()
		return out, nil
	}
	if query := all[queryAt:queryEnd]; req.URL.RawQuery != query {
		req.URL.RawQuery = query
	}
	h := req.Header
	if h == nil {
		h = make(http.Header)
		req.Header = h
	}
	// Fresh slices (one allocation, capacity-limited so they cannot overwrite each other): the
	// caller's old slices may be shared with another header map.
	vals := make([]string, 4)
	vals[0], vals[1], vals[2], vals[3] = out.AmzDate, payload, creds.SessionToken, all[outAt:]
	h["X-Amz-Date"] = vals[0:1:1]
	if setContentSHA {
		h["X-Amz-Content-Sha256"] = vals[1:2:2]
	}
	if creds.SessionToken != "" {
		h["X-Amz-Security-Token"] = vals[2:3:3]
	} else {
		delete(h, "X-Amz-Security-Token")
	}
	h["Authorization"] = vals[3:4:4]
	return out, nil
}
