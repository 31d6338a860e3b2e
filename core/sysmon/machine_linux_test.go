package sysmon

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The built-in collectors on the real machine answer sane values.
func TestRealMachine(t *testing.T) {
	cs, err := Default(Config{})
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	// Burn some CPU and do some I/O so that there is something to measure.
	deadline := time.Now().Add(200 * time.Millisecond)
	x := 0.0
	for time.Now().Before(deadline) {
		x += 1
	}
	if err := os.WriteFile(t.TempDir()+"/f", make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, c := range cs {
		v, err := c.Sample(context.Background())
		if err != nil {
			t.Errorf("%s: %v", c.Name(), err)
		}
		for k, x := range v {
			values[k] = x
		}
	}
	t.Logf("%d keys: %v", len(values), values)
	in := func(key string, lo, hi float64) {
		t.Helper()
		v, ok := values[key]
		if !ok {
			t.Errorf("%s missing", key)
		} else if v < lo || v > hi {
			t.Errorf("%s = %v, want %v..%v", key, v, lo, hi)
		}
	}
	const slack = 1.15 // utime/stime count 10 ms ticks: up to 20 ms off in 200 ms
	in("cpu", 0, 100*slack)
	in("proc.cpu.threads", 1, 1e5)
	in("proc.memory.rssMB", 1, 1e6)
	in("proc.memory.percent", 0, 100)
	in("proc.memory.availableMB", 1, 1e9)
	in("memory_percent", 0, 100)
	in("disk./.usagePercent", 0, 100)
	in("disk./.usageGB", 0, 1e6)
	in("disk.in", 0, 1e9)
	in("disk.out", 0, 1e9)
	in("network.sent", 0, 1e15)
	in("network.recv", 0, 1e15)
	cores := 0
	for k, v := range values {
		if strings.HasPrefix(k, "cpu.") && strings.HasSuffix(k, ".cpu_percent") {
			cores++
			in(k, 0, 100)
		}
		if strings.HasPrefix(k, "gpu.") {
			t.Logf("GPU key %s = %v", k, v)
		}
	}
	if cores == 0 || cores < runtime.NumCPU() {
		t.Errorf("%d per-core keys for %d CPUs", cores, runtime.NumCPU())
	}
	_ = x
}
