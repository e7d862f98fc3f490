package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// putRaw stores an object through the primitive, independently of put.go.
func putRaw(t *testing.T, c *Client, bucket, key, data string) {
	t.Helper()
	resp, err := c.do(context.Background(), &request{method: "PUT", bucket: bucket, key: key, body: []byte(data)})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	resp.Body.Close()
}

func TestLsProcContract(t *testing.T) {
	c := newLocalClient(t)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "fold", ""); err != nil {
		t.Fatal(err)
	}
	calls := 0
	if err := c.LsProc(ctx, "fold/", ListOptions{}, func([]Item) (bool, error) { calls++; return false, nil }); err != nil || calls != 0 {
		t.Fatalf("empty bucket: %d calls, %v", calls, err)
	}
	keys := []string{"a/1", "a/2", "b/1", "c", "d", "e/x/y"}
	for _, k := range keys {
		putRaw(t, c, "fold", k, k)
	}

	t.Run("pages of 2", func(t *testing.T) {
		var got []string
		pages := 0
		err := c.LsProc(ctx, "fold/", ListOptions{MaxEach: 2}, func(items []Item) (bool, error) {
			pages++
			for _, it := range items {
				if it.IsPrefix || it.Size != int64(len(it.Key)) || it.ETag == "" || it.LastModified.IsZero() {
					t.Errorf("item %+v", it)
				}
				got = append(got, it.Key)
			}
			return false, nil
		})
		if err != nil || !slices.Equal(got, keys) || pages != 3 {
			t.Fatalf("%d pages, keys %v, %v", pages, got, err)
		}
	})

	t.Run("delimiter: objects then prefixes", func(t *testing.T) {
		var calls [][]string
		err := c.LsProc(ctx, "fold/", ListOptions{Delimiter: "/"}, func(items []Item) (bool, error) {
			var names []string
			for _, it := range items {
				if it.IsPrefix {
					names = append(names, "P:"+it.Prefix)
				} else {
					names = append(names, it.Key)
				}
			}
			calls = append(calls, names)
			return false, nil
		})
		want := [][]string{{"c", "d"}, {"P:a/", "P:b/", "P:e/"}}
		if err != nil || fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Fatalf("calls %v, want %v (%v)", calls, want, err)
		}
	})

	t.Run("prefix", func(t *testing.T) {
		got, err := c.Ls(ctx, "fold/a/")
		if err != nil || !slices.Equal(got, []string{"a/1", "a/2"}) {
			t.Fatalf("%v %v", got, err)
		}
	})

	t.Run("stop", func(t *testing.T) {
		calls := 0
		err := c.LsProc(ctx, "fold/", ListOptions{MaxEach: 1}, func([]Item) (bool, error) { calls++; return calls == 2, nil })
		if err != nil || calls != 2 {
			t.Fatalf("%d calls, %v", calls, err)
		}
	})

	t.Run("callback error returned unchanged", func(t *testing.T) {
		mine := errors.New("mine")
		err := c.LsProc(ctx, "fold/", ListOptions{MaxEach: 1}, func([]Item) (bool, error) { return false, mine })
		if err != mine {
			t.Fatalf("error %v, want the callback's own", err)
		}
	})

	t.Run("bad MaxEach", func(t *testing.T) {
		for _, n := range []int{-1, 1001} {
			err := c.LsProc(ctx, "fold/", ListOptions{MaxEach: n}, func([]Item) (bool, error) { return false, nil })
			if err == nil || !strings.Contains(err.Error(), "MaxEach") {
				t.Errorf("MaxEach %d: %v", n, err)
			}
		}
	})

	t.Run("ll order and ACL absent", func(t *testing.T) {
		c2, _ := c.WithConfig(Config{Host: c.cfg.Host, Scheme: "http", Workers: 3})
		details, err := c2.LlStar(ctx, "fold/")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range details {
			got = append(got, d.Object.Key)
			if d.Header.Get("Content-Length") != fmt.Sprint(len(d.Object.Key)) {
				t.Errorf("%s: head %v", d.Object.Key, d.Header)
			}
		}
		if !slices.Equal(got, keys) {
			t.Errorf("order %v", got)
		}
	})
}

// BenchmarkLsProc measures a listing of 5,000 keys in pages of 1,000
// (ListObjectsV2, encoding-type=url, XML decoding) from the embedded store.
func BenchmarkLsProc(b *testing.B) {
	const n = 5000
	c := localClient(b)
	ctx := context.Background()
	if err := c.CreateBucket(ctx, "bench", ""); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := c.PutBytes(ctx, fmt.Sprintf("bench/dir/key-%05d & more", i), nil, "", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		count := 0
		err := c.LsProc(ctx, "bench/dir/", ListOptions{}, func(items []Item) (bool, error) {
			count += len(items)
			return false, nil
		})
		if err != nil || count != n {
			b.Fatalf("%d keys, %v", count, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/key")
}
