package tests

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/s3lua/s3lua/engine"
)

// SSE-C needs https (S3 and MinIO refuse it over http): MinIO over TLS,
// started as in tls_test.go. Put, get, head, copy and a multipart upload
// (every part repeats the key); without the key the object does not read.
func TestEngineAPISSECOverTLS(t *testing.T) {
	m := startTLSMinIO(t)
	ctx := context.Background()
	c, err := engine.New(engine.Config{Host: m.host, Scheme: "https", CABundle: m.caFile, MaxTries: 2,
		Credentials: engine.StaticCredentials{AccessKeyID: m.access, SecretAccessKey: m.secret}})
	if err != nil {
		t.Fatal(err)
	}
	bucket := "ssec"
	if err := c.CreateBucket(ctx, bucket, ""); err != nil {
		t.Fatal(err)
	}
	compat.Run(t, "minio", "SSE-C over https: put, get, head, copy, multipart (key on every part)", func(t *testing.T) {
		h, _ := engine.ObjectOptions{CustomerKey: sseKey}.Apply("test", nil)
		if _, err := c.PutBytes(ctx, bucket+"/c", []byte("customer data"), "text/plain", h); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetBytes(ctx, bucket+"/c", nil, nil); err == nil {
			t.Fatal("an SSE-C object reads without its key")
		}
		if b, err := c.GetBytes(ctx, bucket+"/c", h, nil); err != nil || string(b) != "customer data" {
			t.Fatalf("get with the key: %q %v", b, err)
		}
		hh, err := c.Head(ctx, bucket+"/c", h)
		if err != nil || hh.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "AES256" {
			t.Fatalf("head with the key: %v %v", hh, err)
		}
		ch, _ := engine.ObjectOptions{CustomerKey: sseKey, CopySourceCustomerKey: sseKey}.Apply("test", nil)
		if _, err := c.Copy(ctx, bucket+"/c", bucket+"/c2", ch); err != nil {
			t.Fatalf("copy: %v", err)
		}
		if b, err := c.GetBytes(ctx, bucket+"/c2", h, nil); err != nil || string(b) != "customer data" {
			t.Fatalf("get the copy: %q %v", b, err)
		}
		data := bytes.Repeat([]byte("s"), 11<<20)
		file := filepath.Join(t.TempDir(), "big")
		os.WriteFile(file, data, 0o600)
		if _, err := c.MultipartPutFile(ctx, bucket+"/big", file, engine.MultipartFileOptions{PartSize: 5 << 20, Header: h}); err != nil {
			t.Fatalf("multipart: %v", err)
		}
		if b, err := c.GetBytes(ctx, bucket+"/big", h, nil); err != nil || !bytes.Equal(b, data) {
			t.Fatalf("get the multipart object: %d bytes %v", len(b), err)
		}
	})
}
