// Command demo trains a small GoMLX model (pure-Go backend) on two interleaved spirals and
// prints its progress. It is the end-to-end example for gowandb: the run's flags become the
// W&B config, and every step's loss, accuracy and learning rate are logged to the run.
//
// Usage:
//
//	go run ./examples/demo -steps 300 -lr 0.05 -batch-size 64 -hidden 64 -seed 1
//	make demo DEMO_ARGS="-steps 500"
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/examples/demo/train"
)

// printEvery is how often, in steps, progress is printed (the last step is always printed).
const printEvery = 50

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// newFlagSet returns the demo's flags, bound to cfg. The flag set is also the run's config.
func newFlagSet(cfg *train.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.IntVar(&cfg.Steps, "steps", cfg.Steps, "number of training steps")
	fs.IntVar(&cfg.BatchSize, "batch-size", cfg.BatchSize, "examples per training step")
	fs.Float64Var(&cfg.LearningRate, "lr", cfg.LearningRate, "peak Adam learning rate (cosine-decayed)")
	fs.IntVar(&cfg.HiddenUnits, "hidden", cfg.HiddenUnits, "units in each of the two hidden layers")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "seed for data, batch order and initial weights")
	fs.IntVar(&cfg.EvalEvery, "eval-every", cfg.EvalEvery, "evaluate on the held-out set every N steps")
	return fs
}

func run(ctx context.Context, args []string, out io.Writer, opts ...wandb.Option) (err error) {
	cfg := train.DefaultConfig()
	fs := newFlagSet(&cfg)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parsing flags: %w", err)
	}

	// The flags are the run's config. The demo handles SIGINT itself (ctx),
	// so the SDK's own signal handler is off and the exit code is ours.
	// It logs to the server named by WANDB_BASE_URL (make demo starts one),
	// else offline.
	mode := wandb.ModeOffline
	if os.Getenv("WANDB_BASE_URL") != "" {
		mode = wandb.ModeOnline
	}
	opts = append([]wandb.Option{
		wandb.WithProject("demo"),
		wandb.WithJobType("train"),
		wandb.WithMode(mode),
		wandb.WithConfig(fs),
		wandb.WithTags("gomlx", "spirals"),
		wandb.WithSignalHandler(false),
	}, opts...)
	wrun, err := wandb.Init(ctx, opts...)
	if err != nil {
		return fmt.Errorf("starting the run: %w", err)
	}
	defer func() {
		code := 0
		switch {
		case ctx.Err() != nil:
			code = wandb.SignalExitCode
		case err != nil:
			code = 1
		}
		if ferr := wrun.Finish(code); ferr != nil && err == nil {
			err = ferr
		}
		fmt.Fprintf(out, "\nrun %s (%s) is in %s\n", wrun.Name(), wrun.ID(), wrun.SyncDir())
		if u := wrun.URL(); u != "" {
			fmt.Fprintf(out, "on the server: %s\n", u)
		}
		fmt.Fprintf(out, "look at it with:\n  go run ./cmd/wandb run show %s\n  go run ./cmd/wandb export %s --format csv\n", wrun.SyncDir(), wrun.SyncDir())
	}()
	// The summary keeps the best held-out accuracy and the lowest loss.
	if err := wrun.DefineMetric("eval/accuracy", wandb.SummaryOf("max", "last")); err != nil {
		return err
	}
	if err := wrun.DefineMetric("train/loss", wandb.SummaryOf("min", "last")); err != nil {
		return err
	}

	fmt.Fprintf(out, "training: steps=%d batch-size=%d lr=%g hidden=%d seed=%d\n",
		cfg.Steps, cfg.BatchSize, cfg.LearningRate, cfg.HiddenUnits, cfg.Seed)
	start := time.Now()
	acc, err := train.Run(ctx, cfg, func(m train.StepMetrics) error {
		row := map[string]any{
			"train/loss":           m.Loss,
			"train/batch_accuracy": m.BatchAccuracy,
			"lr":                   m.LearningRate,
		}
		if m.Evaluated {
			row["eval/accuracy"] = m.Accuracy
			row["eval/loss"] = m.EvalLoss
		}
		if err := wrun.Log(row); err != nil {
			return err
		}
		if m.Step%printEvery == 0 || m.Step == 1 || m.Step == cfg.Steps {
			fmt.Fprintf(out, "step %4d  loss %.4f  batch-acc %.3f  eval-acc %.3f  lr %.5f\n",
				m.Step, m.Loss, m.BatchAccuracy, m.Accuracy, m.LearningRate)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("training: %w", err)
	}
	fmt.Fprintf(out, "final held-out accuracy: %.4f (%d steps in %s)\n",
		acc, cfg.Steps, time.Since(start).Round(time.Millisecond))
	return wrun.Summary().Set("final_accuracy", acc)
}
