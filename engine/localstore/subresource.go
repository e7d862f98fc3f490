package localstore

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// gofakes3 ignores the subresources it does not implement and treats the
// request as a plain object or bucket request: `PUT key?acl` would overwrite
// the object with the ACL document and `GET bucket?policy` would answer with
// a listing. guard answers those requests itself instead: ACLs get the
// minimal behaviour MinIO has (GET: the owner has FULL_CONTROL; PUT: only
// "private" is accepted), every other unsupported subresource gets
// 501 NotImplemented, and nothing reaches the store.

// owner is the owner the store reports, the same as gofakes3's ListBuckets.
var owner = struct{ ID, DisplayName string }{"fe7272ea58be830e56fe1663b10fafef", "GoFakeS3"}

// unsupported are the subresources gofakes3 v1.2.0 does not implement.
var unsupported = []string{
	"accelerate", "analytics", "attributes", "cors", "encryption", "intelligent-tiering",
	"inventory", "legal-hold", "lifecycle", "logging", "metrics", "notification",
	"object-lock", "ownershipControls", "policy", "policyStatus", "publicAccessBlock",
	"replication", "requestPayment", "restore", "retention", "select", "tagging",
	"torrent", "website",
}

type guard struct{ next http.Handler }

func (g guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, ok := q["acl"]; ok {
		g.acl(w, r)
		return
	}
	for _, name := range unsupported {
		if _, ok := q[name]; ok {
			writeError(w, r, http.StatusNotImplemented, "NotImplemented",
				fmt.Sprintf("the embedded store does not implement the %q subresource", name))
			return
		}
	}
	if tooLarge(r) {
		writeError(w, r, http.StatusBadRequest, "EntityTooLarge",
			fmt.Sprintf("the embedded store takes at most %d bytes in one request (it holds a body in memory)", MaxObjectSize))
		return
	}
	// Work on a copy: net/http decides after the handler whether to drain
	// the body (and, with Expect: 100-continue, ask the client for it) by
	// looking at the original request's Body, which must stay untouched.
	r = r.Clone(r.Context())
	if r.Method == http.MethodPut && isAWSChunked(r) {
		if !decodeAWSChunked(w, r) {
			return
		}
	}
	stripRequestOnly(r.Header)
	g.next.ServeHTTP(w, r)
}

type aclGrantee struct {
	XMLNS       string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type aclPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	XMLNS   string   `xml:"xmlns,attr"`
	Owner   struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee    aclGrantee `xml:"Grantee"`
		Permission string     `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

// acl answers GET/PUT ?acl on a bucket or an object that exists.
func (g guard) acl(w http.ResponseWriter, r *http.Request) {
	// Existence (and the right 404 code) come from the store itself.
	head := r.Clone(r.Context())
	head.Method = http.MethodHead
	head.Body = http.NoBody
	head.ContentLength = 0
	q := head.URL.Query()
	q.Del("acl")
	head.URL.RawQuery = q.Encode()
	rec := &statusRecorder{header: http.Header{}}
	g.next.ServeHTTP(rec, head)
	if rec.status == 0 { // a handler that writes nothing answers 200
		rec.status = http.StatusOK
	}
	if rec.status/100 != 2 {
		code := "NoSuchKey"
		if path := strings.Trim(r.URL.Path, "/"); !strings.Contains(path, "/") {
			code = "NoSuchBucket"
		}
		writeError(w, r, rec.status, code, "the bucket or key does not exist")
		return
	}

	switch r.Method {
	case http.MethodGet:
		var p aclPolicy
		p.XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
		p.Owner.ID, p.Owner.DisplayName = owner.ID, owner.DisplayName
		p.Grants = append(p.Grants, struct {
			Grantee    aclGrantee `xml:"Grantee"`
			Permission string     `xml:"Permission"`
		}{aclGrantee{"http://www.w3.org/2001/XMLSchema-instance", "CanonicalUser", owner.ID, owner.DisplayName}, "FULL_CONTROL"})
		b, err := xml.MarshalIndent(p, "", "  ")
		if err != nil {
			writeError(w, r, http.StatusInternalServerError, "InternalError", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(xml.Header))
		w.Write(b)
	case http.MethodPut:
		canned := r.Header.Get("X-Amz-Acl")
		if (canned == "" || canned == "private") && r.ContentLength <= 0 && !hasGrantHeaders(r.Header) {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeError(w, r, http.StatusNotImplemented, "NotImplemented",
			"the embedded store supports only the private ACL")
	default:
		writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "method not allowed on ?acl")
	}
}

func hasGrantHeaders(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			return true
		}
	}
	return false
}

type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}
func (s *statusRecorder) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}

type errorDoc struct {
	XMLName  xml.Name `xml:"Error"`
	Code     string   `xml:"Code"`
	Message  string   `xml:"Message"`
	Resource string   `xml:"Resource"`
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	b, _ := xml.Marshal(errorDoc{Code: code, Message: msg, Resource: r.URL.Path})
	w.Write([]byte(xml.Header))
	w.Write(b)
}

// MaxObjectSize is the largest body the embedded store accepts in one
// request: S3's limit for a single PUT. gofakes3 allocates the declared
// length up front, so without it a mistyped length would exhaust memory.
const MaxObjectSize = 5 << 30

// tooLarge reports a request that declares a body over MaxObjectSize.
func tooLarge(r *http.Request) bool {
	if r.ContentLength > MaxObjectSize {
		return true
	}
	if d := r.Header.Get("X-Amz-Decoded-Content-Length"); d != "" {
		n, err := strconv.ParseInt(d, 10, 64)
		return err != nil || n > MaxObjectSize
	}
	return false
}
