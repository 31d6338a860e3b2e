package wandb

import "context"

// CurrentRun returns the default run (W&B's wandb.run), or nil before Init
// and after it finishes.
func CurrentRun() *Run { return currentRun() }

// Log logs to the default run. See Run.Log.
func Log(data map[string]any, opts ...LogOption) error {
	return currentRun().Log(data, opts...)
}

// CurrentConfig is the default run's config (W&B's wandb.config). Before
// Init it is nil, and its methods return ErrNotInitialized.
func CurrentConfig() *Config { return currentRun().Config() }

// CurrentSummary is the default run's summary (W&B's wandb.run.summary).
func CurrentSummary() *Summary { return currentRun().Summary() }

// DefineMetric defines a metric on the default run. See Run.DefineMetric.
func DefineMetric(name string, opts ...MetricOption) error {
	return currentRun().DefineMetric(name, opts...)
}

// Finish finishes the default run. See Run.Finish.
func Finish(exitCode int) error { return currentRun().Finish(exitCode) }

// Flush makes the default run's records durable. See Run.Flush.
func Flush(ctx context.Context) error { return currentRun().Flush(ctx) }
