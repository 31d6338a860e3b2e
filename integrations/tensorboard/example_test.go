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

// A training loop that writes TensorBoard logs with tfevents, watched live
// into a run; the same logs imported afterwards would use Sync.
func ExampleWatch() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	run, err := wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSyncTensorboard(true), wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew))
	if err != nil {
		fmt.Println(err)
		return
	}
	logDir := filepath.Join(dir, "logs", "train")
	// Go has no TensorFlow writer to patch: name the log directory.
	w, err := tensorboard.Patch(context.Background(), run, logDir)
	if err != nil {
		fmt.Println(err)
		return
	}
	tb, err := tfevents.Create(logDir, tfevents.WithClock(func() time.Time { return run.StartTime().Add(time.Second) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	for step := range int64(3) {
		tb.WriteScalar("loss", step, 1/float64(step+1))
	}
	tb.Close()
	if err := w.Stop(context.Background()); err != nil { // before Finish
		fmt.Println(err)
	}
	rows, _ := run.History(context.Background())
	for _, r := range rows {
		fmt.Println(r["global_step"], r["loss"])
	}
	run.Finish(0)
	// Output:
	// 0 1
	// 1 0.5
	// 2 0.3333333432674408
}
