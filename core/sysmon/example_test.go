package sysmon_test

import (
	"context"
	"fmt"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/sysmon"
)

// queueDepth is a collector of one's own: anything with a name and a map of
// numbers.
type queueDepth struct{ depth func() int }

func (queueDepth) Name() string { return "queue" }
func (q queueDepth) Sample(context.Context) (map[string]float64, error) {
	return map[string]float64{"queue.depth": float64(q.depth())}, nil
}

// A monitor samples its collectors every interval (here once more on
// demand) and hands each sample to Emit as a StatsRecord; Stop takes the
// final sample. Options.Collectors nil means the built-in collectors
// (sysmon.Default).
func Example() {
	ctx := context.Background()
	depth := 3
	m, err := sysmon.New(sysmon.Options{
		Collectors:  []sysmon.Collector{queueDepth{func() int { return depth }}},
		FinalSample: true,
		Emit: func(r *recordpb.StatsRecord) {
			for _, it := range r.Item {
				fmt.Println(it.Key, it.ValueJson)
			}
		},
	})
	if err != nil {
		panic(err)
	}
	m.Start(ctx)
	if err := m.SampleNow(ctx); err != nil {
		panic(err)
	}
	depth = 5
	if err := m.Stop(ctx); err != nil {
		panic(err)
	}
	// Output:
	// queue.depth 3
	// queue.depth 5
}
