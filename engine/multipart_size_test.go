package engine

import (
	"strings"
	"testing"
)

func TestPartSizeFor(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		total, want int64
	}{
		{0, 5 * mib},
		{1, 5 * mib},
		{11 * mib, 5 * mib},
		{40 * mib, 5 * mib},            // an eighth: 8 parts
		{41 * mib, 6 * mib},            // an eighth, rounded up to a whole MiB
		{100 * mib, 13 * mib},          // 8 parts
		{256 * mib, 32 * mib},          // the target
		{1 << 30, 32 * mib},            // 32 parts
		{32 * mib * 10000, 32 * mib},   // exactly 10,000 parts of the target
		{32*mib*10000 + 1, 33 * mib},   // one byte more: next whole MiB
		{5 << 40, 525 * mib},           // the largest object S3 accepts (5 TiB)
		{100 * mib * 10000, 100 * mib}, // exact multiple
		{100*mib*10000 + 7, 101 * mib}, // not exact
		{1 << 50, (1<<50/10000/mib + 1) * mib},
	}
	for _, tt := range tests {
		got := PartSizeFor(tt.total)
		if got != tt.want {
			t.Errorf("PartSizeFor(%d) = %d, want %d", tt.total, got, tt.want)
		}
		if got < MultipartSizeMinimum || got%mib != 0 {
			t.Errorf("PartSizeFor(%d) = %d: below 5 MiB or not whole MiB", tt.total, got)
		}
		if n := numParts(tt.total, got); n > 10000 {
			t.Errorf("PartSizeFor(%d) = %d gives %d parts", tt.total, got, n)
		}
	}
}

func TestNumParts(t *testing.T) {
	tests := []struct{ total, size, want int64 }{
		{0, 5, 0}, {1, 5, 1}, {5, 5, 1}, {6, 5, 2}, {10, 5, 2}, {11 << 20, 5 << 20, 3},
	}
	for _, tt := range tests {
		if got := numParts(tt.total, tt.size); got != tt.want {
			t.Errorf("numParts(%d, %d) = %d, want %d", tt.total, tt.size, got, tt.want)
		}
	}
}

func TestCheckPartSize(t *testing.T) {
	tests := []struct {
		size, total int64
		wantErr     string
	}{
		{5 << 20, 11 << 20, ""},
		{5<<20 - 1, 11 << 20, "below the minimum"},
		{5 << 20, 5<<20*10000 + 1, "at most 10000 parts"},
		{6 << 30, 1, "above the maximum"},
	}
	for _, tt := range tests {
		err := checkPartSize("MultipartPutFile", tt.size, tt.total)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("checkPartSize(%d, %d) = %v", tt.size, tt.total, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "engine.MultipartPutFile: part size") {
			t.Errorf("checkPartSize(%d, %d) = %v, want %q", tt.size, tt.total, err, tt.wantErr)
		}
	}
}
