package sysmon

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// readSource reads a /proc or /sys file, mapping "does not exist" to
// errUnavailable for constructors.
func readSource(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.Join(errUnavailable, err)
	}
	return b, err
}

// lines calls fn for each line of data.
func lines(data []byte, fn func(line []byte)) {
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		fn(line)
	}
}

// parseUint parses a decimal counter; malformed fields read as 0.
func parseUint(b []byte) uint64 {
	v, _ := strconv.ParseUint(string(b), 10, 64)
	return v
}

// meminfo is the part of /proc/meminfo the collectors use, in bytes.
type meminfo struct {
	total, available uint64
}

// parseMeminfo reads MemTotal and MemAvailable (kB) from /proc/meminfo.
// Kernels before 3.14 lack MemAvailable; MemFree+Buffers+Cached stands in.
func parseMeminfo(data []byte) (meminfo, error) {
	var m meminfo
	var free, buffers, cached uint64
	haveAvail := false
	lines(data, func(line []byte) {
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return
		}
		f := bytes.Fields(v)
		if len(f) == 0 {
			return
		}
		n := parseUint(f[0]) * 1024
		switch string(k) {
		case "MemTotal":
			m.total = n
		case "MemAvailable":
			m.available, haveAvail = n, true
		case "MemFree":
			free = n
		case "Buffers":
			buffers = n
		case "Cached":
			cached = n
		}
	})
	if !haveAvail {
		m.available = min(free+buffers+cached, m.total)
	}
	if m.total == 0 {
		return m, errors.New("meminfo: no MemTotal")
	}
	return m, nil
}

// cgroup is the cgroup v2 limits of the sampled process: the tightest
// memory.max and cpu.max of its cgroup and its ancestors. Limits are read
// once; usage (memory.current) is read at each sample.
type cgroup struct {
	memCurrent string  // memory.current of the cgroup with the memory limit
	memLimit   uint64  // bytes; 0: none
	cpuLimit   float64 // CPUs (quota/period); 0: none
}

// readCgroup finds the process's cgroup v2 ("0::<path>" in
// /proc/<pid>/cgroup) under SysRoot/fs/cgroup. On cgroup v1, hybrid setups
// whose controllers are on v1, or without /proc, it returns no limits.
func readCgroup(cfg *Config) cgroup {
	var cg cgroup
	data, err := os.ReadFile(cfg.procPath("cgroup"))
	if err != nil {
		return cg
	}
	rel := ""
	found := false
	lines(data, func(line []byte) {
		if p, ok := bytes.CutPrefix(line, []byte("0::")); ok && !found {
			rel, found = string(p), true
		}
	})
	if !found {
		return cg
	}
	root := filepath.Join(cfg.SysRoot, "fs", "cgroup")
	dir := filepath.Join(root, filepath.Clean("/"+rel))
	for {
		if limit, ok := readCgroupUint(filepath.Join(dir, "memory.max")); ok && limit > 0 && (cg.memLimit == 0 || limit < cg.memLimit) {
			cg.memLimit, cg.memCurrent = limit, filepath.Join(dir, "memory.current")
		}
		if cpus := readCPUMax(filepath.Join(dir, "cpu.max")); cpus > 0 && (cg.cpuLimit == 0 || cpus < cg.cpuLimit) {
			cg.cpuLimit = cpus
		}
		if dir == root || len(dir) <= len(root) {
			return cg
		}
		dir = filepath.Dir(dir)
	}
}

// readCgroupUint reads a single-number cgroup file; "max" is no limit.
func readCgroupUint(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// readCPUMax reads cpu.max ("<quota> <period>" or "max <period>") as CPUs.
func readCPUMax(path string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] == "max" {
		return 0
	}
	quota, err1 := strconv.ParseFloat(f[0], 64)
	period, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || quota <= 0 || period <= 0 {
		return 0
	}
	return quota / period
}
