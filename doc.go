// Package wandb tracks machine-learning experiments the way Weights & Biases
// does, from Go: Init starts a run, Config holds its hyperparameters, Log
// records metrics step by step, Summary keeps the final values, and Finish
// closes the run.
//
//	run, err := wandb.Init(ctx, wandb.WithProject("mnist"), wandb.WithConfig(map[string]any{"lr": 0.01}))
//	if err != nil {
//		return err
//	}
//	defer run.Finish(0)
//	for step := range 100 {
//		run.Log(map[string]any{"loss": loss(step)})
//	}
//
// Every record goes first to the run's write-ahead log on disk
// (wandb/offline-run-…/run-<id>.wandb, W&B's own format): Log never waits for
// the disk or the network, and a crash loses nothing that was flushed. The
// semantics of init, log (step and commit), config, summary and
// define_metric are W&B's, as its SDK reference describes them.
//
// A package-level default run mirrors W&B's wandb.run: the first Init sets
// it, and Log, CurrentConfig, CurrentSummary and Finish at package level use
// it, returning ErrNotInitialized before Init.
package wandb
