package tests

// Integration tests of the rest of the S3 API the engine covers: tags,
// listing from a start key, metadata, storage classes, server-side
// encryption and versioning, against MinIO, versitygw and the embedded
// store, recorded in the compatibility table (compat_test.go).

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// apiUnsupported records a server's gap when err is an S3 answer saying it
// does not implement the feature (NotImplemented, 501, or one of codes),
// and reports whether it did.
func apiUnsupported(t *testing.T, err error, what string, codes ...string) {
	t.Helper()
	var re *engine.ResponseError
	if errors.As(err, &re) && (re.StatusCode == http.StatusNotImplemented || re.Code == "NotImplemented" ||
		strings.Contains(strings.Join(codes, " "), re.Code)) {
		compat.Unsupported(t, "%s: %s %s", what, re.Code, oneLineMsg(re.Message))
	}
}

func oneLineMsg(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

func TestEngineAPITagsListingMetadata(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			c, bucket := coreClient(t, srv)
			obj := bucket + "/tagged.txt"
			if _, err := c.PutBytes(ctx, obj, []byte("hello"), "text/plain", nil); err != nil {
				t.Fatal(err)
			}
			compat.Run(t, srv.Name, "GetTags / PutTags / DeleteTags (object)", func(t *testing.T) {
				tags := map[string]string{"team": "data", "note": "a b+c=d:/@"}
				err := c.PutTags(ctx, obj, tags, nil)
				apiUnsupported(t, err, "PutObjectTagging")
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.GetTags(ctx, obj, nil)
				if err != nil || !maps.Equal(got, tags) {
					t.Fatalf("GetTags = %v, %v; want %v", got, err, tags)
				}
				if err := c.DeleteTags(ctx, obj, nil); err != nil {
					t.Fatal(err)
				}
				if got, err := c.GetTags(ctx, obj, nil); err != nil || len(got) != 0 {
					t.Fatalf("after DeleteTags: %v, %v", got, err)
				}
			})
			compat.Run(t, srv.Name, "GetTags / PutTags / DeleteTags (bucket)", func(t *testing.T) {
				tags := map[string]string{"cost-centre": "42"}
				err := c.PutTags(ctx, bucket+"/", tags, nil)
				apiUnsupported(t, err, "PutBucketTagging")
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.GetTags(ctx, bucket+"/", nil)
				if err != nil || !maps.Equal(got, tags) {
					t.Fatalf("GetTags = %v, %v; want %v", got, err, tags)
				}
				if err := c.DeleteTags(ctx, bucket+"/", nil); err != nil {
					t.Fatal(err)
				}
				if got, err := c.GetTags(ctx, bucket+"/", nil); err != nil || len(got) != 0 {
					t.Fatalf("after DeleteTags: %v, %v", got, err)
				}
			})
			compat.Run(t, srv.Name, "tags, metadata and storage class on put (headers)", func(t *testing.T) {
				h, err := engine.ObjectOptions{Tags: map[string]string{"k": "v 1"}, Metadata: map[string]string{"Colour": "blue"},
					StorageClass: "STANDARD"}.Apply("test", nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.PutBytes(ctx, bucket+"/with-tags", []byte("x"), "text/plain", h); err != nil {
					t.Fatal(err)
				}
				hh, err := c.Head(ctx, bucket+"/with-tags", nil)
				if err != nil {
					t.Fatal(err)
				}
				if md := engine.Metadata(hh); md["colour"] != "blue" {
					t.Errorf("metadata %v", md)
				}
				got, err := c.GetTags(ctx, bucket+"/with-tags", nil)
				apiUnsupported(t, err, "GetObjectTagging")
				if err != nil {
					t.Fatal(err)
				}
				if got["k"] != "v 1" {
					if len(got) == 0 {
						compat.Unsupported(t, "the x-amz-tagging header of a put is ignored")
					}
					t.Errorf("tags from x-amz-tagging: %v", got)
				}
			})
			compat.Run(t, srv.Name, "LsProc start-after", func(t *testing.T) {
				corePutMany(t, c, bucket, []string{"sa/a", "sa/b", "sa/c", "sa/d", "sa/e"})
				for _, each := range []int{1, 2, 1000} {
					var keys []string
					err := c.LsProc(ctx, bucket+"/sa/", engine.ListOptions{MaxEach: each, StartAfter: "sa/b"}, func(items []engine.Item) (bool, error) {
						for _, it := range items {
							keys = append(keys, it.Key)
						}
						return false, nil
					})
					if err != nil {
						t.Fatal(err)
					}
					if strings.Join(keys, ",") != "sa/c,sa/d,sa/e" {
						t.Errorf("max-each %d: %v", each, keys)
					}
				}
			})
		})
	}
}

// sseKey is a fixed SSE-C test key (32 bytes).
var sseKey = []byte("0123456789abcdef0123456789ABCDEF")

func TestEngineAPIEncryption(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			c, bucket := coreClient(t, srv)
			compat.Run(t, srv.Name, "SSE-S3 (AES256) put, head, get", func(t *testing.T) {
				h, _ := engine.ObjectOptions{SSE: "AES256"}.Apply("test", nil)
				_, err := c.PutBytes(ctx, bucket+"/sse-s3", []byte("secret data"), "text/plain", h)
				apiUnsupported(t, err, "SSE-S3", "InvalidRequest", "KMS.NotConfigured", "NotImplemented", "InvalidArgument")
				if err != nil {
					t.Fatal(err)
				}
				hh, err := c.Head(ctx, bucket+"/sse-s3", nil)
				if err != nil {
					t.Fatal(err)
				}
				if hh.Get("X-Amz-Server-Side-Encryption") != "AES256" {
					compat.Unsupported(t, "put accepted, but the object does not report AES256 encryption")
				}
				if b, err := c.GetBytes(ctx, bucket+"/sse-s3", nil, nil); err != nil || string(b) != "secret data" {
					t.Fatalf("get: %q %v", b, err)
				}
			})
			compat.Run(t, srv.Name, "SSE-C put, head, get, copy (key required)", func(t *testing.T) {
				h, _ := engine.ObjectOptions{CustomerKey: sseKey}.Apply("test", nil)
				_, err := c.PutBytes(ctx, bucket+"/sse-c", []byte("customer data"), "text/plain", h)
				apiUnsupported(t, err, "SSE-C", "InvalidRequest", "NotImplemented", "InvalidArgument")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.GetBytes(ctx, bucket+"/sse-c", nil, nil); err == nil {
					compat.Unsupported(t, "the object reads back without its key: SSE-C is ignored")
				}
				rh, _ := engine.ObjectOptions{CustomerKey: sseKey}.Apply("test", nil)
				if b, err := c.GetBytes(ctx, bucket+"/sse-c", rh, nil); err != nil || string(b) != "customer data" {
					t.Fatalf("get with the key: %q %v", b, err)
				}
				if _, err := c.Head(ctx, bucket+"/sse-c", rh); err != nil {
					t.Fatalf("head with the key: %v", err)
				}
				ch, _ := engine.ObjectOptions{CustomerKey: sseKey, CopySourceCustomerKey: sseKey}.Apply("test", nil)
				if _, err := c.Copy(ctx, bucket+"/sse-c", bucket+"/sse-c-copy", ch); err != nil {
					t.Fatalf("copy: %v", err)
				}
				if b, err := c.GetBytes(ctx, bucket+"/sse-c-copy", rh, nil); err != nil || string(b) != "customer data" {
					t.Fatalf("get the copy: %q %v", b, err)
				}
			})
			compat.Run(t, srv.Name, "SSE-KMS put", func(t *testing.T) {
				h, _ := engine.ObjectOptions{SSE: "aws:kms"}.Apply("test", nil)
				_, err := c.PutBytes(ctx, bucket+"/sse-kms", []byte("kms data"), "text/plain", h)
				if err != nil {
					compat.Unsupported(t, "no KMS configured on the test server: %v", oneLineMsg(err.Error()))
				}
				hh, err := c.Head(ctx, bucket+"/sse-kms", nil)
				if err != nil {
					t.Fatal(err)
				}
				if hh.Get("X-Amz-Server-Side-Encryption") != "aws:kms" {
					compat.Unsupported(t, "put accepted, but the object does not report aws:kms encryption")
				}
			})
		})
	}
}

func TestEngineAPIVersioning(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			c, bucket := coreClient(t, srv)
			t.Cleanup(func() { enginetest.RemoveVersions(t, c, bucket) })
			compat.Run(t, srv.Name, "BucketVersioning / PutBucketVersioning", func(t *testing.T) {
				st, err := c.BucketVersioning(ctx, bucket)
				apiUnsupported(t, err, "GetBucketVersioning")
				if err != nil {
					t.Fatal(err)
				}
				if st != "" {
					t.Errorf("new bucket: status %q", st)
				}
				err = c.PutBucketVersioning(ctx, bucket, "Enabled")
				apiUnsupported(t, err, "PutBucketVersioning", "InvalidBucketState")
				if err != nil {
					t.Fatal(err)
				}
				if st, err := c.BucketVersioning(ctx, bucket); err != nil || st != "Enabled" {
					t.Fatalf("after enabling: %q %v", st, err)
				}
			})
			compat.Run(t, srv.Name, "ListVersions, get and delete by version id", func(t *testing.T) {
				if st, _ := c.BucketVersioning(ctx, bucket); st != "Enabled" {
					compat.Unsupported(t, "versioning cannot be enabled")
				}
				var ids []string
				for _, body := range []string{"one", "two!"} {
					h, err := c.PutBytes(ctx, bucket+"/v.txt", []byte(body), "text/plain", nil)
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, h.Get("X-Amz-Version-Id"))
				}
				if ids[0] == "" || ids[0] == ids[1] {
					t.Fatalf("version ids %q", ids)
				}
				old, _ := engine.ObjectOptions{VersionID: ids[0]}.Apply("test", nil)
				if b, err := c.GetBytes(ctx, bucket+"/v.txt", old, nil); err != nil || string(b) != "one" {
					t.Fatalf("get old version: %q %v", b, err)
				}
				compat.Run(t, srv.Name, "Head by version id", func(t *testing.T) {
					h, err := c.Head(ctx, bucket+"/v.txt", old)
					if err == nil && h.Get("Content-Length") == "4" && srv.Local {
						compat.Unsupported(t, "gofakes3 ignores versionId on HEAD (it heads the latest version)")
					}
					if err != nil || h.Get("Content-Length") != "3" {
						t.Fatalf("head old version: %v %v", h, err)
					}
				})
				compat.Run(t, srv.Name, "Copy from a version id", func(t *testing.T) {
					if _, err := c.Copy(ctx, bucket+"/v.txt", bucket+"/restored.txt", old); err != nil {
						t.Fatalf("copy old version: %v", err)
					}
					b, err := c.GetBytes(ctx, bucket+"/restored.txt", nil, nil)
					if err == nil && string(b) == "two!" && srv.Local {
						compat.Unsupported(t, "gofakes3 ignores the versionId of X-Amz-Copy-Source (it copies the latest version)")
					}
					if err != nil || string(b) != "one" {
						t.Fatalf("copy of the old version: %q %v", b, err)
					}
				})
				dh, err := c.Delete(ctx, bucket+"/v.txt")
				if err != nil {
					t.Fatal(err)
				}
				if dh.Get("X-Amz-Delete-Marker") != "true" {
					t.Errorf("delete without a version: no delete marker: %v", dh)
				}
				check := func(t *testing.T, each int) {
					var got []engine.Version
					l := c.NewVersionLister(bucket+"/v.txt", engine.VersionListOptions{MaxEach: each})
					for {
						page, err := l.Next(ctx)
						if err == io.EOF {
							break
						}
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, page...)
					}
					if srv.Local && len(got) == 3 && got[2].DeleteMarker {
						compat.Note(t, "gofakes3 lists the versions of a key oldest first (S3: newest first)")
						slices.Reverse(got)
					}
					if len(got) != 3 || !got[0].DeleteMarker || !got[0].IsLatest || got[1].VersionID != ids[1] ||
						got[2].VersionID != ids[0] || got[2].Size != 3 || got[1].IsLatest || got[1].ETag == "" {
						t.Fatalf("versions: %+v", got)
					}
				}
				check(t, 1000)
				compat.Run(t, srv.Name, "ListVersions page by page (max-each 1)", func(t *testing.T) {
					if srv.Name == testenv.NameVersityGW {
						l := c.NewVersionLister(bucket+"/v.txt", engine.VersionListOptions{MaxEach: 1})
						l.Next(ctx)
						if _, err := l.Next(ctx); err != nil && strings.Contains(err.Error(), "same markers twice") {
							compat.Unsupported(t, "versitygw answers a version-id-marker with the marker's own version again, so a listing cannot go past its first page")
						}
					}
					check(t, 1)
				})
				if _, err := c.DeleteVersion(ctx, bucket+"/v.txt", ids[0]); err != nil {
					t.Fatal(err)
				}
				if _, err := c.GetBytes(ctx, bucket+"/v.txt", old, nil); err == nil {
					t.Errorf("a deleted version still reads")
				}
			})
		})
	}
}

var _ = bytes.NewReader

func TestEngineAPILargeCopy(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			base, bucket := coreClient(t, srv)
			// A 6 MiB threshold and 5 MiB parts make an 11 MiB object a
			// 3-part copy; the default threshold is S3's 5 GiB.
			cfg := base.Config()
			cfg.CopyThreshold, cfg.PartSize = 6<<20, 5<<20
			c, err := base.WithConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			data := bytes.Repeat([]byte("0123456789abcdef"), (11<<20)/16)
			data = append(data, "end"...)
			src := bucket + "/big-src"
			h, _ := engine.ObjectOptions{Metadata: map[string]string{"colour": "blue"}}.Apply("test", http.Header{
				"Content-Type": {"text/x-big"}, "Cache-Control": {"max-age=60"}})
			if _, err := c.PutBytes(ctx, src, data, "", h); err != nil {
				t.Fatal(err)
			}
			hasTags := c.PutTags(ctx, src, map[string]string{"kind": "big"}, nil) == nil
			compat.Run(t, srv.Name, "Copy over the threshold: parallel UploadPartCopy, metadata and tags kept", func(t *testing.T) {
				_, err := c.Copy(ctx, src, bucket+"/big-copy", nil)
				if err != nil {
					if ups, _ := c.ListMultipartUploads(ctx, bucket); len(ups) != 0 {
						t.Errorf("a failed copy left uploads: %+v", ups)
					}
					if srv.Local && strings.Contains(err.Error(), "MissingContentLength") {
						compat.Unsupported(t, "gofakes3 has no UploadPartCopy (it answers 411 MissingContentLength); the upload was aborted (checked)")
					}
					apiUnsupported(t, err, "UploadPartCopy")
					t.Fatal(err)
				}
				got, err := c.GetBytes(ctx, bucket+"/big-copy", nil, nil)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("copy differs (%d bytes, %v)", len(got), err)
				}
				hh, err := c.Head(ctx, bucket+"/big-copy", nil)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(strings.Trim(hh.Get("Etag"), `"`), "-3") {
					t.Errorf("ETag %s: want a 3-part multipart ETag", hh.Get("Etag"))
				}
				if hh.Get("Content-Type") != "text/x-big" || hh.Get("Cache-Control") != "max-age=60" || engine.Metadata(hh)["colour"] != "blue" {
					t.Errorf("headers not kept: %v", hh)
				}
				if hasTags {
					if tags, err := c.GetTags(ctx, bucket+"/big-copy", nil); err != nil || tags["kind"] != "big" {
						t.Errorf("tags not kept: %v %v", tags, err)
					}
				}
				// Metadata replaced: the new metadata only, content type kept.
				rh, _ := engine.ObjectOptions{Metadata: map[string]string{"shape": "round"}}.Apply("test",
					http.Header{"X-Amz-Metadata-Directive": {"REPLACE"}})
				if _, err := c.Copy(ctx, src, bucket+"/big-replaced", rh); err != nil {
					t.Fatal(err)
				}
				hh, err = c.Head(ctx, bucket+"/big-replaced", nil)
				if err != nil {
					t.Fatal(err)
				}
				if md := engine.Metadata(hh); md["shape"] != "round" || md["colour"] != "" || hh.Get("Content-Type") != "text/x-big" {
					t.Errorf("after REPLACE: %v", hh)
				}
			})
			compat.Run(t, srv.Name, "Copy over the threshold: a failed part aborts the upload", func(t *testing.T) {
				// A source condition that does not hold fails every part.
				_, err = c.Copy(ctx, src, bucket+"/big-failed", http.Header{"X-Amz-Copy-Source-If-Match": {`"0123456789abcdef0123456789abcdef"`}})
				if err == nil {
					compat.Unsupported(t, "x-amz-copy-source-if-match is ignored")
				}
				if re := asResponseError(t, err); !srv.Local && re.Code != "PreconditionFailed" {
					t.Errorf("error %v, want PreconditionFailed", err)
				}
				if ups, _ := c.ListMultipartUploads(ctx, bucket); len(ups) != 0 {
					t.Errorf("a failed copy left uploads: %+v", ups)
				}
				if _, err := c.Head(ctx, bucket+"/big-failed", nil); err == nil {
					t.Errorf("a failed copy left an object")
				}
			})
		})
	}
}

func TestEngineAPIRequest(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			c, bucket := coreClient(t, srv)
			roundTrip := func(t *testing.T, sub, body, want string) {
				q := map[string][]string{sub: {""}}
				_, _, err := c.Request(ctx, engine.RawRequest{Method: "PUT", BucketPath: bucket + "/", Query: q, Body: []byte(body)}, nil)
				apiUnsupported(t, err, "PUT ?"+sub)
				if err != nil {
					t.Fatal(err)
				}
				var got []byte
				status, _, err := c.Request(ctx, engine.RawRequest{Method: "GET", BucketPath: bucket + "/", Query: q},
					func(status int, h http.Header, r io.Reader) error {
						var rerr error
						got, rerr = io.ReadAll(r)
						return rerr
					})
				if err != nil || status != 200 || !strings.Contains(string(got), want) {
					t.Fatalf("GET ?%s: %d %q %v", sub, status, got, err)
				}
				if _, _, err := c.Request(ctx, engine.RawRequest{Method: "DELETE", BucketPath: bucket + "/", Query: q}, nil); err != nil {
					t.Fatal(err)
				}
			}
			compat.Run(t, srv.Name, "Request: any operation (PUT, GET with a streamed answer, 404 as an error)", func(t *testing.T) {
				status, h, err := c.Request(ctx, engine.RawRequest{Method: "PUT", BucketPath: bucket + "/raw", Body: []byte("raw")}, nil)
				if err != nil || status != 200 || h.Get("Etag") == "" {
					t.Fatalf("PUT: %d %v %v", status, h, err)
				}
				status, _, err = c.Request(ctx, engine.RawRequest{Method: "PUT", BucketPath: bucket + "/streamed", DataLength: 3,
					Writer: func(w io.Writer) error { _, err := w.Write([]byte("abc")); return err }}, nil)
				if err != nil || status != 200 {
					t.Fatalf("PUT with a writer: %d %v", status, err)
				}
				if b, err := c.GetBytes(ctx, bucket+"/streamed", nil, nil); err != nil || string(b) != "abc" {
					t.Fatalf("streamed object: %q %v", b, err)
				}
				_, _, err = c.Request(ctx, engine.RawRequest{Method: "GET", BucketPath: bucket + "/missing"}, nil)
				if re := asResponseError(t, err); re.StatusCode != 404 || re.Code != "NoSuchKey" {
					t.Fatalf("missing: %v", err)
				}
			})
			compat.Run(t, srv.Name, "Request: lifecycle round trip", func(t *testing.T) {
				roundTrip(t, "lifecycle", `<LifecycleConfiguration><Rule><ID>r1</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>`, "<Days>30</Days>")
			})
			compat.Run(t, srv.Name, "Request: bucket policy round trip", func(t *testing.T) {
				roundTrip(t, "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::`+bucket+`/public/*"]}]}`, "s3:GetObject")
			})
			compat.Run(t, srv.Name, "Request: CORS round trip", func(t *testing.T) {
				roundTrip(t, "cors", `<CORSConfiguration><CORSRule><AllowedOrigin>https://example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`, "https://example.com")
			})
		})
	}
}

// inventoryReport writes a CSV S3 Inventory report of n objects in the
// documented layout (prefix/source/config/date/manifest.json and
// prefix/source/config/data/*.csv.gz, in files of per rows) and returns the
// manifest's bucket+path and the keys in report order.
func inventoryReport(t *testing.T, c *engine.Client, bucket string, n, per int, format string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	base := "inventory/source-bucket/daily"
	var files []string
	var keys []string
	for start := 0; start < n; start += per {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		for i := start; i < min(start+per, n); i++ {
			key := fmt.Sprintf("dir %d/obj+%05d.txt", i%3, i)
			keys = append(keys, key)
			fmt.Fprintf(zw, "\"source-bucket\",\"%s\",\"%d\",\"2026-12-06T03:10:00.000Z\",\"d41d8cd98f00b204e9800998ecf8427e\",\"STANDARD\"\n",
				url.QueryEscape(key), i)
		}
		zw.Close()
		fk := fmt.Sprintf("%s/data/%d.csv.gz", base, len(files))
		if _, err := c.PutBytes(ctx, bucket+"/"+fk, buf.Bytes(), "application/gzip", nil); err != nil {
			t.Fatal(err)
		}
		files = append(files, fmt.Sprintf(`{"key": %q, "size": %d, "MD5checksum": "x"}`, fk, buf.Len()))
	}
	manifest := fmt.Sprintf(`{"sourceBucket": "source-bucket", "destinationBucket": "arn:aws:s3:::%s", "version": "2016-11-30",
  "creationTimestamp": "1796526600000", "fileFormat": %q,
  "fileSchema": "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass", "files": [%s]}`, bucket, format, strings.Join(files, ","))
	mk := base + "/2026-12-06T00-00Z/manifest.json"
	if _, err := c.PutBytes(ctx, bucket+"/"+mk, []byte(manifest), "application/json", nil); err != nil {
		t.Fatal(err)
	}
	return bucket + "/" + mk, keys
}

func TestEngineAPIInventory(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			c, bucket := coreClient(t, srv)
			compat.Run(t, srv.Name, "Inventory: CSV report (manifest.json, gzip'd CSV files) streamed", func(t *testing.T) {
				manifest, keys := inventoryReport(t, c, bucket, 2500, 1000, "CSV")
				l, err := c.OpenInventory(ctx, manifest)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				var got []engine.InventoryItem
				for {
					page, err := l.Next(ctx)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
				}
				if len(got) != len(keys) {
					t.Fatalf("%d items, want %d", len(got), len(keys))
				}
				for i, it := range got {
					if it.Key != keys[i] || it.Size != int64(i) || it.Bucket != "source-bucket" || it.StorageClass != "STANDARD" ||
						it.ETag != `"d41d8cd98f00b204e9800998ecf8427e"` || it.LastModified.IsZero() {
						t.Fatalf("item %d: %+v", i, it)
					}
				}
			})
			compat.Run(t, srv.Name, "Inventory: ORC and Parquet reports refused", func(t *testing.T) {
				manifest, _ := inventoryReport(t, c, bucket, 1, 1, "Parquet")
				if _, err := c.OpenInventory(ctx, manifest); err == nil || !strings.Contains(err.Error(), "only CSV") {
					t.Fatalf("Parquet: %v", err)
				}
			})
		})
	}
}
