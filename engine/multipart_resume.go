package engine

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Finding and resuming an interrupted multipart upload of a file.

// IncompleteMultipartPutFile looks for an interrupted multipart upload of
// file to bp: an in-progress upload for exactly that key with at least one
// part whose ETag (quotes stripped, lower-case) is the hex MD5 of the same
// slice of the file, with the same part size (MultipartFileOptions.PartSize
// and Config.PartSize must be those of the interrupted upload). It returns
// the first such upload's id and its matching parts (ETags as listed), or
// "" when there is none. Every upload of the key is examined, over all
// listing pages.
//
// ETag = MD5 holds for plain uploads; parts encrypted with SSE-KMS or
// SSE-C never match, and are uploaded again by ResumeMultipartPutFile.
func (c *Client) IncompleteMultipartPutFile(ctx context.Context, bp, file string, opt MultipartFileOptions) (uploadID string, parts []Part, err error) {
	const fn = "IncompleteMultipartPutFile"
	bucket, key, plan, err := c.planFile(fn, bp, file, opt)
	if err != nil {
		return "", nil, err
	}
	defer plan.f.Close()
	return c.incomplete(ctx, fn, bucket, key, plan)
}

func (c *Client) incomplete(ctx context.Context, fn, bucket, key string, plan *filePlan) (string, []Part, error) {
	if plan.parts == 0 {
		return "", nil, nil
	}
	uploads, err := c.listUploads(ctx, bucket, key, pageSize)
	if err != nil {
		return "", nil, err
	}
	md5s := map[int]string{} // part number -> hex MD5 of its slice, computed once
	sliceMD5 := func(n int) (string, error) {
		if s, ok := md5s[n]; ok {
			return s, nil
		}
		i := n - 1
		h := md5.New()
		if _, err := io.Copy(h, io.NewSectionReader(plan.f, int64(i)*plan.partSize, plan.partLen(i))); err != nil {
			return "", fmt.Errorf("engine.%s: reading %s: %w", fn, plan.f.Name(), err)
		}
		s := hex.EncodeToString(h.Sum(nil))
		md5s[n] = s
		return s, nil
	}
	for _, u := range uploads {
		if u.Key != key {
			continue
		}
		infos, err := c.listParts(ctx, bucket, key, u.UploadID, pageSize)
		if err != nil {
			var re *ResponseError
			if errors.As(err, &re) && re.Code == "NoSuchUpload" {
				continue // completed or aborted meanwhile
			}
			return "", nil, err
		}
		var match []Part
		for _, p := range infos {
			if p.PartNumber < 1 || p.PartNumber > plan.parts || p.Size != plan.partLen(p.PartNumber-1) {
				continue
			}
			want, err := sliceMD5(p.PartNumber)
			if err != nil {
				return "", nil, err
			}
			if strings.ToLower(strings.Trim(p.ETag, `" `)) == want {
				match = append(match, Part{PartNumber: p.PartNumber, ETag: p.ETag, ChecksumCRC32C: p.ChecksumCRC32C})
			}
		}
		if len(match) > 0 {
			slices.SortFunc(match, func(a, b Part) int { return a.PartNumber - b.PartNumber })
			return u.UploadID, match, nil
		}
	}
	return "", nil, nil
}

// ResumeMultipartPutFile finishes the upload IncompleteMultipartPutFile
// finds: the parts that did not match are uploaded in parallel from the
// file, then the upload is completed. It returns the upload id, or "" when
// there is nothing to resume (then nothing was uploaded). On failure the
// upload is left in place, so that it can be resumed again; give up with
// AbortMultipartUpload.
func (c *Client) ResumeMultipartPutFile(ctx context.Context, bp, file string, opt MultipartFileOptions) (string, error) {
	const fn = "ResumeMultipartPutFile"
	bucket, key, plan, err := c.planFile(fn, bp, file, opt)
	if err != nil {
		return "", err
	}
	defer plan.f.Close()
	uploadID, have, err := c.incomplete(ctx, fn, bucket, key, plan)
	if err != nil || uploadID == "" {
		return "", err
	}
	byNumber := make(map[int]Part, len(have))
	for _, p := range have {
		byNumber[p.PartNumber] = p
	}
	// An upload that declared CRC32C lists its parts' CRC32Cs; the missing
	// parts must then carry theirs too.
	crc := have[0].ChecksumCRC32C != ""
	run := &partsRun{c: c, fn: fn, bucket: bucket, key: key, uploadID: uploadID, crc32c: crc,
		workers: plan.workers, progress: opt.Progress, total: plan.size, partHeader: sseCustomerPartHeader(opt.Header)}
	parts, err := run.run(ctx, plan.parts, func(i int) (partTask, *Part, error) {
		t := plan.task(i)
		if p, ok := byNumber[i+1]; ok {
			return t, &p, nil
		}
		return t, nil, nil
	})
	if err != nil {
		return "", err
	}
	// The parts' CRC32Cs only: the upload's checksum type (full object or
	// composite) may be another tool's choice.
	if _, err := c.complete(ctx, fn, bp, uploadID, parts, "", run.partHeader); err != nil {
		return "", err
	}
	return uploadID, nil
}
