package train

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/fnn"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers/cosineschedule"
)

// numHiddenLayers is the depth of the MLP between the input and the logits.
const numHiddenLayers = 2

// minLearningRateFraction is where the cosine schedule ends, as a fraction of Config.LearningRate.
const minLearningRateFraction = 0.01

// modelFn returns a GoMLX train.ModelFn: a ReLU MLP with numHiddenLayers layers of
// cfg.HiddenUnits units that maps [batch, 2] points to [batch, 2] class logits.
//
// It also adds the learning-rate schedule to training graphs: a single cosine decay from
// cfg.LearningRate to minLearningRateFraction·cfg.LearningRate over cfg.Steps steps, written
// into the optimizer's learning-rate variable, which Adam then reads in the same step.
func modelFn(cfg Config) func(ctx *context.Context, spec any, inputs []*graph.Node) []*graph.Node {
	return func(ctx *context.Context, _ any, inputs []*graph.Node) []*graph.Node {
		x := inputs[0]
		cosineschedule.New(ctx, x.Graph(), dtypes.Float32).
			LearningRate(cfg.LearningRate).
			MinLearningRate(cfg.LearningRate * minLearningRateFraction).
			PeriodSteps(cfg.Steps).
			Done() // No-op in eval graphs.
		logits := fnn.New(ctx.In("mlp"), x, numClasses).
			NumHiddenLayers(numHiddenLayers, cfg.HiddenUnits).
			Activation(activations.TypeRelu).
			Done()
		return []*graph.Node{logits}
	}
}
