package engine

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
)

// Fuzz targets (go test -fuzz=FuzzX ./engine/; tests/fuzz.sh runs each for a
// fixed time). Their seeds, f.Add below and testdata/fuzz/FuzzX/, run in
// every plain go test.

// FuzzDecodeListPage: the ListObjectsV2 scanner agrees with encoding/xml on
// any input: the same result, and an error exactly when encoding/xml fails.
func FuzzDecodeListPage(f *testing.F) {
	const head = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
	f.Add(listPageXML(2))
	f.Add([]byte(head + `<Name>b</Name><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>t0k=</NextContinuationToken><Contents><Key>a%20b</Key><Size>3</Size></Contents><CommonPrefixes><Prefix>p%2F</Prefix></CommonPrefixes></ListBucketResult>`))
	f.Add([]byte(head + `<Contents><Key>a&amp;b&lt;c&gt;&quot;&apos;&#233;&#x1F600;</Key><ETag>&#34;x&#34;</ETag><StorageClass/><Owner/></Contents></ListBucketResult>`))
	f.Add([]byte(head + `<Contents><Key><![CDATA[cd<a>ta]]></Key></Contents></ListBucketResult>`))
	f.Add([]byte(head + `<Contents><Size> 12 </Size></Contents><IsTruncated>maybe</IsTruncated></ListBucketResult>`))
	f.Add([]byte(`<Error><Code>InternalError</Code></Error>`))
	f.Add([]byte(`<ListBucketResult`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		var want, got listBucketResult
		wantErr := xml.NewDecoder(bytes.NewReader(doc)).Decode(&want)
		gotErr := decodeListPage(bytes.NewReader(doc), &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: error %v, encoding/xml's %v", doc, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", doc, got, want)
		}
	})
}

// FuzzErrorBody: S3 error documents are recognised only when they are one
// (an <Error> root with a Code), whatever the bytes; never a panic.
func FuzzErrorBody(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>17A</RequestId><HostId>h</HostId></Error>`))
	f.Add([]byte("\n\n   <Error><Code>InternalError</Code></Error>"))
	f.Add([]byte(`<CompleteMultipartUploadResult><ETag>"x-2"</ETag></CompleteMultipartUploadResult>`))
	f.Add([]byte(`<html><body>502 Bad Gateway</body></html>`))
	f.Add([]byte(`<Error><Code></Code></Error>`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		x, ok := parseErrorBody(body)
		if ok && x.Code == "" {
			t.Fatalf("%q: recognised an error without a code", body)
		}
		y, ok2 := hasErrorBody(body)
		if ok2 {
			if !ok || y != x {
				t.Fatalf("%q: hasErrorBody %+v %v, parseErrorBody %+v %v", body, y, ok2, x, ok)
			}
			if !strings.Contains(string(body), "Error") {
				t.Fatalf("%q: an error document without <Error>", body)
			}
		}
	})
}

// FuzzSplitBucketPath: a bucket+path splits at its first '/' into a
// non-empty bucket and the key exactly, or is refused (a leading '/', no
// '/'); the pieces rebuild the input.
func FuzzSplitBucketPath(f *testing.F) {
	for _, s := range []string{"bucket/key", "bucket/", "bucket", "/bucket/key", "", "/", "b//k", "b/k/é?%", "b/\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, bp string) {
		bucket, path, err := SplitBucketPath(bp)
		if err != nil {
			if bucket != "" || path != "" {
				t.Fatalf("%q: error %v with pieces %q %q", bp, err, bucket, path)
			}
			if i := strings.Index(bp, "/"); i > 0 {
				t.Fatalf("%q: refused a well-formed bucket+path: %v", bp, err)
			}
			if !strings.Contains(err.Error(), "Invalid bucket+path") {
				t.Fatalf("%q: unclear error %v", bp, err)
			}
			return
		}
		if bucket == "" || strings.Contains(bucket, "/") || strings.HasPrefix(bp, "/") {
			t.Fatalf("%q: split into %q %q", bp, bucket, path)
		}
		if bucket+"/"+path != bp {
			t.Fatalf("%q: %q + / + %q does not rebuild it", bp, bucket, path)
		}
	})
}
