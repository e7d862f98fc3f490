//go:build unix

package signature

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used (user + system). Benchmarks report it beside
// wall time because the test machine is shared: wall time includes waiting for a CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
