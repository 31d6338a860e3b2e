package runfilter_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/runfilter"
	"github.com/gowandb/wandb/core/store"
)

// manyRuns is n runs with a 20-key config and a 20-key summary.
func manyRuns(n int) []store.Run {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rs := make([]store.Run, n)
	for i := range rs {
		cfg, sum := []byte("{"), []byte("{")
		for k := range 20 {
			if k > 0 {
				cfg, sum = append(cfg, ','), append(sum, ',')
			}
			cfg = fmt.Appendf(cfg, `"p%d":{"value":%g}`, k, float64(i%97)/100)
			sum = fmt.Appendf(sum, `"m%d":%g`, k, float64(i%89)/10)
		}
		rs[i] = store.Run{ID: int64(i + 1), Name: fmt.Sprintf("run%05d", i), State: store.StateFinished,
			Config: append(cfg, '}'), Summary: append(sum, '}'), CreatedAt: t0.Add(time.Duration(i) * time.Second),
			UpdatedAt: t0}
	}
	return rs
}

// BenchmarkFilterSort10k filters and sorts 10,000 runs on config and
// summary keys through a warm cache (the server's steady state), and cold
// (every run parsed).
func BenchmarkFilterSort10k(b *testing.B) {
	runs := manyRuns(10_000)
	for _, warm := range []bool{true, false} {
		b.Run(fmt.Sprintf("warm=%v", warm), func(b *testing.B) {
			c := runfilter.NewCache(0)
			for b.Loop() {
				if !warm {
					c = runfilter.NewCache(0)
				}
				f, _ := runfilter.ParseExpr("config.p3 > 0.2 and summary.m5 < 8", runfilter.WithCache(c))
				o, _ := runfilter.ParseOrder("-summary_metrics.m1", runfilter.WithCache(c))
				out := f.Apply(runs)
				o.Sort(out)
				if len(out) == 0 {
					b.Fatal("nothing matched")
				}
			}
		})
	}
}
