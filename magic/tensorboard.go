package magic

import (
	"context"
	"errors"
	"os"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/tensorboard"
)

// EnvTensorboardDir names the TensorBoard log directory magic watches
// into the run (W&B's sync_tensorboard, which finds the directory by
// patching TensorFlow's writers; Go has none to patch).
const EnvTensorboardDir = "WANDB_SYNC_TENSORBOARD_DIR"

func init() { Register("tensorboard", IntegrationFunc(startTensorboard)) }

// startTensorboard watches $WANDB_SYNC_TENSORBOARD_DIR into the run, and
// stops the watch at Finish.
func startTensorboard(ctx context.Context, run *wandb.Run) (func(context.Context) error, error) {
	if tensorboard.PluginEnabled(run) {
		return nil, nil // tensorboard.WithLogDir already syncs through its plugin
	}
	dir := os.Getenv(EnvTensorboardDir)
	if dir == "" {
		if tensorboard.Enabled(run) {
			return nil, errNoTensorboardDir
		}
		return nil, nil
	}
	w, err := tensorboard.Watch(context.WithoutCancel(ctx), run, dir)
	if err != nil {
		return nil, err
	}
	return w.Stop, nil
}

var errNoTensorboardDir = errors.New("sync_tensorboard is on, but Go has no TensorFlow writer to patch: set " +
	EnvTensorboardDir + " to the log directory, or call tensorboard.Patch(ctx, run, dir)")
