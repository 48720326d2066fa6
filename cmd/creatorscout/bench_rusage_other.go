//go:build !unix

package main

import (
	"os"
	"time"
)

// childUsage is the CPU time of an exited child; peak RSS is unknown (0)
// where getrusage does not exist.
func childUsage(ps *os.ProcessState) (cpu time.Duration, peakRSS int64) {
	return ps.UserTime() + ps.SystemTime(), 0
}

// selfUsage is unknown (0, 0) where getrusage does not exist.
func selfUsage() (cpu time.Duration, peakRSS int64) { return 0, 0 }
