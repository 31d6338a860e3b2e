package gomlx

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// GradientScope is the context scope where TrackGradients keeps the
// gradients: the gradient of variable "/mlp/dense/weights" is the
// non-trainable variable "/wandb/gradients/mlp/dense/weights".
const GradientScope = "/wandb/gradients"

// TrackGradients wraps opt so that each training step also stores the
// gradients it applies in the context (under GradientScope), where Attach
// finds them for HistogramsEvery and sends them as "gradients/<variable>".
// Pass the wrapped optimizer to train.NewTrainer:
//
//	trainer := train.NewTrainer(backend, ctx, model, loss, gomlx.TrackGradients(optimizers.Adam().Done()), nil, nil)
//
// GoMLX computes gradients inside its train step graph and hands them to
// nothing else, so this wrapper is the only way to see them. It costs a
// copy of every gradient in each step (the size of the model's weights),
// whether or not a histogram is due, and the gradient variables are saved
// in checkpoints like any other variable; Clear deletes them. An optimizer
// that implements train.OptimizeWithGradients (Adam, SGD) gets the
// gradients computed once; another one computes them again itself.
func TrackGradients(opt optimizers.Interface) optimizers.Interface {
	return &gradientTracker{inner: opt}
}

type gradientTracker struct{ inner optimizers.Interface }

var (
	_ optimizers.Interface        = (*gradientTracker)(nil)
	_ train.OptimizeWithGradients = (*gradientTracker)(nil)
)

// UpdateGraph implements optimizers.Interface.
func (o *gradientTracker) UpdateGraph(ctx *mlctx.Context, g *graph.Graph, loss *graph.Node) {
	if _, ok := o.inner.(train.OptimizeWithGradients); ok {
		o.UpdateGraphWithGradients(ctx, ctx.BuildTrainableVariablesGradientsGraph(loss), loss.DType())
		return
	}
	keepGradients(ctx, g, ctx.BuildTrainableVariablesGradientsGraph(loss))
	o.inner.UpdateGraph(ctx, g, loss)
}

// UpdateGraphWithGradients implements train.OptimizeWithGradients, for
// gradient accumulation; it panics (GoMLX's way of failing a graph build)
// when the wrapped optimizer does not implement it.
func (o *gradientTracker) UpdateGraphWithGradients(ctx *mlctx.Context, grads []*graph.Node, lossDType dtypes.DType) {
	inner, ok := o.inner.(train.OptimizeWithGradients)
	if !ok {
		panic(fmt.Errorf("gomlx: TrackGradients: optimizer %T does not implement train.OptimizeWithGradients", o.inner))
	}
	if len(grads) > 0 {
		keepGradients(ctx, grads[0].Graph(), grads)
	}
	inner.UpdateGraphWithGradients(ctx, grads, lossDType)
}

// Clear implements optimizers.Interface: it deletes the kept gradients and
// clears the wrapped optimizer.
func (o *gradientTracker) Clear(ctx *mlctx.Context) error {
	if err := ctx.InAbsPath(GradientScope).DeleteVariablesInScope(); err != nil {
		return fmt.Errorf("gomlx: TrackGradients: clear: %w", err)
	}
	return o.inner.Clear(ctx)
}

// keepGradients stores grads, in the order of
// Context.BuildTrainableVariablesGradientsGraph (the trainable variables
// the graph uses), into non-trainable variables under GradientScope.
func keepGradients(ctx *mlctx.Context, g *graph.Graph, grads []*graph.Node) {
	var vars []*mlctx.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
		}
	}
	if len(vars) != len(grads) {
		panic(fmt.Errorf("gomlx: TrackGradients: %d gradients for %d trainable variables", len(grads), len(vars)))
	}
	for i, v := range vars {
		scope := GradientScope
		if v.Scope() != mlctx.RootScope {
			scope += v.Scope()
		}
		kept := ctx.InAbsPath(scope).Checked(false).VariableWithValueGraph(v.Name(), grads[i])
		kept.SetTrainable(false)
	}
}
