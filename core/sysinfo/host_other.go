//go:build !linux && !darwin

package sysinfo

import "runtime"

func cpuCounts() (physical, logical int) {
	n := runtime.NumCPU()
	return n, n
}

func memoryTotal() (uint64, bool) { return 0, false }

func diskUsage(string) (Disk, bool) { return Disk{}, false }
