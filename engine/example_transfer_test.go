package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/signature"
)

// exampleBucket creates a bucket on the embedded store (see localClient in
// example_test.go).
func exampleBucket(c *engine.Client, name string) {
	if err := c.CreateBucket(context.Background(), name, ""); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_GetProc() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	exampleBucket(c, "docs")
	c.PutBytes(ctx, "docs/alphabet.txt", []byte("abcdefghijklmnopqrstuvwxyz"), "text/plain", nil)

	// Bytes 3 to 7: End is exclusive, as in the reference.
	err := c.GetProc(ctx, "docs/alphabet.txt", nil, &engine.Range{Begin: 3, End: 8},
		func(body io.Reader, h http.Header) error {
			b, err := io.ReadAll(body)
			fmt.Printf("%s %s\n", b, h.Get("Content-Range"))
			return err
		})
	if err != nil {
		log.Fatal(err)
	}
	// From byte 23 to the end.
	tail, err := c.GetBytes(ctx, "docs/alphabet.txt", nil, &engine.Range{Begin: 23, End: -1})
	fmt.Printf("%s %v\n", tail, err)
	// Output:
	// defgh bytes 3-7/26
	// xyz <nil>
}

func ExampleClient_Put() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	exampleBucket(c, "logs")

	// The writer runs on this goroutine once the server has accepted the
	// request; it must write exactly the declared length.
	lines := []string{"first line\n", "second line\n"}
	length := int64(len(lines[0]) + len(lines[1]))
	_, err := c.Put(ctx, "logs/today.log", func(w io.Writer) error {
		for _, l := range lines {
			if _, err := io.WriteString(w, l); err != nil {
				return err
			}
		}
		return nil
	}, length, "text/plain", nil, engine.PutOptions{})
	fmt.Println(err)

	// One byte short: an error, and no object.
	_, err = c.Put(ctx, "logs/short.log", func(w io.Writer) error {
		_, err := io.WriteString(w, "abc")
		return err
	}, 4, "text/plain", nil, engine.PutOptions{})
	fmt.Println(errors.Is(err, signature.ErrBodyLength))

	data, _ := c.GetBytes(ctx, "logs/today.log", nil, nil)
	fmt.Printf("%q\n", data)
	// Output:
	// <nil>
	// true
	// "first line\nsecond line\n"
}

func ExampleClient_GetFile() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	exampleBucket(c, "files")
	c.PutBytes(ctx, "files/notes.txt", []byte("new notes"), "text/plain", nil)

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "notes.txt")
	os.WriteFile(file, []byte("old notes"), 0o644)

	// The default exists mode refuses to overwrite.
	err := c.GetFile(ctx, "files/notes.txt", file, nil, engine.GetFileOptions{})
	fmt.Println(err != nil)
	// A failed download in a replacing mode leaves the old file intact.
	err = c.GetFile(ctx, "files/missing.txt", file, nil, engine.GetFileOptions{Exists: "replace"})
	fmt.Println(engine.IsNotFound(err))
	b, _ := os.ReadFile(file)
	fmt.Printf("%s\n", b)
	// A successful one replaces it atomically.
	err = c.GetFile(ctx, "files/notes.txt", file, nil, engine.GetFileOptions{Exists: "replace"})
	b, _ = os.ReadFile(file)
	fmt.Printf("%s %v\n", b, err)
	// Output:
	// true
	// true
	// old notes
	// new notes <nil>
}

func ExampleClient_PutFile() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	exampleBucket(c, "reports")

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "Q3 résumé.pdf")
	os.WriteFile(file, []byte("%PDF-1.7 ..."), 0o644)

	if _, err := c.PutFile(ctx, "reports/q3.pdf", file, engine.PutFileOptions{}); err != nil {
		log.Fatal(err)
	}
	c.GetProc(ctx, "reports/q3.pdf", nil, nil, func(_ io.Reader, h http.Header) error {
		fmt.Println(h.Get("Content-Type"))
		fmt.Println(h.Get("Content-Disposition"))
		return nil
	})
	// Output:
	// application/pdf
	// attachment; filename="Q3 r_sum_.pdf"; filename*=UTF-8''Q3%20r%C3%A9sum%C3%A9.pdf
}

func ExampleClient_MultipartPut() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	exampleBucket(c, "big")

	// getPart is called on this goroutine, in order; every part but the
	// last must be at least 5 MiB.
	part := bytes.Repeat([]byte("x"), engine.MultipartSizeMinimum)
	id, err := c.MultipartPut(ctx, "big/object", 3, func(n int) ([]byte, error) {
		if n == 2 {
			return []byte("end"), nil
		}
		return part, nil
	}, "application/octet-stream", nil)
	fmt.Println(id != "", err)

	// A getPart error aborts the upload and comes back wrapped.
	errNoData := errors.New("no data")
	_, err = c.MultipartPut(ctx, "big/failed", 2, func(n int) ([]byte, error) {
		return nil, errNoData
	}, "", nil)
	fmt.Println(errors.Is(err, errNoData))
	uploads, _ := c.ListMultipartUploads(ctx, "big")
	fmt.Println(len(uploads))
	// Output:
	// true <nil>
	// true
	// 0
}

func ExampleClient_ResumeMultipartPutFile() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	exampleBucket(c, "backup")

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "disk.img")
	data := bytes.Repeat([]byte("0123456789"), (11<<20)/10)
	os.WriteFile(file, data, 0o644)

	// An upload interrupted after its first part.
	id, _ := c.InitiateMultipartUpload(ctx, "backup/disk.img", "", nil)
	c.UploadPart(ctx, "backup/disk.img", id, 1, data[:engine.MultipartSizeMinimum])

	found, parts, _ := c.IncompleteMultipartPutFile(ctx, "backup/disk.img", file, engine.MultipartFileOptions{})
	fmt.Println(found == id, len(parts))
	resumed, err := c.ResumeMultipartPutFile(ctx, "backup/disk.img", file, engine.MultipartFileOptions{})
	fmt.Println(resumed == id, err)
	got, _ := c.GetBytes(ctx, "backup/disk.img", nil, nil)
	fmt.Println(bytes.Equal(got, data))
	// Output:
	// true 1
	// true <nil>
	// true
}

func ExampleMIMEType() {
	for _, p := range []string{"index.HTML", "data.json", "photo.webp", "archive.tar.gz", "README"} {
		fmt.Println(p, engine.MIMEType(p))
	}
	// Output:
	// index.HTML text/html; charset=utf-8
	// data.json application/json
	// photo.webp image/webp
	// archive.tar.gz application/gzip
	// README application/octet-stream
}

func ExampleContentDisposition() {
	fmt.Println(engine.ContentDisposition("/tmp/report.pdf", false))
	fmt.Println(engine.ContentDisposition(`C:\Users\me\say "hi".txt`, false))
	fmt.Println(engine.ContentDisposition("/tmp/naïve.txt", false))
	fmt.Println(engine.ContentDisposition("/tmp/report.pdf", true))
	// Output:
	// attachment; filename="report.pdf"
	// attachment; filename="say \"hi\".txt"
	// attachment; filename="na_ve.txt"; filename*=UTF-8''na%C3%AFve.txt
	// inline
}

func ExamplePartSizeFor() {
	for _, size := range []int64{1 << 20, 100 << 20, 40 << 30, 500 << 30} {
		ps := engine.PartSizeFor(size)
		fmt.Println(ps>>20, "MiB,", (size+ps-1)/ps, "parts")
	}
	// Output:
	// 5 MiB, 1 parts
	// 13 MiB, 8 parts
	// 32 MiB, 1280 parts
	// 52 MiB, 9847 parts
}
