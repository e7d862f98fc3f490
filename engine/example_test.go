package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/engine/localstore"
)

// localClient starts the embedded store and returns a client for it.
func localClient() (*engine.Client, func()) {
	srv, err := localstore.Start("")
	if err != nil {
		log.Fatal(err)
	}
	id, secret := srv.Credentials()
	c, err := engine.New(engine.Config{
		Host:        srv.Host(), // "127.0.0.1:PORT": path style is automatic
		Scheme:      "http",
		Region:      srv.Region(),
		Credentials: engine.StaticCredentials{AccessKeyID: id, SecretAccessKey: secret},
	})
	if err != nil {
		log.Fatal(err)
	}
	return c, func() { srv.Close() }
}

func ExampleNew() {
	srv, err := localstore.Start("")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	id, secret := srv.Credentials()
	c, err := engine.New(engine.Config{
		Host:        srv.Host(),
		Scheme:      "http",
		Credentials: engine.StaticCredentials{AccessKeyID: id, SecretAccessKey: secret},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "example", ""); err != nil {
		log.Fatal(err)
	}
	if _, err := c.PutBytes(ctx, "example/hello world.txt", []byte("Hello, world."), "text/plain", nil); err != nil {
		log.Fatal(err)
	}
	keys, err := c.Ls(ctx, "example/")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", keys)
	cfg := c.Config()
	fmt.Println(cfg.Region, cfg.MaxTries, cfg.ChunkLen)
	// Output:
	// ["hello world.txt"]
	// us-east-1 5 65536
}

func ExampleClient_LsProc() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "photos", ""); err != nil {
		log.Fatal(err)
	}
	for _, k := range []string{"2024/a.jpg", "2024/b.jpg", "2025/c.jpg", "index.html", "readme.txt"} {
		if _, err := c.PutBytes(ctx, "photos/"+k, []byte(k), "", nil); err != nil {
			log.Fatal(err)
		}
	}
	// A directory listing: per page, the objects first, then the common prefixes.
	err := c.LsProc(ctx, "photos/", engine.ListOptions{Delimiter: "/"}, func(items []engine.Item) (bool, error) {
		for _, it := range items {
			if it.IsPrefix {
				fmt.Println("dir ", it.Prefix)
			} else {
				fmt.Println("file", it.Key, it.Size)
			}
		}
		return false, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Two keys a page, stopping after the second page.
	pages := 0
	err = c.LsProc(ctx, "photos/", engine.ListOptions{MaxEach: 2}, func(items []engine.Item) (bool, error) {
		pages++
		fmt.Println("page", pages, items[0].Key, items[len(items)-1].Key)
		return pages == 2, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// file index.html 10
	// file readme.txt 10
	// dir  2024/
	// dir  2025/
	// page 1 2024/a.jpg 2024/b.jpg
	// page 2 2025/c.jpg index.html
}

func ExampleClient_SignURI() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "share", ""); err != nil {
		log.Fatal(err)
	}
	if _, err := c.PutBytes(ctx, "share/report 2025.txt", []byte("quarterly numbers"), "text/plain", nil); err != nil {
		log.Fatal(err)
	}
	signed, err := c.SignURI(ctx, "share/report 2025.txt", http.MethodGet, 15*time.Minute, nil)
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(signed)
	fmt.Println(u.EscapedPath(), u.Query().Get("X-Amz-Expires"))
	// Anyone with the URL can fetch the object until it expires.
	resp, err := http.Get(signed)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// /share/report%202025.txt 900
	// 200 quarterly numbers
}

func ExampleSplitBucketPath() {
	for _, bp := range []string{"bucket/path/to/key", "bucket/", "bucket", "/bucket/key"} {
		b, p, err := engine.SplitBucketPath(bp)
		fmt.Printf("%q %q %v\n", b, p, err)
	}
	// Output:
	// "bucket" "path/to/key" <nil>
	// "bucket" "" <nil>
	// "" "" Invalid bucket+path: "bucket": are you missing a trailing "/"?
	// "" "" Invalid bucket+path: "/bucket/key": don't use a leading "/"
}

func ExampleValidBucketName() {
	for _, name := range []string{"my.aws.bucket", "My_Bucket", "192.168.1.1", "xn--bucket"} {
		fmt.Println(name, engine.ValidBucketName(name, true), engine.ValidBucketName(name, false))
	}
	// Output:
	// my.aws.bucket true true
	// My_Bucket false true
	// 192.168.1.1 false true
	// xn--bucket false true
}

func ExampleResponseError() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "docs", ""); err != nil {
		log.Fatal(err)
	}
	_, err := c.Head(ctx, "docs/missing.txt", nil)
	var re *engine.ResponseError
	if errors.As(err, &re) {
		fmt.Println(re.StatusCode, re.Code, re.Bucket, re.Key)
	}
	// Output:
	// 404 NoSuchKey docs missing.txt
}

func ExampleClient_DeleteMultiple() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "tmp", ""); err != nil {
		log.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if _, err := c.PutBytes(ctx, "tmp/"+k, nil, "", nil); err != nil {
			log.Fatal(err)
		}
	}
	deleted, err := c.DeleteMultiple(ctx, "tmp", []string{"a", "b"})
	if err != nil {
		log.Fatal(err)
	}
	left, _ := c.Ls(ctx, "tmp/")
	fmt.Println(len(deleted), left)
	// Output:
	// 2 [c]
}

func ExampleClient_NewLister() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "logs", ""); err != nil {
		log.Fatal(err)
	}
	for _, k := range []string{"a.log", "b.log", "c.log"} {
		if _, err := c.PutBytes(ctx, "logs/"+k, nil, "", nil); err != nil {
			log.Fatal(err)
		}
	}
	// Pull the listing a page at a time instead of handing LsProc a callback.
	l := c.NewLister("logs/", engine.ListOptions{MaxEach: 2})
	for {
		items, err := l.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		for _, it := range items {
			fmt.Print(it.Key, " ")
		}
		fmt.Println("| page of", len(items))
	}
	// Output:
	// a.log b.log | page of 2
	// c.log | page of 1
}

func ExampleRequestError() {
	c, stop := localClient()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a cancelled context: no request is answered
	_, err := c.Head(ctx, "docs/readme.txt", nil)
	var rq *engine.RequestError
	fmt.Println(errors.As(err, &rq), errors.Is(err, context.Canceled), rq.Method, rq.Bucket, rq.Key)
	var re *engine.ResponseError
	fmt.Println(errors.As(err, &re))
	// Output:
	// true true HEAD docs readme.txt
	// false
}

func ExampleGlob() {
	g := engine.MustCompileGlob("logs/2026-*/app-??.log.gz")
	fmt.Println(g.Match("logs/2026-01/app-07.log.gz"), g.Match("logs/2026-01/x/app-07.log.gz"))
	fmt.Println(g.LiteralPrefix())
	// Output:
	// true false
	// logs/2026-
}

func ExamplePathFilter() {
	f, err := engine.NewPathFilter([]string{"*.txt", "docs/**"}, []string{"secret*"})
	if err != nil {
		panic(err)
	}
	for _, rel := range []string{"a/b/notes.txt", "docs/x.pdf", "a/secret.txt", "a/b.pdf"} {
		fmt.Println(rel, f.Match(rel))
	}
	// Output:
	// a/b/notes.txt true
	// docs/x.pdf true
	// a/secret.txt false
	// a/b.pdf false
}

func ExampleClient_Sync() {
	c, stop := localClient()
	defer stop()
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "site", ""); err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "sync-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"index.html", "notes.tmp"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("<h1>hi</h1>"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	filter, err := engine.NewPathFilter(nil, []string{"*.tmp"})
	if err != nil {
		log.Fatal(err)
	}
	opt := engine.SyncOptions{Filter: filter, Delete: true}
	sum, err := c.Sync(ctx, dir, "s3://site/www", opt)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Uploads, sum.Batch.OK, sum.Batch.Failed)
	sum, err = c.Sync(ctx, dir, "s3://site/www", opt) // nothing to do
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Uploads, sum.Skipped)
	// Output:
	// 1 1 0
	// 0 1
}
