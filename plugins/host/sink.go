package host

import "github.com/gowandb/wandb/plugins"

// RunSink is what a Session applies plugin emissions to: the run. Package
// wandb's *Run provides one. A Session calls its methods one at a time, in
// the order of the emissions, and never after Close returns. Errors are the
// run refusing a change (a config value that may not change, a step already
// passed); the Session reports them in the run's log and the plugin stays
// on.
type RunSink interface {
	// LogRow adds a history row: at step by W&B's step rule, or at the
	// run's current step and committed when step is plugins.NextStep.
	LogRow(step int64, row map[string]any) error
	// UpdateSummary sets summary keys explicitly.
	UpdateSummary(values map[string]any) error
	// UpdateConfig adds config keys.
	UpdateConfig(values map[string]any) error
	// AddFile records a file of the run, by its path relative to the
	// run's files directory (RunInfo.Dir), where it already is.
	AddFile(path string) error
	// LogLine adds a line to the run's log. Lines at plugins.LevelWarn and
	// above are the ones a user should see.
	LogLine(level plugins.Level, text string)
}
