package engine

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// S3 Inventory reports: a manifest.json naming gzip'd CSV files, each a
// list of objects (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-location.html).
// InventoryLister reads them as streams, one CSV file open at a time, so a
// report of a billion objects lists in constant memory. Only the CSV
// format is read; ORC and Parquet reports are refused with an error saying
// so.

// InventoryManifest is the part of manifest.json the lister uses.
type InventoryManifest struct {
	SourceBucket      string          `json:"sourceBucket"`
	DestinationBucket string          `json:"destinationBucket"` // "arn:aws:s3:::bucket"
	FileFormat        string          `json:"fileFormat"`        // "CSV", "ORC", "Parquet"
	FileSchema        string          `json:"fileSchema"`        // "Bucket, Key, Size, ..."
	Files             []InventoryFile `json:"files"`
}

// InventoryFile is one data file of a report.
type InventoryFile struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	MD5Checksum string `json:"MD5checksum"`
}

// InventoryItem is one object of a report: the listing entry (Key, Size,
// LastModified, ETag with quotes, StorageClass, when the schema has them)
// and the fields listings lack.
type InventoryItem struct {
	Object
	Bucket         string
	VersionID      string
	IsLatest       bool
	IsDeleteMarker bool
	// Fields holds every column of the row by its schema name.
	Fields map[string]string
}

// maxManifest bounds manifest.json (a manifest lists files, not objects).
const maxManifest = 64 << 20

// InventoryLister pulls the objects of an inventory report, a batch at a
// time, in the order of the report's files and rows. It is not safe for
// concurrent use; Close releases the open data file.
type InventoryLister struct {
	c        *Client
	manifest InventoryManifest
	bucket   string   // where the data files are
	columns  []string // the schema, trimmed
	next     int      // the next file to open
	body     io.ReadCloser
	rows     *csv.Reader
	done     bool
	err      error
}

// OpenInventory reads the manifest.json at manifestBP and returns a lister
// over its objects. The data files are read from the manifest's
// destination bucket (from its ARN), else from manifestBP's bucket. A
// report in another format than CSV is an error.
func (c *Client) OpenInventory(ctx context.Context, manifestBP string) (*InventoryLister, error) {
	const fn = "OpenInventory"
	bucket, _, err := objectArg(fn, manifestBP)
	if err != nil {
		return nil, err
	}
	data, err := c.GetBytes(ctx, manifestBP, nil, nil)
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("engine.%s: %s: manifest larger than %d bytes", fn, manifestBP, maxManifest)
	}
	var m InventoryManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("engine.%s: %s is not an inventory manifest: %w", fn, manifestBP, err)
	}
	switch strings.ToUpper(m.FileFormat) {
	case "CSV":
	case "":
		return nil, fmt.Errorf("engine.%s: %s: the manifest has no fileFormat", fn, manifestBP)
	default:
		return nil, fmt.Errorf("engine.%s: %s: %s inventory reports are not supported (only CSV; ORC and Parquet need a columnar reader)", fn, manifestBP, m.FileFormat)
	}
	if m.FileSchema == "" {
		return nil, fmt.Errorf("engine.%s: %s: the manifest has no fileSchema", fn, manifestBP)
	}
	l := &InventoryLister{c: c, manifest: m, bucket: bucket}
	if b, ok := strings.CutPrefix(m.DestinationBucket, "arn:aws:s3:::"); ok && b != "" {
		l.bucket = b
	}
	for _, col := range strings.Split(m.FileSchema, ",") {
		l.columns = append(l.columns, strings.TrimSpace(col))
	}
	return l, nil
}

// Manifest returns the report's manifest.
func (l *InventoryLister) Manifest() InventoryManifest { return l.manifest }

// DataBucket is the bucket the data files are read from.
func (l *InventoryLister) DataBucket() string { return l.bucket }

// inventoryBatch is how many rows Next returns at most.
const inventoryBatch = 1000

// Next returns up to 1000 objects, io.EOF after the last. An error ends the
// listing and is returned again by later calls.
func (l *InventoryLister) Next(ctx context.Context) ([]InventoryItem, error) {
	if l.err != nil {
		return nil, l.err
	}
	if l.done {
		return nil, io.EOF
	}
	var out []InventoryItem
	for len(out) < inventoryBatch {
		if l.rows == nil {
			if l.next >= len(l.manifest.Files) {
				l.done = true
				break
			}
			if err := l.open(ctx, l.manifest.Files[l.next]); err != nil {
				l.fail(err)
				return nil, err
			}
			l.next++
		}
		rec, err := l.rows.Read()
		if err == io.EOF {
			l.closeFile()
			continue
		}
		if err != nil {
			err = fmt.Errorf("engine: inventory file %s/%s: %w", l.bucket, l.manifest.Files[l.next-1].Key, err)
			l.fail(err)
			return nil, err
		}
		it, err := l.item(rec)
		if err != nil {
			l.fail(err)
			return nil, err
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

func (l *InventoryLister) fail(err error) {
	l.err = err
	l.closeFile()
}

// Close releases the open data file, if any.
func (l *InventoryLister) Close() error {
	l.closeFile()
	return nil
}

func (l *InventoryLister) closeFile() {
	if l.body != nil {
		l.body.Close()
	}
	l.body, l.rows = nil, nil
}

// open starts reading one data file: gzip'd CSV (or plain CSV, told apart
// by the gzip magic bytes), streamed.
func (l *InventoryLister) open(ctx context.Context, f InventoryFile) error {
	if f.Key == "" {
		return fmt.Errorf("engine: inventory manifest lists a file without a key")
	}
	resp, err := l.c.do(ctx, &request{method: http.MethodGet, bucket: l.bucket, key: f.Key})
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			resp.Body.Close()
			return fmt.Errorf("engine: inventory file %s/%s: %w", l.bucket, f.Key, err)
		}
		r = zr
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(l.columns)
	cr.ReuseRecord = true
	l.body, l.rows = resp.Body, cr
	return nil
}

// item converts a row by the schema. Keys are URL-encoded in reports.
func (l *InventoryLister) item(rec []string) (InventoryItem, error) {
	it := InventoryItem{Fields: make(map[string]string, len(rec))}
	for i, col := range l.columns {
		v := rec[i]
		it.Fields[col] = v
		switch col {
		case "Bucket":
			it.Bucket = v
		case "Key":
			k, err := url.QueryUnescape(v)
			if err != nil {
				return it, fmt.Errorf("engine: inventory: badly encoded key %q", v)
			}
			it.Key = k
		case "VersionId":
			it.VersionID = v
		case "IsLatest":
			it.IsLatest = v == "true"
		case "IsDeleteMarker":
			it.IsDeleteMarker = v == "true"
		case "Size":
			if v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return it, fmt.Errorf("engine: inventory: bad size %q", v)
				}
				it.Size = n
			}
		case "LastModifiedDate":
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				it.LastModified = t
			}
		case "ETag":
			if v != "" && !strings.HasPrefix(v, `"`) {
				v = `"` + v + `"`
			}
			it.ETag = v
		case "StorageClass":
			it.StorageClass = v
		}
	}
	if it.Key == "" {
		return it, errors.New("engine: inventory: a row without a key (the schema needs Key)")
	}
	return it, nil
}
