// Package tensorboard syncs TensorBoard logs into W&B runs
// (wandb-behaviour.md §9.1): the events of tfevents files become history
// rows, live while training writes them (WithLogDir, Watch, Patch: W&B's
// sync_tensorboard) or afterwards (Sync: `wandb sync --tensorboard`).
//
// The pieces, in the order data flows:
//
//   - tfevents (subpackage) reads and writes event files: TFRecord framing
//     with masked CRC-32C, the Event/Summary/Tensor messages, TF1 and TF2
//     summaries, damage reporting and a tail mode for live files;
//   - Filter and the log-directory scan pick the files (tfevents.<unix
//     seconds>.<host>, no *.profile-empty) and read each directory's files
//     in name order, following rotation to newer files;
//   - Converter turns events into Rows: key = "<namespace>/<tag>",
//     consecutive events of one step merged, histograms re-binned to at
//     most 512 bins, images, text and PR curves as data;
//   - a Sink receives the rows and the event files to save. There are two
//     transports behind that one interface: RunSink logs into a
//     *wandb.Run in this process (global_step and _timestamp from the
//     event, media, the PR-curve table and chart, files copied under
//     run.Dir()); EmitterSink turns the same calls into plugins.Emissions
//     for the plugin hub (package plugins), binding media into the run's
//     files directory itself.
//
// # Live sync as a plugin
//
// WithLogDir is the Init option of sync_tensorboard: it records the log
// directory in the run's config (_wandb.tensorboard, ConfigKey) and starts
// Plugin with the run, as the binary wandb-plugin-tensorboard
// (cmd/wandb-plugin-tensorboard, found on WANDB_PLUGIN_PATH or beside the
// program) or, with WithInProcess, in this process:
//
//	run, err := wandb.Init(ctx, tensorboard.WithLogDir("logs"))
//	// … training writes event files under logs/ …
//	run.Finish(0) // the plugin reads the rest and saves the event files
//
// The plugin follows the directory with a Watcher polled by its own
// goroutine (every WithPollInterval) and sends each row through an
// EmitterSink; the run's plugin host flushes and finishes it at
// run.Finish. Watch and Patch remain for programs that want the Watcher
// itself in their process.
//
// Namespaces follow W&B's root-dir rule: a log directory's namespace is its
// path relative to the root log directory (WithRootDir; by default the
// directory given), so logs/train/… logs "train/epoch_loss". global_step is
// not namespaced.
//
// # Steps
//
// Each row is logged with run.Log and no step (by the plugin: at
// plugins.NextStep): W&B does not honour log(step=…) while TensorBoard is
// synced. The TensorBoard step is the global_step value of the row, and
// the run's own _step counts rows; plot against global_step
// (wandb.StepMetric) for TensorBoard's x-axis.
//
// # What Go cannot do
//
// W&B's Python client finds log directories by patching the summary
// writers of TensorFlow, PyTorch and tensorboardX. There is no such writer
// to patch in a Go process, so sync_tensorboard (wandb.WithSyncTensorboard)
// alone only records the setting: the log directory must be named, with
// WithLogDir at Init, or to Patch or Watch (whose Watcher must then be
// stopped before run.Finish).
package tensorboard
