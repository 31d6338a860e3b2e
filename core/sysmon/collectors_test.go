package sysmon

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fakeMachine is a copy of testdata/proc and testdata/sys in a temporary
// directory, with a clock, so that a test can take the "later" readings.
type fakeMachine struct {
	t    *testing.T
	proc string
	cfg  Config
	now  time.Time
}

func newFakeMachine(t *testing.T) *fakeMachine {
	t.Helper()
	dir := t.TempDir()
	m := &fakeMachine{t: t, proc: filepath.Join(dir, "proc"), now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := os.CopyFS(m.proc, os.DirFS("testdata/proc")); err != nil {
		t.Fatal(err)
	}
	m.cfg = Config{
		ProcRoot: m.proc,
		SysRoot:  "testdata/sys",
		NumCPU:   4,
		NoGPU:    true,
		Now:      func() time.Time { return m.now },
		statfs: func(path string) (fsUsage, error) {
			if path == "/missing" {
				return fsUsage{}, errors.New("statfs /missing: no such file or directory")
			}
			const gib = 1 << 30
			return fsUsage{total: 100 * gib, free: 40 * gib, avail: 30 * gib}, nil
		},
	}
	return m
}

// later advances the clock by d and installs testdata/later over the tree.
func (m *fakeMachine) later(d time.Duration) {
	m.t.Helper()
	m.now = m.now.Add(d)
	err := filepath.WalkDir("testdata/later", func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel("testdata/later", path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(m.proc, rel), b, 0o644)
	})
	if err != nil {
		m.t.Fatal(err)
	}
}

// useCgroup points /proc/self/cgroup at the cgroup v2 tree of testdata/sys.
func (m *fakeMachine) useCgroup() {
	m.t.Helper()
	b, err := os.ReadFile("testdata/cgroup-proc/self/cgroup")
	if err == nil {
		err = os.WriteFile(filepath.Join(m.proc, "self", "cgroup"), b, 0o644)
	}
	if err != nil {
		m.t.Fatal(err)
	}
}

func (m *fakeMachine) collector(name string) Collector {
	m.t.Helper()
	cfg := m.cfg.withDefaults()
	for _, b := range builtin {
		if b.name == name {
			c, err := b.new(&cfg)
			if err != nil {
				m.t.Fatalf("%s: %v", name, err)
			}
			if c.Name() != name {
				m.t.Errorf("Name() = %q, want %q", c.Name(), name)
			}
			return c
		}
	}
	m.t.Fatalf("no collector %q", name)
	return nil
}

func sample(t *testing.T, c Collector) map[string]float64 {
	t.Helper()
	v, err := c.Sample(context.Background())
	if err != nil {
		t.Fatalf("%s: Sample: %v", c.Name(), err)
	}
	return v
}

func wantValues(t *testing.T, got, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s missing; got %v", k, got)
			continue
		}
		if math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("%s = %v, want %v", k, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys %v, want %d", len(got), sortedKeys(got), len(want))
	}
}

func sortedKeys(m map[string]float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestProcessCollector(t *testing.T) {
	page := float64(os.Getpagesize())
	rssMB := 25600 * page / (1 << 20)
	t.Run("cores", func(t *testing.T) {
		m := newFakeMachine(t)
		c := m.collector("process")
		m.later(10 * time.Second)
		// 500 ticks = 5 s of CPU in 10 s on 4 CPUs.
		wantValues(t, sample(t, c), map[string]float64{
			"cpu":                 12.5,
			"proc.cpu.threads":    14,
			"proc.memory.rssMB":   rssMB,
			"proc.memory.percent": 100 * 25600 * page / (16 << 30),
		})
		// No CPU used since: 0 %.
		m.now = m.now.Add(5 * time.Second)
		if got := sample(t, c)["cpu"]; got != 0 {
			t.Errorf("idle cpu = %v", got)
		}
	})
	t.Run("cgroup limits", func(t *testing.T) {
		m := newFakeMachine(t)
		m.useCgroup()
		c := m.collector("process")
		m.later(10 * time.Second)
		// cpu.max allows 2 CPUs; memory.max is 8 GiB.
		wantValues(t, sample(t, c), map[string]float64{
			"cpu":                 25,
			"proc.cpu.threads":    14,
			"proc.memory.rssMB":   rssMB,
			"proc.memory.percent": 100 * 25600 * page / (8 << 30),
		})
	})
	t.Run("odd command name", func(t *testing.T) {
		st, err := parseStat([]byte("1 (a) b) (c) R 0 0 0 0 0 0 0 0 0 0 7 8 0 0 0 0 3 0 0 0 9"))
		if err != nil || st != (stat{ticks: 15, threads: 3, rssPages: 9}) {
			t.Errorf("parseStat = %+v, %v", st, err)
		}
		if _, err := parseStat([]byte("1 (short) R 0")); err == nil {
			t.Error("a short stat line parsed")
		}
	})
}

func TestCPUCollector(t *testing.T) {
	m := newFakeMachine(t)
	c := m.collector("cpu")
	m.later(time.Second)
	// cpu0: 100 busy of 200; cpu1 idle. The "cpu " total line is not a core.
	wantValues(t, sample(t, c), map[string]float64{
		"cpu.0.cpu_percent": 50,
		"cpu.1.cpu_percent": 0,
	})
	// Nothing changed: no time passed, no keys.
	wantValues(t, sample(t, c), map[string]float64{})
}

func TestMemoryCollector(t *testing.T) {
	t.Run("meminfo", func(t *testing.T) {
		m := newFakeMachine(t)
		wantValues(t, sample(t, m.collector("memory")), map[string]float64{
			"memory_percent":          25,
			"proc.memory.availableMB": 12 << 10,
		})
	})
	t.Run("cgroup v2 limit", func(t *testing.T) {
		m := newFakeMachine(t)
		m.useCgroup()
		// The pod's 8 GiB limit is the tightest; 2 GiB of it is used.
		wantValues(t, sample(t, m.collector("memory")), map[string]float64{
			"memory_percent":          25,
			"proc.memory.availableMB": 6 << 10,
		})
	})
	t.Run("no MemAvailable", func(t *testing.T) {
		mi, err := parseMeminfo([]byte("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 50 kB\n"))
		if err != nil || mi != (meminfo{total: 1000 << 10, available: 200 << 10}) {
			t.Errorf("parseMeminfo = %+v, %v", mi, err)
		}
		if _, err := parseMeminfo([]byte("junk")); err == nil {
			t.Error("meminfo without MemTotal parsed")
		}
	})
}

func TestDiskUsageCollector(t *testing.T) {
	m := newFakeMachine(t)
	m.cfg.DiskPaths = []string{"/", "/data", "/missing"}
	got, err := m.collector("disk").Sample(context.Background())
	// used 60 GiB; df's percent: used / (used + available to users).
	wantValues(t, got, map[string]float64{
		"disk./.usagePercent":     100 * 60.0 / 90,
		"disk./.usageGB":          60,
		"disk./data.usagePercent": 100 * 60.0 / 90,
		"disk./data.usageGB":      60,
	})
	if err == nil || err.Error() != "sysmon: disk: statfs /missing: no such file or directory" {
		t.Errorf("a missing path: err = %v", err)
	}
}

func TestDiskIOCollector(t *testing.T) {
	m := newFakeMachine(t)
	c := m.collector("diskio")
	wantValues(t, sample(t, c), map[string]float64{
		"disk.sda.in": 0, "disk.sda.out": 0, "disk.nvme0n1.in": 0, "disk.nvme0n1.out": 0,
		"disk.dm-0.in": 0, "disk.dm-0.out": 0, "disk.in": 0, "disk.out": 0,
	})
	m.later(time.Second)
	// Partitions (sda1), loop and zram are left out; dm-0 has its own keys
	// but stays out of the totals.
	wantValues(t, sample(t, c), map[string]float64{
		"disk.sda.in": 2, "disk.sda.out": 1,
		"disk.nvme0n1.in": 1, "disk.nvme0n1.out": 0,
		"disk.dm-0.in": 3, "disk.dm-0.out": 0,
		"disk.in": 3, "disk.out": 1,
	})

	// Without /sys/block every non-pseudo device counts.
	m2 := newFakeMachine(t)
	m2.cfg.SysRoot = t.TempDir()
	c2 := m2.collector("diskio")
	m2.later(time.Second)
	got := sample(t, c2)
	if _, ok := got["disk.sda1.in"]; !ok {
		t.Errorf("without /sys/block, partitions count: %v", sortedKeys(got))
	}
	if _, ok := got["disk.loop0.in"]; ok {
		t.Errorf("loop devices count: %v", sortedKeys(got))
	}
}

func TestNetworkCollector(t *testing.T) {
	m := newFakeMachine(t)
	c := m.collector("network")
	wantValues(t, sample(t, c), map[string]float64{"network.sent": 0, "network.recv": 0})
	m.later(time.Second)
	wantValues(t, sample(t, c), map[string]float64{"network.sent": 700, "network.recv": 1500})
}

// The collectors of a machine without /proc are left out without an error.
func TestDefaultWithoutProc(t *testing.T) {
	cs, err := Default(Config{ProcRoot: t.TempDir(), SysRoot: t.TempDir(), NoGPU: true,
		statfs: func(string) (fsUsage, error) { return fsUsage{}, errUnavailable }})
	if err != nil || len(cs) != 0 {
		t.Errorf("Default without /proc = %d collectors, %v", len(cs), err)
	}
}

func TestDefaultOnFakeMachine(t *testing.T) {
	m := newFakeMachine(t)
	cs, err := Default(m.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name())
	}
	if want := []string{"process", "cpu", "memory", "disk", "diskio", "network"}; !slices.Equal(names, want) {
		t.Errorf("collectors %v, want %v", names, want)
	}
}
