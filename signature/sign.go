package signature

import (
	"crypto/sha256"
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
	values []string
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
		return nil, fmt.Errorf("signature: Presign: expiry %v out of range: must be between 1s and %v (604800 seconds)", expires, MaxPresignExpiry)
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
		return "", fmt.Errorf("no host in request or URL")
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

	// String to sign, except its last line: "AWS4-HMAC-SHA256\n<date>\n<scope>\n".
	sts := make([]byte, 0, len(algorithm)+1+17+9+len(opt.Region)+len(service)+14+64)
	sts = append(sts, algorithm...)
	sts = append(sts, '\n')
	dateAt := len(sts)
	sts = appendAmzDate(sts, opt.Time)
	dateEnd := len(sts)
	sts = append(sts, '\n')
	scopeAt := len(sts)
	sts = append(sts, sts[dateAt:dateAt+8]...)
	sts = append(sts, '/')
	sts = append(sts, opt.Region...)
	sts = append(sts, '/')
	sts = append(sts, service...)
	sts = append(sts, "/aws4_request"...)
	scopeEnd := len(sts)
	sts = append(sts, '\n')
	amzDate := string(sts[dateAt:dateEnd])

	if mode != modePresign {
		h := req.Header
		if h == nil {
			h = make(http.Header)
			req.Header = h
		}
		h.Del("Authorization")
		h["X-Amz-Date"] = []string{amzDate}
		if service == "s3" || opt.PayloadHash != "" {
			h["X-Amz-Content-Sha256"] = []string{payload}
		}
		if creds.SessionToken != "" {
			h["X-Amz-Security-Token"] = []string{creds.SessionToken}
		} else {
			h.Del("X-Amz-Security-Token")
		}
	}

	// Canonical headers: host first, then req.Header minus skipped names, sorted by lower name.
	var hbuf [24]header
	hs := append(hbuf[:0], header{name: "host", values: []string{host}})
	var lbuf [64]byte
	for name, values := range req.Header {
		if skipHeader(string(lowerInto(lbuf[:], name)), mode) {
			continue
		}
		hs = append(hs, header{name, values})
	}
	if contentLength >= 0 {
		hs = append(hs, header{"content-length", []string{strconv.FormatInt(contentLength, 10)}})
	}
	// Names equal but for case (non-canonical keys set directly in the map) keep the byte order
	// of their keys, which is the order http.Header.Write puts them on the wire.
	slices.SortFunc(hs, func(a, b header) int {
		if c := compareFold(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})

	// Signed headers list (names merged case-insensitively).
	shLen := 0
	for _, h := range hs {
		shLen += len(h.name) + 1
	}
	sh := make([]byte, 0, shLen)
	for i, h := range hs {
		if i > 0 && compareFold(hs[i-1].name, h.name) == 0 {
			continue
		}
		if i > 0 {
			sh = append(sh, ';')
		}
		sh = appendLower(sh, h.name)
	}

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
		cred := make([]byte, 0, len(creds.AccessKeyID)+scopeEnd-scopeAt)
		cred = append(cred, creds.AccessKeyID...)
		cred = append(cred, '/')
		cred = append(cred, sts[scopeAt:scopeEnd]...)
		pairs = append(pairs,
			queryPair{"X-Amz-Algorithm", algorithm},
			queryPair{"X-Amz-Credential", escapeComponent(string(cred))},
			queryPair{"X-Amz-Date", amzDate},
			queryPair{"X-Amz-Expires", strconv.FormatInt(expires, 10)},
			queryPair{"X-Amz-SignedHeaders", escapeComponent(string(sh))})
		if creds.SessionToken != "" {
			pairs = append(pairs, queryPair{"X-Amz-Security-Token", escapeComponent(creds.SessionToken)})
		}
	}
	sortPairs(pairs)

	path := EscapePath(req.URL.Path)

	// Canonical request in one buffer.
	size := len(req.Method) + len(path) + len(sh) + len(payload) + 8
	for _, p := range pairs {
		size += len(p.key) + len(p.value) + 2
	}
	for _, h := range hs {
		size += len(h.name) + 2
		for _, v := range h.values {
			size += len(v) + 1
		}
	}
	cr := make([]byte, 0, size)
	cr = append(cr, req.Method...)
	cr = append(cr, '\n')
	cr = append(cr, path...)
	cr = append(cr, '\n')
	queryAt := len(cr)
	cr = appendPairs(cr, pairs)
	queryEnd := len(cr)
	cr = append(cr, '\n')
	for i, h := range hs {
		if i == 0 || compareFold(hs[i-1].name, h.name) != 0 {
			if i > 0 {
				cr = append(cr, '\n')
			}
			cr = appendLower(cr, h.name)
			cr = append(cr, ':')
		} else {
			cr = append(cr, ',')
		}
		for j, v := range h.values {
			if j > 0 {
				cr = append(cr, ',')
			}
			cr = appendHeaderValue(cr, v)
		}
	}
	cr = append(cr, '\n', '\n')
	shAt := len(cr)
	cr = append(cr, sh...)
	cr = append(cr, '\n')
	cr = append(cr, payload...)

	crHash := sha256.Sum256(cr)
	sts = appendHex(sts, crHash[:])
	key := s.signingKey(creds.SecretAccessKey, amzDate[:8], opt.Region, service)
	sig := hmacSHA256(key[:], sts)

	canonical := string(cr)
	stsStr := string(sts)
	out := &Signed{
		CanonicalRequest: canonical,
		StringToSign:     stsStr,
		SignedHeaders:    canonical[shAt : shAt+len(sh)],
		Scope:            stsStr[scopeAt:scopeEnd],
		AmzDate:          stsStr[dateAt:dateEnd],
	}

	// Make the wire equal to what was signed.
	if req.URL.Path == "" {
		req.URL.RawPath = ""
	} else {
		req.URL.RawPath = path
	}
	query := canonical[queryAt:queryEnd]
	if mode == modePresign {
		q := make([]byte, 0, len(query)+18+64)
		q = append(q, query...)
		if len(query) > 0 {
			q = append(q, '&')
		}
		q = append(q, "X-Amz-Signature="...)
		q = appendHex(q, sig[:])
		qs := string(q)
		out.Signature = qs[len(qs)-64:]
		req.URL.RawQuery = qs
		req.URL.ForceQuery = false
		out.URL = req.URL.String()
		return out, nil
	}
	if req.URL.RawQuery != query {
		req.URL.RawQuery = query
	}
	auth := make([]byte, 0, len(algorithm)+len(creds.AccessKeyID)+scopeEnd-scopeAt+len(sh)+120)
	auth = append(auth, algorithm...)
	auth = append(auth, " Credential="...)
	auth = append(auth, creds.AccessKeyID...)
	auth = append(auth, '/')
	auth = append(auth, out.Scope...)
	auth = append(auth, ", SignedHeaders="...)
	auth = append(auth, sh...)
	auth = append(auth, ", Signature="...)
	auth = appendHex(auth, sig[:])
	authStr := string(auth)
	out.Signature = authStr[len(authStr)-64:]
	req.Header["Authorization"] = []string{authStr}
	return out, nil
}
