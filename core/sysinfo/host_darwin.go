package sysinfo

import (
	"encoding/binary"
	"runtime"
	"syscall"
)

// sysctlUint reads an integer sysctl. syscall.Sysctl returns the raw
// little-endian bytes, minus a trailing zero byte, so they are padded back.
func sysctlUint(name string) (uint64, bool) {
	s, err := syscall.Sysctl(name)
	if err != nil || len(s) == 0 || len(s) > 8 {
		return 0, false
	}
	var b [8]byte
	copy(b[:], s)
	return binary.LittleEndian.Uint64(b[:]), true
}

func cpuCounts() (physical, logical int) {
	logical = runtime.NumCPU()
	if n, ok := sysctlUint("hw.logicalcpu"); ok && n > 0 && n < 1<<20 {
		logical = int(n)
	}
	physical = logical
	if n, ok := sysctlUint("hw.physicalcpu"); ok && n > 0 && int(n) <= logical {
		physical = int(n)
	}
	return physical, logical
}

func memoryTotal() (uint64, bool) {
	return sysctlUint("hw.memsize")
}

func diskUsage(path string) (Disk, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return Disk{}, false
	}
	unit := uint64(st.Bsize)
	return Disk{Total: st.Blocks * unit, Used: (st.Blocks - st.Bfree) * unit}, true
}
