// Package enginetest builds what integration tests need around an
// engine.Client: a client for a testenv.Server, a uniquely named bucket, and
// its cleanup (multipart uploads, objects, the bucket) when the test ends.
//
// It lives apart from testenv because testenv must not import engine: the
// engine's own tests use testenv.
package enginetest

import (
	"context"
	"errors"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
)

// Config returns the configuration of a client for srv: plain HTTP, path
// style, srv's region and static credentials, 3 tries per request.
func Config(srv testenv.Server) engine.Config {
	return engine.Config{
		Host:        srv.Host,
		Scheme:      "http",
		PathStyle:   true,
		Region:      srv.Region,
		MaxTries:    3,
		Credentials: engine.StaticCredentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey},
	}
}

// Client returns a client for srv built from Config(srv) changed by each of
// opts in turn; it fails the test when engine.New refuses the configuration.
// When the test ends, the idle connections of the client's HTTP client are
// closed: a connection dialed but never used would hold up the embedded
// store's shutdown.
func Client(t testing.TB, srv testenv.Server, opts ...func(*engine.Config)) *engine.Client {
	t.Helper()
	cfg := Config(srv)
	for _, o := range opts {
		o(&cfg)
	}
	c, err := engine.New(cfg)
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	// Registered first, so it runs after the cleanups of buckets made with c.
	t.Cleanup(c.Config().HTTPClient.CloseIdleConnections)
	return c
}

// Bucket creates a bucket named testenv.UniqueBucket(t, prefix) with c and
// removes it (Remove) when the test ends.
func Bucket(t testing.TB, c *engine.Client, prefix string) string {
	t.Helper()
	bucket := testenv.UniqueBucket(t, prefix)
	if err := c.CreateBucket(context.Background(), bucket, ""); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
	t.Cleanup(func() { Remove(t, c, bucket) })
	return bucket
}

// Remove empties bucket (Empty) and deletes it. When the server answers
// that the bucket is not empty (versions or delete markers are left), it
// removes them (RemoveVersions) and tries again. Failures are logged, not
// reported: it runs in cleanups.
func Remove(t testing.TB, c *engine.Client, bucket string) {
	ctx := context.Background()
	Empty(t, c, bucket)
	err := c.DeleteBucket(ctx, bucket)
	var re *engine.ResponseError
	if errors.As(err, &re) && re.Code == "BucketNotEmpty" {
		RemoveVersions(t, c, bucket)
		Empty(t, c, bucket)
		err = c.DeleteBucket(ctx, bucket)
	}
	if err != nil {
		t.Logf("cleanup: DeleteBucket %s: %v", bucket, err)
	}
}

// Empty aborts the multipart uploads in progress in bucket and deletes its
// objects: it lists the first page again and deletes it until the bucket is
// empty, so that no server's continuation token has to survive the
// deletions. A page goes in one DeleteMultiple, or key by key (Delete) when
// that fails, as it does for keys XML cannot carry. Versions are left alone
// (RemoveVersions removes them). Failures are logged, not reported: it runs
// in cleanups.
func Empty(t testing.TB, c *engine.Client, bucket string) {
	ctx := context.Background()
	if ups, err := c.ListMultipartUploads(ctx, bucket); err == nil {
		for _, u := range ups {
			_ = c.AbortMultipartUpload(ctx, bucket+"/"+u.Key, u.UploadID)
		}
	}
	prev := ""
	for {
		var keys []string
		err := c.LsProc(ctx, bucket+"/", engine.ListOptions{}, func(items []engine.Item) (bool, error) {
			for _, it := range items {
				keys = append(keys, it.Key)
			}
			return true, nil // the first page only
		})
		if err != nil {
			t.Logf("cleanup: list %s: %v", bucket, err)
			return
		}
		if len(keys) == 0 {
			return
		}
		if keys[0] == prev {
			t.Logf("cleanup: %s: %q and others could not be deleted", bucket, prev)
			return
		}
		prev = keys[0]
		if _, err := c.DeleteMultiple(ctx, bucket, keys); err != nil {
			for _, k := range keys {
				if _, err := c.Delete(ctx, bucket+"/"+k); err != nil {
					t.Logf("cleanup: delete %s/%s: %v", bucket, k, err)
				}
			}
		}
	}
}

// RemoveVersions deletes every version and delete marker of bucket, so that
// a versioned bucket can be removed. A listing failure (a server without
// versioning) ends it silently; a failed deletion is logged.
func RemoveVersions(t testing.TB, c *engine.Client, bucket string) {
	ctx := context.Background()
	l := c.NewVersionLister(bucket+"/", engine.VersionListOptions{})
	for {
		page, err := l.Next(ctx)
		if err != nil {
			return
		}
		for _, v := range page {
			if _, err := c.DeleteVersion(ctx, bucket+"/"+v.Key, v.VersionID); err != nil {
				t.Logf("cleanup: %v", err)
			}
		}
	}
}
