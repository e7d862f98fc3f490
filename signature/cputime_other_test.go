//go:build !unix

package signature

import "time"

func processCPU() time.Duration { return 0 }
