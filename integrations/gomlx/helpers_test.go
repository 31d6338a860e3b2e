package gomlx_test

import (
	"context"
	"io"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/fnn"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gomlx"
)

// quadrants is an infinite train.Dataset of points in [-1, 1]² labelled 1
// when x·y > 0 (the XOR of the signs): a problem no linear model solves
// and a small MLP learns in a few hundred steps. Batches are drawn from
// its own seeded source, so runs are reproducible.
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

func (q *quadrants) Name() string   { return "quadrants" }
func (q *quadrants) Reset()         { q.rng = rand.New(rand.NewSource(q.seed)) }
func (q *quadrants) BatchSize() int { return q.batch }

// Yield returns fresh tensors: the loop finalizes what it is given.
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

// setup is what a training needs.
type setup struct {
	backend backends.Backend
	ctx     *mlctx.Context
	trainer *train.Trainer
	loop    *train.Loop
	data    *quadrants
}

type setupOptions struct {
	hidden        int
	learningRate  float64
	trackGrads    bool
	seed          int64
	batch         int
	extraMetrics  bool
	hyperparamSet bool
	// optimizer replaces Adam when set.
	optimizer optimizers.Interface
}

func defaultSetup() setupOptions {
	return setupOptions{hidden: 16, learningRate: 0.02, seed: 3, batch: 32, extraMetrics: true, hyperparamSet: true}
}

// newSetup builds a two-hidden-layer ReLU MLP (2 → h → h → 2) trained with
// Adam on quadrants, on the pure-Go backend with "ops_sequential" (GoMLX
// v0.26.0's parallel scheduler races).
func newSetup(tb testing.TB, o setupOptions) *setup {
	tb.Helper()
	backend, err := simplego.New("ops_sequential")
	if err != nil {
		tb.Fatalf("simplego: %v", err)
	}
	tb.Cleanup(backend.Finalize)
	ctx := mlctx.New()
	ctx.SetParam(mlctx.ParamInitialSeed, o.seed)
	if o.hyperparamSet {
		ctx.SetParam("hidden_units", o.hidden)
		ctx.In("mlp").SetParam("activation", "relu")
	}
	if err := ctx.SetRNGStateFromSeed(o.seed); err != nil {
		tb.Fatal(err)
	}
	model := func(ctx *mlctx.Context, _ any, inputs []*graph.Node) []*graph.Node {
		logits := fnn.New(ctx.In("mlp"), inputs[0], 2).
			NumHiddenLayers(2, o.hidden).
			Activation(activations.TypeRelu).
			Done()
		return []*graph.Node{logits}
	}
	var opt optimizers.Interface = optimizers.Adam().LearningRate(o.learningRate).Done()
	if o.optimizer != nil {
		opt = o.optimizer
	}
	if o.trackGrads {
		opt = gomlx.TrackGradients(opt)
	}
	var trainMetrics []metrics.Interface
	if o.extraMetrics {
		trainMetrics = append(trainMetrics, metrics.NewBaseMetric("Batch Accuracy", "acc", metrics.AccuracyMetricType,
			metrics.SparseCategoricalAccuracyGraph, nil))
	}
	trainer := train.NewTrainer(backend, ctx, model, losses.SparseCategoricalCrossEntropyLogits, opt, trainMetrics, nil)
	return &setup{backend: backend, ctx: ctx, trainer: trainer, loop: train.NewLoop(trainer), data: newQuadrants(o.seed, o.batch)}
}

// isolate keeps WANDB_* settings of the environment out of the test.
func isolate(tb testing.TB) {
	tb.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			tb.Setenv(name, "")
		}
	}
	tb.Setenv("WANDB_CONFIG_DIR", tb.TempDir())
}

// startRun starts an offline run in a temporary directory, finished when
// the test ends if the test has not finished it.
func startRun(tb testing.TB, opts ...wandb.Option) *wandb.Run {
	tb.Helper()
	all := append([]wandb.Option{
		wandb.WithDir(tb.TempDir()),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithWarnings(io.Discard),
		wandb.WithReinit(wandb.ReinitCreateNew),
		wandb.WithSettings(map[string]string{"disable_git": "true"}),
	}, opts...)
	run, err := wandb.Init(context.Background(), all...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = run.Finish(0) })
	return run
}
