package engine

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ResponseError is an S3 answer that means failure: any status outside 2xx
// (and outside the statuses an operation expects), a "200 OK" whose body is
// an <Error> document (CopyObject, CompleteMultipartUpload), or a 301
// PermanentRedirect. Use errors.As to branch on it:
//
//	var re *engine.ResponseError
//	if errors.As(err, &re) && re.Code == "NoSuchKey" { ... }
//
// Error never contains a secret: no key, token or Authorization header.
type ResponseError struct {
	StatusCode int    // HTTP status, e.g. 404
	Code       string // S3 error code, e.g. "NoSuchKey"; derived from the status when the body has none (HEAD)
	Message    string // S3's human-readable message, entities decoded
	RequestID  string // x-amz-request-id (or <RequestId>)
	HostID     string // x-amz-id-2 (or <HostId>)
	Method     string // request method
	Bucket     string // bucket of the request, "" for ListBuckets
	Key        string // object key (plain text), "" for bucket-level requests
	Region     string // x-amz-bucket-region when the server sent it (redirects, wrong region)
	// RetryAfter is the server's Retry-After (seconds or an HTTP date,
	// at most 30 s), 0 without one; retries wait at least that long.
	RetryAfter time.Duration
}

// Error returns one readable line, e.g.
// `s3: GET b/k: 404 NoSuchKey: The specified key does not exist. (request id 4442587FB7D0A2F9)`.
func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("s3: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(target(e.Bucket, e.Key))
	fmt.Fprintf(&b, ": %d", e.StatusCode)
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(e.Message))
	}
	var extra []string
	if e.Region != "" {
		extra = append(extra, "bucket region "+e.Region)
	}
	if e.RequestID != "" {
		extra = append(extra, "request id "+e.RequestID)
	}
	if len(extra) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(extra, ", "))
		b.WriteByte(')')
	}
	return b.String()
}

// RequestError is a failure to get any answer from the server: DNS, refused
// or reset connections, TLS, timeouts, a cancelled context, or a body that
// could not be produced. Err is the cause; errors.Is(err, context.Canceled)
// and similar work through Unwrap.
type RequestError struct {
	Method string // request method
	Bucket string // bucket of the request, "" for ListBuckets
	Key    string // object key (plain text), "" for bucket-level requests
	Err    error  // the cause: a net error, context.Canceled, a credentials error, ...
}

// Error is "s3: METHOD bucket/key: cause".
func (e *RequestError) Error() string {
	return fmt.Sprintf("s3: %s %s: %v", e.Method, target(e.Bucket, e.Key), e.Err)
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// KeyError is one key that DeleteMultiple could not delete.
type KeyError struct {
	Key     string // the key, plain text
	Code    string // S3's error code, e.g. "AccessDenied"
	Message string // S3's message
}

// DeleteError reports the keys DeleteMultiple could not delete, with S3's
// code and message for each. The keys that were deleted are still returned
// beside it.
type DeleteError struct {
	Errors []KeyError // in the server's order
}

// Error counts the failed keys and shows the first.
func (e *DeleteError) Error() string {
	if len(e.Errors) == 0 {
		return "s3: delete-multiple: no keys failed"
	}
	first := e.Errors[0]
	msg := fmt.Sprintf("s3: delete-multiple: %d key(s) not deleted; first %q: %s", len(e.Errors), first.Key, first.Code)
	if first.Message != "" {
		msg += ": " + oneLine(first.Message)
	}
	return msg
}

// target renders "bucket/key" for messages.
func target(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	return bucket + "/" + key
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// xmlError is S3's error document.
type xmlError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
	Region    string   `xml:"Region"`
	Endpoint  string   `xml:"Endpoint"`
}

// parseErrorBody decodes an S3 <Error> document. It reports false when body
// holds no such document (empty, HTML from a proxy, another root element).
func parseErrorBody(body []byte) (xmlError, bool) {
	var x xmlError
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return x, false
	}
	if err := xml.Unmarshal(body, &x); err != nil {
		return x, false
	}
	return x, x.Code != ""
}

// hasErrorBody reports whether a "successful" answer is in fact an <Error>
// document: S3 sends "200 OK" for CopyObject and CompleteMultipartUpload
// before the work is done, then whitespace, then the result or an <Error>.
func hasErrorBody(body []byte) (xmlError, bool) {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlError{}, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "Error" {
				return xmlError{}, false
			}
			return parseErrorBody(body)
		}
	}
}

// newResponseError builds the typed error for resp, whose body (possibly
// empty, never read for HEAD) is given.
func newResponseError(r *request, resp *http.Response, body []byte) *ResponseError {
	e := &ResponseError{
		StatusCode: resp.StatusCode,
		Method:     r.method,
		Bucket:     r.bucket,
		Key:        r.key,
		RequestID:  resp.Header.Get("X-Amz-Request-Id"),
		HostID:     resp.Header.Get("X-Amz-Id-2"),
		Region:     resp.Header.Get("X-Amz-Bucket-Region"),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	if x, ok := parseErrorBody(body); ok {
		e.Code, e.Message = x.Code, x.Message
		if x.RequestID != "" {
			e.RequestID = x.RequestID
		}
		if x.HostID != "" {
			e.HostID = x.HostID
		}
		if e.Region == "" {
			e.Region = x.Region
		}
		if e.Code == "PermanentRedirect" || e.Code == "AuthorizationHeaderMalformed" {
			e.Message = redirectMessage(e, x.Endpoint)
		}
		return e
	}
	e.Code = codeForStatus(resp.StatusCode, r.key != "")
	switch {
	case resp.StatusCode == http.StatusMovedPermanently:
		e.Message = redirectMessage(e, "")
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
		e.Message = "redirected to " + redactQuery(resp.Header.Get("Location"))
	default:
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// redactQuery drops the query of a URL for messages (a presigned query
// holds a signature and maybe a session token).
func redactQuery(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i] + "?..."
	}
	return s
}

// redirectMessage tells the user where the bucket lives instead of
// returning the redirect as data, as the reference did.
func redirectMessage(e *ResponseError, endpoint string) string {
	msg := "the bucket is not in this region or endpoint"
	if e.Message != "" {
		msg = strings.TrimSuffix(oneLine(e.Message), ".")
	}
	if e.Region != "" {
		msg += "; the bucket is in region " + e.Region + " (set Region to " + e.Region + ")"
	}
	if endpoint != "" {
		msg += "; endpoint " + endpoint
	}
	return msg
}

// codeForStatus names the error when the server sent no body (HEAD, or a
// proxy's empty answer).
func codeForStatus(status int, hasKey bool) string {
	switch status {
	case http.StatusMovedPermanently:
		return "PermanentRedirect"
	case http.StatusFound:
		return "Found"
	case http.StatusNotModified:
		return "NotModified"
	case http.StatusTemporaryRedirect:
		return "TemporaryRedirect"
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusNotFound:
		if hasKey {
			return "NoSuchKey"
		}
		return "NoSuchBucket"
	case http.StatusMethodNotAllowed:
		return "MethodNotAllowed"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	case http.StatusRequestedRangeNotSatisfiable:
		return "InvalidRange"
	case http.StatusInternalServerError:
		return "InternalError"
	case http.StatusNotImplemented:
		return "NotImplemented"
	case http.StatusBadGateway:
		return "BadGateway"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// argError is the plain error for a bad argument: it names the function and
// the argument.
func argError(fn, format string, args ...any) error {
	return fmt.Errorf("engine.%s: %s", fn, fmt.Sprintf(format, args...))
}

// IsNotFound reports whether err is a ResponseError for a missing key or
// bucket (404).
func IsNotFound(err error) bool {
	var re *ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}
