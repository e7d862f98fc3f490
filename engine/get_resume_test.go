package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// cutProxy forwards to an embedded store, except that the first cuts GETs
// of an object get the headers and half of the body, then a broken
// connection (a fault injector, not S3). onCut runs after each cut.
type cutProxy struct {
	c     *Client // through the proxy
	store *Client // straight to the store
	mu    sync.Mutex
	cuts  int
	gets  []http.Header // request headers of every object GET
	onCut func()
}

func newCutProxy(t *testing.T, cuts int) *cutProxy {
	t.Helper()
	p := &cutProxy{cuts: cuts}
	host, st, _ := storeBehindProxy(t, func(w http.ResponseWriter, r *http.Request, rp http.Handler) {
		if r.Method != http.MethodGet || strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0 {
			rp.ServeHTTP(w, r)
			return
		}
		p.mu.Lock()
		p.gets = append(p.gets, r.Header.Clone())
		cut := p.cuts > 0
		if cut {
			p.cuts--
		}
		p.mu.Unlock()
		if !cut {
			rp.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		body := rec.Body.Bytes()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		if p.onCut != nil {
			p.onCut()
		}
		panic(http.ErrAbortHandler) // break the connection mid-body
	})
	id, secret := st.Credentials()
	creds := StaticCredentials{AccessKeyID: id, SecretAccessKey: secret}
	var err error
	if p.c, err = New(Config{Host: host, Scheme: "http", MaxTries: 3, Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	p.c.retryBase, p.c.retryCap = time.Millisecond, 2*time.Millisecond
	if p.store, err = New(Config{Host: st.Host(), Scheme: "http", Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGetResumesBrokenBody(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 100_000)
	setup := func(t *testing.T, cuts int) *cutProxy {
		p := newCutProxy(t, cuts)
		if err := p.store.CreateBucket(ctx, "resume", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := p.store.PutBytes(ctx, "resume/obj", data, "", nil); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("whole object", func(t *testing.T) {
		p := setup(t, 1)
		got, err := p.c.GetBytes(ctx, "resume/obj", nil, nil)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("GetBytes: %d bytes, %v", len(got), err)
		}
		if len(p.gets) != 2 {
			t.Fatalf("%d GETs, want 2", len(p.gets))
		}
		if rng, im := p.gets[1].Get("Range"), p.gets[1].Get("If-Match"); rng != fmt.Sprintf("bytes=%d-", len(data)/2) || im == "" {
			t.Errorf("resumed with Range %q, If-Match %q", rng, im)
		}
	})
	t.Run("range", func(t *testing.T) {
		p := setup(t, 2)
		got, err := p.c.GetBytes(ctx, "resume/obj", nil, &Range{Begin: 10, End: 400_010})
		if err != nil || !bytes.Equal(got, data[10:400_010]) {
			t.Fatalf("GetBytes range: %d bytes, %v", len(got), err)
		}
		if len(p.gets) != 3 || !strings.HasSuffix(p.gets[2].Get("Range"), "-400009") {
			t.Errorf("%d GETs, last Range %q", len(p.gets), p.gets[len(p.gets)-1].Get("Range"))
		}
	})
	t.Run("GetFile", func(t *testing.T) {
		p := setup(t, 1)
		file := filepath.Join(t.TempDir(), "f")
		if err := p.c.GetFile(ctx, "resume/obj", file, nil, GetFileOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(file); !bytes.Equal(got, data) {
			t.Errorf("file holds %d bytes, not the object", len(got))
		}
	})
	t.Run("gives up after MaxTries", func(t *testing.T) {
		p := setup(t, 100)
		file := filepath.Join(t.TempDir(), "f")
		err := p.c.GetFile(ctx, "resume/obj", file, nil, GetFileOptions{})
		var re *RequestError
		if !errors.As(err, &re) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want a RequestError for an unexpected EOF", err)
		}
		if len(p.gets) != 3 {
			t.Errorf("%d GETs, want MaxTries = 3", len(p.gets))
		}
		if _, err := os.Stat(file); err == nil {
			t.Error("a partial file was left")
		}
	})
	t.Run("object changed", func(t *testing.T) {
		p := setup(t, 1)
		p.onCut = func() {
			p.store.PutBytes(ctx, "resume/obj", bytes.Repeat([]byte("X"), len(data)), "", nil)
		}
		got, err := p.c.GetBytes(ctx, "resume/obj", nil, nil)
		if err == nil {
			t.Fatalf("GetBytes spliced two versions: %d bytes", len(got))
		}
		if !strings.Contains(err.Error(), "resuming at byte") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("own Range header", func(t *testing.T) {
		p := setup(t, 1)
		_, err := p.c.GetBytes(ctx, "resume/obj", http.Header{"Range": {"bytes=0-99999"}}, nil)
		if err == nil || len(p.gets) != 1 {
			t.Errorf("err = %v after %d GETs; a caller's Range header is not resumed", err, len(p.gets))
		}
	})
}
