package engine

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// abortTimeout bounds the AbortMultipartUpload sent after a failure; it
// runs even when the caller's context was cancelled.
const abortTimeout = 30 * time.Second

// abortQuietly aborts an upload after a failure, even when ctx is already
// cancelled. Its own failure is joined to cause so that nothing is hidden.
func (c *Client) abortQuietly(ctx context.Context, bucket, key, uploadID string, cause error) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	// At least DefaultMaxTries attempts: a failed abort leaves an orphan.
	if err := c.cleanup().AbortMultipartUpload(actx, bucket+"/"+key, uploadID); err != nil {
		return errors.Join(cause, fmt.Errorf("aborting upload %s also failed (remove it with AbortMultipartUpload): %w", uploadID, err))
	}
	return cause
}

// MultipartPut uploads bp ("bucket/key") as numParts parts (1..10000):
// getPart(n), n from 0 to numParts-1, returns the bytes of part n+1 (every
// part but the last at least MultipartSizeMinimum bytes). It initiates the
// upload (with mimeType and the headers h), uploads the parts with
// Config.Workers goroutines, completes the upload and returns its id.
//
// getPart is called on the calling goroutine, in order, one call at a time;
// at most Workers+1 parts are in memory. Each part is retried with backoff
// a bounded number of times (see uploadWithRetry). On any failure, an error
// from getPart included, the workers are stopped, the upload is aborted (no
// orphaned parts) and the error is returned wrapped, so errors.Is and
// errors.As find getPart's error.
func (c *Client) MultipartPut(ctx context.Context, bp string, numParts int, getPart func(n int) ([]byte, error), mimeType string, h http.Header) (string, error) {
	const fn = "MultipartPut"
	bucket, key, err := objectArg(fn, bp)
	if err != nil {
		return "", err
	}
	if numParts < 1 || numParts > MaxPartNumber {
		return "", argError(fn, "number of parts %d: want 1..%d", numParts, MaxPartNumber)
	}
	if getPart == nil {
		return "", argError(fn, "nil getPart")
	}
	uploadID, err := c.InitiateMultipartUpload(ctx, bp, mimeType, h)
	if err != nil {
		return "", err
	}
	run := &partsRun{c: c, fn: fn, bucket: bucket, key: key, uploadID: uploadID, workers: c.cfg.Workers, total: -1,
		partHeader: sseCustomerPartHeader(h)}
	parts, err := run.run(ctx, numParts, func(i int) (partTask, *Part, error) {
		data, err := getPart(i)
		if err != nil {
			return partTask{}, nil, fmt.Errorf("engine.%s: getPart(%d): %w", fn, i, err)
		}
		return partTask{number: i + 1, data: data, size: int64(len(data))}, nil, nil
	})
	if err == nil {
		_, err = c.CompleteMultipartUpload(ctx, bp, uploadID, parts)
	}
	if err != nil {
		return "", c.abortQuietly(ctx, bucket, key, uploadID, err)
	}
	return uploadID, nil
}

// fileMD5 hashes the first size bytes of f (read at offsets, so f's
// position is unchanged), stopping when ctx is done.
func fileMD5(ctx context.Context, f *os.File, size int64) ([]byte, error) {
	h := md5.New()
	buf := make([]byte, 256<<10)
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		if err != nil && !(errors.Is(err, io.EOF) && off == size) {
			return nil, fmt.Errorf("reading %s: %w", f.Name(), err)
		}
	}
	return h.Sum(nil), nil
}
