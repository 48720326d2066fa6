//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// childUsage is the CPU time and peak RSS (bytes) of an exited child.
func childUsage(ps *os.ProcessState) (cpu time.Duration, peakRSS int64) {
	cpu = ps.UserTime() + ps.SystemTime()
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		peakRSS = maxrssBytes(ru.Maxrss)
	}
	return cpu, peakRSS
}

// selfUsage is this process's CPU time so far and its peak RSS (bytes).
func selfUsage() (cpu time.Duration, peakRSS int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu, maxrssBytes(ru.Maxrss)
}

// maxrssBytes converts ru_maxrss: kilobytes on Linux and the BSDs, bytes on
// macOS.
func maxrssBytes(v int64) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return v
	}
	return v * 1024
}
