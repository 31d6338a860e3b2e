package sysmon

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
)

// diskIO samples block device I/O from /proc/diskstats: MB read and written
// since the collector started, per whole disk ("disk.<device>.in",
// "disk.<device>.out") and in total ("disk.in", "disk.out").
//
// Whole disks are those listed in /sys/block; partitions repeat their disk's
// I/O and are left out, as are loop, ram and zram devices. Device-mapper
// (dm-*) and md devices get their own keys but stay out of the totals,
// since their I/O is also counted on the disks beneath them.
type diskIO struct {
	path  string
	disks map[string]bool // nil: every non-pseudo device of diskstats
	start map[string][2]uint64
	keys  map[string][2]string
}

func newDiskIO(cfg *Config) (Collector, error) {
	d := &diskIO{path: cfg.ProcRoot + "/diskstats", keys: map[string][2]string{}}
	if entries, err := os.ReadDir(filepath.Join(cfg.SysRoot, "block")); err == nil {
		d.disks = map[string]bool{}
		for _, e := range entries {
			d.disks[e.Name()] = true
		}
	}
	b, err := readSource(d.path)
	if err != nil {
		return nil, wrap("diskio", err)
	}
	d.start = d.parse(b)
	return d, nil
}

func (d *diskIO) Name() string { return "diskio" }

func (d *diskIO) Sample(context.Context) (map[string]float64, error) {
	b, err := os.ReadFile(d.path)
	if err != nil {
		return nil, wrap("diskio", err)
	}
	cur := d.parse(b)
	out := make(map[string]float64, 2*len(cur)+2)
	var in, outMB float64
	for dev, c := range cur {
		s, ok := d.start[dev]
		if !ok { // a device that appeared later counts from its first sight
			s = c
			d.start[dev] = c
		}
		k, ok := d.keys[dev]
		if !ok {
			k = [2]string{"disk." + dev + ".in", "disk." + dev + ".out"}
			d.keys[dev] = k
		}
		r := float64(c[0]-min(s[0], c[0])) / (1 << 20)
		w := float64(c[1]-min(s[1], c[1])) / (1 << 20)
		out[k[0]], out[k[1]] = r, w
		if !stacked(dev) {
			in += r
			outMB += w
		}
	}
	out["disk.in"], out["disk.out"] = in, outMB
	return out, nil
}

// parse returns bytes read and written per device. Sectors in diskstats are
// always 512 bytes.
func (d *diskIO) parse(data []byte) map[string][2]uint64 {
	out := map[string][2]uint64{}
	lines(data, func(line []byte) {
		f := bytes.Fields(line)
		// major minor name reads merged sectors_read ms writes merged sectors_written ...
		if len(f) < 10 {
			return
		}
		name := string(f[2])
		if pseudoDevice(name) || (d.disks != nil && !d.disks[name]) {
			return
		}
		out[name] = [2]uint64{parseUint(f[5]) * 512, parseUint(f[9]) * 512}
	})
	return out
}

// pseudoDevice tells the RAM-backed and loop devices W&B leaves out.
func pseudoDevice(name string) bool {
	return strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") || strings.HasPrefix(name, "zram")
}

// stacked tells devices whose I/O is also counted on the disks beneath them.
func stacked(name string) bool {
	return strings.HasPrefix(name, "dm-") || strings.HasPrefix(name, "md")
}
