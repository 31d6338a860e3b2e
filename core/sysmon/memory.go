package sysmon

import (
	"context"
	"os"
)

// memory samples the system's memory: "memory_percent" and
// "proc.memory.availableMB". Under a cgroup v2 memory limit both are
// relative to the limit (W&B's default unless x_stats_no_cgroup).
type memory struct {
	path string
	cg   cgroup
}

func newMemory(cfg *Config) (Collector, error) {
	m := &memory{path: cfg.ProcRoot + "/meminfo", cg: readCgroup(cfg)}
	b, err := readSource(m.path)
	if err != nil {
		return nil, wrap("memory", err)
	}
	if _, err := parseMeminfo(b); err != nil {
		return nil, wrap("memory", err)
	}
	return m, nil
}

func (m *memory) Name() string { return "memory" }

func (m *memory) Sample(context.Context) (map[string]float64, error) {
	b, err := os.ReadFile(m.path)
	if err != nil {
		return nil, wrap("memory", err)
	}
	mi, err := parseMeminfo(b)
	if err != nil {
		return nil, wrap("memory", err)
	}
	avail := mi.available
	percent := 100 * float64(mi.total-min(mi.available, mi.total)) / float64(mi.total)
	if m.cg.memLimit > 0 {
		if cur, ok := readCgroupUint(m.cg.memCurrent); ok {
			percent = min(100, 100*float64(cur)/float64(m.cg.memLimit))
			if left := m.cg.memLimit - min(cur, m.cg.memLimit); left < avail {
				avail = left
			}
		}
	}
	return map[string]float64{
		"memory_percent":          percent,
		"proc.memory.availableMB": float64(avail) / (1 << 20),
	}, nil
}
