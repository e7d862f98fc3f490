package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestListerMatchesLsProc checks that pulling pages gives exactly the
// batches LsProc pushes, for several page sizes, with and without a
// delimiter.
func TestListerMatchesLsProc(t *testing.T) {
	c := newLocalClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "pull", ""); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a/1", "a/2", "b/1", "c", "d", "e/x/y", "f", "g/", "h"} {
		putRaw(t, c, "pull", k, k)
	}
	render := func(items []Item) string {
		s := ""
		for _, it := range items {
			if it.IsPrefix {
				s += "P:" + it.Prefix + " "
			} else {
				s += it.Key + " "
			}
		}
		return s
	}
	for _, opt := range []ListOptions{{}, {MaxEach: 1}, {MaxEach: 2}, {MaxEach: 1, Delimiter: "/"}, {MaxEach: 2, Delimiter: "/"}, {MaxEach: 3, Delimiter: "/"}, {Delimiter: "/"}} {
		t.Run(fmt.Sprintf("%+v", opt), func(t *testing.T) {
			var pushed []string
			if err := c.LsProc(ctx, "pull/", opt, func(items []Item) (bool, error) {
				pushed = append(pushed, render(items))
				return false, nil
			}); err != nil {
				t.Fatal(err)
			}
			var pulled []string
			l := c.NewLister(ctx, "pull/", opt)
			for {
				items, err := l.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(items) == 0 {
					t.Fatal("Next returned an empty batch")
				}
				pulled = append(pulled, render(items))
			}
			if fmt.Sprint(pulled) != fmt.Sprint(pushed) {
				t.Fatalf("pulled %q\npushed %q", pulled, pushed)
			}
			// Every name exactly once, whatever the page size (the embedded
			// store re-sends a common prefix that ended a page).
			// ("g/" is a common prefix on S3, an object on the embedded store.)
			want := "a/1 a/2 b/1 c d e/x/y f g/ h"
			if opt.Delimiter == "/" {
				want = "P:a/ P:b/ c d P:e/ f g/ h"
			}
			names := strings.Fields(strings.ReplaceAll(strings.Join(pushed, " "), "P:g/", "g/"))
			slices.SortFunc(names, func(a, b string) int {
				return strings.Compare(strings.TrimPrefix(a, "P:"), strings.TrimPrefix(b, "P:"))
			})
			if got := strings.Join(names, " "); got != want {
				t.Errorf("listed %q, want %q", got, want)
			}
			if _, err := l.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("Next after the end: %v, want io.EOF", err)
			}
		})
	}
}

func TestListerErrors(t *testing.T) {
	c := newLocalClient(t)
	ctx := context.Background()
	if _, err := c.NewLister(ctx, "no-slash", ListOptions{}).Next(); err == nil {
		t.Fatal("bad bucket+path: no error")
	}
	if _, err := c.NewLister(ctx, "b/", ListOptions{MaxEach: 1001}).Next(); err == nil {
		t.Fatal("MaxEach 1001: no error")
	}
	_, err := c.NewLister(ctx, "missing-bucket/", ListOptions{}).Next()
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.NewLister(ctx2, "missing-bucket/", ListOptions{}).Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}
