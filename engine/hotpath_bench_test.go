package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listPageXML is a ListObjectsV2 page of n keys as MinIO sends it
// (encoding-type=url, fetch-owner=true).
func listPageXML(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bench</Name><Prefix>dir%2F</Prefix>`)
	fmt.Fprintf(&b, `<KeyCount>%d</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>`, n)
	for i := range n {
		fmt.Fprintf(&b, `<Contents><Key>dir%%2Fsub%%2Fkey-%06d.txt</Key><LastModified>2026-12-06T02:40:%02d.123Z</LastModified>`, i, i%60)
		fmt.Fprintf(&b, `<ETag>&#34;%032x&#34;</ETag><Size>%d</Size><Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>`, i*7919, 1000+i)
	}
	b.WriteString(`<NextContinuationToken>MWJhNzRjNjUtYjZjZi00ZjE5LWI2ZDUtMzY4YjI2MDJiZjI4</NextContinuationToken></ListBucketResult>`)
	return []byte(b.String())
}

// BenchmarkDecodeListPage decodes one 1000-key ListObjectsV2 page into
// Items, as Lister.fetch does (XML decoding, URL-decoding of keys, times):
// "scanner" is the engine's path (decodeListPage), "encoding-xml" the
// encoding/xml decoding it replaced.
func BenchmarkDecodeListPage(b *testing.B) {
	const n = 1000
	page := listPageXML(n)
	r := &request{method: http.MethodGet, bucket: "bench"}
	for _, tc := range []struct {
		name   string
		decode func(io.Reader, *listBucketResult) error
	}{
		{"scanner", decodeListPage},
		{"encoding-xml", func(body io.Reader, p *listBucketResult) error { return xml.NewDecoder(body).Decode(p) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				var p listBucketResult
				if err := tc.decode(bytes.NewReader(page), &p); err != nil {
					b.Fatal(err)
				}
				objects, _, err := p.items(r)
				if err != nil || len(objects) != n {
					b.Fatal(len(objects), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/key")
			reportCPU(b, cpu, n, "key", 0)
		})
	}
}

// reportCPU adds the process's CPU time since start per op, and per unit
// (key, object) when perOp > 0, or as cpu-MB/s when bytesPerOp > 0.
func reportCPU(b *testing.B, start time.Duration, perOp int, unit string, bytesPerOp int64) {
	used := processCPU() - start
	if used <= 0 || b.N == 0 {
		return
	}
	if perOp > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N)/float64(perOp), "cpu-ns/"+unit)
	}
	if bytesPerOp > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/used.Seconds()/1e6, "cpu-MB/s")
	}
}

// randomBytes returns n pseudo-random bytes (written, so not the zero page).
func randomBytes(n int) []byte {
	data := make([]byte, n)
	rand.NewChaCha8([32]byte{9}).Read(data)
	return data
}

// BenchmarkPartDigests measures what each integrity scheme costs the
// client per part (8 MiB from RAM): the digests the part upload computes
// before sending. sha256+md5 is the old scheme (signed payload and
// Content-MD5), sha256 the signed payload alone (plain HTTP), crc32c and
// crc64nvme the x-amz-checksum-* candidates (unsigned payload with a
// trailing checksum, HTTPS).
func BenchmarkPartDigests(b *testing.B) {
	data := randomBytes(8 << 20)
	crcTab := crc32.MakeTable(crc32.Castagnoli)
	nvme := crc64.MakeTable(0x9a6c9329ac4bc9b5) // CRC-64/NVME, reflected polynomial
	for _, tc := range []struct {
		name string
		fn   func([]byte)
	}{
		{"sha256+md5", func(p []byte) { sha256.Sum256(p); md5.Sum(p) }},
		{"sha256", func(p []byte) { sha256.Sum256(p) }},
		{"md5", func(p []byte) { md5.Sum(p) }},
		{"crc32c", func(p []byte) { crc32.Checksum(p, crcTab) }},
		{"crc64nvme", func(p []byte) { crc64.Checksum(p, nvme) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				tc.fn(data)
			}
			reportCPU(b, cpu, 0, "", int64(len(data)))
		})
	}
}

// BenchmarkCopyLoops measures the copy loops of a transfer on 64 MiB in
// RAM: get-file is GetFile's loop (copyBody, 256 KiB buffer) into a file in
// a temporary directory, io.Copy-file the 32 KiB io.Copy it replaced;
// put-part is a part worker's read of an 8 MiB slice of a file into its
// buffer (the copy that precedes hashing and sending).
func BenchmarkCopyLoops(b *testing.B) {
	data := randomBytes(64 << 20)
	dir := b.TempDir()
	b.Run("get-file", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu := processCPU()
		defer func() { reportCPU(b, cpu, 0, "", int64(len(data))) }()
		for b.Loop() {
			f, err := os.Create(filepath.Join(dir, "get"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := copyBody(f, struct{ io.Reader }{bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("io.Copy-file", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu := processCPU()
		defer func() { reportCPU(b, cpu, 0, "", int64(len(data))) }()
		for b.Loop() {
			f, err := os.Create(filepath.Join(dir, "get"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(f, struct{ io.Reader }{bytes.NewReader(data)}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("put-part", func(b *testing.B) {
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		plan := &filePlan{f: f, size: int64(len(data)), partSize: 8 << 20, parts: 8}
		var buf []byte
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu := processCPU()
		defer func() { reportCPU(b, cpu, 0, "", int64(len(data))) }()
		for b.Loop() {
			for i := range plan.parts {
				p, err := plan.loadTask(i).load(buf)
				if err != nil {
					b.Fatal(err)
				}
				buf = p[:0]
			}
		}
	})
}

// BenchmarkBatchPut1000 puts 1000 objects of 4 KiB through one Batch (32
// workers) into the embedded store, in the same process (the store's CPU
// is counted too); ns/object per PUT.
func BenchmarkBatchPut1000(b *testing.B) {
	const n = 1000
	c := localClient(b)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "batch", ""); err != nil {
		b.Fatal(err)
	}
	data := randomBytes(4096)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("batch/obj-%04d", i)
	}
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		bt, err := c.NewBatch(BatchOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			if err := bt.Submit(ctx, BatchOp{Op: OpPutBytes, BP: k, Data: data}); err != nil {
				b.Fatal(err)
			}
		}
		s, err := bt.Wait(ctx)
		if err != nil || s.OK != n {
			b.Fatalf("%+v %v", s, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/object")
	reportCPU(b, cpu, n, "object", 0)
}
