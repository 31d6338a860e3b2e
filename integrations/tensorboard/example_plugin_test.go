package tensorboard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/tensorboard"
	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// sync_tensorboard at Init: the tensorboard plugin follows the log
// directory while the run lives and reads the rest at Finish. Without
// WithInProcess it runs as the binary wandb-plugin-tensorboard.
func ExampleWithLogDir() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	logDir := filepath.Join(dir, "logs")
	run, err := wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew),
		tensorboard.WithLogDir(logDir, tensorboard.WithInProcess(true)))
	if err != nil {
		fmt.Println(err)
		return
	}
	// The training loop writes TensorBoard logs, here under logs/train.
	tb, err := tfevents.Create(filepath.Join(logDir, "train"), tfevents.WithClock(func() time.Time { return run.StartTime().Add(time.Second) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	for step := range int64(3) {
		tb.WriteScalar("loss", step, 1/float64(step+1))
	}
	tb.Close()
	run.Finish(0) // nothing to stop: the run finishes the plugin
	rows, _ := run.History(context.Background())
	for _, r := range rows {
		fmt.Println(r["global_step"], r["train/loss"])
	}
	// Output:
	// 0 1
	// 1 0.5
	// 2 0.3333333432674408
}
