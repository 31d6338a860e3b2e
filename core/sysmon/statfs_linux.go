package sysmon

import (
	"fmt"
	"syscall"
)

func statfs(path string) (fsUsage, error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(path, &s); err != nil {
		return fsUsage{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	bs := uint64(s.Bsize)
	return fsUsage{total: s.Blocks * bs, free: s.Bfree * bs, avail: s.Bavail * bs}, nil
}
