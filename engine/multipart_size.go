package engine

import "fmt"

// Multipart and streaming limits, as the reference's s3-multipart-size-* and
// aws-chunk-len-* constants.
const (
	// MultipartSizeMinimum is the smallest part S3 accepts (except the last).
	MultipartSizeMinimum = 5 << 20
	// MultipartSizeDefault is the part size used when nothing else decides.
	MultipartSizeDefault = 5 << 20
	// ChunkLenMinimum is the smallest aws-chunked chunk length Put accepts.
	ChunkLenMinimum = 8 << 10
	// ChunkLenDefault is Put's chunk length when neither PutOptions nor
	// Config sets one.
	ChunkLenDefault = 64 << 10
)

// PartSizeTarget is the largest part PartSizeFor chooses while 10,000
// parts of it hold the file. Each part costs a request and the server's
// per-part work: with 1 GiB on MinIO, 32 MiB parts took less CPU on both
// sides than 5 MiB ones (docs/performance.md), and at most 4 parts of it
// per worker are in flight, sent from the file.
const PartSizeTarget = 32 << 20

// PartSizeFor returns the part size MultipartPutFile uses for a file of
// total bytes when no part size is configured: an eighth of the file (so
// that a file of a few parts still goes in parallel), at least
// MultipartSizeMinimum (5 MiB) and at most PartSizeTarget (32 MiB), but
// never less than 10,000 parts need; always a whole MiB.
func PartSizeFor(total int64) int64 {
	const mib = 1 << 20
	wholeMiB := func(n int64) int64 { return (n + mib - 1) / mib * mib }
	size := min(max(wholeMiB((total+7)/8), MultipartSizeMinimum), PartSizeTarget)
	return max(size, wholeMiB((total+MaxPartNumber-1)/MaxPartNumber))
}

// numParts is how many parts of partSize cover total bytes (0 for 0).
func numParts(total, partSize int64) int64 {
	return (total + partSize - 1) / partSize
}

// checkPartSize validates an explicit part size for a file of total bytes.
func checkPartSize(fn string, partSize, total int64) error {
	if partSize < MultipartSizeMinimum {
		return fmt.Errorf("engine.%s: part size %d is below the minimum %d (5 MiB)", fn, partSize, MultipartSizeMinimum)
	}
	if partSize > MaxPartSize {
		return fmt.Errorf("engine.%s: part size %d is above the maximum %d (5 GiB)", fn, partSize, int64(MaxPartSize))
	}
	if n := numParts(total, partSize); n > MaxPartNumber {
		return fmt.Errorf("engine.%s: part size %d gives %d parts for %d bytes; at most %d parts are allowed (use engine.PartSizeFor)", fn, partSize, n, total, MaxPartNumber)
	}
	return nil
}
