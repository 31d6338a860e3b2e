package wandb_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/gowandb/wandb"
)

// A training loop that ends when the run is stopped from the server (the
// stop button of the run's page): run.Context() is cancelled then, and the
// WithOnStop function runs once. The run itself still takes records until
// Finish, which ends it as killed on the server.
func ExampleWithOnStop() {
	run, cleanup := exampleRun(wandb.WithOnStop(func(r *wandb.Run) {
		fmt.Println("stopped from the server:", r.ID() != "")
	}))
	defer cleanup()
	ctx := run.Context()
	for step := range 3 {
		select {
		case <-ctx.Done():
			fmt.Println("stopping early:", errors.Is(context.Cause(ctx), wandb.ErrRunStopped))
			return
		default:
		}
		_ = run.Log(map[string]any{"loss": 1 / float64(step+1)})
	}
	_ = run.Finish(0)
	fmt.Println("finished; context done:", errors.Is(context.Cause(ctx), wandb.ErrRunFinished))
	// Output:
	// finished; context done: true
}
