package sysmon

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/record/recordpb"
)

// BenchmarkSample measures one sample of every built-in collector on this
// machine, record included: the monitor's whole cost per interval. It
// reports the process CPU time per sample (user+sys, from getrusage) and
// that time as a share of one core at the default 15 s interval.
func BenchmarkSample(b *testing.B) {
	var recs int
	m, err := New(Options{Emit: func(r *recordpb.StatsRecord) { recs += len(r.Item) }})
	if err != nil {
		b.Fatal(err)
	}
	cs, err := Default(Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	m.emit(ctx, cs) // a first sample, as the monitor's first tick
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if err := m.emit(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perSample := float64(cpuTime()-cpu0) / float64(b.N)
	b.ReportMetric(perSample, "cpu-ns/sample")
	b.ReportMetric(100*perSample/float64(DefaultInterval), "%core@15s")
	b.ReportMetric(float64(recs)/float64(b.N+1), "keys/sample")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
