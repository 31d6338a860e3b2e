package sysmon

import (
	"bytes"
	"context"
	"os"
	"strconv"
)

// cpu samples each core's utilisation from /proc/stat: "cpu.<i>.cpu_percent",
// the share of the time since the last sample the core was not idle.
type cpu struct {
	path string
	last map[int]cpuTimes
	keys map[int]string
}

type cpuTimes struct{ busy, total uint64 }

func newCPU(cfg *Config) (Collector, error) {
	c := &cpu{path: cfg.ProcRoot + "/stat", keys: map[int]string{}}
	b, err := readSource(c.path)
	if err != nil {
		return nil, wrap("cpu", err)
	}
	c.last = parseCPUTimes(b)
	if len(c.last) == 0 {
		return nil, errUnavailable
	}
	return c, nil
}

func (c *cpu) Name() string { return "cpu" }

func (c *cpu) Sample(context.Context) (map[string]float64, error) {
	b, err := os.ReadFile(c.path)
	if err != nil {
		return nil, wrap("cpu", err)
	}
	cur := parseCPUTimes(b)
	out := make(map[string]float64, len(cur))
	for i, t := range cur {
		prev, ok := c.last[i]
		if !ok || t.total <= prev.total || t.busy < prev.busy {
			continue
		}
		key, ok := c.keys[i]
		if !ok {
			key = "cpu." + strconv.Itoa(i) + ".cpu_percent"
			c.keys[i] = key
		}
		out[key] = min(100, 100*float64(t.busy-prev.busy)/float64(t.total-prev.total))
	}
	c.last = cur
	return out, nil
}

// parseCPUTimes reads the "cpu<N>" lines of /proc/stat: user nice system
// idle iowait irq softirq steal (guest time is already in user and nice).
// Idle and iowait count as idle.
func parseCPUTimes(data []byte) map[int]cpuTimes {
	out := map[int]cpuTimes{}
	lines(data, func(line []byte) {
		name, rest, ok := bytes.Cut(line, []byte{' '})
		if !ok || len(name) <= 3 || !bytes.HasPrefix(name, []byte("cpu")) {
			return
		}
		i, err := strconv.Atoi(string(name[3:]))
		if err != nil {
			return
		}
		f := bytes.Fields(rest)
		if len(f) < 4 {
			return
		}
		var t cpuTimes
		for j := 0; j < len(f) && j < 8; j++ {
			v := parseUint(f[j])
			t.total += v
			if j != 3 && j != 4 { // idle, iowait
				t.busy += v
			}
		}
		out[i] = t
	})
	return out
}
