package sysmon

import (
	"context"
	"errors"
)

// fsUsage is a file system's size as statfs reports it, in bytes.
type fsUsage struct {
	total, free, avail uint64 // free: all free blocks; avail: free to unprivileged users
}

// diskUsage samples the usage of the file systems of the configured paths:
// "disk.<path>.usagePercent" and "disk.<path>.usageGB", as df counts them
// (used over used plus what unprivileged users may still use).
type diskUsage struct {
	paths  []string
	keys   [][2]string
	statfs func(string) (fsUsage, error)
}

func newDiskUsage(cfg *Config) (Collector, error) {
	d := &diskUsage{statfs: cfg.statfs}
	for _, p := range cfg.DiskPaths {
		if _, err := d.statfs(p); errors.Is(err, errUnavailable) {
			return nil, err
		}
		d.paths = append(d.paths, p)
		d.keys = append(d.keys, [2]string{"disk." + p + ".usagePercent", "disk." + p + ".usageGB"})
	}
	return d, nil
}

func (d *diskUsage) Name() string { return "disk" }

func (d *diskUsage) Sample(context.Context) (map[string]float64, error) {
	out := make(map[string]float64, 2*len(d.paths))
	var errs []error
	for i, p := range d.paths {
		u, err := d.statfs(p)
		if err != nil {
			errs = append(errs, wrap("disk", err))
			continue
		}
		used := u.total - min(u.free, u.total)
		if used+u.avail > 0 {
			out[d.keys[i][0]] = 100 * float64(used) / float64(used+u.avail)
		}
		out[d.keys[i][1]] = float64(used) / (1 << 30)
	}
	return out, errors.Join(errs...)
}
