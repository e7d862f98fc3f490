package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// goPeer is `bench gohttp ENDPOINT BUCKET OP ARGS...`, the plain net/http
// client measured as a process of its own, like every other tool (its
// start-up counts too). Credentials come from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY. Operations:
//
//	list PREFIX              page through PREFIX, print the object count
//	put-dir DIR PREFIX CONC  PUT every file of DIR as PREFIX+name, CONC at a time (signed payload)
//	delete PREFIX N          DeleteObjects of keyName(PREFIX, 0..N-1)
func goPeer(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("usage: bench gohttp ENDPOINT BUCKET OP ARGS...")
	}
	c, err := newS3c(args[0], args[1], os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "us-east-1")
	if err != nil {
		return err
	}
	ctx := context.Background()
	op, rest := args[2], args[3:]
	switch {
	case op == "list" && len(rest) == 1:
		n, _, err := c.count(ctx, rest[0])
		if err != nil {
			return err
		}
		fmt.Println(n)
	case op == "put-dir" && len(rest) == 3:
		ents, err := os.ReadDir(rest[0])
		if err != nil {
			return err
		}
		names := make([]string, 0, len(ents))
		for _, e := range ents {
			names = append(names, e.Name())
		}
		slices.Sort(names)
		conc, err := strconv.Atoi(rest[2])
		if err != nil {
			return err
		}
		err = parallel(len(names), conc, func(i int) error {
			data, err := os.ReadFile(filepath.Join(rest[0], names[i]))
			if err != nil {
				return err
			}
			_, err = c.call(ctx, "PUT", rest[1]+names[i], nil, data, nil)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Println(len(names))
	case op == "delete" && len(rest) == 2:
		n, err := strconv.Atoi(rest[1])
		if err != nil {
			return err
		}
		keys := make([]string, n)
		for i := range keys {
			keys[i] = keyName(rest[0], i)
		}
		if err := c.deleteKeys(ctx, keys); err != nil {
			return err
		}
		fmt.Println(n)
	default:
		return fmt.Errorf("bench gohttp: unknown operation %q with %d arguments", op, len(rest))
	}
	return nil
}
