// Command gym balances CartPole with a simple policy for a few episodes
// and records them into an offline W&B run: the return and length of each
// episode in history, and a video of every other episode (video.0,
// video.2, …) through the monitor_gym option.
//
//	go run ./examples/gym                    # 6 episodes, GIF videos
//	go run ./examples/gym -format mp4        # needs ffmpeg
//	go run ./examples/gym -plugin            # encode in the gym plugin
//
// The policy pushes the cart towards where the pole is falling, but acts
// at random with a probability that shrinks from episode to episode, so
// the returns grow as if it were learning.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gym"
	"github.com/gowandb/wandb/integrations/gym/cartpole"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

// run is main with its output, arguments and extra Init options (the
// tests' directory) as parameters.
func run(ctx context.Context, out io.Writer, args []string, opts ...wandb.Option) error {
	fs := flag.NewFlagSet("gym", flag.ContinueOnError)
	fs.SetOutput(out)
	episodes := fs.Int("episodes", 6, "episodes to play")
	every := fs.Int("every", 2, "record every n-th episode")
	format := fs.String("format", "gif", "video format: gif, or mp4/webm/ogg (ffmpeg)")
	maxFrames := fs.Int("max-frames", gym.DefaultMaxFrames, "frames per video at most")
	viaPlugin := fs.Bool("plugin", false, "encode the videos in the gym plugin (in-process) instead of the run's writer")
	seed := fs.Int64("seed", 1, "seed of the episodes and the policy")
	if err := fs.Parse(args); err != nil {
		return err
	}

	initOpts := []wandb.Option{
		wandb.WithProject("gym-cartpole"),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithMonitorGym(true),
		wandb.WithConfig(map[string]any{
			"env": "CartPole-v1", "policy": "lean-follow, decaying random",
			"episodes": *episodes, "record_every": *every, "seed": *seed,
		}),
	}
	recOpts := []gym.Option{gym.EveryNEpisodes(*every), gym.MaxFrames(*maxFrames), gym.Format(*format)}
	if *viaPlugin {
		initOpts = append(initOpts, wandb.WithInProcessPlugin(gym.NewPlugin()))
		recOpts = append(recOpts, gym.ViaPlugin())
	}
	r, err := wandb.Init(ctx, append(initOpts, opts...)...)
	if err != nil {
		return err
	}
	defer r.Finish(1) // a no-op after the Finish below

	// With monitor_gym set, Wrap returns the recording wrapper.
	env, err := gym.Wrap(cartpole.New(), r, recOpts...)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(*seed), 2))
	for ep := range *episodes {
		epsilon := 0.5 * (1 - float64(ep)/float64(max(1, *episodes-1)))
		obs, err := env.Reset(*seed + int64(ep))
		if err != nil {
			return err
		}
		recorded := ""
		if rec, ok := env.(*gym.Recorder[[]float64, int]); ok && rec.Recording() {
			recorded = fmt.Sprintf(" (video.%d)", ep)
		}
		ret, length := 0.0, 0
		for {
			action := policy(obs)
			if rng.Float64() < epsilon {
				action = rng.IntN(2)
			}
			var reward float64
			var terminated, truncated bool
			obs, reward, terminated, truncated, err = env.Step(action)
			if err != nil {
				return err
			}
			ret += reward
			length++
			if terminated || truncated {
				break
			}
		}
		if err := r.Log(map[string]any{"episode": ep, "episode/return": ret, "episode/length": length}); err != nil {
			return err
		}
		fmt.Fprintf(out, "episode %d: return %3.0f in %3d steps%s\n", ep, ret, length, recorded)
	}
	// Close logs a video cut short, and reports recording errors.
	if err := env.Close(); err != nil {
		return err
	}
	if err := r.Finish(0); err != nil {
		return err
	}
	fmt.Fprintf(out, "run %s is in %s (videos under %s)\n", r.Name(), r.SyncDir(), r.Dir()+"/media/videos")
	return nil
}

// policy pushes the cart towards where the pole is falling: its angle plus
// half its angular velocity.
func policy(obs []float64) int {
	if obs[2]+0.5*obs[3] > 0 {
		return cartpole.Right
	}
	return cartpole.Left
}
