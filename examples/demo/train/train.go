// Package train trains a small real model with GoMLX on its pure-Go backend, for the demo
// that shows gowandb logging a live training run.
//
// The model is a two-hidden-layer ReLU MLP that classifies points of two interleaved spirals
// (2 features → 2 classes, 2000 points generated deterministically from Config.Seed, 80% for
// training and 20% held out). It is trained with Adam under a cosine learning-rate decay,
// driven by GoMLX's train.Loop; an OnStep hook copies the step's metrics out of the GoMLX
// tensors and hands them to the caller's callback, which is where a tracker logs them.
//
// Only the simplego backend ("go") is linked, and Run constructs it directly, so GOMLX_BACKEND
// is not consulted: the XLA backend needs cgo and downloads PJRT at run time (see
// shared/reference/dependencies.md).
package train

import (
	"context"
	"errors"
	"fmt"
	"math/rand"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	mltrain "github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
)

// NumExamples is the size of the generated data set; EvalFraction of it is held out.
const NumExamples = 2000

// EvalFraction is the share of NumExamples held out for evaluation.
const EvalFraction = 0.2

// backendConfig is the simplego configuration used by Run; see the comment in Run.
const backendConfig = "ops_sequential"

// ErrInvalidConfig is returned (wrapped) by Run and Config.Validate for unusable settings.
var ErrInvalidConfig = errors.New("train: invalid config")

// Config holds the hyperparameters of a run. Start from DefaultConfig.
type Config struct {
	// Steps is the number of training steps (mini-batches). The cosine schedule spans them all.
	Steps int
	// BatchSize is the number of examples per training step.
	BatchSize int
	// LearningRate is Adam's peak learning rate, at step 1.
	LearningRate float64
	// HiddenUnits is the width of each of the two hidden layers.
	HiddenUnits int
	// Seed fixes the data set, the train/eval split, the batch order and the initial weights.
	Seed int64
	// EvalEvery is how often, in steps, the held-out set is evaluated. It is also evaluated
	// after step 1 and after the last step.
	EvalEvery int
}

// DefaultConfig returns settings that reach about 0.97 held-out accuracy in 300 steps.
func DefaultConfig() Config {
	return Config{
		Steps:        300,
		BatchSize:    64,
		LearningRate: 0.05,
		HiddenUnits:  64,
		Seed:         1,
		EvalEvery:    25,
	}
}

// Validate reports the first unusable field, wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	switch {
	case c.Steps <= 0:
		return fmt.Errorf("%w: Steps must be > 0, got %d", ErrInvalidConfig, c.Steps)
	case c.BatchSize <= 0:
		return fmt.Errorf("%w: BatchSize must be > 0, got %d", ErrInvalidConfig, c.BatchSize)
	case !(c.LearningRate > 0):
		return fmt.Errorf("%w: LearningRate must be > 0, got %g", ErrInvalidConfig, c.LearningRate)
	case c.HiddenUnits <= 0:
		return fmt.Errorf("%w: HiddenUnits must be > 0, got %d", ErrInvalidConfig, c.HiddenUnits)
	case c.EvalEvery <= 0:
		return fmt.Errorf("%w: EvalEvery must be > 0, got %d", ErrInvalidConfig, c.EvalEvery)
	}
	return nil
}

// StepMetrics are the values of one training step, copied out of GoMLX tensors.
type StepMetrics struct {
	// Step counts completed training steps: 1 after the first one, Config.Steps after the last.
	Step int
	// Loss is the mean cross-entropy of this step's mini-batch.
	Loss float64
	// Accuracy is the held-out accuracy from the latest evaluation (see Config.EvalEvery);
	// Evaluated says whether that evaluation ran at this step.
	Accuracy float64
	// Evaluated is true on the steps where Accuracy and EvalLoss were just recomputed.
	Evaluated bool
	// EvalLoss is the held-out mean cross-entropy from the latest evaluation.
	EvalLoss float64
	// BatchAccuracy is the accuracy on this step's mini-batch, measured before the update.
	BatchAccuracy float64
	// LearningRate is the learning rate Adam used for this step.
	LearningRate float64
}

// Run trains a fresh model with cfg and calls onStep after every training step with that
// step's metrics; onStep may be nil. A non-nil error from onStep stops training and is
// returned wrapped. Run checks ctx between steps and returns ctx.Err() wrapped when it is done.
//
// It returns the held-out accuracy after the last step. Run is safe to call from several
// goroutines: each call builds its own backend, model and data.
func Run(ctx context.Context, cfg Config, onStep func(StepMetrics) error) (finalAccuracy float64, err error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("train: before start: %w", err)
	}
	// GoMLX reports graph-building and execution errors by panicking.
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("train: gomlx panic: %w", e)
			} else {
				err = fmt.Errorf("train: gomlx panic: %v", r)
			}
		}
	}()

	// ops_sequential: v0.26.0's parallel op scheduler has a data race (exec.go reads
	// execBuf.numUsed without its lock), which -race reports; sequential is also deterministic
	// and, for a model this small, no slower.
	backend, err := simplego.New(backendConfig)
	if err != nil {
		return 0, fmt.Errorf("train: simplego backend: %w", err)
	}
	defer backend.Finalize()

	rng := rand.New(rand.NewSource(cfg.Seed))
	all := twoSpirals(rng, NumExamples)
	evalSet, trainSet := all.split(rng, int(NumExamples*EvalFraction))

	r := &runner{
		ctx:      ctx,
		cfg:      cfg,
		onStep:   onStep,
		backend:  backend,
		trainDS:  newBatches(trainSet, cfg.BatchSize, cfg.Seed),
		evalDS:   &wholeSet{data: evalSet},
		modelCtx: mlctx.New(),
	}
	return r.run()
}

// runner holds the state of one Run.
type runner struct {
	ctx     context.Context
	cfg     Config
	onStep  func(StepMetrics) error
	backend backends.Backend

	trainDS  *batches
	evalDS   *wholeSet
	modelCtx *mlctx.Context
	trainer  *mltrain.Trainer

	// Indices into the train and eval metrics slices.
	lossIdx, batchAccIdx, evalLossIdx, evalAccIdx int

	lastEvalAcc, lastEvalLoss float64
	// stopErr is the reason the OnStep hook stopped the loop (cancellation or onStep's error).
	stopErr error
}

func (r *runner) run() (float64, error) {
	r.modelCtx.SetParam(mlctx.ParamInitialSeed, r.cfg.Seed)
	if err := r.modelCtx.SetRNGStateFromSeed(r.cfg.Seed); err != nil {
		return 0, fmt.Errorf("train: seeding: %w", err)
	}

	batchAcc := metrics.NewBaseMetric("Batch Accuracy", "acc", metrics.AccuracyMetricType,
		metrics.SparseCategoricalAccuracyGraph, nil)
	evalAcc := metrics.NewSparseCategoricalAccuracy("Mean Accuracy", "#acc")
	r.trainer = mltrain.NewTrainer(r.backend, r.modelCtx, modelFn(r.cfg),
		losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().LearningRate(r.cfg.LearningRate).Done(),
		[]metrics.Interface{batchAcc}, []metrics.Interface{evalAcc})

	var err error
	if r.lossIdx, err = metricIndex(r.trainer.TrainMetrics(), "loss+"); err != nil {
		return 0, err
	}
	if r.batchAccIdx, err = metricIndex(r.trainer.TrainMetrics(), "acc"); err != nil {
		return 0, err
	}
	if r.evalLossIdx, err = metricIndex(r.trainer.EvalMetrics(), "#loss"); err != nil {
		return 0, err
	}
	if r.evalAccIdx, err = metricIndex(r.trainer.EvalMetrics(), "#acc"); err != nil {
		return 0, err
	}

	loop := mltrain.NewLoop(r.trainer)
	loop.OnStep("gowandb-demo", 0, r.hook)
	if _, err := loop.RunSteps(r.trainDS, r.cfg.Steps); err != nil {
		if r.stopErr != nil {
			return r.lastEvalAcc, r.stopErr
		}
		return r.lastEvalAcc, fmt.Errorf("train: loop: %w", err)
	}
	return r.lastEvalAcc, nil
}

// hook is the train.Loop OnStep hook. The metric tensors are finalized on the next step,
// so every value is copied out here.
func (r *runner) hook(loop *mltrain.Loop, stepMetrics []*tensors.Tensor) error {
	step := loop.LoopStep + 1
	m := StepMetrics{
		Step:          step,
		Loss:          scalar(stepMetrics[r.lossIdx]),
		BatchAccuracy: scalar(stepMetrics[r.batchAccIdx]),
	}
	lr, err := r.learningRate()
	if err != nil {
		r.stopErr = err
		return err
	}
	m.LearningRate = lr
	if step == 1 || step%r.cfg.EvalEvery == 0 || step == r.cfg.Steps {
		if err := r.evaluate(); err != nil {
			r.stopErr = err
			return err
		}
		m.Evaluated = true
	}
	m.Accuracy, m.EvalLoss = r.lastEvalAcc, r.lastEvalLoss

	if r.onStep != nil {
		if err := r.onStep(m); err != nil {
			r.stopErr = fmt.Errorf("train: onStep at step %d: %w", step, err)
			return r.stopErr
		}
	}
	if err := r.ctx.Err(); err != nil && step < r.cfg.Steps {
		r.stopErr = fmt.Errorf("train: stopped after step %d: %w", step, err)
		return r.stopErr
	}
	return nil
}

// evaluate runs the model over the whole held-out set and records loss and accuracy.
func (r *runner) evaluate() error {
	res, err := r.trainer.Eval(r.evalDS)
	if err != nil {
		return fmt.Errorf("train: eval: %w", err)
	}
	r.lastEvalLoss = scalar(res[r.evalLossIdx])
	r.lastEvalAcc = scalar(res[r.evalAccIdx])
	for _, t := range res {
		if err := t.FinalizeAll(); err != nil {
			return fmt.Errorf("train: eval: freeing results: %w", err)
		}
	}
	return nil
}

// learningRate reads the optimizer's learning-rate variable, which the cosine schedule set
// for the step that just ran.
func (r *runner) learningRate() (float64, error) {
	scope := r.modelCtx.In(optimizers.Scope).Scope()
	v := r.modelCtx.GetVariableByScopeAndName(scope, optimizers.ParamLearningRate)
	if v == nil {
		return 0, fmt.Errorf("train: no learning-rate variable %s/%s", scope, optimizers.ParamLearningRate)
	}
	t, err := v.Value()
	if err != nil {
		return 0, fmt.Errorf("train: reading learning rate: %w", err)
	}
	return scalar(t), nil
}

// metricIndex finds a metric by its GoMLX short name.
func metricIndex(ms []metrics.Interface, shortName string) (int, error) {
	for i, m := range ms {
		if m.ShortName() == shortName {
			return i, nil
		}
	}
	return 0, fmt.Errorf("train: gomlx metric %q not found", shortName)
}

// scalar copies a scalar tensor's value out as a float64.
func scalar(t *tensors.Tensor) float64 {
	return shapes.ConvertTo[float64](t.Value())
}
