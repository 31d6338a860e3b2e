package sysinfo

import (
	"bytes"
	"runtime"
	"strconv"
)

// parseCPUInfo counts the physical cores (distinct "physical id"/"core id"
// pairs) and logical CPUs ("processor" entries) of a /proc/cpuinfo.
func parseCPUInfo(data []byte) (physical, logical int) {
	type core struct{ pkg, id string }
	cores := map[core]struct{}{}
	var cur core
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		switch string(bytes.TrimSpace(k)) {
		case "processor":
			logical++
			cur = core{}
		case "physical id":
			cur.pkg = string(bytes.TrimSpace(v))
		case "core id":
			cur.id = string(bytes.TrimSpace(v))
			cores[cur] = struct{}{}
		}
	}
	if logical == 0 {
		logical = runtime.NumCPU()
	}
	physical = len(cores)
	if physical == 0 || physical > logical {
		physical = logical
	}
	return physical, logical
}

// parseMemTotal returns MemTotal of a /proc/meminfo, in bytes.
func parseMemTotal(data []byte) (uint64, bool) {
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		v, ok := bytes.CutPrefix(line, []byte("MemTotal:"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		v, kb := bytes.CutSuffix(v, []byte("kB"))
		n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 10, 64)
		if err != nil {
			return 0, false
		}
		if kb {
			n *= 1024
		}
		return n, true
	}
	return 0, false
}
