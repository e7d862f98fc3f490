package signature_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/s3lua/s3lua/signature"
)

// The credentials and time of AWS's documentation examples.
var (
	creds = signature.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	when  = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
)

func ExampleSigner_SignHTTP() {
	var signer signature.Signer // the zero value is ready; share it
	req, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	req.Header.Set("Range", "bytes=0-9")
	signed, err := signer.SignHTTP(creds, req, signature.Options{Region: "us-east-1", Time: when})
	if err != nil {
		panic(err)
	}
	fmt.Println(signed.SignedHeaders)
	fmt.Println(req.Header.Get("Authorization"))
	// Output:
	// host;range;x-amz-content-sha256;x-amz-date
	// AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
}

// Keys go into URL.Path as plain text; the signer escapes them once and makes net/http send
// exactly what it signed.
func ExampleSigner_SignHTTP_keyAndQuery() {
	var signer signature.Signer
	req, _ := http.NewRequest("GET", "http://127.0.0.1:9000", nil)
	req.URL.Path = "/bucket/photos/2024 summer/a+b&c.jpg"
	req.URL.RawQuery = signature.EncodeQuery(url.Values{"versionId": {"3/L4kqtJl+40"}})
	if _, err := signer.SignHTTP(creds, req, signature.Options{Region: "us-east-1", Time: when}); err != nil {
		panic(err)
	}
	var wire strings.Builder
	_ = req.Write(&wire)
	line, _ := bufio.NewReader(strings.NewReader(wire.String())).ReadString('\n')
	fmt.Print(line)
	// Output:
	// GET /bucket/photos/2024%20summer/a%2Bb%26c.jpg?versionId=3%2FL4kqtJl%2B40 HTTP/1.1
}

func ExampleSigner_Presign() {
	var signer signature.Signer
	req, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	signed, err := signer.Presign(creds, req, 24*time.Hour, signature.Options{Region: "us-east-1", Time: when})
	if err != nil {
		panic(err)
	}
	fmt.Println(signed.URL)
	// Output:
	// https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404
}

func ExampleSigner_SignStreaming() {
	var signer signature.Signer
	body := strings.NewReader(strings.Repeat("a", 66560))
	req, _ := http.NewRequest("PUT", "https://s3.amazonaws.com/examplebucket/chunkObject.txt", nil)
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	signed, err := signer.SignStreaming(creds, req, body, 66560, signature.StreamOptions{}, signature.Options{Region: "us-east-1", Time: when})
	if err != nil {
		panic(err)
	}
	fmt.Println("seed:", signed.Signature)
	fmt.Println("Content-Length:", req.ContentLength)
	encoded, _ := io.ReadAll(req.Body) // net/http streams it; one chunk in memory at a time
	for _, line := range strings.Split(string(encoded), "\r\n") {
		if strings.Contains(line, ";chunk-signature=") {
			fmt.Println(line)
		}
	}
	// Output:
	// seed: 4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9
	// Content-Length: 66824
	// 10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648
	// 400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497
	// 0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9
}

func ExampleEncodedLength() {
	for _, so := range []signature.StreamOptions{{}, {ChunkLen: 8 << 10}, {Trailer: "crc32c"}, {Trailer: "sha256", Unsigned: true}} {
		n, err := signature.EncodedLength(5<<20+1, so)
		fmt.Println(n, err)
	}
	_, err := signature.EncodedLength(1, signature.StreamOptions{ChunkLen: 4096})
	fmt.Println(err)
	// Output:
	// 5250253 <nil>
	// 5300013 <nil>
	// 5250375 <nil>
	// 5243679 <nil>
	// signature: chunk length 4096 is below the minimum 8192 (MinChunkLen)
}

func ExampleEscapePath() {
	fmt.Println(signature.EscapePath("/bucket/a b+c/ü//./x%41"))
	fmt.Println(signature.EscapePath(""))
	// Output:
	// /bucket/a%20b%2Bc/%C3%BC//./x%2541
	// /
}

func ExampleEncodeQuery() {
	fmt.Println(signature.EncodeQuery(url.Values{"prefix": {"a b+c"}, "marker": {"100%"}, "uploads": {""}}))
	// Output:
	// marker=100%25&prefix=a%20b%2Bc&uploads=
}

func ExampleCredentials_String() {
	c := signature.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "secret", SessionToken: "token"}
	fmt.Println(c)
	fmt.Printf("%#v\n", c)
	// Output:
	// {AccessKeyID:AKIAIOSFODNN7EXAMPLE SecretAccessKey:REDACTED SessionToken:REDACTED}
	// signature.Credentials{AccessKeyID:"AKIAIOSFODNN7EXAMPLE", SecretAccessKey:"REDACTED", SessionToken:"REDACTED"}
}
