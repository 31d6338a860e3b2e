// Package tensorboard syncs TensorBoard logs into W&B runs
// (wandb-behaviour.md §9.1): the events of tfevents files become history
// rows, live while training writes them (Watch, Patch: W&B's
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
//   - a Sink receives the rows and the event files to save: RunSink logs
//     into a *wandb.Run in this process (global_step and _timestamp from
//     the event, media, the PR-curve table and chart, files copied under
//     run.Dir()). The plugin hub of issue 7 will run the same reading and
//     conversion in a plugin process and carry the Sink calls to the run.
//
// Namespaces follow W&B's root-dir rule: a log directory's namespace is its
// path relative to the root log directory (WithRootDir; by default the
// directory given), so logs/train/… logs "train/epoch_loss". global_step is
// not namespaced.
//
// # Steps
//
// Each row is logged with run.Log and no step: W&B does not honour
// log(step=…) while TensorBoard is synced. The TensorBoard step is the
// global_step value of the row, and the run's own _step counts rows; plot
// against global_step (wandb.StepMetric) for TensorBoard's x-axis.
//
// # What Go cannot do
//
// W&B's Python client finds log directories by patching the summary
// writers of TensorFlow, PyTorch and tensorboardX. There is no such writer
// to patch in a Go process, so sync_tensorboard (wandb.WithSyncTensorboard)
// only records the setting: Patch or Watch must be given the log directory,
// and Stop must be called before run.Finish (the run has no finish hooks
// for integrations yet).
package tensorboard
