package gomlx

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/gowandb/wandb"
)

// hookName names the hooks in the loop's error messages.
const hookName = "wandb"

// Hook is what Attach registers on a loop. Its methods are safe to call
// from any goroutine.
type Hook struct {
	run  *wandb.Run
	loop *train.Loop
	cfg  config

	// Keys of the loop's train metrics, by index; "" for none.
	keys                          []string
	lrKey, stepTimeKey, exPerSKey string
	// lrScope is the scope of the optimizer's learning-rate variable.
	lrScope string

	// Loop goroutine state.
	batchSize int       // examples per step; 0: unknown
	lastTime  time.Time // when the step lastStep ended (or the loop started)
	lastStep  int       // the last step logged, or the loop's first

	mu    sync.Mutex
	err   error
	nErrs int
}

// Attach hooks run into loop: the one call of the integration (GoMLX has no
// global hook registry). It registers, on the loop itself:
//
//   - OnStart: the hyperparameters of the trainer's context (its params,
//     every scope) go into the run's config under "gomlx" (WithConfigKey),
//     as {"learning_rate": 0.01, "mlp/dropout": 0.1}: root-scope params by
//     key, the others as "<scope>/<key>". Values that are not numbers,
//     strings, bools or lists and maps of them are left out.
//   - OnStep, every EveryNSteps steps, one row (run.Log, committed):
//     "train/loss" (the batch loss, GoMLX's first metric "loss+"), every
//     other train metric as "train/<ShortName>" ("train/~loss+",
//     "train/~loss", and the trainer's own, such as "train/acc"),
//     "train/learning_rate" when the optimizer keeps one in the context
//     (Adam, SGD, RMSProp and the schedules that set it),
//     "train/step_time" (seconds per step, wall time between steps,
//     data loading and other hooks included), "train/examples_per_sec"
//     when the batch size is known (WithBatchSize), and GlobalStepKey.
//   - OnStep, every HistogramsEvery steps: the weights (and the gradients
//     of an optimizer wrapped in TrackGradients) to the run's plugins.
//   - OnEnd: the last step's row, when EveryNSteps skipped it.
//
// The metrics are plotted against GlobalStepKey (run.DefineMetric with
// wandb.StepMetric), so they line up with histogram rows and with rows the
// user logs between steps. Values are copied out of the GoMLX tensors in
// the hook: GoMLX finalizes them at the next step.
//
// Logging never stops training unless StopOnError(true): errors go to
// Hook.Err and WithErrorHandler. Attach fails only for a nil loop or run,
// invalid options, or a run that has finished.
//
// Checkpoints are not logged: model artifacts wait for the artifacts API.
func Attach(loop *train.Loop, run *wandb.Run, opts ...Option) (*Hook, error) {
	if loop == nil || loop.Trainer == nil {
		return nil, errors.New("gomlx: attach: nil loop or loop without a trainer")
	}
	if run == nil {
		return nil, errors.New("gomlx: attach: nil run")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	h := &Hook{
		run:         run,
		loop:        loop,
		cfg:         cfg,
		lrKey:       cfg.prefix + "learning_rate",
		stepTimeKey: cfg.prefix + "step_time",
		exPerSKey:   cfg.prefix + "examples_per_sec",
		lrScope:     mlctx.JoinScope(loop.Trainer.Context().Scope(), optimizers.Scope),
	}
	for i, m := range loop.Trainer.TrainMetrics() {
		name := m.ShortName()
		if i == 0 {
			name = "loss"
		}
		h.keys = append(h.keys, cfg.prefix+name)
	}
	if err := h.defineMetrics(); err != nil {
		return nil, err
	}
	prio := train.Priority(cfg.priority)
	loop.OnStart(hookName, prio, h.onStart)
	loop.OnStep(hookName, prio, h.onStep)
	loop.OnEnd(hookName, prio, h.onEnd)
	return h, nil
}

// defineMetrics plots what the hook logs against GlobalStepKey.
func (h *Hook) defineMetrics() error {
	names := []string{h.cfg.prefix + "*"}
	if h.cfg.histEvery > 0 {
		names = append(names, ParametersPrefix+"*", GradientsPrefix+"*")
	}
	if err := h.run.DefineMetric(GlobalStepKey, wandb.Hidden(true)); err != nil {
		return fmt.Errorf("gomlx: attach: %w", err)
	}
	for _, n := range names {
		if err := h.run.DefineMetric(n, wandb.StepMetric(GlobalStepKey)); err != nil {
			return fmt.Errorf("gomlx: attach: %w", err)
		}
	}
	return nil
}

// Err returns the first logging error, nil when there was none. Errors
// counts them all.
func (h *Hook) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Errors returns the number of logging errors so far.
func (h *Hook) Errors() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.nErrs
}

// fail records err and returns what the hook returns to the loop.
func (h *Hook) fail(err error) error {
	if err == nil {
		return nil
	}
	h.mu.Lock()
	if h.err == nil {
		h.err = err
	}
	h.nErrs++
	h.mu.Unlock()
	if h.cfg.errHandler != nil {
		h.cfg.errHandler(err)
	}
	if h.cfg.stopOnErr {
		return err
	}
	return nil
}

// guard turns a panic of a GoMLX call inside a hook into an error.
func guard(what string, err *error) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("gomlx: %s: panic: %w", what, e)
		} else {
			*err = fmt.Errorf("gomlx: %s: panic: %v", what, r)
		}
	}
}

// batchSizer is a dataset that knows its batch size.
type batchSizer interface{ BatchSize() int }

func (h *Hook) onStart(loop *train.Loop, ds train.Dataset) error {
	h.lastTime, h.lastStep = time.Now(), loop.LoopStep
	h.batchSize = h.cfg.batchSize
	if bs, ok := ds.(batchSizer); ok && h.batchSize == 0 {
		h.batchSize = bs.BatchSize()
	}
	if h.cfg.noConfig {
		return nil
	}
	return h.fail(h.logConfig(loop))
}

func (h *Hook) logConfig(loop *train.Loop) (err error) {
	defer guard("config", &err)
	params := contextParams(loop.Trainer.Context())
	if len(params) == 0 {
		return nil
	}
	if err := h.run.Config().Update(map[string]any{h.cfg.configKey: params}); err != nil {
		return fmt.Errorf("gomlx: config: %w", err)
	}
	return nil
}

func (h *Hook) onStep(loop *train.Loop, metrics []*tensors.Tensor) error {
	step := loop.LoopStep + 1
	var errs []error
	if step%h.cfg.every == 0 {
		errs = append(errs, h.logStep(loop, metrics, step))
	}
	if h.cfg.histEvery > 0 && step%h.cfg.histEvery == 0 {
		errs = append(errs, h.observeTensors(loop, step))
	}
	return h.fail(errors.Join(errs...))
}

func (h *Hook) onEnd(loop *train.Loop, metrics []*tensors.Tensor) error {
	if metrics == nil || loop.LoopStep == h.lastStep {
		return nil
	}
	return h.fail(h.logStep(loop, metrics, loop.LoopStep))
}

// logStep logs the row of the step that just ended (1-based count).
func (h *Hook) logStep(loop *train.Loop, metrics []*tensors.Tensor, step int) (err error) {
	defer guard("step", &err)
	now := time.Now()
	row := make(map[string]any, len(h.keys)+4)
	for i, t := range metrics {
		if i >= len(h.keys) {
			break
		}
		if v, ok := scalar(t); ok {
			row[h.keys[i]] = v
		}
	}
	row[GlobalStepKey] = step
	if lr, ok := h.learningRate(loop); ok {
		row[h.lrKey] = lr
	}
	if n := step - h.lastStep; n > 0 {
		dt := now.Sub(h.lastTime).Seconds()
		row[h.stepTimeKey] = dt / float64(n)
		if h.batchSize > 0 && dt > 0 {
			row[h.exPerSKey] = float64(h.batchSize*n) / dt
		}
	}
	h.lastTime, h.lastStep = now, step
	if err := h.run.Log(row); err != nil {
		return fmt.Errorf("gomlx: step %d: %w", step, err)
	}
	return nil
}

// learningRate reads the optimizer's learning-rate variable, if it has
// one: optimizers keep it as a scalar "learning_rate" in the "optimizers"
// scope, where learning-rate schedules also write it.
func (h *Hook) learningRate(loop *train.Loop) (float64, bool) {
	v := loop.Trainer.Context().InspectVariableIfLoaded(h.lrScope, optimizers.ParamLearningRate)
	if v == nil || !v.HasValue() {
		return 0, false
	}
	t, err := v.Value()
	if err != nil {
		return 0, false
	}
	return scalar(t)
}
