package plugins_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gowandb/wandb/plugins"
)

// maxTracker keeps the largest value of each scalar key in the run's
// summary.
type maxTracker struct {
	emit plugins.Emitter
	max  map[string]float64
}

func (m *maxTracker) Manifest() plugins.Manifest {
	return plugins.Manifest{Name: "max", Version: "1.0.0", Provides: []string{plugins.ProvidesSummary}}
}

func (m *maxTracker) Start(_ context.Context, _ plugins.RunInfo, emit plugins.Emitter) error {
	m.emit, m.max = emit, map[string]float64{}
	return nil
}

func (m *maxTracker) Observe(_ context.Context, batch []plugins.Observation) error {
	for _, o := range batch {
		if o.Kind == plugins.KindScalar && (o.Scalar > m.max[o.Key] || m.max[o.Key] == 0) {
			m.max[o.Key] = o.Scalar
		}
	}
	return nil
}

func (m *maxTracker) Flush(context.Context) error {
	summary := map[string]json.RawMessage{}
	for k, v := range m.max {
		summary["max/"+k], _ = plugins.Value(v)
	}
	if len(summary) == 0 {
		return nil
	}
	return m.emit.Emit(plugins.Emission{Summary: summary})
}

func (m *maxTracker) Finish(context.Context) error { return nil }

// A plugin is a type implementing Plugin and a main that serves it:
//
//	func main() { plugins.Serve(&maxTracker{}) }
//
// Here it is driven directly, as the host drives it.
func Example() {
	p := &maxTracker{}
	ctx := context.Background()
	emit := plugins.EmitterFunc(func(e plugins.Emission) error {
		fmt.Printf("summary max/loss = %s\n", e.Summary["max/loss"])
		return e.Validate()
	})
	_ = p.Start(ctx, plugins.RunInfo{ID: "run1"}, emit)
	_ = p.Observe(ctx, []plugins.Observation{plugins.Scalar("loss", 0, 0.9), plugins.Scalar("loss", 1, 1.2), plugins.Scalar("loss", 2, 0.4)})
	_ = p.Flush(ctx)
	_ = p.Finish(ctx)
	// Output: summary max/loss = 1.2
}
