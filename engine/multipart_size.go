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

// PartSizeFor returns the part size MultipartPutFile uses for a file of
// total bytes when no part size is configured: MultipartSizeMinimum (5 MiB)
// unless that would need more than 10,000 parts, else total/10,000 rounded up
// to a whole MiB. The reference's formula did not round; whole MiB parts are
// easier to reason about and still fit 10,000 parts.
func PartSizeFor(total int64) int64 {
	if total <= MultipartSizeMinimum*MaxPartNumber {
		return MultipartSizeMinimum
	}
	per := (total + MaxPartNumber - 1) / MaxPartNumber
	const mib = 1 << 20
	return (per + mib - 1) / mib * mib
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
