package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/s3lua/s3lua/tests/testenv"
)

func TestQuoteETag(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"abc"`, `"abc"`},
		{`abc`, `"abc"`},
		{` "abc" `, `"abc"`},
		{`"abc-3"`, `"abc-3"`},
	}
	for _, tt := range tests {
		if got := quoteETag(tt.in); got != tt.want {
			t.Errorf("quoteETag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPartRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&ResponseError{StatusCode: 503, Code: "SlowDown"}, true},
		{&ResponseError{StatusCode: 500, Code: "InternalError"}, true},
		{&ResponseError{StatusCode: 400, Code: "RequestTimeout"}, true},
		{&ResponseError{StatusCode: 429}, true},
		{&ResponseError{StatusCode: 403, Code: "AccessDenied"}, false},
		{&ResponseError{StatusCode: 404, Code: "NoSuchUpload"}, false},
		{&ResponseError{StatusCode: 400, Code: "BadDigest"}, false},
		{&RequestError{Method: "PUT", Err: syscall.ECONNRESET}, true},
		{&RequestError{Method: "PUT", Err: io.ErrUnexpectedEOF}, true},
		{&RequestError{Method: "PUT", Err: context.Canceled}, false},
		{&RequestError{Method: "PUT", Err: context.DeadlineExceeded}, false},
		{&RequestError{Method: "PUT", Err: &CredentialsError{Tried: []string{"env"}}}, false},
		{errors.New("reading the file failed"), false},
	}
	for _, tt := range tests {
		if got := partRetryable(tt.err); got != tt.want {
			t.Errorf("partRetryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestMultipartArguments(t *testing.T) {
	c := localClient(t)
	ctx := context.Background()
	get := func(int) ([]byte, error) { return nil, nil }
	tests := []struct {
		name    string
		call    func() error
		wantErr string
	}{
		{"numParts 0", func() error { _, err := c.MultipartPut(ctx, "b/k", 0, get, "", nil); return err }, "engine.MultipartPut: number of parts 0: want 1..10000"},
		{"numParts 10001", func() error { _, err := c.MultipartPut(ctx, "b/k", 10001, get, "", nil); return err }, "number of parts 10001"},
		{"nil getPart", func() error { _, err := c.MultipartPut(ctx, "b/k", 1, nil, "", nil); return err }, "engine.MultipartPut: nil getPart"},
		{"part 0", func() error { _, err := c.UploadPart(ctx, "b/k", "id", 0, nil); return err }, "engine.UploadPart: part number 0: want 1..10000"},
		{"part 10001", func() error { _, err := c.UploadPart(ctx, "b/k", "id", 10001, nil); return err }, "part number 10001"},
		{"empty id", func() error { _, err := c.UploadPart(ctx, "b/k", "", 1, nil); return err }, "engine.UploadPart: empty upload id"},
		{"complete no parts", func() error { _, err := c.CompleteMultipartUpload(ctx, "b/k", "id", nil); return err }, "engine.CompleteMultipartUpload: no parts"},
		{"complete duplicate", func() error {
			_, err := c.CompleteMultipartUpload(ctx, "b/k", "id", []Part{{PartNumber: 2, ETag: `"a"`}, {PartNumber: 2, ETag: "b"}})
			return err
		}, "part number 2 given twice"},
		{"complete empty etag", func() error {
			_, err := c.CompleteMultipartUpload(ctx, "b/k", "id", []Part{{PartNumber: 1, ETag: `""`}})
			return err
		}, "part 1 has an empty ETag"},
		{"complete part 0", func() error {
			_, err := c.CompleteMultipartUpload(ctx, "b/k", "id", []Part{{PartNumber: 0, ETag: "a"}})
			return err
		}, "part number 0"},
		{"list uploads of an object", func() error { _, err := c.ListMultipartUploads(ctx, "b/k"); return err }, "engine.ListMultipartUploads: bucket"},
		{"list parts no id", func() error { _, err := c.ListMultipartUploadParts(ctx, "b/k", ""); return err }, "engine.ListMultipartUploadParts: empty upload id"},
		{"abort no id", func() error { return c.AbortMultipartUpload(ctx, "b/k", "") }, "engine.AbortMultipartUpload: empty upload id"},
		{"file workers", func() error {
			_, err := c.MultipartPutFile(ctx, "b/k", "x", MultipartFileOptions{Workers: -1})
			return err
		}, "engine.MultipartPutFile: workers -1"},
		{"file missing", func() error {
			_, err := c.MultipartPutFile(ctx, "b/k", "/nonexistent/file", MultipartFileOptions{})
			return err
		}, "engine.MultipartPutFile: open /nonexistent/file"},
		{"resume mode", func() error {
			_, err := c.ResumeMultipartPutFile(ctx, "b/k", "x", MultipartFileOptions{Mode: "utf8"})
			return err
		}, `engine.ResumeMultipartPutFile: mode "utf8"`},
	}
	for _, tt := range tests {
		if err := tt.call(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestPartsRunCoordinator drives the coordinator of MultipartPut with a
// stand-in for the part upload (the network is tested in tests/): getPart
// and progress run one at a time (plain variables, checked by -race), at
// most workers+1 parts are alive, results come back complete.
func TestPartsRunCoordinator(t *testing.T) {
	for _, workers := range []int{1, 3, 8} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			const count = 40
			var mu sync.Mutex
			alive, maxAlive := 0, 0
			release := make(chan struct{})
			go func() {
				for range count {
					release <- struct{}{}
				}
			}()
			r := &partsRun{fn: "test", workers: workers, total: count * 10,
				upload: func(ctx context.Context, n int, data []byte) (Part, error) {
					<-release // uploads finish one by one, in any order
					mu.Lock()
					alive--
					mu.Unlock()
					return Part{PartNumber: n, ETag: fmt.Sprintf(`"%d"`, n)}, nil
				}}
			var calls []int // written by getPart only: -race finds concurrent calls
			progressCalls := 0
			r.progress = func(done, total int64) error { progressCalls++; return nil }
			parts, err := r.run(context.Background(), count, func(i int) (partTask, *Part, error) {
				calls = append(calls, i)
				mu.Lock()
				alive++
				maxAlive = max(maxAlive, alive)
				mu.Unlock()
				return partTask{number: i + 1, data: make([]byte, 10), size: 10}, nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != count || len(calls) != count {
				t.Fatalf("%d parts, %d getPart calls", len(parts), len(calls))
			}
			for i, n := range calls {
				if n != i {
					t.Fatalf("getPart calls out of order: %v", calls)
				}
			}
			seen := map[int]bool{}
			for _, p := range parts {
				seen[p.PartNumber] = true
			}
			if len(seen) != count {
				t.Errorf("parts %v", parts)
			}
			if maxAlive > workers+1 {
				t.Errorf("%d parts alive at once, want at most workers+1 = %d", maxAlive, workers+1)
			}
			if progressCalls == 0 {
				t.Error("progress never called")
			}
		})
	}
}

// TestPartsRunFailure: the first failure (a part, getPart, the context)
// stops the run, waits for the workers and is returned.
func TestPartsRunFailure(t *testing.T) {
	boom := errors.New("boom")
	okUpload := func(ctx context.Context, n int, data []byte) (Part, error) {
		return Part{PartNumber: n, ETag: `"x"`}, nil
	}
	tests := []struct {
		name    string
		upload  func(ctx context.Context, n int, data []byte) (Part, error)
		getPart func(i int) (partTask, *Part, error)
		cancel  bool
		want    error
	}{
		{"part fails", func(ctx context.Context, n int, data []byte) (Part, error) {
			if n == 3 {
				return Part{}, boom
			}
			return okUpload(ctx, n, data)
		}, nil, false, boom},
		{"getPart fails", okUpload, func(i int) (partTask, *Part, error) {
			if i == 5 {
				return partTask{}, nil, boom
			}
			return partTask{number: i + 1}, nil, nil
		}, false, boom},
		{"context cancelled", func(ctx context.Context, n int, data []byte) (Part, error) {
			<-ctx.Done()
			return Part{}, ctx.Err()
		}, nil, true, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			getPart := tt.getPart
			calls := 0
			if getPart == nil {
				getPart = func(i int) (partTask, *Part, error) { return partTask{number: i + 1}, nil, nil }
			}
			r := &partsRun{fn: "test", workers: 3, upload: tt.upload}
			_, err := r.run(ctx, 20, func(i int) (partTask, *Part, error) {
				calls++
				if tt.cancel && i == 2 {
					cancel()
				}
				return getPart(i)
			})
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if calls == 20 && !tt.cancel {
				t.Logf("getPart was called for every part before the failure was seen")
			}
		})
	}
}

// TestPartsRunFailureNeverHangs: when a part fails while the other workers
// still hold parts and the results buffer is full, the run ends (it used to
// wait forever for a worker blocked sending a result nobody read). The race
// depends on scheduling, so it is tried many times; a hang fails the test
// through the watchdog, never through a timing assertion on success.
func TestPartsRunFailureNeverHangs(t *testing.T) {
	boom := errors.New("boom")
	for iter := range 3000 {
		r := &partsRun{fn: "test", workers: 2, upload: func(ctx context.Context, n int, data []byte) (Part, error) {
			if n == 1 {
				runtime.Gosched()
				return Part{}, boom
			}
			return Part{PartNumber: n, ETag: `"x"`}, nil
		}}
		done := make(chan error, 1)
		go func() {
			_, err := r.run(context.Background(), 50, func(i int) (partTask, *Part, error) { return partTask{number: i + 1}, nil, nil })
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, boom) {
				t.Fatalf("iteration %d: err = %v, want boom", iter, err)
			}
		case <-time.After(time.Minute):
			buf := make([]byte, 1<<16)
			t.Fatalf("iteration %d: the run hangs\n%s", iter, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestListPagination lists uploads and parts with pages of 2 against every
// server, so that key-marker, upload-id-marker and part-number-marker are
// all followed.
func TestListPagination(t *testing.T) {
	for _, srv := range testenv.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			c, err := New(Config{Host: srv.Host, Scheme: "http", PathStyle: true, Region: srv.Region,
				Credentials: StaticCredentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			bucket := testenv.UniqueBucket(t, "pages")
			if err := c.CreateBucket(ctx, bucket, ""); err != nil {
				t.Fatal(err)
			}
			var ids []string
			defer func() {
				ups, _ := c.ListMultipartUploads(ctx, bucket)
				for _, u := range ups {
					c.AbortMultipartUpload(ctx, bucket+"/"+u.Key, u.UploadID)
				}
				c.DeleteBucket(ctx, bucket)
			}()
			keys := []string{"a", "b", "b", "b", "c & d"}
			for _, k := range keys {
				id, err := c.InitiateMultipartUpload(ctx, bucket+"/"+k, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			ups, err := c.listUploads(ctx, bucket, "", 2)
			var re *ResponseError
			if srv.Name == testenv.NameVersityGW && errors.As(err, &re) && re.Code == "InvalidArgument" {
				// versitygw 1.8.0 refuses the NextUploadIdMarker it sent.
				t.Logf("known versitygw bug: %v", err)
			} else if err != nil {
				t.Fatalf("listUploads: %v", err)
			} else {
				checkUploads(t, ups, ids, keys)
			}
			// Only the uploads of "b", with the prefix, in one page.
			if ups, err := c.listUploads(ctx, bucket, "b", 1000); err != nil || len(ups) != 3 {
				t.Errorf("listUploads prefix b: %+v, %v", ups, err)
			}

			bp := bucket + "/b"
			for n := 1; n <= 5; n++ {
				if _, err := c.UploadPart(ctx, bp, ids[1], n, []byte{byte(n)}); err != nil {
					t.Fatal(err)
				}
			}
			parts, err := c.listParts(ctx, bucket, "b", ids[1], 2)
			if srv.Local {
				// gofakes3 v1.2.0 numbers the parts of later pages relative to
				// part-number-marker; the engine detects the loop.
				t.Logf("known gofakes3 bug: %d parts, %v", len(parts), err)
				return
			}
			if err != nil {
				t.Fatalf("listParts: %v", err)
			}
			var numbers []int
			for _, p := range parts {
				numbers = append(numbers, p.PartNumber)
			}
			if fmt.Sprint(numbers) != "[1 2 3 4 5]" {
				t.Errorf("listParts with pages of 2: part numbers %v", numbers)
			}
		})
	}
}

func checkUploads(t *testing.T, ups []Upload, ids, keys []string) {
	t.Helper()
	got := map[string]string{}
	for _, u := range ups {
		got[u.UploadID] = u.Key
	}
	if len(ups) != len(keys) || len(got) != len(keys) {
		t.Errorf("listUploads with pages of 2: %d uploads (%d distinct), want %d: %+v", len(ups), len(got), len(keys), ups)
	}
	for i, id := range ids {
		if got[id] != keys[i] {
			t.Errorf("upload %s of %q: listed as %q", id, keys[i], got[id])
		}
	}
}

// BenchmarkMultipartPutFile measures MultipartPutFile of a 32 MiB file with
// the defaults (8 parts of 5 MiB, PartSizeFor) and 4 workers to the
// embedded store on loopback.
func BenchmarkMultipartPutFile(b *testing.B) {
	const size = 32 << 20
	c, file := benchFile(b, size)
	ctx := context.Background()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.MultipartPutFile(ctx, "bench/obj", file, MultipartFileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// faultProxy forwards to the embedded store and answers the first failures
// UploadPart requests itself with status (a fault injector, not S3). It
// returns a client for the proxy and the count of UploadPart requests seen.
func faultProxy(t *testing.T, failures int, status int, code string) (*Client, *atomic.Int64) {
	t.Helper()
	var seen atomic.Int64
	host, store, _ := storeBehindProxy(t, func(w http.ResponseWriter, r *http.Request, pass http.Handler) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			if seen.Add(1) <= int64(failures) {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(status)
				fmt.Fprintf(w, "<Error><Code>%s</Code><Message>injected</Message></Error>", code)
				return
			}
		}
		pass.ServeHTTP(w, r)
	})
	id, secret := store.Credentials()
	c, err := New(Config{Host: host, Scheme: "http", MaxTries: 3,
		Credentials: StaticCredentials{AccessKeyID: id, SecretAccessKey: secret}})
	if err != nil {
		t.Fatal(err)
	}
	c.retryBase, c.retryCap = time.Millisecond, 2*time.Millisecond
	if err := c.CreateBucket(context.Background(), "faults", ""); err != nil {
		t.Fatal(err)
	}
	return c, &seen
}

// TestMultipartPartRetry: a part that keeps failing with a transient error
// is sent at most MaxTries (3) times in all, the primitive's retries and
// the part-level ones sharing one budget (they used to multiply, up to
// MaxTries² requests); a permanent error is not retried, and the upload is
// aborted.
func TestMultipartPartRetry(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("p"), 1000)
	getPart := func(int) ([]byte, error) { return data, nil }

	// 2 failures, then success on the third and last attempt.
	c, seen := faultProxy(t, 2, http.StatusServiceUnavailable, "SlowDown")
	if _, err := c.MultipartPut(ctx, "faults/transient", 1, getPart, "", nil); err != nil {
		t.Fatalf("MultipartPut with 2 transient failures: %v", err)
	}
	if got, _ := c.GetBytes(ctx, "faults/transient", nil, nil); !bytes.Equal(got, data) {
		t.Errorf("stored %d bytes", len(got))
	}
	if n := seen.Load(); n != 3 {
		t.Errorf("%d UploadPart requests, want 3", n)
	}

	// 3 failures exhaust the budget: exactly MaxTries requests, not 9.
	c, seen = faultProxy(t, 100, http.StatusServiceUnavailable, "SlowDown")
	_, err := c.MultipartPut(ctx, "faults/exhausted", 1, getPart, "", nil)
	var re *ResponseError
	if !errors.As(err, &re) || re.Code != "SlowDown" || seen.Load() != 3 {
		t.Errorf("always failing: err = %v, %d requests; want SlowDown after 3", err, seen.Load())
	}
	if ups, _ := c.ListMultipartUploads(ctx, "faults"); len(ups) != 0 {
		t.Errorf("upload not aborted: %+v", ups)
	}

	// A permanent error is tried once.
	c, seen = faultProxy(t, 100, http.StatusForbidden, "AccessDenied")
	_, err = c.MultipartPut(ctx, "faults/denied", 1, getPart, "", nil)
	if !errors.As(err, &re) || re.Code != "AccessDenied" || seen.Load() != 1 {
		t.Errorf("permanent failure: err = %v, %d requests; want AccessDenied after 1", err, seen.Load())
	}
	if ups, _ := c.ListMultipartUploads(ctx, "faults"); len(ups) != 0 {
		t.Errorf("upload not aborted: %+v", ups)
	}
}
