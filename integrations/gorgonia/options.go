package gorgonia

import (
	"errors"
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gowandb/wandb"
)

// Defaults of the options.
const (
	// DefaultEveryNSteps logs every step.
	DefaultEveryNSteps = 1
	// DefaultPrefix is put before the keys of the logged metrics.
	DefaultPrefix = "train/"
	// DefaultHistogramBins is the number of bins of the histograms.
	DefaultHistogramBins = 64
)

// Keys and key prefixes the wrapper logs.
const (
	// GlobalStepKey holds the number of Step calls so far, the first being
	// 1. The metrics are plotted against it.
	GlobalStepKey = "global_step"
	// ParametersPrefix starts the keys of parameter histograms:
	// "parameters/<node name>".
	ParametersPrefix = "parameters/"
	// GradientsPrefix starts the keys of gradient histograms.
	GradientsPrefix = "gradients/"
)

// ErrInvalidOption is wrapped by WrapSolver's errors about its options.
var ErrInvalidOption = errors.New("gorgonia: invalid option")

// Option configures WrapSolver.
type Option func(*config)

type config struct {
	every      int
	histEvery  int
	bins       int
	prefix     string
	loss       *G.Node
	lossValue  *G.Value
	lr         func() float64
	stopOnErr  bool
	errHandler func(error)
}

// EveryNSteps logs a row every n steps (default DefaultEveryNSteps): at
// steps n, 2n, ….
func EveryNSteps(n int) Option { return func(c *config) { c.every = n } }

// HistogramsEvery adds histograms of every parameter and its gradient to
// the row every m steps (at steps m, 2m, …, logged even when EveryNSteps
// would skip the step); 0, the default, adds none.
func HistogramsEvery(m int) Option { return func(c *config) { c.histEvery = m } }

// WithHistogramBins sets the number of histogram bins, 1 to
// wandb.MaxHistogramBins (default DefaultHistogramBins).
func WithHistogramBins(n int) Option { return func(c *config) { c.bins = n } }

// WithPrefix sets the prefix of the metric keys (default DefaultPrefix,
// "train/"). GlobalStepKey and the histograms have none.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithLoss logs the value of the loss node as "train/loss": Step reads it
// as the VM left it after RunAll (call Step before vm.Reset).
func WithLoss(loss *G.Node) Option { return func(c *config) { c.loss = loss } }

// WithLossValue logs the Value that a G.Read op fills, as "train/loss":
//
//	var loss G.Value
//	G.Read(cost, &loss) // before the VM is built
//	solver, err := gorgonia.WrapSolver(G.NewAdamSolver(), run, gorgonia.WithLossValue(&loss))
func WithLossValue(v *G.Value) Option { return func(c *config) { c.lossValue = v } }

// WithLearningRate gives the learning rate to log, read at each logged
// step, for solvers whose rate WrapSolver cannot read itself (see
// WrapSolver).
func WithLearningRate(f func() float64) Option { return func(c *config) { c.lr = f } }

// StopOnError makes Step return logging errors (after the wrapped solver
// has stepped). By default (false) they only go to Solver.Err and
// WithErrorHandler: logging never stops training.
func StopOnError(stop bool) Option { return func(c *config) { c.stopOnErr = stop } }

// WithErrorHandler calls f with each logging error, from Step's goroutine.
func WithErrorHandler(f func(error)) Option { return func(c *config) { c.errHandler = f } }

func newConfig(opts []Option) (config, error) {
	c := config{every: DefaultEveryNSteps, prefix: DefaultPrefix, bins: DefaultHistogramBins}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	switch {
	case c.every < 1:
		return c, fmt.Errorf("%w: EveryNSteps(%d): must be at least 1", ErrInvalidOption, c.every)
	case c.histEvery < 0:
		return c, fmt.Errorf("%w: HistogramsEvery(%d): must be 0 (off) or more", ErrInvalidOption, c.histEvery)
	case c.bins < 1 || c.bins > wandb.MaxHistogramBins:
		return c, fmt.Errorf("%w: WithHistogramBins(%d): must be 1 to %d", ErrInvalidOption, c.bins, wandb.MaxHistogramBins)
	case c.loss != nil && c.lossValue != nil:
		return c, fmt.Errorf("%w: WithLoss and WithLossValue: give one", ErrInvalidOption)
	}
	return c, nil
}
