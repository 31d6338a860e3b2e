package postgres_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/pgtest"
)

// benchLine is a W&B-shaped history row: 10 metrics plus _step, _runtime
// and _timestamp.
func benchLine(step int) string {
	buf := []byte(`{"_step":`)
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
	return string(append(buf, '}'))
}

// BenchmarkAppendHistoryParallel appends b.N lines spread over 20 runs
// appended concurrently, in batches like file_stream requests, to the
// test server (fsync off: it measures the store's CPU path, not a disk).
func BenchmarkAppendHistoryParallel(b *testing.B) {
	for _, batch := range []int{100, 1000} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			const runs = 20
			ctx := context.Background()
			s := open(b, pgtest.NewDatabase(b))
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
			per := max(b.N/runs, 1)
			batches := make([][]string, 0, per/batch+1)
			for off := 0; off < per; off += batch {
				var ls []string
				for i := off; i < min(off+batch, per); i++ {
					ls = append(ls, benchLine(i))
				}
				batches = append(batches, ls)
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for _, id := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i, ls := range batches {
						if _, err := s.AppendHistory(ctx, id, i*batch, ls); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			b.ReportMetric(float64(per*runs)/el.Seconds(), "rows/s")
			b.ReportMetric(float64(per*runs)*10/el.Seconds(), "metrics/s")
		})
	}
}
