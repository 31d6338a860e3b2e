package sqlite_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// benchLine is a W&B-shaped history row: 10 metrics plus _step, _runtime
// and _timestamp (12 numeric keys go to the chunks).
func benchLine(buf []byte, step int) []byte {
	buf = append(buf[:0], `{"_step":`...)
	buf = strconv.AppendInt(buf, int64(step), 10)
	buf = append(buf, `,"_runtime":`...)
	buf = strconv.AppendFloat(buf, float64(step)*0.01, 'g', -1, 64)
	buf = append(buf, `,"_timestamp":`...)
	buf = strconv.AppendFloat(buf, 1.7e9+float64(step)*0.01, 'g', -1, 64)
	for k := range 10 {
		buf = append(buf, `,"m`...)
		buf = strconv.AppendInt(buf, int64(k), 10)
		buf = append(buf, `":`...)
		buf = strconv.AppendFloat(buf, math.Sin(float64(step+k)/100)*float64(k+1), 'g', -1, 64)
	}
	return append(buf, '}')
}

func fill(tb testing.TB, s *sqlite.Store, runID int64, from, n, batch int) {
	ctx := context.Background()
	lines := make([]string, 0, batch)
	var buf []byte
	for off := from; off < from+n; off += batch {
		lines = lines[:0]
		for i := off; i < min(off+batch, from+n); i++ {
			buf = benchLine(buf, i)
			lines = append(lines, string(buf))
		}
		if _, err := s.AppendHistory(ctx, runID, off, lines); err != nil {
			tb.Error(err) // Error, not Fatal: fill also runs on other goroutines
			return
		}
	}
}

func benchRun(tb testing.TB, s *sqlite.Store) int64 {
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "bench", "", false); err != nil {
		tb.Fatal(err)
	}
	r, err := s.UpsertRun(ctx, store.RunUpsert{Entity: "bench", Project: "p", Name: "r"})
	if err != nil {
		tb.Fatal(err)
	}
	return r.ID
}

// BenchmarkAppendHistory appends b.N history lines in batches of 1000 lines
// (one transaction each) to one run. Run with -benchtime=1000000x for the
// 10^6-line figure.
func BenchmarkAppendHistory(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	id := benchRun(b, s)
	b.ResetTimer()
	start := time.Now()
	fill(b, s, id, 0, b.N, 1000)
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "rows/s")
	b.ReportMetric(float64(b.N)*10/el.Seconds(), "metrics/s")
}

// BenchmarkSampledHistory queries 1000 buckets of one metric over a run of
// 10^6 steps (filled once, untimed).
func BenchmarkSampledHistory(b *testing.B) {
	for _, size := range []int{store.DefaultChunkSize, 256} {
		b.Run(fmt.Sprint("chunk=", size), func(b *testing.B) { benchSampled(b, size) })
	}
}

func benchSampled(b *testing.B, chunkSize int) {
	const steps = 1_000_000
	s := open(b, filepath.Join(b.TempDir(), "bench.db"), sqlite.WithChunkSize(chunkSize))
	id := benchRun(b, s)
	fill(b, s, id, 0, steps, 5000)
	for _, c := range []struct {
		name     string
		min, max int64
		buckets  int
	}{
		{"all_1000", 0, steps - 1, 1000},
		{"all_100", 0, steps - 1, 100},
		{"zoom_10k_steps_1000", 500_000, 509_999, 1000},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				bs, err := s.SampledHistory(ctx, id, "m3", "_step", c.min, c.max, c.buckets)
				if err != nil || len(bs) == 0 {
					b.Fatal(len(bs), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
		})
	}
}

func TestBenchLineParses(t *testing.T) {
	_, pts, err := store.ParseHistoryLine(string(benchLine(nil, 7)), 7)
	if err != nil || len(pts) != 12 {
		t.Fatal(len(pts), err, fmt.Sprint(pts))
	}
}

// BenchmarkAppendHistoryParallel appends b.N lines spread over 20 runs
// appended concurrently (batches of 100 lines, like file_stream requests),
// the shape of the ingest target.
func BenchmarkAppendHistoryParallel(b *testing.B) {
	const runs = 20
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, "bench", "", false); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, runs)
	for i := range ids {
		r, err := s.UpsertRun(ctx, store.RunUpsert{Entity: "bench", Project: "p", Name: fmt.Sprint("r", i)})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = r.ID
	}
	per := b.N / runs
	b.ResetTimer()
	start := time.Now()
	done := make(chan struct{}, runs)
	for _, id := range ids {
		go func() {
			defer func() { done <- struct{}{} }()
			fill(b, s, id, 0, per, 100)
		}()
	}
	for range runs {
		<-done
	}
	el := time.Since(start)
	b.ReportMetric(float64(per*runs)/el.Seconds(), "rows/s")
	b.ReportMetric(float64(per*runs)*10/el.Seconds(), "metrics/s")
}
