package runstate

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func boolPtr(b bool) *bool { return &b }

// TestSummaryRules is wandb-behaviour.md §3.3–3.4: last value by default, an
// explicit write takes a key over, define_metric aggregates.
func TestSummaryRules(t *testing.T) {
	tests := []struct {
		name    string
		metrics []MetricDef
		run     func(h *Handler) error
		want    map[string]any
	}{
		{"last value by default", nil, func(h *Handler) error {
			_ = h.Log(map[string]any{"loss": 0.5, "acc": 0.1}, LogOptions{})
			return h.Log(map[string]any{"loss": 0.3}, LogOptions{})
		}, map[string]any{"loss": 0.3, "acc": 0.1}},
		{"non-numbers too", nil, func(h *Handler) error {
			return h.Log(map[string]any{"phase": "eval", "ok": true}, LogOptions{})
		}, map[string]any{"phase": "eval", "ok": true}},
		{"explicit write stops auto-update", nil, func(h *Handler) error {
			_ = h.Log(map[string]any{"accuracy": 0.5}, LogOptions{})
			if err := h.Summary().Set("accuracy", 0.9); err != nil {
				return err
			}
			return h.Log(map[string]any{"accuracy": 0.7}, LogOptions{})
		}, map[string]any{"accuracy": 0.9}},
		{"delete then log adds it again", nil, func(h *Handler) error {
			_ = h.Log(map[string]any{"a": 1}, LogOptions{})
			if err := h.Summary().Delete("a"); err != nil {
				return err
			}
			return h.Log(map[string]any{"a": 2}, LogOptions{})
		}, map[string]any{"a": int64(2)}},
		{"min max mean first last", []MetricDef{{Name: "loss", Summary: []string{"min,max", "mean"}}, {Name: "acc", Summary: []string{"first", "last"}}}, func(h *Handler) error {
			for _, v := range []float64{3, 1, 2} {
				_ = h.Log(map[string]any{"loss": v, "acc": v / 10}, LogOptions{})
			}
			return nil
		}, map[string]any{"loss": map[string]any{"min": 1.0, "max": 3.0, "mean": 2.0}, "acc": map[string]any{"first": 0.3, "last": 0.2}}},
		{"NaN is left out of aggregates", []MetricDef{{Name: "loss", Summary: []string{"min", "max"}}}, func(h *Handler) error {
			for _, v := range []float64{2, math.NaN(), 1} {
				_ = h.Log(map[string]any{"loss": v}, LogOptions{})
			}
			return nil
		}, map[string]any{"loss": map[string]any{"min": 1.0, "max": 2.0}}},
		{"none removes the key", []MetricDef{{Name: "secret", Summary: []string{"none"}}}, func(h *Handler) error {
			return h.Log(map[string]any{"secret": 1, "kept": 2}, LogOptions{})
		}, map[string]any{"kept": int64(2)}},
		{"best follows the goal", []MetricDef{{Name: "acc", Summary: []string{"best"}, Goal: "maximize"}}, func(h *Handler) error {
			for _, v := range []float64{0.1, 0.7, 0.4} {
				_ = h.Log(map[string]any{"acc": v}, LogOptions{})
			}
			return nil
		}, map[string]any{"acc": map[string]any{"best": 0.7}}},
		{"glob summary", []MetricDef{{Name: "val/*", Summary: []string{"max"}}}, func(h *Handler) error {
			_ = h.Log(map[string]any{"val/acc": 0.5, "train/acc": 0.1}, LogOptions{})
			return h.Log(map[string]any{"val/acc": 0.2, "train/acc": 0.3}, LogOptions{})
		}, map[string]any{"val/acc": map[string]any{"max": 0.5}, "train/acc": 0.3}},
		{"nested metric names use dots", []MetricDef{{Name: "eval.loss", Summary: []string{"min"}}}, func(h *Handler) error {
			_ = h.Log(map[string]any{"eval": map[string]any{"loss": 2.0}}, LogOptions{})
			return h.Log(map[string]any{"eval": map[string]any{"loss": 1.0}}, LogOptions{})
		}, map[string]any{"eval": map[string]any{"loss": map[string]any{"min": 1.0}}}},
		{"explicit write beats a metric summary", []MetricDef{{Name: "loss", Summary: []string{"min"}}}, func(h *Handler) error {
			_ = h.Log(map[string]any{"loss": 1.0}, LogOptions{})
			return h.Summary().Set("loss", "final")
		}, map[string]any{"loss": "final"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			for _, m := range tc.metrics {
				if err := hs.h.DefineMetric(m); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.run(hs.h); err != nil {
				t.Fatal(err)
			}
			got := hs.h.Summary().Map()
			for k := range got {
				if strings.HasPrefix(k, "_") {
					delete(got, k)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("summary = %#v, want %#v", got, tc.want)
			}
			// The final summary record says the same.
			hs.h.Close()
			final := map[string]any{}
			for _, r := range hs.records() {
				if s := r.GetSummary(); s != nil && len(s.Remove) == 0 {
					final = map[string]any{}
					for _, it := range s.Update {
						v, err := DecodeJSON([]byte(it.ValueJson))
						if err != nil {
							t.Fatal(err)
						}
						if !strings.HasPrefix(it.Key, "_") {
							final[it.Key] = v
						}
					}
				}
			}
			if !reflect.DeepEqual(final, tc.want) {
				t.Fatalf("final summary record = %#v, want %#v", final, tc.want)
			}
		})
	}
}

func TestSummaryIncludesStepRuntimeTimestamp(t *testing.T) {
	hs := newHarness(t)
	_ = hs.h.Log(map[string]any{"a": 1}, LogOptions{})
	_ = hs.h.Log(map[string]any{"a": 2}, LogOptions{})
	m := hs.h.Summary().Map()
	if m["_step"] != int64(1) {
		t.Fatalf("_step = %v", m["_step"])
	}
	for _, k := range []string{"_runtime", "_timestamp"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("summary lacks %s", k)
		}
	}
}

func TestSummaryDeleteMissingKey(t *testing.T) {
	hs := newHarness(t)
	if err := hs.h.Summary().Delete("nope"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("err = %v", err)
	}
}

func TestSummaryRestoreKeepsUpdating(t *testing.T) {
	hs := newHarness(t)
	if err := hs.h.Summary().Restore(map[string]any{"loss": 0.5, "best": 0.9}); err != nil {
		t.Fatal(err)
	}
	_ = hs.h.Log(map[string]any{"loss": 0.4}, LogOptions{})
	m := hs.h.Summary().Map()
	if m["loss"] != 0.4 || m["best"] != 0.9 {
		t.Fatalf("summary = %v", m)
	}
}

func TestDefineMetricStepSync(t *testing.T) {
	hs := newHarness(t)
	if err := hs.h.DefineMetric(MetricDef{Name: "val/*", StepMetric: "epoch"}); err != nil {
		t.Fatal(err)
	}
	_ = hs.h.Log(map[string]any{"epoch": 1, "train/loss": 1.0}, LogOptions{})
	_ = hs.h.Log(map[string]any{"val/loss": 0.5}, LogOptions{})
	_ = hs.h.Log(map[string]any{"train/loss": 0.8}, LogOptions{})
	rows := hs.rows()
	if rows[1]["epoch"] != "1" {
		t.Fatalf("step_sync did not insert epoch into %v", rows[1])
	}
	if _, ok := rows[2]["epoch"]; ok {
		t.Fatalf("epoch inserted into a row without a synced metric: %v", rows[2])
	}
	// The glob was expanded for val/loss once, and the step metric defined.
	var expanded, stepDefined, globRec int
	for _, r := range hs.records() {
		m := r.GetMetric()
		if m == nil {
			continue
		}
		switch {
		case m.ExpandedFromGlob && m.Name == "val/loss":
			expanded++
			if m.StepMetric != "epoch" || !m.Options.StepSync {
				t.Fatalf("expanded metric %v", m)
			}
		case m.Name == "epoch":
			stepDefined++
		case m.GlobName == "val/*":
			globRec++
		}
	}
	if expanded != 1 || stepDefined != 1 || globRec != 1 {
		t.Fatalf("metric records: expanded %d, step %d, glob %d", expanded, stepDefined, globRec)
	}
}

func TestDefineMetricStepSyncOff(t *testing.T) {
	hs := newHarness(t)
	_ = hs.h.DefineMetric(MetricDef{Name: "v", StepMetric: "epoch", StepSync: boolPtr(false)})
	_ = hs.h.Log(map[string]any{"epoch": 1}, LogOptions{})
	_ = hs.h.Log(map[string]any{"v": 1}, LogOptions{})
	if _, ok := hs.rows()[1]["epoch"]; ok {
		t.Fatal("step_sync=false still inserted the step metric")
	}
}

func TestUnderscoreKeysNeverMatchGlobs(t *testing.T) {
	hs := newHarness(t)
	_ = hs.h.DefineMetric(MetricDef{Name: "*", Summary: []string{"max"}})
	_ = hs.h.Log(map[string]any{"a": 1}, LogOptions{})
	m := hs.h.Summary().Map()
	if _, ok := m["_step"].(int64); !ok {
		t.Fatalf("_step was summarised by a glob: %v", m["_step"])
	}
	if !reflect.DeepEqual(m["a"], map[string]any{"max": 1.0}) {
		t.Fatalf("a = %v", m["a"])
	}
}

func TestDefineMetricMerge(t *testing.T) {
	hs := newHarness(t)
	_ = hs.h.DefineMetric(MetricDef{Name: "loss", Summary: []string{"min"}})
	_ = hs.h.DefineMetric(MetricDef{Name: "loss", Summary: []string{"max"}})
	_ = hs.h.Log(map[string]any{"loss": 1.0}, LogOptions{})
	if got := hs.h.Summary().Map()["loss"]; !reflect.DeepEqual(got, map[string]any{"min": 1.0, "max": 1.0}) {
		t.Fatalf("merged = %v", got)
	}
	_ = hs.h.DefineMetric(MetricDef{Name: "loss", Summary: []string{"last"}, Overwrite: true})
	if got := hs.h.Summary().Map()["loss"]; !reflect.DeepEqual(got, map[string]any{"last": 1.0}) {
		t.Fatalf("overwritten = %v", got)
	}
}

func TestDefineMetricValidation(t *testing.T) {
	tests := []struct {
		def  MetricDef
		want string
	}{
		{MetricDef{}, "name must not be empty"},
		{MetricDef{Name: "a*b"}, "only allowed as the last character"},
		{MetricDef{Name: "a", StepMetric: "b*"}, "must not be a glob"},
		{MetricDef{Name: "a", Summary: []string{"median"}}, `summary "median"`},
		{MetricDef{Name: "a", Goal: "up"}, `goal "up"`},
		{MetricDef{Name: "a", Summary: []string{"best"}}, "needs a goal"},
	}
	for _, tc := range tests {
		hs := newHarness(t)
		err := hs.h.DefineMetric(tc.def)
		if !errors.Is(err, ErrInvalidMetric) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.def, err, tc.want)
		}
	}
}

func TestSplitDotted(t *testing.T) {
	if got := splitDotted(`a.b\.c.d`); !reflect.DeepEqual(got, []string{"a", "b.c", "d"}) {
		t.Fatalf("got %q", got)
	}
	if got := dottedPath([]string{"a", "b.c"}); got != `a.b\.c` {
		t.Fatalf("got %q", got)
	}
}
