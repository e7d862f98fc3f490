package tests

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/s3lua/s3lua/engine"
	"github.com/s3lua/s3lua/tests/testenv"
	"github.com/s3lua/s3lua/tests/testenv/enginetest"
)

// BenchmarkBatchSmallPuts puts 1,000 objects of 4 KiB on MinIO through
// engine.Batch (32 workers) and through a plain net/http client signing
// each PUT with the signature package (32 goroutines, the same requests:
// signed payload, Content-MD5), taking turns in one process so that both see
// the same load; it reports the mean seconds of each and their ratio. The
// figures are in docs/performance.md ("Batches"):
//
//	tests/run.sh ./tests/ -run '^$' -bench BatchSmallPuts -benchtime 10x
func BenchmarkBatchSmallPuts(b *testing.B) {
	srv := testenv.MinIO(b)
	const n, size, workers = 1000, 4096, 32
	body := bytes.Repeat([]byte("s3lua batch. "), size/13+1)[:size]
	transport := &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true}
	b.Cleanup(transport.CloseIdleConnections)
	hc := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c := enginetest.Client(b, srv, func(cfg *engine.Config) {
		cfg.MaxTries = engine.DefaultMaxTries
		cfg.HTTPClient = hc
	})
	ctx := context.Background()
	bucket := enginetest.Bucket(b, c, "bench-batch")
	plain := newSigClient(srv)
	plain.http = hc

	runEngine := func() {
		{
			bt, err := c.NewBatch(engine.BatchOptions{Workers: workers})
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				if err := bt.Submit(ctx, engine.BatchOp{Op: engine.OpPutBytes, BP: fmt.Sprintf("%s/e/%04d", bucket, i), Data: body}); err != nil {
					b.Fatal(err)
				}
			}
			if s, err := bt.Wait(ctx); err != nil || s.Failed != 0 {
				b.Fatalf("%+v %v", s, err)
			}
		}
	}
	md5 := contentMD5Of(body)
	hash := sha256Hex(body)
	runPlain := func() {
		{
			work := make(chan int)
			var wg sync.WaitGroup
			var failed error
			var mu sync.Mutex
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						req := plain.newRequest(b, http.MethodPut, bucket, fmt.Sprintf("p/%04d", i), nil, bytes.NewReader(body))
						req.ContentLength = int64(len(body))
						req.Header.Set("Content-MD5", md5)
						opt := plain.options(hash)
						opt.Time = time.Now().UTC()
						if _, err := plain.signer.SignHTTP(plain.creds, req, opt); err != nil {
							mu.Lock()
							failed = err
							mu.Unlock()
							continue
						}
						resp, err := hc.Do(req)
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != http.StatusOK {
								err = fmt.Errorf("status %d", resp.StatusCode)
							}
						}
						if err != nil {
							mu.Lock()
							failed = err
							mu.Unlock()
						}
					}
				}()
			}
			for i := range n {
				work <- i
			}
			close(work)
			wg.Wait()
			if failed != nil {
				b.Fatal(failed)
			}
		}
	}
	// Each iteration runs both, in alternating order; the metrics are the
	// mean seconds of each and their ratio.
	var engineTime, plainTime time.Duration
	i := 0
	for b.Loop() {
		timed := func(f func(), into *time.Duration) {
			start := time.Now()
			f()
			*into += time.Since(start)
		}
		if i%2 == 0 {
			timed(runEngine, &engineTime)
			timed(runPlain, &plainTime)
		} else {
			timed(runPlain, &plainTime)
			timed(runEngine, &engineTime)
		}
		i++
	}
	b.ReportMetric(engineTime.Seconds()/float64(i), "engine-s")
	b.ReportMetric(plainTime.Seconds()/float64(i), "plain-s")
	b.ReportMetric(engineTime.Seconds()/plainTime.Seconds(), "engine/plain")
}

// contentMD5Of is the Content-MD5 header value of data.
func contentMD5Of(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}
