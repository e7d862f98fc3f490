package engine

import "github.com/s3lua/s3lua/signature"

// S3's limits, stated once: the engine checks against them and luabind and
// the command read them from here (the part and chunk sizes of the
// reference are in multipart_size.go). signature cannot import the engine,
// so the presign limit lives there and is re-exported.
const (
	// MaxPresignExpiry is the longest a presigned URL may be valid: 7 days.
	MaxPresignExpiry = signature.MaxPresignExpiry
	// MinPartNumber and MaxPartNumber bound the part numbers of one
	// multipart upload, so an upload has at most 10,000 parts.
	MinPartNumber = 1
	MaxPartNumber = 10000
	// MaxPartSize is the largest part of a multipart upload: 5 GiB.
	MaxPartSize = 5 << 30
	// MaxPutSize is the largest object one PUT (or copy) may write: 5 GiB.
	MaxPutSize = 5 << 30
	// MaxObjectSize is the largest object: 5 TiB.
	MaxObjectSize = 5 << 40
	// MaxKeysPerPage is the most entries one listing page returns
	// (objects, uploads, parts), and what the engine asks for.
	MaxKeysPerPage = 1000
	// MaxDeleteKeys is the most keys one DeleteMultiple call accepts.
	MaxDeleteKeys = 1000
)
