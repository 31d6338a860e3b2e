package sysmon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// Collector reads one group of metrics.
//
// Sample returns the current values keyed by W&B's bare key names ("cpu",
// "gpu.0.temp"). A metric that cannot be read this time is left out of the
// map; the error, if any, says why, and the values that were read are still
// returned with it. Sample honours ctx where it waits. The monitor calls
// Sample from one goroutine at a time, so a collector may keep state between
// samples (counters at start, the last reading for deltas) without locking.
//
// A collector that holds resources (NVML) also implements io.Closer; the
// monitor closes it when it stops.
type Collector interface {
	Name() string
	Sample(ctx context.Context) (map[string]float64, error)
}

// Config locates the sources of the built-in collectors. The zero value
// reads this process on the real machine.
type Config struct {
	// ProcRoot is the procfs mount point. Default "/proc".
	ProcRoot string
	// SysRoot is the sysfs mount point; the cgroup v2 hierarchy is read at
	// SysRoot/fs/cgroup. Default "/sys".
	SysRoot string
	// PID is the process whose CPU, threads and memory are sampled (and whose
	// GPUs get the gpu.process.<i> keys). Default: this process.
	PID int
	// DiskPaths are the paths whose file systems' usage is sampled
	// (W&B's x_stats_disk_paths). Default ["/"].
	DiskPaths []string
	// NumCPU is the number of logical CPUs the process may run on, the CPU
	// normaliser when no cgroup CPU limit is set. Default runtime.NumCPU().
	NumCPU int
	// Now reads the clock for CPU-time deltas. Default time.Now.
	Now func() time.Time
	// NoGPU leaves the GPU collector out.
	NoGPU bool

	// Test hooks.
	statfs func(path string) (fsUsage, error)
	nvml   nvmlAPI
}

func (c Config) withDefaults() Config {
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.SysRoot == "" {
		c.SysRoot = "/sys"
	}
	if c.PID == 0 {
		c.PID = os.Getpid()
	}
	if len(c.DiskPaths) == 0 {
		c.DiskPaths = []string{"/"}
	}
	if c.NumCPU <= 0 {
		c.NumCPU = runtime.NumCPU()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.statfs == nil {
		c.statfs = statfs
	}
	return c
}

// procPath is a file of the sampled process: <ProcRoot>/<pid>/<name>, or
// <ProcRoot>/self/<name> for this process (so that a fake tree needs no pid).
func (c *Config) procPath(name string) string {
	pid := "self"
	if c.PID != os.Getpid() {
		pid = strconv.Itoa(c.PID)
	}
	return filepath.Join(c.ProcRoot, pid, name)
}

// errUnavailable marks a collector whose source this machine lacks (no
// /proc, no NVML library, no GPU): it is left out without an error.
var errUnavailable = errors.New("sysmon: source unavailable")

// wrap prefixes a collector's error with the package and the collector
// name; nil stays nil. Collectors wrap their own errors, so callers of
// Sample and Default need not.
func wrap(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sysmon: %s: %w", name, err)
}

// builtin is the registry of the built-in collectors, in sample order. A
// constructor reads its baselines (counters at start) and returns
// errUnavailable when its source is missing.
var builtin = []struct {
	name string
	new  func(cfg *Config) (Collector, error)
}{
	{"process", newProcess},
	{"cpu", newCPU},
	{"memory", newMemory},
	{"disk", newDiskUsage},
	{"diskio", newDiskIO},
	{"network", newNetwork},
	{"nvidia", newNVIDIA},
}

// Default builds the built-in collectors that work on this machine. A
// collector whose source is missing is left out silently; one that fails
// otherwise is left out and its error returned, joined with the others',
// beside the collectors that work.
func Default(cfg Config) ([]Collector, error) {
	cfg = cfg.withDefaults()
	var out []Collector
	var errs []error
	for _, b := range builtin {
		if b.name == "nvidia" && cfg.NoGPU {
			continue
		}
		c, err := b.new(&cfg)
		switch {
		case errors.Is(err, errUnavailable):
		case err != nil:
			errs = append(errs, err)
		default:
			out = append(out, c)
		}
	}
	return out, errors.Join(errs...)
}
