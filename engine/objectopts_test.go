package engine

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

func TestObjectOptionsApply(t *testing.T) {
	key := []byte("0123456789abcdef0123456789ABCDEF")
	sum := md5.Sum(key)
	tests := []struct {
		name string
		opt  ObjectOptions
		want map[string]string
		err  string
	}{
		{"sse-s3", ObjectOptions{SSE: "AES256"}, map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}, ""},
		{"kms", ObjectOptions{SSE: "aws:kms", KMSKeyID: "k1"}, map[string]string{
			"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "k1"}, ""},
		{"sse-c", ObjectOptions{CustomerKey: key}, map[string]string{
			sseCustomerAlgorithm: "AES256",
			sseCustomerKey:       base64.StdEncoding.EncodeToString(key),
			sseCustomerKeyMD5:    base64.StdEncoding.EncodeToString(sum[:])}, ""},
		{"copy source sse-c", ObjectOptions{CopySourceCustomerKey: key}, map[string]string{
			copySourceSSECustomerAlgorithm: "AES256", copySourceSSECustomerKeyMD5: base64.StdEncoding.EncodeToString(sum[:])}, ""},
		{"metadata, tags, class, version", ObjectOptions{Metadata: map[string]string{"Colour": "blue"},
			Tags: map[string]string{"b": "2 3", "a": "x&y"}, StorageClass: "STANDARD_IA", VersionID: "v1"},
			map[string]string{"X-Amz-Meta-Colour": "blue", "X-Amz-Tagging": "a=x%26y&b=2+3",
				"X-Amz-Storage-Class": "STANDARD_IA", VersionIDHeader: "v1"}, ""},
		{"bad sse", ObjectOptions{SSE: "rot13"}, nil, `SSE "rot13"`},
		{"kms id without kms", ObjectOptions{KMSKeyID: "k"}, nil, "needs SSE"},
		{"both", ObjectOptions{SSE: "AES256", CustomerKey: key}, nil, "one or the other"},
		{"short key", ObjectOptions{CustomerKey: []byte("secret-short")}, nil, "want 32 bytes, got 12"},
		{"bad metadata name", ObjectOptions{Metadata: map[string]string{"a b": "x"}}, nil, "metadata name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := http.Header{"X-Other": {"kept"}}
			h, err := tt.opt.Apply("Test", in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "secret-short") {
					t.Errorf("the key is in the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if h.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, h.Get(k), v)
				}
			}
			if h.Get("X-Other") != "kept" || len(in) != 1 {
				t.Errorf("h not kept or changed: %v %v", h, in)
			}
		})
	}
}
