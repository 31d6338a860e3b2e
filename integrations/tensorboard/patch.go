package tensorboard

import (
	"context"
	"errors"

	"github.com/gowandb/wandb"
)

// Enabled reports whether run was started with sync_tensorboard
// (wandb.WithSyncTensorboard(true), WANDB_SYNC_TENSORBOARD or a settings
// file).
func Enabled(run *wandb.Run) bool {
	return run != nil && run.Settings() != nil && run.Settings().SyncTensorboard
}

// Patch is the Go counterpart of W&B's wandb.tensorboard.patch(
// root_logdir=logDir): it turns sync_tensorboard into a Watcher of logDir
// for run, and returns it; call Stop before run.Finish. It watches whether
// or not the run has the sync_tensorboard setting: naming the log
// directory is the request (check Enabled first to make the setting
// decide).
//
// What Go cannot do: W&B's Python client patches TensorFlow's, PyTorch's
// and tensorboardX's summary writers, so that every log directory they
// open is found without being named. A Go program has no such writer to
// hook (a TensorFlow or PyTorch child process writes its files on its own,
// and tfevents.Writer is an ordinary value), so the log directory must be
// given here; subdirectories created under it later (train/, validation/)
// are found by the Watcher. WithLogDir does the same at Init through the
// tensorboard plugin, with nothing to stop.
func Patch(ctx context.Context, run *wandb.Run, logDir string, opts ...Option) (*Watcher, error) {
	if logDir == "" {
		return nil, errors.New("tensorboard: patch: no log directory: Go has no TensorFlow writer to hook, name the directory")
	}
	return Watch(ctx, run, logDir, opts...)
}
