package wandb

import (
	"github.com/gowandb/wandb/core/runstate"
)

// LogOption is an argument of Log: Step or Commit.
type LogOption struct {
	step      int64
	hasStep   bool
	commit    bool
	hasCommit bool
}

// Step logs to step n (W&B's step argument). It commits the pending row if n
// is past the current step, and by default does not commit step n itself:
// a later Log without a step, a higher step, or Commit(true) does. A step
// lower than the current one is dropped with a warning.
func Step(n int64) LogOption { return LogOption{step: n, hasStep: true} }

// Commit says whether this call ends the current step (W&B's commit
// argument). Commit(false) accumulates values into the current step.
func Commit(commit bool) LogOption { return LogOption{commit: commit, hasCommit: true} }

// Log records a row of metrics (W&B's wandb.log): numbers, bools, strings,
// time values, slices (over 32 numbers become a 32-bin histogram), nested
// maps (kept nested), histograms and media. The step rules are W&B's:
//
//   - Log(data) adds data to the current step and commits it; the step
//     counter moves on.
//   - Log(data, Commit(false)) adds data to the current step without
//     committing; later values of the same key overwrite earlier ones.
//   - Log(data, Step(n)) commits the pending row if n is past the current
//     step, then adds data to step n without committing it.
//
// _step, _runtime and _timestamp are added to every row. A value that
// cannot be logged is left out and named in the returned error (wrapping
// ErrUnsupportedType or ErrInvalidValue); the other keys of the call still
// land. Log never waits for the disk or the network.
func (r *Run) Log(data map[string]any, opts ...LogOption) error {
	if err := r.check(); err != nil {
		return err
	}
	if r.disabled {
		return nil
	}
	var o runstate.LogOptions
	for i := range opts {
		op := &opts[i]
		if op.hasStep {
			o.Step, o.HasStep = op.step, true
		}
		if op.hasCommit {
			o.Commit, o.HasCommit = op.commit, true
		}
	}
	if err := r.logRow(data, o); err != nil { // plot.go: custom charts, gonum plots
		return wrap("log", err)
	}
	return nil
}

// MetricOption configures DefineMetric.
type MetricOption func(*runstate.MetricDef)

// StepMetric plots the metric against another metric instead of _step.
func StepMetric(name string) MetricOption {
	return func(d *runstate.MetricDef) { d.StepMetric = name }
}

// StepSync adds the step metric's last value to rows that log the metric
// without it (default true with StepMetric).
func StepSync(sync bool) MetricOption {
	return func(d *runstate.MetricDef) { d.StepSync = &sync }
}

// Hidden hides the metric from automatic charts.
func Hidden(hidden bool) MetricOption {
	return func(d *runstate.MetricDef) { d.Hidden = hidden }
}

// SummaryOf sets the metric's summary: "min", "max", "mean", "first",
// "last", "best" (with Goal) or "none" (no summary), one or several, or
// comma-separated.
func SummaryOf(aggregates ...string) MetricOption {
	return func(d *runstate.MetricDef) { d.Summary = append(d.Summary, aggregates...) }
}

// Goal says whether lower ("minimize") or higher ("maximize") is better.
func Goal(goal string) MetricOption {
	return func(d *runstate.MetricDef) { d.Goal = goal }
}

// Overwrite replaces an earlier definition of the metric instead of merging.
func Overwrite(overwrite bool) MetricOption {
	return func(d *runstate.MetricDef) { d.Overwrite = overwrite }
}

// DefineMetric customises a metric (W&B's define_metric): its x-axis, its
// summary, whether it is hidden. A name ending in "*" applies to every key
// with that prefix; nested keys are joined with ".".
func (r *Run) DefineMetric(name string, opts ...MetricOption) error {
	if err := r.check(); err != nil {
		return err
	}
	d := runstate.MetricDef{Name: name}
	for _, o := range opts {
		o(&d)
	}
	if r.disabled {
		return nil
	}
	return wrap("define_metric", r.handler.DefineMetric(d))
}
