// Package runstate is a run's data model and W&B's rules for it, with no I/O:
// converting logged Go values to W&B's JSON (value.go), the step and commit
// rules of log (history.go, wandb-behaviour.md §3.1), the summary with its
// explicit overrides (summary.go, §3.3) and define_metric (metric.go, §3.4).
//
// It follows the handler stage of W&B's own Go service: fast bookkeeping that
// turns calls into records, leaving writing to the caller.
package runstate
