package main

import (
	"fmt"
	"os"
	"path"
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
		if total <= 0 {
			total = -1 // unknown: a spinner
		}
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(shortDesc(desc)),
			progressbar.OptionShowBytes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		update := func(done int64) { _ = bar.Set64(done) }
		finish := func() {
			_ = bar.Finish()
			_ = bar.Clear()
		}
		return update, finish
	}
}

// shortDesc keeps the description to the last path elements of a long key.
func shortDesc(desc string) string {
	const max = 40
	if len(desc) <= max {
		return desc
	}
	return fmt.Sprintf("...%s", path.Base(desc))
}
