package engine

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

func TestCRC32CCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	whole := crc32.Checksum(data, castagnoli())
	for _, cut := range []int{0, 1, 7, 8, 4096, 65537, 1 << 19, len(data) - 1, len(data)} {
		a, b := data[:cut], data[cut:]
		got := crc32cCombine(crc32.Checksum(a, castagnoli()), crc32.Checksum(b, castagnoli()), int64(len(b)))
		if got != whole {
			t.Errorf("cut %d: combined %08x, want %08x", cut, got, whole)
		}
	}
	// Many parts, as a multipart upload combines them.
	var acc uint32
	for off := 0; off < len(data); off += 100_003 {
		p := data[off:min(off+100_003, len(data))]
		if off == 0 {
			acc = crc32.Checksum(p, castagnoli())
			continue
		}
		acc = crc32cCombine(acc, crc32.Checksum(p, castagnoli()), int64(len(p)))
	}
	if acc != whole {
		t.Errorf("parts: combined %08x, want %08x", acc, whole)
	}
	if s := crc32cBase64(crc32.Checksum([]byte("hello world"), castagnoli())); s != "yZRlqg==" {
		t.Errorf("crc32cBase64 = %q, want yZRlqg==", s)
	}
	if v, ok := parseCRC32C("yZRlqg=="); !ok || crc32cBase64(v) != "yZRlqg==" {
		t.Errorf("parseCRC32C round trip: %08x %v", v, ok)
	}
	for _, bad := range []string{"", "yZRl", "!!!!!!!!", "yZRlqgAA"} {
		if _, ok := parseCRC32C(bad); ok {
			t.Errorf("parseCRC32C(%q) accepted", bad)
		}
	}
}

func TestUnsignedPayload(t *testing.T) {
	for _, tc := range []struct {
		scheme, host string
		crc, sign    bool
		want         bool
	}{
		{"http", "127.0.0.1:9000", true, false, true},
		{"http", "127.9.9.9", true, false, true},
		{"http", "[::1]:9000", true, false, true},
		{"http", "localhost:9000", true, false, true},
		{"http", "minio.localhost:9000", true, false, false},
		{"http", "10.0.0.5:9000", true, false, false},
		{"http", "s3.example.com", true, false, false},
		{"https", "s3.example.com", true, false, true},
		{"https", "s3.example.com", true, true, false},
		{"http", "127.0.0.1:9000", true, true, false},
		{"http", "127.0.0.1:9000", false, false, false},
		{"https", "s3.example.com", false, false, false},
	} {
		c, err := New(Config{Scheme: tc.scheme, Host: tc.host, SignPayload: tc.sign, Credentials: StaticCredentials{AccessKeyID: "a", SecretAccessKey: "b"}})
		if err != nil {
			t.Fatal(err)
		}
		r := &partsRun{c: c, crc32c: tc.crc}
		if got := r.unsignedPayload(); got != tc.want {
			t.Errorf("%s://%s crc32c %v SignPayload %v: unsigned %v, want %v", tc.scheme, tc.host, tc.crc, tc.sign, got, tc.want)
		}
	}
}
