package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/s3lua/s3lua/engine"
)

// engineProfile is `bench engine [-cpuprofile FILE] [-part-size N] [-workers N] ENDPOINT OP ARGS...`:
// the engine call behind an s3lua row, without Lua, optionally under the
// CPU profiler (go tool pprof FILE). Credentials come from
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Operations:
//
//	upload FILE BUCKET/KEY     MultipartPutFile with the defaults
//	download BUCKET/KEY FILE   GetFile (replace; -workers and -part-size as GetFileOptions)
//	list BUCKET/PREFIX         LsProc, prints the count
//	rangeget BUCKET/KEY FILE   parallel ranged GETs (-workers, -part-size
//	                           bytes each) written in place into FILE: does
//	                           a download gain from parallel streams here?
func engineProfile(args []string) error {
	fs := flag.NewFlagSet("bench engine", flag.ContinueOnError)
	prof := fs.String("cpuprofile", "", "write a CPU profile here")
	partSize := fs.Int64("part-size", 0, "multipart part size (0: the default)")
	workers := fs.Int("workers", 0, "multipart workers (0: the default)")
	checksum := fs.String("checksum", "", "Config.ChecksumCalculation: when_supported (default) or when_required")
	md5 := fs.Bool("md5", false, "upload: record the whole file's MD5 (MultipartFileOptions.MD5Metadata)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) < 3 {
		return fmt.Errorf("usage: bench engine [flags] ENDPOINT OP ARGS...")
	}
	c, err := engine.New(engine.Config{
		Host:   strings.TrimPrefix(args[0], "http://"),
		Scheme: "http", Region: "us-east-1", ChecksumCalculation: *checksum,
		Credentials: engine.StaticCredentials{AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY")},
	})
	if err != nil {
		return err
	}
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	switch op, rest := args[1], args[2:]; {
	case op == "upload" && len(rest) == 2:
		_, err = c.MultipartPutFile(ctx, rest[1], rest[0], engine.MultipartFileOptions{PartSize: *partSize, Workers: *workers, MD5Metadata: *md5})
	case op == "download" && len(rest) == 2:
		err = c.GetFile(ctx, rest[0], rest[1], nil, engine.GetFileOptions{Exists: "replace", Workers: *workers, PartSize: *partSize})
	case op == "list" && len(rest) == 1:
		n := 0
		err = c.LsProc(ctx, rest[0], engine.ListOptions{}, func(items []engine.Item) (bool, error) {
			n += len(items)
			return false, nil
		})
		fmt.Println(n)
	case op == "rangeget" && len(rest) == 2:
		err = rangeGet(ctx, c, rest[0], rest[1], *workers, *partSize)
	default:
		return fmt.Errorf("bench engine: unknown operation %q", op)
	}
	return err
}

// rangeGet downloads bp into file with workers parallel ranged GETs of
// partSize bytes (defaults 4 and 8 MiB), each written at its offset.
func rangeGet(ctx context.Context, c *engine.Client, bp, file string, workers int, partSize int64) error {
	if workers <= 0 {
		workers = 4
	}
	if partSize <= 0 {
		partSize = 8 << 20
	}
	h, err := c.Head(ctx, bp, nil)
	if err != nil {
		return err
	}
	size, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64)
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	var next atomic.Int64
	errs := make(chan error, workers)
	for range workers {
		go func() {
			buf := make([]byte, 256<<10)
			for {
				off := next.Add(partSize) - partSize
				if off >= size {
					errs <- nil
					return
				}
				err := c.GetProc(ctx, bp, nil, &engine.Range{Begin: off, End: min(off+partSize, size)}, func(body io.Reader, _ http.Header) error {
					_, err := io.CopyBuffer(io.NewOffsetWriter(f, off), body, buf)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range workers {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	return err
}
