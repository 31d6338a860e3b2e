package sysinfo

import (
	"os"
	"runtime"
	"syscall"
)

// cpuCounts returns physical cores (distinct "physical id"/"core id" pairs
// of /proc/cpuinfo, or the logical count where the kernel does not report
// them, as on many arm64 machines) and logical CPUs (its "processor"
// entries).
func cpuCounts() (physical, logical int) {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		n := runtime.NumCPU()
		return n, n
	}
	return parseCPUInfo(data)
}

// memoryTotal is MemTotal from /proc/meminfo, in bytes.
func memoryTotal() (uint64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	return parseMemTotal(data)
}

// diskUsage is the size and use of the file system holding path, counted
// as df and psutil do: blocks and free blocks in fragment-size units.
func diskUsage(path string) (Disk, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return Disk{}, false
	}
	unit := uint64(st.Frsize)
	if unit == 0 {
		unit = uint64(st.Bsize)
	}
	return Disk{Total: st.Blocks * unit, Used: (st.Blocks - st.Bfree) * unit}, true
}
