// Command gomlx trains a small MLP with GoMLX on its pure-Go backend and logs
// the training into an offline W&B run with one call,
// gomlx.Attach(loop, run): the loss, GoMLX's moving averages, batch
// accuracy, the cosine-decayed learning rate, step time and examples/s at
// every step, the context's hyperparameters in the config, and weight and
// gradient histograms every -hist-every steps (binned by the in-process
// HistogramPlugin).
//
// The data are points of [-1, 1]² labelled by whether x·y > 0, generated
// from -seed; the model is 2 → hidden → hidden → 2 with ReLU.
//
// Usage:
//
//	go run ./examples/gomlx -steps 500 -lr 0.02 -hidden 64 -batch-size 64
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/fnn"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers/cosineschedule"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gomlx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gomlx:", err)
		os.Exit(1)
	}
}

// settings are the command's flags.
type settings struct {
	steps, batchSize, hidden, histEvery, printEvery int
	lr                                              float64
	seed                                            int64
}

func run(ctx context.Context, args []string, out io.Writer, opts ...wandb.Option) (err error) {
	s := settings{steps: 500, batchSize: 64, hidden: 64, histEvery: 100, printEvery: 100, lr: 0.02, seed: 1}
	fs := flag.NewFlagSet("gomlx", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.IntVar(&s.steps, "steps", s.steps, "training steps")
	fs.IntVar(&s.batchSize, "batch-size", s.batchSize, "examples per step")
	fs.IntVar(&s.hidden, "hidden", s.hidden, "units in each of the two hidden layers")
	fs.Float64Var(&s.lr, "lr", s.lr, "peak Adam learning rate (cosine-decayed over -steps)")
	fs.Int64Var(&s.seed, "seed", s.seed, "seed of the data and the initial weights")
	fs.IntVar(&s.histEvery, "hist-every", s.histEvery, "weight and gradient histograms every N steps (0: none)")
	fs.IntVar(&s.printEvery, "print-every", s.printEvery, "print progress every N steps")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	if s.steps <= 0 || s.batchSize <= 0 || s.hidden <= 0 || s.lr <= 0 || s.histEvery < 0 || s.printEvery <= 0 {
		return fmt.Errorf("flags: -steps, -batch-size, -hidden, -lr and -print-every must be positive, -hist-every not negative")
	}

	opts = append([]wandb.Option{
		wandb.WithProject("gomlx"),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithInProcessPlugin(gomlx.NewHistogramPlugin()),
	}, opts...)
	wrun, err := wandb.Init(ctx, opts...)
	if err != nil {
		return fmt.Errorf("starting the run: %w", err)
	}
	defer func() {
		code := 0
		if err != nil {
			code = 1
		}
		if ferr := wrun.Finish(code); ferr != nil && err == nil {
			err = ferr
		}
		fmt.Fprintf(out, "\nrun %s (%s) is in %s\n", wrun.Name(), wrun.ID(), wrun.SyncDir())
		fmt.Fprintf(out, "look at it with:\n  go run ./cmd/wandb run show %s\n", wrun.SyncDir())
	}()

	backend, err := simplego.New("ops_sequential") // the pure-Go backend; see package gomlx
	if err != nil {
		return fmt.Errorf("simplego: %w", err)
	}
	defer backend.Finalize()

	// Hyperparameters live in the GoMLX context; Attach copies them into
	// the run's config under "gomlx".
	mctx := mlctx.New()
	mctx.SetParams(map[string]any{
		mlctx.ParamInitialSeed:       s.seed,
		optimizers.ParamLearningRate: s.lr,
		"hidden_units":               s.hidden,
		"num_hidden_layers":          2,
		"batch_size":                 s.batchSize,
		"steps":                      s.steps,
	})
	if err := mctx.SetRNGStateFromSeed(s.seed); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	accuracy := metrics.NewBaseMetric("Batch Accuracy", "acc", metrics.AccuracyMetricType,
		metrics.SparseCategoricalAccuracyGraph, nil)
	opt := gomlx.TrackGradients(optimizers.Adam().FromContext(mctx).Done())
	trainer := train.NewTrainer(backend, mctx, model, losses.SparseCategoricalCrossEntropyLogits,
		opt, []metrics.Interface{accuracy}, nil)
	loop := train.NewLoop(trainer)

	// The integration: one call.
	hook, err := gomlx.Attach(loop, wrun, gomlx.HistogramsEvery(s.histEvery))
	if err != nil {
		return err
	}

	start := time.Now()
	loop.OnStep("print", 10, func(l *train.Loop, m []*tensors.Tensor) error {
		if step := l.LoopStep + 1; step%s.printEvery == 0 || step == 1 {
			fmt.Fprintf(out, "step %4d  loss %.4f  batch-acc %.3f\n", step,
				shapes.ConvertTo[float64](m[0].Value()), shapes.ConvertTo[float64](m[len(m)-1].Value()))
		}
		return ctx.Err() // stops the loop on Ctrl-C
	})
	if _, err := loop.RunSteps(newQuadrants(s.seed, s.batchSize), s.steps); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	fmt.Fprintf(out, "%d steps in %s\n", s.steps, time.Since(start).Round(time.Millisecond))
	if err := hook.Err(); err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	return nil
}

// model is a ReLU MLP with the context's hidden_units and
// num_hidden_layers, and a cosine learning-rate decay over the context's
// steps, which Attach logs as train/learning_rate.
func model(ctx *mlctx.Context, _ any, inputs []*graph.Node) []*graph.Node {
	x := inputs[0]
	lr := mlctx.GetParamOr(ctx, optimizers.ParamLearningRate, 0.01)
	cosineschedule.New(ctx, x.Graph(), dtypes.Float32).
		LearningRate(lr).
		MinLearningRate(lr / 100).
		PeriodSteps(mlctx.GetParamOr(ctx, "steps", 1000)).
		Done()
	logits := fnn.New(ctx.In("mlp"), x, 2).
		NumHiddenLayers(mlctx.GetParamOr(ctx, "num_hidden_layers", 2), mlctx.GetParamOr(ctx, "hidden_units", 64)).
		Activation(activations.TypeRelu).
		Done()
	return []*graph.Node{logits}
}

// quadrants is an infinite train.Dataset of points of [-1, 1]² labelled 1
// when x·y > 0, drawn from a seeded source.
type quadrants struct {
	seed  int64
	batch int
	rng   *rand.Rand
}

func newQuadrants(seed int64, batch int) *quadrants {
	q := &quadrants{seed: seed, batch: batch}
	q.Reset()
	return q
}

// Name implements train.Dataset.
func (q *quadrants) Name() string { return "quadrants" }

// Reset implements train.Dataset.
func (q *quadrants) Reset() { q.rng = rand.New(rand.NewSource(q.seed)) }

// BatchSize is read by Attach for examples/s.
func (q *quadrants) BatchSize() int { return q.batch }

// Yield implements train.Dataset with fresh tensors: the loop finalizes
// what it is given.
func (q *quadrants) Yield() (spec any, inputs, labels []*tensors.Tensor, err error) {
	x := make([]float32, 0, 2*q.batch)
	y := make([]int32, 0, q.batch)
	for range q.batch {
		a, b := q.rng.Float32()*2-1, q.rng.Float32()*2-1
		x = append(x, a, b)
		label := int32(0)
		if a*b > 0 {
			label = 1
		}
		y = append(y, label)
	}
	return nil, []*tensors.Tensor{tensors.FromFlatDataAndDimensions(x, q.batch, 2)},
		[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(y, q.batch, 1)}, nil
}
