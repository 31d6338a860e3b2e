package gomlx_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/gowandb/wandb/integrations/gomlx"
	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// The plugin is driven through the real gRPC adapters, as a plugin process
// would be.
func TestHistogramPluginOneRowPerStep(t *testing.T) {
	h := plugintest.Start(t, gomlx.NewHistogramPlugin(gomlx.WithBins(4)), plugins.RunInfo{ID: "r"})
	w := &plugins.Tensor{Shape: []int{2, 2}, DType: plugins.Float32, Float32: []float32{0, 1, 2, 3}}
	g := &plugins.Tensor{Shape: []int{3}, DType: plugins.Float64, Float64: []float64{-1, 0, 1}}
	h.Observe(
		plugins.TensorObservation("parameters/dense/weights", 5, w),
		plugins.Scalar("loss", 5, 0.3), // not the plugin's
		plugins.TensorObservation("other/tensor", 5, w),
	)
	h.Observe(plugins.TensorObservation("gradients/dense/weights", 5, g))
	h.Observe(plugins.TensorObservation("parameters/dense/weights", 10, w))
	if n := len(h.Rec.Rows()); n != 1 {
		t.Fatalf("%d rows before step 5 was left and flushed, want 1 (step 5 ends when step 10 begins)", n)
	}
	h.Flush()
	rows := h.Rec.Rows()
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for i, want := range []struct {
		step string
		keys []string
	}{
		{"5", []string{"parameters/dense/weights", "gradients/dense/weights"}},
		{"10", []string{"parameters/dense/weights"}},
	} {
		r := rows[i]
		if r.Step != plugins.NextStep {
			t.Errorf("row %d at step %d, want NextStep", i, r.Step)
		}
		if got := string(r.Row[gomlx.GlobalStepKey]); got != want.step {
			t.Errorf("row %d: global_step %s, want %s", i, got, want.step)
		}
		if len(r.Row) != len(want.keys)+1 {
			t.Errorf("row %d has keys %v, want %v and global_step", i, keysOf(r.Row), want.keys)
		}
		for _, k := range want.keys {
			var hist struct {
				Type   string    `json:"_type"`
				Values []float64 `json:"values"`
				Bins   []float64 `json:"bins"`
			}
			if err := json.Unmarshal(r.Row[k], &hist); err != nil {
				t.Fatalf("row %d: %s: %v (%s)", i, k, err, r.Row[k])
			}
			if hist.Type != "histogram" || len(hist.Values) != 4 || len(hist.Bins) != 5 {
				t.Errorf("row %d: %s = %s, want a 4-bin histogram", i, k, r.Row[k])
			}
		}
	}
	var weights struct{ Values []float64 }
	_ = json.Unmarshal(rows[0].Row["parameters/dense/weights"], &weights)
	if want := []float64{1, 1, 1, 1}; !slices.Equal(weights.Values, want) {
		t.Errorf("histogram of 0,1,2,3 in 4 bins: counts %v, want %v", weights.Values, want)
	}
	h.Finish()
	if n := len(h.Rec.Invalid()); n != 0 {
		t.Errorf("%d invalid emissions: %v", n, h.Rec.Invalid())
	}
}

func keysOf(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
