package main

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newProgress returns the transfer-progress hook for luabind: a bar with
// bytes, rate and ETA on w, or nil (no bars at all) when quiet is set or w is
// not a terminal, so that logs and pipes never get control characters.
func newProgress(quiet bool, w *os.File) progressFunc {
	if quiet || !term.IsTerminal(int(w.Fd())) {
		return nil
	}
	return func(desc string, total int64) (func(done int64), func()) {
		bar := newBar(w, desc, total)
		update := func(done int64) { _ = bar.Set64(done) }
		finish := func() {
			_ = bar.Finish()
			_ = bar.Clear()
		}
		return update, finish
	}
}

// newBar is one bar: bytes, rate and ETA of a transfer, or the count and
// rate of a batch's operations.
func newBar(w io.Writer, desc string, total int64) *progressbar.ProgressBar {
	if total <= 0 {
		total = -1 // unknown: a spinner
	}
	// A batch (and the prefix functions and sync, which run one)
	// counts operations, not bytes.
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(shortDesc(desc)),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
	}
	if desc == "batch" {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString("ops"))
	} else {
		opts = append(opts, progressbar.OptionShowBytes(true))
	}
	return progressbar.NewOptions64(total, opts...)
}

// shortDesc keeps a bar's description ("put_file bucket/a/long/key") short
// enough for the line: the operation and the end of the path.
func shortDesc(desc string) string {
	const max = 48
	if len(desc) <= max {
		return desc
	}
	op, target, ok := strings.Cut(desc, " ")
	if !ok || len(op) > max/2 {
		return "..." + desc[len(desc)-max+3:]
	}
	keep := max - len(op) - 4
	return op + " ..." + target[len(target)-keep:]
}
