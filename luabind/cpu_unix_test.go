//go:build unix

package luabind

import (
	"syscall"
	"time"
)

// processCPU is the user+system CPU time of this process so far: on a
// shared machine, benchmarks report it beside wall time, which also counts
// the waits for a CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
