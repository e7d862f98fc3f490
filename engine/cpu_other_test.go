//go:build !unix

package engine

import "time"

// processCPU is not measured here: CPU metrics are left out.
func processCPU() time.Duration { return 0 }
