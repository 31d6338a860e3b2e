package wandb

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// benchRow is a 10-scalar row, reused across calls as a training loop
// would reuse its map.
func benchRow() (map[string]any, []string) {
	keys := make([]string, 10)
	row := make(map[string]any, 10)
	for i := range keys {
		keys[i] = fmt.Sprintf("metric_%d", i)
		row[keys[i]] = 0.0
	}
	return row, keys
}

// benchRows prebuilds n distinct 10-scalar rows, so that a benchmark
// measures Log and not the boxing of values into the caller's map (which
// costs the caller one allocation per float64 stored in a map[string]any).
func benchRows(n int) []map[string]any {
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = make(map[string]any, 10)
		for j := range 10 {
			rows[i][fmt.Sprintf("metric_%d", j)] = float64(i*10+j) * 0.001
		}
	}
	return rows
}

func benchInit(b *testing.B, opts ...Option) *Run {
	b.Helper()
	opts = append([]Option{WithDir(b.TempDir()), WithMode(ModeOffline), WithSignalHandler(false), WithReinit(ReinitCreateNew), WithWarnings(nil)}, opts...)
	run, err := Init(context.Background(), opts...)
	if err != nil {
		b.Fatal(err)
	}
	return run
}

// BenchmarkLog is the cost of run.Log of a 10-scalar row in the caller.
func BenchmarkLog(b *testing.B) {
	run := benchInit(b)
	defer run.Finish(0)
	rows := benchRows(1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := run.Log(rows[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLogCallerBoxing is BenchmarkLog with the caller storing fresh
// float64 values into its map before each call, as a training loop does:
// the difference to BenchmarkLog is the caller's own cost.
func BenchmarkLogCallerBoxing(b *testing.B) {
	run := benchInit(b)
	defer run.Finish(0)
	row, keys := benchRow()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for j, k := range keys {
			row[k] = float64(i*10 + j)
		}
		if err := run.Log(row); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLogThroughput is rows per second into the run log, including the
// Flush that makes them durable.
func BenchmarkLogThroughput(b *testing.B) {
	run := benchInit(b)
	defer run.Finish(0)
	rows := benchRows(1024)
	start := time.Now()
	i := 0
	for b.Loop() {
		_ = run.Log(rows[i&1023])
		i++
	}
	if err := run.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkInit is Init of an offline run (Finish excluded).
func BenchmarkInit(b *testing.B) {
	dir := b.TempDir()
	var runs []*Run
	for b.Loop() {
		run, err := Init(context.Background(), WithDir(dir), WithMode(ModeOffline), WithSignalHandler(false), WithReinit(ReinitCreateNew), WithWarnings(nil))
		if err != nil {
			b.Fatal(err)
		}
		runs = append(runs, run)
	}
	b.StopTimer()
	for _, r := range runs {
		_ = r.Finish(0)
	}
}

// BenchmarkFinishAfter1M is Finish after 1,000,000 logged rows.
func BenchmarkFinishAfter1M(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		run := benchInit(b)
		rows := benchRows(1024)
		for i := range 1_000_000 {
			_ = run.Log(rows[i&1023])
		}
		b.StartTimer()
		if err := run.Finish(0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogDisabled is Log on a disabled run.
func BenchmarkLogDisabled(b *testing.B) {
	run := benchInit(b, WithMode(ModeDisabled))
	defer run.Finish(0)
	row, _ := benchRow()
	b.ReportAllocs()
	for b.Loop() {
		_ = run.Log(row)
	}
}

// BenchmarkLogLatency times each Log call of a 10-scalar row while the
// caller does 2 µs of other work between calls (a fast training step), and
// reports the median and 99th percentile: the cost a training loop sees,
// rather than the saturated throughput of BenchmarkLog.
func BenchmarkLogLatency(b *testing.B) {
	run := benchInit(b)
	defer run.Finish(0)
	rows := benchRows(1024)
	lat := make([]time.Duration, 0, 1<<20)
	i := 0
	for b.Loop() {
		spin(2 * time.Microsecond)
		t0 := time.Now()
		_ = run.Log(rows[i&1023])
		lat = append(lat, time.Since(t0))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// spin busy-waits for d (a stand-in for the training step between logs).
func spin(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}
