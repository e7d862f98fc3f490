//go:build race

package signature

// raceEnabled: the race detector changes escape analysis, so allocation counts mean nothing.
const raceEnabled = true
