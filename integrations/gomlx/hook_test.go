package gomlx_test

import (
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/integrations/gomlx"
)

// replay finishes run and reads its log back: the history rows, in order,
// and the run's info.
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

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestAttachLogsEveryStepAndTrainingConverges(t *testing.T) {
	isolate(t)
	s := newSetup(t, defaultSetup())
	run := startRun(t)
	hook, err := gomlx.Attach(s.loop, run)
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	const steps = 300
	if _, err := s.loop.RunSteps(s.data, steps); err != nil {
		t.Fatalf("RunSteps: %v", err)
	}
	if err := hook.Err(); err != nil {
		t.Fatalf("hook error: %v", err)
	}
	rows, info := replay(t, run)

	if len(rows) != steps {
		t.Fatalf("%d history rows, want one per step (%d)", len(rows), steps)
	}
	want := []string{
		"global_step", "train/loss", "train/~loss+", "train/~loss", "train/acc",
		"train/learning_rate", "train/step_time", "train/examples_per_sec",
	}
	var loss, acc []float64
	for i, row := range rows {
		for _, k := range want {
			if _, ok := row[k]; !ok {
				t.Fatalf("row %d has no %q: %v", i, k, row)
			}
		}
		if g := num(t, row, "global_step"); g != float64(i+1) {
			t.Fatalf("row %d: global_step %v, want %d", i, g, i+1)
		}
		if lr := num(t, row, "train/learning_rate"); math.Abs(lr-0.02) > 1e-6 {
			t.Fatalf("row %d: learning rate %v, want 0.02", i, lr)
		}
		if st := num(t, row, "train/step_time"); !(st > 0) {
			t.Fatalf("row %d: step_time %v", i, st)
		}
		if eps, st := num(t, row, "train/examples_per_sec"), num(t, row, "train/step_time"); math.Abs(eps*st/32-1) > 1e-6 {
			t.Fatalf("row %d: examples/s %v does not match 32 examples per %v s", i, eps, st)
		}
		loss = append(loss, num(t, row, "train/loss"))
		acc = append(acc, num(t, row, "train/acc"))
	}
	first, last := mean(loss[:20]), mean(loss[len(loss)-20:])
	lastAcc := mean(acc[len(acc)-20:])
	t.Logf("mean batch loss: first 20 steps %.4f, last 20 %.4f; batch accuracy of the last 20 %.3f", first, last, lastAcc)
	if !(last < 0.5*first) {
		t.Errorf("loss did not fall enough: first-20 mean %.4f, last-20 mean %.4f", first, last)
	}
	if lastAcc < 0.9 {
		t.Errorf("batch accuracy over the last 20 steps %.3f, want >= 0.9", lastAcc)
	}

	g, ok := info.Config["gomlx"].(map[string]any)
	if !ok {
		t.Fatalf("config has no gomlx map: %v", info.Config)
	}
	for k, v := range map[string]any{"hidden_units": int64(16), "mlp/activation": "relu", mlctx.ParamInitialSeed: int64(3)} {
		if g[k] != v {
			t.Errorf("config gomlx.%s = %v (%T), want %v", k, g[k], g[k], v)
		}
	}
	var stepMetric bool
	for _, m := range info.Metrics {
		if m.GetGlobName() == "train/*" && m.GetStepMetric() == gomlx.GlobalStepKey {
			stepMetric = true
		}
	}
	if !stepMetric {
		t.Errorf("no metric definition of train/* against %s: %v", gomlx.GlobalStepKey, info.Metrics)
	}
}

func TestEveryNStepsLogsTheLastStepAtTheEnd(t *testing.T) {
	isolate(t)
	o := defaultSetup()
	o.extraMetrics, o.hyperparamSet = false, false
	s := newSetup(t, o)
	run := startRun(t)
	if _, err := gomlx.Attach(s.loop, run, gomlx.EveryNSteps(7), gomlx.WithPrefix("fit/"), gomlx.WithoutConfig()); err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if _, err := s.loop.RunSteps(s.data, 20); err != nil {
		t.Fatalf("RunSteps: %v", err)
	}
	// A second run of the same loop picks up at step 20.
	if _, err := s.loop.RunSteps(s.data, 7); err != nil {
		t.Fatalf("RunSteps: %v", err)
	}
	rows, info := replay(t, run)
	var got []float64
	for _, r := range rows {
		got = append(got, num(t, r, "global_step"))
		if _, ok := r["fit/loss"]; !ok {
			t.Errorf("row %v has no fit/loss: %v", r["global_step"], r)
		}
		if _, ok := r["fit/examples_per_sec"]; !ok {
			t.Errorf("row %v has no examples/s (the dataset's BatchSize): %v", r["global_step"], r)
		}
	}
	if want := []float64{7, 14, 20, 21, 27}; !slices.Equal(got, want) {
		t.Errorf("rows at global steps %v, want %v", got, want)
	}
	if _, ok := info.Config["gomlx"]; ok {
		t.Errorf("WithoutConfig: config has gomlx: %v", info.Config["gomlx"])
	}
}

func TestHistogramsEveryMSteps(t *testing.T) {
	isolate(t)
	o := defaultSetup()
	o.trackGrads = true
	s := newSetup(t, o)
	run := startRun(t, wandb.WithInProcessPlugin(gomlx.NewHistogramPlugin(gomlx.WithBins(16))))
	hook, err := gomlx.Attach(s.loop, run, gomlx.EveryNSteps(10), gomlx.HistogramsEvery(25))
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if _, err := s.loop.RunSteps(s.data, 100); err != nil {
		t.Fatalf("RunSteps: %v", err)
	}
	if err := hook.Err(); err != nil {
		t.Fatalf("hook error: %v", err)
	}
	rows, _ := replay(t, run)

	var metricSteps, histSteps, loss []float64
	for _, r := range rows {
		step := num(t, r, "global_step")
		var params, grads []string
		for k, v := range r {
			p, isParam := strings.CutPrefix(k, gomlx.ParametersPrefix)
			g, isGrad := strings.CutPrefix(k, gomlx.GradientsPrefix)
			if !isParam && !isGrad {
				continue
			}
			h, ok := v.(map[string]any)
			if !ok || h["_type"] != "histogram" {
				t.Fatalf("step %v: %s is not a histogram: %v", step, k, v)
			}
			counts, _ := h["values"].([]any)
			bins, _ := h["bins"].([]any)
			if len(counts) != 16 || len(bins) != 17 {
				t.Fatalf("step %v: %s has %d counts and %d edges, want 16 and 17", step, k, len(counts), len(bins))
			}
			if isParam {
				params = append(params, p)
			} else {
				grads = append(grads, g)
			}
		}
		if len(params)+len(grads) == 0 {
			if _, ok := r["train/loss"]; !ok {
				t.Fatalf("row with neither metrics nor histograms: %v", r)
			}
			metricSteps = append(metricSteps, step)
			loss = append(loss, num(t, r, "train/loss"))
			continue
		}
		histSteps = append(histSteps, step)
		sort.Strings(params)
		sort.Strings(grads)
		// 3 dense layers of weights and biases.
		if len(params) != 6 || !slices.Equal(params, grads) {
			t.Fatalf("step %v: parameters %v and gradients %v: want the same 6 variables", step, params, grads)
		}
		if !slices.Contains(params, "mlp/fnn_output_layer/weights") {
			t.Errorf("step %v: no histogram of mlp/fnn_output_layer/weights: %v", step, params)
		}
	}
	if want := []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}; !slices.Equal(metricSteps, want) {
		t.Errorf("metric rows at %v, want %v", metricSteps, want)
	}
	if want := []float64{25, 50, 75, 100}; !slices.Equal(histSteps, want) {
		t.Errorf("histogram rows at %v, want %v", histSteps, want)
	}
	if len(loss) > 1 && !(loss[len(loss)-1] < 0.5*loss[0]) {
		t.Errorf("with TrackGradients the loss went from %.4f to %.4f: not learning", loss[0], loss[len(loss)-1])
	}
}

func TestLoggingErrorsDoNotStopTrainingUnlessAsked(t *testing.T) {
	isolate(t)
	for _, stop := range []bool{false, true} {
		o := defaultSetup()
		o.hidden = 4
		s := newSetup(t, o)
		run := startRun(t)
		var handled int
		hook, err := gomlx.Attach(s.loop, run, gomlx.StopOnError(stop), gomlx.WithErrorHandler(func(error) { handled++ }))
		if err != nil {
			t.Fatalf("Attach: %v", err)
		}
		if err := run.Finish(0); err != nil {
			t.Fatal(err)
		}
		_, err = s.loop.RunSteps(s.data, 3)
		if stop {
			if !errors.Is(err, wandb.ErrRunFinished) {
				t.Errorf("StopOnError(true): RunSteps error %v, want one wrapping wandb.ErrRunFinished", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("RunSteps: %v, want training to go on", err)
		}
		// The config at start and the rows of the 3 steps.
		if !errors.Is(hook.Err(), wandb.ErrRunFinished) || hook.Errors() != 4 || handled != 4 {
			t.Errorf("Err() = %v, Errors() = %d, handler called %d times; want ErrRunFinished, 4 and 4", hook.Err(), hook.Errors(), handled)
		}
	}
}

func TestAttachRefusesBadArguments(t *testing.T) {
	isolate(t)
	s := newSetup(t, defaultSetup())
	run := startRun(t)
	for name, opts := range map[string][]gomlx.Option{
		"EveryNSteps(0)":      {gomlx.EveryNSteps(0)},
		"HistogramsEvery(-1)": {gomlx.HistogramsEvery(-1)},
		"WithBatchSize(-1)":   {gomlx.WithBatchSize(-1)},
		"WithConfigKey(\"\")": {gomlx.WithConfigKey(" ")},
	} {
		if _, err := gomlx.Attach(s.loop, run, opts...); !errors.Is(err, gomlx.ErrInvalidOption) {
			t.Errorf("%s: err %v, want ErrInvalidOption", name, err)
		}
	}
	if _, err := gomlx.Attach(nil, run); err == nil {
		t.Error("nil loop: no error")
	}
	if _, err := gomlx.Attach(s.loop, nil); err == nil {
		t.Error("nil run: no error")
	}
}

// onlyUpdateGraph hides an optimizer's UpdateGraphWithGradients.
type onlyUpdateGraph struct{ optimizers.Interface }

func TestTrackGradientsWithAnyOptimizer(t *testing.T) {
	isolate(t)
	for name, opt := range map[string]optimizers.Interface{
		"SGD":                  optimizers.StochasticGradientDescent().WithLearningRate(0.1).Done(),
		"UpdateGraph only":     onlyUpdateGraph{optimizers.Adam().LearningRate(0.02).Done()},
		"RMSProp (Adam-based)": optimizers.RMSProp().Done(),
	} {
		o := defaultSetup()
		tracked := gomlx.TrackGradients(opt)
		o.optimizer, o.extraMetrics = tracked, false
		s := newSetup(t, o)
		run := startRun(t, wandb.WithInProcessPlugin(gomlx.NewHistogramPlugin()))
		hook, err := gomlx.Attach(s.loop, run, gomlx.HistogramsEvery(5))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.loop.RunSteps(s.data, 5); err != nil {
			t.Fatalf("%s: RunSteps: %v", name, err)
		}
		if err := hook.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rows, _ := replay(t, run)
		last := rows[len(rows)-1]
		h, ok := last["gradients/mlp/fnn_output_layer/weights"].(map[string]any)
		if !ok || h["_type"] != "histogram" {
			t.Errorf("%s: no gradient histogram in the last row: %v", name, last)
		}
		// Clear deletes the kept gradients.
		if err := tracked.Clear(s.ctx); err != nil {
			t.Errorf("%s: Clear: %v", name, err)
		}
		for v := range s.ctx.IterVariables() {
			if strings.HasPrefix(v.Scope(), gomlx.GradientScope) {
				t.Errorf("%s: after Clear, %s is still there", name, v.ScopeAndName())
			}
		}
	}
}
