package gorgonia_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/integrations/gorgonia"
)

func replay(t *testing.T, run *wandb.Run) ([]map[string]any, *runlog.Info) {
	t.Helper()
	if err := run.Finish(0); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	var rows []map[string]any
	info, err := runlog.Replay(run.LogPath(), func(r runlog.Row) error {
		rows = append(rows, r.Map())
		return nil
	})
	if err != nil {
		t.Fatalf("runlog.Replay: %v", err)
	}
	return rows, info
}

func num(t *testing.T, row map[string]any, key string) float64 {
	t.Helper()
	switch v := row[key].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	t.Fatalf("row %v: %q is %T (%v), not a number", row["_step"], key, row[key], row[key])
	return 0
}

func TestWrapSolverLogsEveryStepAndTrainingConverges(t *testing.T) {
	isolate(t)
	m := newMLP(t, 16, 64, 1)
	run := startRun(t)
	solver, err := gorgonia.WrapSolver(G.NewAdamSolver(G.WithLearnRate(0.05)), run, gorgonia.WithLossValue(&m.loss))
	if err != nil {
		t.Fatalf("WrapSolver: %v", err)
	}
	const steps = 300
	var seen []float64
	for range steps {
		seen = append(seen, m.step(t, solver))
	}
	if err := solver.Err(); err != nil {
		t.Fatalf("logging error: %v", err)
	}
	rows, info := replay(t, run)
	if len(rows) != steps {
		t.Fatalf("%d rows, want %d", len(rows), steps)
	}
	want := []string{"global_step", "train/loss", "train/learning_rate", "train/grad_norm",
		"train/grad_norm/w0", "train/grad_norm/b0", "train/grad_norm/w1", "train/grad_norm/b1"}
	for i, row := range rows {
		for _, k := range want {
			if _, ok := row[k]; !ok {
				t.Fatalf("row %d has no %q: %v", i, k, row)
			}
		}
		if g := num(t, row, "global_step"); g != float64(i+1) {
			t.Fatalf("row %d: global_step %v", i, g)
		}
		if l := num(t, row, "train/loss"); l != seen[i] {
			t.Fatalf("row %d: loss %v, the training loop saw %v", i, l, seen[i])
		}
		if lr := num(t, row, "train/learning_rate"); lr != 0.05 {
			t.Fatalf("row %d: learning rate %v, want 0.05", i, lr)
		}
		var sq float64
		for _, p := range []string{"w0", "b0", "w1", "b1"} {
			n := num(t, row, "train/grad_norm/"+p)
			sq += n * n
		}
		if total := num(t, row, "train/grad_norm"); math.Abs(total-math.Sqrt(sq)) > 1e-9*total {
			t.Fatalf("row %d: global norm %v is not the norm of the per-parameter norms (%v)", i, total, math.Sqrt(sq))
		}
	}
	first, last := num(t, rows[0], "train/loss"), num(t, rows[steps-1], "train/loss")
	t.Logf("loss: step 1 %.4f, step %d %.5f", first, steps, last)
	if !(last < 0.05*first) || !(last < 0.02) {
		t.Errorf("did not converge: loss %.4f → %.5f", first, last)
	}
	var defined bool
	for _, md := range info.Metrics {
		if md.GetGlobName() == "train/*" && md.GetStepMetric() == gorgonia.GlobalStepKey {
			defined = true
		}
	}
	if !defined {
		t.Errorf("train/* is not plotted against %s: %v", gorgonia.GlobalStepKey, info.Metrics)
	}
}

func TestHistogramsEveryMStepsAndLearningRateChanges(t *testing.T) {
	isolate(t)
	m := newMLP(t, 8, 32, 2)
	run := startRun(t)
	vanilla := G.NewVanillaSolver(G.WithLearnRate(0.1))
	solver, err := gorgonia.WrapSolver(vanilla, run, gorgonia.EveryNSteps(4), gorgonia.HistogramsEvery(10),
		gorgonia.WithHistogramBins(8), gorgonia.WithLoss(m.cost))
	if err != nil {
		t.Fatalf("WrapSolver: %v", err)
	}
	for i := range 30 {
		if i == 20 {
			G.WithLearnRate(0.01)(vanilla) // Gorgonia's way of changing the rate
		}
		m.step(t, solver)
	}
	rows, _ := replay(t, run)
	var steps, hist []float64
	for _, row := range rows {
		step := num(t, row, "global_step")
		steps = append(steps, step)
		if _, ok := row["train/loss"]; !ok {
			t.Errorf("step %v: no loss", step)
		}
		wantLR := 0.1
		if step > 20 {
			wantLR = 0.01
		}
		if lr := num(t, row, "train/learning_rate"); lr != wantLR {
			t.Errorf("step %v: learning rate %v, want %v", step, lr, wantLR)
		}
		h, ok := row["parameters/w0"].(map[string]any)
		if !ok {
			continue
		}
		hist = append(hist, step)
		for _, p := range []string{"w0", "b0", "w1", "b1"} {
			for _, prefix := range []string{gorgonia.ParametersPrefix, gorgonia.GradientsPrefix} {
				h, ok := row[prefix+p].(map[string]any)
				if !ok || h["_type"] != "histogram" {
					t.Fatalf("step %v: %s%s = %v, want a histogram", step, prefix, p, row[prefix+p])
				}
			}
		}
		var count float64
		for _, c := range h["values"].([]any) {
			count += num(t, map[string]any{"count": c}, "count")
		}
		if counts := h["values"].([]any); len(counts) != 8 || count != 8 {
			t.Errorf("step %v: w0 (8 weights) histogram has %d bins holding %v values, want 8 and 8", step, len(counts), count)
		}
	}
	if want := []float64{4, 8, 10, 12, 16, 20, 24, 28, 30}; !slices.Equal(steps, want) {
		t.Errorf("rows at steps %v, want %v", steps, want)
	}
	if want := []float64{10, 20, 30}; !slices.Equal(hist, want) {
		t.Errorf("histograms at steps %v, want %v", hist, want)
	}
}

// A solver that tells its rate is asked; one that cannot be read logs none.
type rated struct {
	G.Solver
	lr float64
}

func (r rated) LearningRate() float64 { return r.lr }

type opaque struct{ G.Solver }

func TestLearningRateSources(t *testing.T) {
	isolate(t)
	for name, tc := range map[string]struct {
		solver G.Solver
		opts   []gorgonia.Option
		want   any
	}{
		"LearningRate method": {rated{G.NewVanillaSolver(), 0.3}, nil, 0.3},
		"WithLearningRate":    {opaque{G.NewVanillaSolver()}, []gorgonia.Option{gorgonia.WithLearningRate(func() float64 { return 0.7 })}, 0.7},
		"RMSProp":             {G.NewRMSPropSolver(G.WithLearnRate(0.002)), nil, 0.002},
		"unknown":             {opaque{G.NewVanillaSolver()}, nil, nil},
	} {
		m := newMLP(t, 4, 8, 3)
		run := startRun(t)
		s, err := gorgonia.WrapSolver(tc.solver, run, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		m.step(t, s)
		rows, _ := replay(t, run)
		if got := rows[0]["train/learning_rate"]; got != tc.want {
			t.Errorf("%s: learning rate %v, want %v", name, got, tc.want)
		}
	}
}

func TestLoggingErrorsDoNotStopTrainingUnlessAsked(t *testing.T) {
	isolate(t)
	for _, stop := range []bool{false, true} {
		m := newMLP(t, 4, 8, 4)
		run := startRun(t)
		s, err := gorgonia.WrapSolver(G.NewAdamSolver(), run, gorgonia.StopOnError(stop))
		if err != nil {
			t.Fatal(err)
		}
		_ = run.Finish(0)
		if err := m.vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		before := m.params[0].Value().Data().([]float64)[0]
		err = s.Step(G.NodesToValueGrads(m.params))
		if after := m.params[0].Value().Data().([]float64)[0]; after == before {
			t.Errorf("StopOnError(%v): the wrapped solver did not step", stop)
		}
		if stop != errors.Is(err, wandb.ErrRunFinished) {
			t.Errorf("StopOnError(%v): Step returned %v", stop, err)
		}
		if !errors.Is(s.Err(), wandb.ErrRunFinished) || s.Errors() != 1 || s.Steps() != 1 {
			t.Errorf("Err() = %v, Errors() = %d, Steps() = %d", s.Err(), s.Errors(), s.Steps())
		}
	}
}

func TestWrapSolverRefusesBadArguments(t *testing.T) {
	isolate(t)
	run := startRun(t)
	for name, opts := range map[string][]gorgonia.Option{
		"EveryNSteps(0)":         {gorgonia.EveryNSteps(0)},
		"HistogramsEvery(-1)":    {gorgonia.HistogramsEvery(-1)},
		"WithHistogramBins(513)": {gorgonia.WithHistogramBins(513)},
		"two losses":             {gorgonia.WithLoss(&G.Node{}), gorgonia.WithLossValue(new(G.Value))},
	} {
		if _, err := gorgonia.WrapSolver(G.NewAdamSolver(), run, opts...); !errors.Is(err, gorgonia.ErrInvalidOption) {
			t.Errorf("%s: %v, want ErrInvalidOption", name, err)
		}
	}
	if _, err := gorgonia.WrapSolver(nil, run); err == nil {
		t.Error("nil solver accepted")
	}
	if _, err := gorgonia.WrapSolver(G.NewAdamSolver(), nil); err == nil {
		t.Error("nil run accepted")
	}
}
