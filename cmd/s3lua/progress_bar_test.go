package main

import (
	"bytes"
	"strings"
	"testing"
)

// A batch's bar counts operations; a transfer's shows bytes.
func TestBarUnits(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		done       int64
		want, deny string
	}{
		{"batch", 1200, "(1200/", "kB"},
		{"get_file b/k", 1200, "kB", "ops"},
	} {
		var out bytes.Buffer
		bar := newBar(&out, tc.desc, -1)
		_ = bar.Set64(tc.done)
		_ = bar.Finish()
		got := out.String()
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.deny) || (tc.desc == "batch") != strings.Contains(got, "ops/s") {
			t.Errorf("%s at %d: %q; want %q and no %q", tc.desc, tc.done, got, tc.want, tc.deny)
		}
	}
}
