package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/s3lua/s3lua/engine"
)

// engineProfile is `bench engine [-cpuprofile FILE] [-part-size N] [-workers N] ENDPOINT OP ARGS...`:
// the engine call behind an s3lua row, without Lua, optionally under the
// CPU profiler (go tool pprof FILE). Credentials come from
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Operations:
//
//	upload FILE BUCKET/KEY     MultipartPutFile with the defaults
//	download BUCKET/KEY FILE   GetFile (replace)
//	list BUCKET/PREFIX         LsProc, prints the count
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
		err = c.GetFile(ctx, rest[0], rest[1], nil, engine.GetFileOptions{Exists: "replace"})
	case op == "list" && len(rest) == 1:
		n := 0
		err = c.LsProc(ctx, rest[0], engine.ListOptions{}, func(items []engine.Item) (bool, error) {
			n += len(items)
			return false, nil
		})
		fmt.Println(n)
	default:
		return fmt.Errorf("bench engine: unknown operation %q", op)
	}
	return err
}
