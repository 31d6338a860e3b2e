package gomlx

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidOption is wrapped by Attach's errors about its options.
var ErrInvalidOption = errors.New("gomlx: invalid option")

// Defaults of the options.
const (
	// DefaultEveryNSteps logs every step: a row costs the training loop
	// about 2 µs (docs/BENCHMARKS.md), well under 1% of a step of even a
	// tiny model on the pure-Go backend.
	DefaultEveryNSteps = 1
	// DefaultPrefix is put before the keys of the logged metrics.
	DefaultPrefix = "train/"
	// DefaultConfigKey is the config key the context's hyperparameters go
	// under.
	DefaultConfigKey = "gomlx"
)

// Keys and key prefixes that Attach logs or observes, and that
// HistogramPlugin reads.
const (
	// GlobalStepKey holds the number of training steps the loop has run
	// (train.Loop.LoopStep+1 at the step logged). Every row Attach logs,
	// and every histogram row, has it; the logged metrics are plotted
	// against it (wandb.StepMetric), like TensorBoard's global_step.
	GlobalStepKey = "global_step"
	// ParametersPrefix starts the keys of weight tensors: "parameters/"
	// followed by the variable's scope without the leading "/" and its
	// name, such as "parameters/mlp/fnn_output_layer/weights".
	ParametersPrefix = "parameters/"
	// GradientsPrefix starts the keys of gradient tensors (TrackGradients),
	// named like ParametersPrefix.
	GradientsPrefix = "gradients/"
)

// Option configures Attach.
type Option func(*config)

type config struct {
	every      int
	histEvery  int
	batchSize  int
	prefix     string
	configKey  string
	stopOnErr  bool
	noConfig   bool
	priority   int
	errHandler func(error)
}

// EveryNSteps logs the metrics every n steps (default
// DefaultEveryNSteps), at steps n, 2n, …, and the last step of each
// RunSteps/RunEpochs. The step time and examples/s logged are averaged
// over the steps since the previous row.
func EveryNSteps(n int) Option { return func(c *config) { c.every = n } }

// HistogramsEvery sends the weights of the model, and the gradients of an
// optimizer wrapped with TrackGradients, to the run's plugins every m steps
// (at steps m, 2m, …) as tensor observations (run.Observe); a plugin such
// as HistogramPlugin turns them into histograms. 0 (the default) sends
// none. Without a plugin that reads them the observations are dropped by
// the run, so add one: wandb.WithInProcessPlugin(gomlx.NewHistogramPlugin()).
func HistogramsEvery(m int) Option { return func(c *config) { c.histEvery = m } }

// WithBatchSize sets the number of examples in a step, for examples/s.
// Without it, the dataset's BatchSize() int method is used if it has one;
// otherwise examples/s is not logged.
func WithBatchSize(n int) Option { return func(c *config) { c.batchSize = n } }

// WithPrefix sets the prefix of the logged metric keys (default
// DefaultPrefix, "train/"); use one per loop when several loops log into
// one run. GlobalStepKey has no prefix.
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithConfigKey sets the config key the context's hyperparameters go under
// (default DefaultConfigKey, "gomlx").
func WithConfigKey(key string) Option { return func(c *config) { c.configKey = key } }

// WithoutConfig leaves the run's config alone.
func WithoutConfig() Option { return func(c *config) { c.noConfig = true } }

// StopOnError makes a logging error stop training: the hook returns it to
// the loop, which ends RunSteps with it. By default (false) training goes
// on and the error is kept for Hook.Err and given to the WithErrorHandler
// function.
func StopOnError(stop bool) Option { return func(c *config) { c.stopOnErr = stop } }

// WithErrorHandler calls f with each logging error (from the loop's
// goroutine). Default: none; Hook.Err reports the first one.
func WithErrorHandler(f func(error)) Option { return func(c *config) { c.errHandler = f } }

// WithPriority sets the priority of the hooks among the loop's hooks
// (lower runs first; default 0).
func WithPriority(p int) Option { return func(c *config) { c.priority = p } }

func newConfig(opts []Option) (config, error) {
	c := config{every: DefaultEveryNSteps, prefix: DefaultPrefix, configKey: DefaultConfigKey}
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
	case c.batchSize < 0:
		return c, fmt.Errorf("%w: WithBatchSize(%d): must be 0 (unknown) or more", ErrInvalidOption, c.batchSize)
	case !c.noConfig && strings.TrimSpace(c.configKey) == "":
		return c, fmt.Errorf("%w: WithConfigKey: empty key", ErrInvalidOption)
	}
	return c, nil
}
