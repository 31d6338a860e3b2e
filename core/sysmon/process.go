package sysmon

import (
	"bytes"
	"context"
	"errors"
	"os"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's utime and stime:
// 100 on every architecture Go supports on Linux.
const clockTicks = 100

// process samples the process's CPU, threads and memory from
// /proc/<pid>/stat: "cpu", "proc.cpu.threads", "proc.memory.rssMB",
// "proc.memory.percent".
type process struct {
	path     string
	now      func() time.Time
	cpus     float64 // normaliser: cgroup CPU limit, else logical CPUs
	memLimit uint64  // bytes: cgroup memory limit when lower, else MemTotal
	pageSize uint64

	lastTicks uint64
	lastTime  time.Time
}

func newProcess(cfg *Config) (Collector, error) {
	p := &process{
		path:     cfg.procPath("stat"),
		now:      cfg.Now,
		cpus:     float64(cfg.NumCPU),
		pageSize: uint64(os.Getpagesize()),
	}
	cg := readCgroup(cfg)
	if cg.cpuLimit > 0 && cg.cpuLimit < p.cpus {
		p.cpus = cg.cpuLimit
	}
	if b, err := readSource(cfg.ProcRoot + "/meminfo"); err == nil {
		if m, err := parseMeminfo(b); err == nil {
			p.memLimit = m.total
		}
	}
	if cg.memLimit > 0 && (p.memLimit == 0 || cg.memLimit < p.memLimit) {
		p.memLimit = cg.memLimit
	}
	b, err := readSource(p.path)
	if err != nil {
		return nil, wrap("process", err)
	}
	st, err := parseStat(b)
	if err != nil {
		return nil, wrap("process", err)
	}
	p.lastTicks, p.lastTime = st.ticks, p.now()
	return p, nil
}

func (p *process) Name() string { return "process" }

func (p *process) Sample(context.Context) (map[string]float64, error) {
	b, err := os.ReadFile(p.path)
	if err != nil {
		return nil, wrap("process", err)
	}
	st, err := parseStat(b)
	if err != nil {
		return nil, wrap("process", err)
	}
	now := p.now()
	out := make(map[string]float64, 4)
	if dt := now.Sub(p.lastTime).Seconds(); dt > 0 && st.ticks >= p.lastTicks {
		used := float64(st.ticks-p.lastTicks) / clockTicks
		out["cpu"] = 100 * used / dt / p.cpus
	}
	p.lastTicks, p.lastTime = st.ticks, now
	out["proc.cpu.threads"] = float64(st.threads)
	rss := st.rssPages * p.pageSize
	out["proc.memory.rssMB"] = float64(rss) / (1 << 20)
	if p.memLimit > 0 {
		out["proc.memory.percent"] = 100 * float64(rss) / float64(p.memLimit)
	}
	return out, nil
}

// stat is the part of /proc/<pid>/stat the process collector uses.
type stat struct {
	ticks    uint64 // utime + stime, in clockTicks
	threads  uint64
	rssPages uint64
}

// parseStat reads /proc/<pid>/stat. The command name (field 2) is in
// parentheses and may hold spaces and parentheses, so fields are counted
// from the last ')'.
func parseStat(data []byte) (stat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return stat{}, errors.New("stat: malformed")
	}
	f := bytes.Fields(data[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime 15, num_threads 20,
	// rss 24.
	const utime, stime, threads, rss = 14 - 3, 15 - 3, 20 - 3, 24 - 3
	if len(f) <= rss {
		return stat{}, errors.New("stat: too few fields")
	}
	return stat{
		ticks:    parseUint(f[utime]) + parseUint(f[stime]),
		threads:  parseUint(f[threads]),
		rssPages: parseUint(f[rss]),
	}, nil
}
