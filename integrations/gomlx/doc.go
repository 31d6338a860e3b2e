// Package gomlx logs GoMLX training (github.com/gomlx/gomlx) into a W&B
// run: one call, Attach, after the train.Loop is built.
//
//	loop := train.NewLoop(trainer)
//	hook, err := gomlx.Attach(loop, run, gomlx.WithBatchSize(64))
//	...
//	_, err = loop.RunSteps(ds, 1000)
//
// GoMLX has no global hook registry, so the integration is this call (the
// pattern of GoMLX's own commandline.AttachProgressBar): it registers
// OnStart, OnStep and OnEnd hooks on the loop, which
//
//   - put the context's hyperparameters into the run's config under
//     "gomlx" at start;
//   - log the loss and every metric of trainer.TrainMetrics(), the
//     learning rate (read from the optimizer's variable in the context),
//     the step time and examples/s, every EveryNSteps steps, against
//     GlobalStepKey;
//   - with HistogramsEvery, send the weights (and, with an optimizer
//     wrapped in TrackGradients, the gradients) to the run's plugins as
//     tensor observations (run.Observe), which a plugin turns into
//     histograms: HistogramPlugin, run in the process with
//     wandb.WithInProcessPlugin(gomlx.NewHistogramPlugin()) or served as a
//     plugin binary.
//
// The hooks run on the loop's goroutine and copy the values they need out
// of the GoMLX tensors there, since GoMLX finalizes a step's metrics at the
// next step. Their cost is measured against the step of a small MLP in
// docs/BENCHMARKS.md ("GoMLX and Gorgonia hooks").
//
// # Backends
//
// The package does not choose a backend. Tests and examples/gomlx use the
// pure-Go one (github.com/gomlx/gomlx/backends/simplego, "go") with the
// "ops_sequential" option: import it, not backends/default, which links
// XLA through cgo and downloads PJRT at run time. v0.26.0's parallel op
// scheduler has a data race that -race reports; "ops_sequential" avoids it.
//
// # Not yet
//
// Checkpoints (checkpoints.Handler files) are not logged as "model"
// artifacts: that waits for the run's artifacts API. Until then, save the
// checkpoint directory with the run's files yourself if you need it.
package gomlx
