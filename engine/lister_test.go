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
			l := c.NewLister("pull/", opt)
			for {
				items, err := l.Next(ctx)
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
			if _, err := l.Next(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("Next after the end: %v, want io.EOF", err)
			}
		})
	}
}

func TestListerErrors(t *testing.T) {
	c := newLocalClient(t)
	ctx := context.Background()
	if _, err := c.NewLister("no-slash", ListOptions{}).Next(ctx); err == nil {
		t.Fatal("bad bucket+path: no error")
	}
	if _, err := c.NewLister("b/", ListOptions{MaxEach: 1001}).Next(ctx); err == nil {
		t.Fatal("MaxEach 1001: no error")
	}
	_, err := c.NewLister("missing-bucket/", ListOptions{}).Next(ctx)
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.NewLister("missing-bucket/", ListOptions{}).Next(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

// A Lister holds no context: a listing started under one context goes on
// under the next one, and a cancelled context fails only the Next it is
// given.
func TestListerContextPerCall(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "percall", ""); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if _, err := c.PutBytes(ctx, "percall/"+k, []byte(k), "", nil); err != nil {
			t.Fatal(err)
		}
	}
	l := c.NewLister("percall/", ListOptions{MaxEach: 1})
	first, err := l.Next(ctx)
	if err != nil || len(first) != 1 || first[0].Key != "a" {
		t.Fatalf("first page: %v, %v", first, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Next(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next under a cancelled context: %v, want context.Canceled", err)
	}
	l = c.NewLister("percall/", ListOptions{MaxEach: 1})
	var keys []string
	for _, ctx := range []context.Context{ctx, context.WithValue(ctx, struct{}{}, 1), context.TODO()} {
		items, err := l.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, items[0].Key)
	}
	if got := strings.Join(keys, ","); got != "a,b,c" {
		t.Errorf("keys over three contexts: %s", got)
	}
}
