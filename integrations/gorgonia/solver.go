package gorgonia

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"

	G "gorgonia.org/gorgonia"

	"github.com/gowandb/wandb"
)

// Solver is a G.Solver that logs what it sees into a run before the solver
// it wraps steps. Step is called from the training goroutine; Err, Errors
// and Steps are safe from any goroutine.
type Solver struct {
	inner G.Solver
	run   *wandb.Run
	cfg   config

	lossKey, lrKey, normKey string
	lr                      func() (float64, bool)

	// Training goroutine state.
	names  []string // keys by parameter name, for the model last seen
	ofLen  int      // len(model) names was built for
	gNames []string // "train/grad_norm/<name>"

	mu    sync.Mutex
	steps int64
	err   error
	nErrs int
}

var _ G.Solver = (*Solver)(nil)

// WrapSolver returns a Solver that logs each Step of s into run (see the
// package documentation for the keys) and then calls s.Step.
//
// The learning rate is logged when one of these gives it: WithLearningRate;
// a LearningRate() float64 method of s; or, for Gorgonia's own
// *AdamSolver, *VanillaSolver, *RMSPropSolver, *AdaGradSolver and
// *BarzilaiBorweinSolver, which keep it unexported, their eta field, read
// at each logged step so that a rate changed with G.WithLearnRate(η)(s)
// shows.
//
// Logging never stops training unless StopOnError(true); errors go to Err
// and WithErrorHandler. WrapSolver fails for a nil solver or run, invalid
// options, or a run that has finished.
func WrapSolver(s G.Solver, run *wandb.Run, opts ...Option) (*Solver, error) {
	if s == nil {
		return nil, errors.New("gorgonia: wrap: nil solver")
	}
	if run == nil {
		return nil, errors.New("gorgonia: wrap: nil run")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	w := &Solver{
		inner:   s,
		run:     run,
		cfg:     cfg,
		lossKey: cfg.prefix + "loss",
		lrKey:   cfg.prefix + "learning_rate",
		normKey: cfg.prefix + "grad_norm",
		lr:      learningRateOf(s, cfg.lr),
	}
	names := []string{cfg.prefix + "*"}
	if cfg.histEvery > 0 {
		names = append(names, ParametersPrefix+"*", GradientsPrefix+"*")
	}
	if err := run.DefineMetric(GlobalStepKey, wandb.Hidden(true)); err != nil {
		return nil, fmt.Errorf("gorgonia: wrap: %w", err)
	}
	for _, n := range names {
		if err := run.DefineMetric(n, wandb.StepMetric(GlobalStepKey)); err != nil {
			return nil, fmt.Errorf("gorgonia: wrap: %w", err)
		}
	}
	return w, nil
}

// Unwrap returns the wrapped solver.
func (s *Solver) Unwrap() G.Solver { return s.inner }

// Steps returns the number of Step calls so far.
func (s *Solver) Steps() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.steps
}

// Err returns the first logging error, nil when there was none.
func (s *Solver) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Errors returns the number of logging errors so far.
func (s *Solver) Errors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nErrs
}

// Step implements G.Solver: on the steps due it reads the loss, the
// learning rate, the gradient norms and (for histograms) copies of the
// parameters and gradients, then lets the wrapped solver update the
// parameters (it may change the gradients too), then logs the row. The
// wrapped solver's error is returned as it is; a logging error only with
// StopOnError(true).
func (s *Solver) Step(model []G.ValueGrad) error {
	s.mu.Lock()
	s.steps++
	step := s.steps
	s.mu.Unlock()

	logNow := step%int64(s.cfg.every) == 0
	histNow := s.cfg.histEvery > 0 && step%int64(s.cfg.histEvery) == 0
	var row map[string]any
	var errs []error
	if logNow || histNow {
		row, errs = s.row(model, histNow)
		row[GlobalStepKey] = step
	}
	stepErr := s.inner.Step(model)
	if row != nil {
		if err := s.run.Log(row); err != nil {
			errs = append(errs, fmt.Errorf("gorgonia: step %d: %w", step, err))
		}
	}
	logErr := s.fail(errors.Join(errs...))
	if stepErr != nil {
		return stepErr
	}
	return logErr
}

// row reads what is logged at this step.
func (s *Solver) row(model []G.ValueGrad, hist bool) (map[string]any, []error) {
	s.nameParams(model)
	row := make(map[string]any, len(model)+4)
	var errs []error
	if v, ok, err := s.loss(); err != nil {
		errs = append(errs, err)
	} else if ok {
		row[s.lossKey] = v
	}
	if v, ok := s.lr(); ok {
		row[s.lrKey] = v
	}
	var total float64
	for i, p := range model {
		grad, err := p.Grad()
		if err != nil {
			errs = append(errs, fmt.Errorf("gorgonia: %s: %w", s.names[i], err))
			continue
		}
		gd, ok := floats(grad)
		if !ok {
			errs = append(errs, fmt.Errorf("gorgonia: %s: gradient of dtype %v is not float32 or float64", s.names[i], grad.Dtype()))
			continue
		}
		sq := gd.sumSquares()
		total += sq
		row[s.gNames[i]] = math.Sqrt(sq)
		if !hist {
			continue
		}
		if h, err := gd.histogram(s.cfg.bins); err != nil {
			errs = append(errs, fmt.Errorf("gorgonia: %s: %w", s.names[i], err))
		} else {
			row[GradientsPrefix+s.names[i]] = h
		}
		if pd, ok := floats(p.Value()); !ok {
			errs = append(errs, fmt.Errorf("gorgonia: %s: value is not float32 or float64", s.names[i]))
		} else if h, err := pd.histogram(s.cfg.bins); err != nil {
			errs = append(errs, fmt.Errorf("gorgonia: %s: %w", s.names[i], err))
		} else {
			row[ParametersPrefix+s.names[i]] = h
		}
	}
	if len(model) > 0 {
		row[s.normKey] = math.Sqrt(total)
	}
	return row, errs
}

// nameParams names the parameters by their node names, made unique, or
// "param_<i>" for a ValueGrad without a name. The names are kept while
// Step gets models of the same length (the same parameters, in practice).
func (s *Solver) nameParams(model []G.ValueGrad) {
	if s.names != nil && s.ofLen == len(model) {
		return
	}
	s.names, s.gNames, s.ofLen = make([]string, len(model)), make([]string, len(model)), len(model)
	seen := map[string]bool{}
	for i, p := range model {
		name := "param_" + strconv.Itoa(i)
		if n, ok := p.(interface{ Name() string }); ok && n.Name() != "" {
			name = n.Name()
		}
		if seen[name] {
			name += "_" + strconv.Itoa(i)
		}
		seen[name] = true
		s.names[i] = name
		s.gNames[i] = s.normKey + "/" + name
	}
}

// loss reads the configured loss, if any.
func (s *Solver) loss() (float64, bool, error) {
	var v G.Value
	switch {
	case s.cfg.loss != nil:
		v = s.cfg.loss.Value()
	case s.cfg.lossValue != nil:
		v = *s.cfg.lossValue
	default:
		return 0, false, nil
	}
	if v == nil {
		return 0, false, errors.New("gorgonia: loss: no value (is Step called after vm.RunAll and before vm.Reset?)")
	}
	x, ok := scalarOf(v)
	if !ok {
		return 0, false, fmt.Errorf("gorgonia: loss: %v of shape %v is not a number", v.Dtype(), v.Shape())
	}
	return x, true, nil
}

// fail records err and returns what Step returns for it.
func (s *Solver) fail(err error) error {
	if err == nil {
		return nil
	}
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.nErrs++
	s.mu.Unlock()
	if s.cfg.errHandler != nil {
		s.cfg.errHandler(err)
	}
	if s.cfg.stopOnErr {
		return err
	}
	return nil
}

// learningRater is a solver that tells its learning rate.
type learningRater interface{ LearningRate() float64 }

// learningRateOf finds how to read s's learning rate.
func learningRateOf(s G.Solver, given func() float64) func() (float64, bool) {
	if given != nil {
		return func() (float64, bool) { return given(), true }
	}
	if lr, ok := s.(learningRater); ok {
		return func() (float64, bool) { return lr.LearningRate(), true }
	}
	switch s.(type) {
	case *G.AdamSolver, *G.VanillaSolver, *G.RMSPropSolver, *G.AdaGradSolver, *G.BarzilaiBorweinSolver:
		// Reading an unexported field through reflect is allowed (setting
		// it is not); v0.9.18 is the last release, so the field stays.
		f := reflect.ValueOf(s).Elem().FieldByName("eta")
		if f.IsValid() && f.Kind() == reflect.Float64 {
			return func() (float64, bool) { return f.Float(), true }
		}
	}
	return func() (float64, bool) { return 0, false }
}
