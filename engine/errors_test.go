package engine

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestNewResponseError(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		key      string
		status   int
		header   http.Header
		body     string
		wantCode string
		wantMsg  string // substring
	}{
		{"xml body with entities", "GET", "k", 404, nil,
			`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The key &quot;a&amp;b&quot; does not exist</Message><RequestId>RID</RequestId><HostId>HID</HostId></Error>`,
			"NoSuchKey", `The key "a&b" does not exist`},
		{"head on key", "HEAD", "k", 404, nil, "", "NoSuchKey", "Not Found"},
		{"head on bucket", "HEAD", "", 404, nil, "", "NoSuchBucket", "Not Found"},
		{"forbidden", "HEAD", "k", 403, nil, "", "AccessDenied", "Forbidden"},
		{"redirect without body", "HEAD", "", 301, http.Header{"X-Amz-Bucket-Region": {"eu-central-1"}}, "",
			"PermanentRedirect", "region eu-central-1"},
		{"permanent redirect body", "GET", "k", 301, http.Header{"X-Amz-Bucket-Region": {"eu-west-2"}},
			`<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Endpoint>b.s3.eu-west-2.amazonaws.com</Endpoint></Error>`,
			"PermanentRedirect", "set Region to eu-west-2"},
		{"html from a proxy", "GET", "k", 502, nil, "<html>bad gateway</html>", "BadGateway", "Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			r := &request{method: tt.method, bucket: "b", key: tt.key}
			e := newResponseError(r, &http.Response{StatusCode: tt.status, Header: h}, []byte(tt.body))
			if e.Code != tt.wantCode || !strings.Contains(e.Message, tt.wantMsg) {
				t.Fatalf("got code %q message %q, want %q, %q", e.Code, e.Message, tt.wantCode, tt.wantMsg)
			}
			if s := e.Error(); strings.Contains(s, "\n") || !strings.Contains(s, tt.wantCode) {
				t.Errorf("Error() = %q", s)
			}
			var re *ResponseError
			if !errors.As(error(e), &re) {
				t.Error("errors.As failed")
			}
		})
	}
}

func TestResponseErrorString(t *testing.T) {
	e := &ResponseError{StatusCode: 404, Code: "NoSuchKey", Message: "The specified key does not exist.",
		RequestID: "4442587FB7D0A2F9", Method: "GET", Bucket: "b", Key: "dir/k"}
	want := "s3: GET b/dir/k: 404 NoSuchKey: The specified key does not exist. (request id 4442587FB7D0A2F9)"
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestHasErrorBody(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{"\n\n   <?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code><Message>x</Message></Error>", true},
		{`<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>`, false},
		{`<CompleteMultipartUploadResult><Error>no</Error></CompleteMultipartUploadResult>`, false},
		{``, false},
	}
	for _, tt := range tests {
		if _, got := hasErrorBody([]byte(tt.body)); got != tt.want {
			t.Errorf("hasErrorBody(%q) = %v", tt.body, got)
		}
	}
}

func TestDeleteErrorMessage(t *testing.T) {
	e := &DeleteError{Errors: []KeyError{{Key: "a", Code: "AccessDenied", Message: "Access Denied"}, {Key: "b", Code: "InternalError"}}}
	if got := e.Error(); got != `s3: delete-multiple: 2 key(s) not deleted; first "a": AccessDenied: Access Denied` {
		t.Error(got)
	}
}
