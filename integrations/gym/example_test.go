package gym_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gym"
	"github.com/gowandb/wandb/integrations/gym/cartpole"
)

// Wrap records the episodes of an env when the run has monitor_gym: here
// every other episode, each under video.<episode>.
func ExampleWrap() {
	dir, err := os.MkdirTemp("", "gym-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	run, err := wandb.Init(ctx,
		wandb.WithMonitorGym(true),
		wandb.WithMode(wandb.ModeOffline), wandb.WithDir(dir),
		wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard), wandb.WithReinit(wandb.ReinitCreateNew),
	)
	if err != nil {
		log.Fatal(err)
	}
	env, err := gym.Wrap(cartpole.New(), run, gym.EveryNEpisodes(2))
	if err != nil {
		log.Fatal(err)
	}
	for ep := range 3 {
		obs, _ := env.Reset(int64(ep))
		for done := false; !done; {
			action := cartpole.Left
			if obs[2]+0.5*obs[3] > 0 { // the pole falls right: push right
				action = cartpole.Right
			}
			var terminated, truncated bool
			obs, _, terminated, truncated, _ = env.Step(action)
			done = terminated || truncated
		}
	}
	if err := env.Close(); err != nil {
		log.Fatal(err)
	}
	run.Finish(0)

	rows, _ := run.History(ctx)
	for _, row := range rows {
		for key, v := range row {
			if m, ok := v.(map[string]any); ok && m["_type"] == "video-file" {
				fmt.Println(key, m["width"], m["height"])
			}
		}
	}
	// Output:
	// video.0 160 120
	// video.2 160 120
}
