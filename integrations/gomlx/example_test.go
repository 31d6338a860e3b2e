package gomlx_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/fnn"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gomlx"
)

// A GoMLX training loop logged into a run with one call. The model is a
// small MLP on the pure-Go backend; newQuadrants (helpers_test.go) is a
// train.Dataset of labelled 2-D points with a BatchSize method, which
// Attach reads for examples/s.
func ExampleAttach() {
	dir, err := os.MkdirTemp("", "gomlx-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	run, err := wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard))
	if err != nil {
		log.Fatal(err)
	}

	backend, err := simplego.New("ops_sequential")
	if err != nil {
		log.Fatal(err)
	}
	defer backend.Finalize()
	ctx := mlctx.New()
	ctx.SetParam("hidden_units", 16)
	model := func(ctx *mlctx.Context, _ any, inputs []*graph.Node) []*graph.Node {
		hidden := mlctx.GetParamOr(ctx, "hidden_units", 8)
		return []*graph.Node{fnn.New(ctx.In("mlp"), inputs[0], 2).NumHiddenLayers(2, hidden).Done()}
	}
	trainer := train.NewTrainer(backend, ctx, model, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().LearningRate(0.02).Done(), nil, nil)
	loop := train.NewLoop(trainer)

	// The integration: one call.
	if _, err := gomlx.Attach(loop, run, gomlx.EveryNSteps(10)); err != nil {
		log.Fatal(err)
	}

	if _, err := loop.RunSteps(newQuadrants(1, 32), 30); err != nil {
		log.Fatal(err)
	}
	if err := run.Finish(0); err != nil {
		log.Fatal(err)
	}
	rows, err := run.History(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range rows {
		var keys []string
		for k := range row {
			if !strings.HasPrefix(k, "_") && k != gomlx.GlobalStepKey {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		fmt.Println(row[gomlx.GlobalStepKey], strings.Join(keys, " "))
	}
	hidden, _ := run.Config().GetPath("gomlx", "hidden_units")
	fmt.Println("config gomlx.hidden_units:", hidden)
	// Output:
	// 10 train/examples_per_sec train/learning_rate train/loss train/step_time train/~loss train/~loss+
	// 20 train/examples_per_sec train/learning_rate train/loss train/step_time train/~loss train/~loss+
	// 30 train/examples_per_sec train/learning_rate train/loss train/step_time train/~loss train/~loss+
	// config gomlx.hidden_units: 16
}
