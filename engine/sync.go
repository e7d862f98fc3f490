package engine

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Compare modes of a sync.
const (
	SyncCompareSizeTime = "size_time" // sizes differ, or the source is newer (the default)
	SyncCompareSize     = "size"      // sizes differ
	SyncCompareChecksum = "checksum"  // sizes or checksums (MD5, else CRC32C) of the content differ
)

// Operations and reasons of a sync plan.
const (
	SyncUpload   = "upload"
	SyncDownload = "download"
	SyncCopy     = "copy"
	SyncDelete   = "delete"

	SyncReasonNew        = "new"
	SyncReasonSize       = "size"
	SyncReasonNewer      = "newer"
	SyncReasonChecksum   = "checksum"
	SyncReasonExtraneous = "extraneous"
)

// MD5MetadataHeader is the object metadata in which s3lua's multipart
// uploads of files record the MD5 of the whole content, base64-encoded (the
// ETag of a multipart object is not an MD5 of its content). The name is
// rclone's, which reads and writes the same value. A sync comparing
// checksums uses it for multipart objects.
const MD5MetadataHeader = "X-Amz-Meta-Md5chksum"

// SyncLocation is one side of a sync: a local directory (Dir) or an S3
// location (Bucket and Prefix, the prefix empty or ending in "/").
type SyncLocation struct {
	Dir    string
	Bucket string
	Prefix string
}

// IsS3 reports whether l is an S3 location.
func (l SyncLocation) IsS3() bool { return l.Bucket != "" }

// String is "s3://bucket/prefix" or the directory.
func (l SyncLocation) String() string {
	if l.IsS3() {
		return "s3://" + l.Bucket + "/" + l.Prefix
	}
	return l.Dir
}

// ParseSyncLocation reads "s3://bucket/prefix" (the AWS CLI's form: the
// prefix names a directory, so a missing trailing "/" is implied, and
// "s3://bucket" is the whole bucket) or a local directory (anything else).
func ParseSyncLocation(s string) (SyncLocation, error) {
	if s == "" {
		return SyncLocation{}, errors.New("empty location: want a local directory or s3://bucket/prefix")
	}
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		if len(s) > 5 && strings.EqualFold(s[:5], "s3://") {
			rest, ok = s[5:], true
		}
	}
	if !ok {
		return SyncLocation{Dir: s}, nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return SyncLocation{}, fmt.Errorf("location %q: no bucket name", s)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return SyncLocation{Bucket: bucket, Prefix: prefix}, nil
}

// SyncEntry is what a sync's Accept function sees of a path: its relative
// path, size and modification time (whole seconds).
type SyncEntry struct {
	Rel     string
	Size    int64
	ModTime time.Time
}

// SyncAction is one step of a sync plan.
type SyncAction struct {
	Op     string // SyncUpload, SyncDownload, SyncCopy or SyncDelete
	Rel    string // relative path
	Src    string // source: a local path or s3://bucket/key; "" for a delete
	Dst    string // destination: a local path or s3://bucket/key
	Size   int64  // bytes of the source (of the deleted entry for a delete)
	Reason string // SyncReasonNew, ...Size, ...Newer, ...Checksum or ...Extraneous
}

// SyncOptions tune Client.Sync.
type SyncOptions struct {
	// Compare is SyncCompareSizeTime (when ""), SyncCompareSize or
	// SyncCompareChecksum.
	Compare string
	// Delete removes destination entries without a source counterpart,
	// after the transfers.
	Delete bool
	// Filter takes or leaves relative paths (include and exclude
	// patterns); nil takes all. A path it leaves is neither transferred nor
	// deleted.
	Filter *PathFilter
	// Accept, if not nil, is asked about each source entry the filter took
	// (never about a destination entry): false leaves the path alone. An error ends the sync and is returned
	// unchanged. It runs on the goroutine that called Sync.
	Accept func(SyncEntry) (bool, error)
	// FollowSymlinks follows symbolic links of a local source; otherwise
	// they are skipped (and counted in Skipped).
	FollowSymlinks bool
	// DryRun changes nothing: the plan is handed to OnAction.
	DryRun bool
	// OnAction, if not nil, is called with each action of the plan, in plan
	// order (transfers by relative path, then deletes), on the goroutine
	// that called Sync; with DryRun nothing else happens. An error ends the
	// sync and is returned unchanged.
	OnAction func(SyncAction) error
	// Workers, OnResult and Progress are the Batch's that runs the
	// transfers and deletes (see BatchOptions).
	Workers  int
	OnResult func(BatchResult) error
	Progress Progress
}

// SyncSummary sums up a sync (planned, for a dry run).
type SyncSummary struct {
	Uploads, Downloads, Copies, Deletes int64
	// Skipped counts source entries left as they were: up to date, or
	// symbolic links not followed.
	Skipped int64
	// Bytes is the size of everything transferred (planned).
	Bytes int64
	// Refused holds the keys that cannot be turned into a local path
	// safely (a relative path starting with "/", with an empty, "." or ".."
	// segment, or holding a NUL); they are skipped.
	Refused []string
	// Batch sums up the operations run (zero for a dry run).
	Batch BatchSummary
}

// syncEntry is an entry of one side of the merge.
type syncEntry struct {
	rel     string
	size    int64
	mtime   time.Time // truncated to the second
	etag    string    // S3 only
	symlink bool      // local only
}

// syncSide streams one side of a sync in byte order of rel; next returns
// nil at the end.
type syncSide interface {
	next() (*syncEntry, error)
}

// s3Side lists an S3 location.
type s3Side struct {
	ctx     context.Context // the Sync call's
	lister  *Lister
	prefix  string
	page    []Item
	done    bool
	refuse  bool      // keys become local paths: refuse unsafe ones
	refused *[]string // where refused keys go
	last    string
	started bool
}

func (s *s3Side) next() (*syncEntry, error) {
	for {
		for len(s.page) > 0 {
			it := s.page[0]
			s.page = s.page[1:]
			if it.IsPrefix || strings.HasSuffix(it.Key, "/") {
				continue // folder markers are not files
			}
			rel, ok := strings.CutPrefix(it.Key, s.prefix)
			if !ok {
				continue
			}
			if s.refuse && unsafeLocalRel(rel) {
				*s.refused = append(*s.refused, it.Key)
				continue
			}
			if s.started && rel <= s.last {
				return nil, fmt.Errorf("engine.Sync: the listing of %s is not in byte order (%q after %q)", s.prefix, rel, s.last)
			}
			s.started, s.last = true, rel
			return &syncEntry{rel: rel, size: it.Size, mtime: it.LastModified.Truncate(time.Second), etag: it.ETag}, nil
		}
		if s.done {
			return nil, nil
		}
		items, err := s.lister.Next(s.ctx)
		if errors.Is(err, io.EOF) {
			s.done = true
			continue
		}
		if err != nil {
			return nil, err
		}
		s.page = items
	}
}

// localSide walks a local directory.
type localSide struct {
	w *FileWalker
}

func (s *localSide) next() (*syncEntry, error) {
	e, err := s.w.Next()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &syncEntry{rel: e.Rel, size: e.Size, mtime: e.ModTime.Truncate(time.Second), symlink: e.Symlink}, nil
}

// syncRun is one Sync.
type syncRun struct {
	c        *Client
	ctx      context.Context
	src, dst SyncLocation
	opt      SyncOptions
	sum      SyncSummary
	srcFiles *Client // file access of a local source
	dstFiles *Client // file access of a local destination, rooted at it
	dstRoot  *os.Root
	batch    *Batch
	deletes  *syncSpool
}

// Sync makes dst hold what src holds: each source path missing at the
// destination or different (by opt.Compare) is transferred, and with
// opt.Delete each destination path without a source is deleted after the
// transfers. src and dst are ParseSyncLocation's forms; local to S3
// uploads, S3 to local downloads, S3 to S3 copies server-side; local to
// local is an error.
//
// Both sides are streamed in byte order of their relative paths (the S3
// listing, and a FileWalker for a local directory) and merged, so memory
// does not grow with the number of files; the deletes wait in a spool
// (memory, then a temporary file) until the transfers are done. Transfers
// and deletes run on a Batch of opt.Workers.
//
// A download writes only inside dst: the directory is opened as an
// os.Root, so neither a key like "../x" (refused before, see
// SyncSummary.Refused) nor a symbolic link inside dst leads out of it. A
// download sets the file's modification time to the object's
// LastModified, so that a second sync finds it up to date. Keys ending in
// "/" (folder markers) are skipped.
func (c *Client) Sync(ctx context.Context, src, dst string, opt SyncOptions) (*SyncSummary, error) {
	const fn = "Sync"
	s, d, err := checkSyncLocations(fn, src, dst)
	if err != nil {
		return nil, err
	}
	switch opt.Compare {
	case "":
		opt.Compare = SyncCompareSizeTime
	case SyncCompareSizeTime, SyncCompareSize, SyncCompareChecksum:
	default:
		return nil, argError(fn, "compare %q: want size_time, size or checksum", opt.Compare)
	}
	r := &syncRun{c: c, ctx: ctx, src: s, dst: d, opt: opt, srcFiles: c, dstFiles: c}
	defer r.close()
	if err := r.prepare(); err != nil {
		return nil, err
	}
	if err := r.run(); err != nil {
		return &r.sum, err
	}
	return &r.sum, nil
}

// checkSyncLocations parses src and dst and refuses local to local and
// overlapping S3 locations.
func checkSyncLocations(fn, src, dst string) (s, d SyncLocation, err error) {
	if s, err = ParseSyncLocation(src); err != nil {
		return s, d, argError(fn, "source: %v", err)
	}
	if d, err = ParseSyncLocation(dst); err != nil {
		return s, d, argError(fn, "destination: %v", err)
	}
	if !s.IsS3() && !d.IsS3() {
		return s, d, argError(fn, "%s and %s are both local: one side must be s3://bucket/prefix", src, dst)
	}
	if s.IsS3() && d.IsS3() && s.Bucket == d.Bucket &&
		(strings.HasPrefix(s.Prefix, d.Prefix) || strings.HasPrefix(d.Prefix, s.Prefix)) {
		return s, d, argError(fn, "%s and %s overlap", s, d)
	}
	return s, d, nil
}

func (r *syncRun) close() {
	if r.dstRoot != nil {
		r.dstRoot.Close()
	}
	if r.deletes != nil {
		r.deletes.close()
	}
}

// prepare opens the local destination (creating it unless dry-running) as
// an os.Root and the batch.
func (r *syncRun) prepare() error {
	if !r.dst.IsS3() {
		root, err := r.openDstRoot()
		if err != nil {
			return err
		}
		if root != nil {
			r.dstRoot = root
			cfg := r.c.cfg
			cfg.Root = root
			if r.dstFiles, err = r.c.WithConfig(cfg); err != nil {
				return err
			}
		}
	}
	r.deletes = &syncSpool{}
	if r.opt.DryRun {
		return nil
	}
	// A local destination's downloads go through its own root.
	b, err := r.dstFiles.NewBatch(BatchOptions{Workers: r.opt.Workers, OnResult: r.onResult, Progress: r.opt.Progress})
	if err != nil {
		return err
	}
	r.batch = b
	return nil
}

// openDstRoot opens (and unless dry-running, creates) the local
// destination directory inside the client's Root. It returns nil, nil for
// a dry run whose destination does not exist yet.
func (r *syncRun) openDstRoot() (*os.Root, error) {
	dir := r.dst.Dir
	parent := r.c.cfg.Root
	if !r.opt.DryRun {
		var err error
		if parent != nil {
			err = parent.MkdirAll(dir, 0o777)
		} else {
			err = os.MkdirAll(dir, 0o777)
		}
		if err != nil {
			return nil, fmt.Errorf("engine.Sync: destination: %w", err)
		}
	}
	var (
		root *os.Root
		err  error
	)
	if parent != nil {
		root, err = parent.OpenRoot(dir)
	} else {
		root, err = os.OpenRoot(dir)
	}
	if err != nil {
		if r.opt.DryRun && errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("engine.Sync: destination: %w", err)
	}
	return root, nil
}

func (r *syncRun) side(l SyncLocation, isSrc bool) syncSide {
	if l.IsS3() {
		return &s3Side{
			ctx:     r.ctx,
			lister:  r.c.NewLister(l.Bucket+"/"+l.Prefix, ListOptions{}),
			prefix:  l.Prefix,
			refuse:  isSrc && !r.dst.IsS3(),
			refused: &r.sum.Refused,
		}
	}
	if isSrc {
		return &localSide{w: r.srcFiles.NewFileWalker(l.Dir, r.opt.FollowSymlinks)}
	}
	if r.dstRoot == nil {
		return emptySide{} // dry run into a directory that does not exist
	}
	return &localSide{w: r.dstFiles.NewFileWalker(".", false)}
}

type emptySide struct{}

func (emptySide) next() (*syncEntry, error) { return nil, nil }

// run merges the sides, plans and executes.
func (r *syncRun) run() error {
	srcSide, dstSide := r.side(r.src, true), r.side(r.dst, false)
	s, err := srcSide.next()
	if err != nil {
		return err
	}
	d, err := dstSide.next()
	if err != nil {
		return err
	}
	for s != nil || d != nil {
		switch {
		case d == nil || (s != nil && s.rel < d.rel):
			err = r.pair(s, nil)
			if err == nil {
				s, err = srcSide.next()
			}
		case s == nil || d.rel < s.rel:
			err = r.pair(nil, d)
			if err == nil {
				d, err = dstSide.next()
			}
		default:
			err = r.pair(s, d)
			if err == nil {
				s, err = srcSide.next()
			}
			if err == nil {
				d, err = dstSide.next()
			}
		}
		if err != nil {
			return r.fail(err)
		}
	}
	if r.batch != nil {
		sum, err := r.batch.Wait(r.ctx)
		r.addBatch(sum)
		if err != nil {
			return err
		}
	}
	return r.runDeletes()
}

// fail cancels what runs and returns err.
func (r *syncRun) fail(err error) error {
	if r.batch != nil {
		r.batch.Cancel()
		sum, _ := r.batch.Wait(r.ctx)
		r.addBatch(sum)
	}
	return err
}

func (r *syncRun) addBatch(s BatchSummary) {
	b := &r.sum.Batch
	b.OK += s.OK
	b.Failed += s.Failed
	b.Bytes += s.Bytes
	b.Seconds += s.Seconds
	for _, e := range s.Errors {
		if len(b.Errors) < batchErrorsKept {
			b.Errors = append(b.Errors, e)
		}
	}
}

// pair decides about one relative path present on the source, the
// destination or both.
func (r *syncRun) pair(s, d *syncEntry) error {
	e := s
	if e == nil {
		e = d
	}
	if !r.opt.Filter.Match(e.rel) {
		return nil
	}
	if s == nil {
		if !r.opt.Delete {
			return nil
		}
		r.sum.Deletes++
		return r.deletes.add(d.rel, d.size)
	}
	if s.symlink {
		r.sum.Skipped++
		return nil
	}
	ok, err := r.accept(s)
	if err != nil || !ok {
		return err
	}
	reason := SyncReasonNew
	if d != nil {
		if reason, err = r.compare(s, d); err != nil {
			return err
		}
		if reason == "" {
			r.sum.Skipped++
			return nil
		}
	}
	return r.transfer(s, reason)
}

func (r *syncRun) accept(e *syncEntry) (bool, error) {
	if r.opt.Accept == nil {
		return true, nil
	}
	return r.opt.Accept(SyncEntry{Rel: e.rel, Size: e.size, ModTime: e.mtime})
}

// compare returns why s must be transferred over d, or "".
func (r *syncRun) compare(s, d *syncEntry) (string, error) {
	if d.symlink || s.size != d.size {
		return SyncReasonSize, nil
	}
	switch r.opt.Compare {
	case SyncCompareSize:
		return "", nil
	case SyncCompareChecksum:
		same, err := r.sameContent(s, d)
		if err != nil {
			return "", err
		}
		if !same {
			return SyncReasonChecksum, nil
		}
		return "", nil
	}
	if s.mtime.After(d.mtime) {
		return SyncReasonNewer, nil
	}
	return "", nil
}

// digest is what is known of an entry's content: its MD5 and its CRC32C
// (hex, base64; "" when unknown).
type digest struct {
	md5, crc32c string
}

// sameContent compares two entries of the same size by their MD5s when
// both sides know one, else by their CRC32Cs; content known on neither
// counts as different. Files are hashed for what the other side knows.
func (r *syncRun) sameContent(s, d *syncEntry) (bool, error) {
	var a, b digest
	var err error
	switch {
	case r.src.IsS3() && r.dst.IsS3():
		if a, err = r.objectDigest(r.src, s); err == nil {
			b, err = r.objectDigest(r.dst, d)
		}
	case r.src.IsS3():
		if a, err = r.objectDigest(r.src, s); err == nil {
			b, err = r.fileDigest(r.dst, d, a)
		}
	default:
		if b, err = r.objectDigest(r.dst, d); err == nil {
			a, err = r.fileDigest(r.src, s, b)
		}
	}
	if err != nil {
		return false, err
	}
	switch {
	case a.md5 != "" && b.md5 != "":
		return a.md5 == b.md5, nil
	case a.crc32c != "" && b.crc32c != "":
		return a.crc32c == b.crc32c, nil
	}
	return false, nil
}

// objectDigest returns an object's MD5 (its ETag when that is one, as for
// single-part uploads, else the MD5MetadataHeader metadata) and its
// full-object CRC32C; multipart objects cost one HEAD request.
func (r *syncRun) objectDigest(l SyncLocation, e *syncEntry) (digest, error) {
	if etag := strings.Trim(e.etag, `"`); isHexMD5(etag) {
		return digest{md5: strings.ToLower(etag)}, nil
	}
	h, err := r.c.Head(r.ctx, l.Bucket+"/"+l.Prefix+e.rel, http.Header{ChecksumModeHeader: {"ENABLED"}})
	if err != nil {
		return digest{}, err
	}
	dg := digest{md5: md5FromMetadata(h.Get(MD5MetadataHeader))}
	if etag := strings.Trim(h.Get("ETag"), `"`); dg.md5 == "" && isHexMD5(etag) {
		dg.md5 = strings.ToLower(etag) // stores whose HEAD gives the content's MD5
	}
	// A composite checksum (of the parts' checksums, "...-N") says nothing
	// a file's CRC32C can be compared with.
	if v := h.Get("X-Amz-Checksum-Crc32c"); v != "" && !strings.EqualFold(h.Get("X-Amz-Checksum-Type"), "COMPOSITE") {
		if _, ok := parseCRC32C(v); ok {
			dg.crc32c = v
		}
	}
	return dg, nil
}

// fileDigest hashes a file for what other, the object it is compared
// with, knows: its MD5, else its CRC32C; nothing when other knows neither.
func (r *syncRun) fileDigest(l SyncLocation, e *syncEntry, other digest) (digest, error) {
	if other.md5 == "" && other.crc32c == "" {
		return digest{}, nil
	}
	files := r.srcFiles.files()
	name := filepath.Join(l.Dir, filepath.FromSlash(e.rel))
	if l == r.dst {
		files = r.dstFiles.files()
		name = filepath.FromSlash(e.rel)
	}
	f, err := files.open(name)
	if err != nil {
		return digest{}, fmt.Errorf("engine.Sync: %w", err)
	}
	defer f.Close()
	if other.md5 != "" {
		h := md5.New()
		if _, err := io.Copy(h, f); err != nil {
			return digest{}, fmt.Errorf("engine.Sync: reading %s: %w", name, err)
		}
		return digest{md5: hex.EncodeToString(h.Sum(nil))}, nil
	}
	h := crc32.New(castagnoli())
	if _, err := io.Copy(h, f); err != nil {
		return digest{}, fmt.Errorf("engine.Sync: reading %s: %w", name, err)
	}
	return digest{crc32c: crc32cBase64(h.Sum32())}, nil
}

func isHexMD5(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// md5FromMetadata reads MD5MetadataHeader's value (base64, or hex as some
// tools write it) as hex; "" when it is neither.
func md5FromMetadata(v string) string {
	v = strings.TrimSpace(v)
	if isHexMD5(v) {
		return strings.ToLower(v)
	}
	if b, err := base64.StdEncoding.DecodeString(v); err == nil && len(b) == md5.Size {
		return hex.EncodeToString(b)
	}
	return ""
}

// names returns how the action names the source and destination of rel.
func (r *syncRun) names(rel string) (src, dst string) {
	name := func(l SyncLocation) string {
		if l.IsS3() {
			return "s3://" + l.Bucket + "/" + l.Prefix + rel
		}
		return filepath.Join(l.Dir, filepath.FromSlash(rel))
	}
	return name(r.src), name(r.dst)
}

// syncTag travels with a download to its result.
type syncTag struct {
	rel   string
	mtime time.Time
	file  string // the local path as the caller names it
}

// transfer plans (and unless dry-running, queues) the transfer of s.
func (r *syncRun) transfer(s *syncEntry, reason string) error {
	op := SyncCopy
	switch {
	case !r.src.IsS3():
		op = SyncUpload
		r.sum.Uploads++
	case !r.dst.IsS3():
		op = SyncDownload
		r.sum.Downloads++
	default:
		r.sum.Copies++
	}
	r.sum.Bytes += s.size
	srcName, dstName := r.names(s.rel)
	if r.opt.OnAction != nil {
		if err := r.opt.OnAction(SyncAction{Op: op, Rel: s.rel, Src: srcName, Dst: dstName, Size: s.size, Reason: reason}); err != nil {
			return err
		}
	}
	if r.opt.DryRun {
		return nil
	}
	var b BatchOp
	switch op {
	case SyncUpload:
		b = BatchOp{Op: OpPutFile, BP: r.dst.Bucket + "/" + r.dst.Prefix + s.rel,
			File: filepath.Join(r.src.Dir, filepath.FromSlash(s.rel))}
	case SyncDownload:
		b = BatchOp{Op: OpGetFile, BP: r.src.Bucket + "/" + r.src.Prefix + s.rel,
			File: filepath.FromSlash(s.rel), Exists: ExistsReplace, Tag: syncTag{rel: s.rel, mtime: s.mtime, file: dstName}}
	default:
		b = BatchOp{Op: OpCopy, From: r.src.Bucket + "/" + r.src.Prefix + s.rel,
			BP: r.dst.Bucket + "/" + r.dst.Prefix + s.rel, SourceETag: s.etag, SourceSize: s.size}
	}
	return r.batch.Submit(r.ctx, b)
}

// onResult sets a downloaded file's modification time, then hands the
// result on.
func (r *syncRun) onResult(res BatchResult) error {
	if tag, ok := res.Op.Tag.(syncTag); ok && res.Err == nil && r.dstRoot != nil {
		// Best effort: a file whose time could not be set is only
		// transferred again by the next sync.
		_ = r.dstRoot.Chtimes(filepath.FromSlash(tag.rel), tag.mtime, tag.mtime)
	}
	if tag, ok := res.Op.Tag.(syncTag); ok {
		res.Op.File = tag.file // the name inside the destination's root, as given
	}
	if r.opt.OnResult != nil {
		return r.opt.OnResult(res)
	}
	return nil
}

// runDeletes plans (and unless dry-running, runs) the spooled deletes.
func (r *syncRun) runDeletes() error {
	err := r.deletes.each(func(rel string, size int64) error {
		_, dstName := r.names(rel)
		if r.opt.OnAction != nil {
			if err := r.opt.OnAction(SyncAction{Op: SyncDelete, Rel: rel, Dst: dstName, Size: size, Reason: SyncReasonExtraneous}); err != nil {
				return err
			}
		}
		if r.opt.DryRun {
			return nil
		}
		if r.dst.IsS3() {
			return r.batch.Submit(r.ctx, BatchOp{Op: OpDelete, BP: r.dst.Bucket + "/" + r.dst.Prefix + rel})
		}
		return r.deleteLocal(rel, dstName)
	})
	if err != nil {
		return r.fail(err)
	}
	if r.batch != nil && r.sum.Deletes > 0 && r.dst.IsS3() {
		sum, err := r.batch.Wait(r.ctx)
		r.addBatch(sum)
		return err
	}
	return nil
}

// deleteLocal removes one file of a local destination and reports it as a
// batch result would.
func (r *syncRun) deleteLocal(rel, name string) error {
	res := BatchResult{Op: &BatchOp{Op: OpDelete, File: name}}
	if err := r.dstRoot.Remove(filepath.FromSlash(rel)); err != nil {
		res.Err = fmt.Errorf("engine.Sync: %w", err)
		r.sum.Batch.Failed++
		if len(r.sum.Batch.Errors) < batchErrorsKept {
			r.sum.Batch.Errors = append(r.sum.Batch.Errors, res)
		}
	} else {
		r.sum.Batch.OK++
	}
	if r.opt.OnResult != nil {
		return r.opt.OnResult(res)
	}
	return nil
}

// syncSpool holds the planned deletes until the transfers are done: in
// memory up to spoolMemory entries, then in a temporary file, so a sync
// deleting millions of keys stays in constant memory.
type syncSpool struct {
	mem  []spoolEntry
	file *os.File
	w    *bufio.Writer
}

type spoolEntry struct {
	rel  string
	size int64
}

const spoolMemory = 10000

func (s *syncSpool) add(rel string, size int64) error {
	if s.file == nil && len(s.mem) < spoolMemory {
		s.mem = append(s.mem, spoolEntry{rel, size})
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "s3lua-sync-*")
		if err != nil {
			return fmt.Errorf("engine.Sync: spooling deletes: %w", err)
		}
		s.file, s.w = f, bufio.NewWriter(f)
	}
	_, err := fmt.Fprintf(s.w, "%d %s\n", size, strconv.Quote(rel))
	return err
}

func (s *syncSpool) each(fn func(rel string, size int64) error) error {
	for _, e := range s.mem {
		if err := fn(e.rel, e.size); err != nil {
			return err
		}
	}
	if s.file == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("engine.Sync: spooling deletes: %w", err)
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("engine.Sync: spooling deletes: %w", err)
	}
	sc := bufio.NewScanner(s.file)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		sizeText, quoted, _ := strings.Cut(sc.Text(), " ")
		size, err1 := strconv.ParseInt(sizeText, 10, 64)
		rel, err2 := strconv.Unquote(quoted)
		if err1 != nil || err2 != nil {
			return errors.New("engine.Sync: spooled deletes are corrupt")
		}
		if err := fn(rel, size); err != nil {
			return err
		}
	}
	return sc.Err()
}

func (s *syncSpool) close() {
	if s.file != nil {
		name := s.file.Name()
		s.file.Close()
		os.Remove(name)
	}
}
