package gorgonia_test

import (
	"testing"
	"time"

	G "gorgonia.org/gorgonia"

	"github.com/gowandb/wandb/integrations/gorgonia"
)

// timed measures the time its solver takes.
type timed struct {
	G.Solver
	in time.Duration
}

func (s *timed) Step(model []G.ValueGrad) error {
	t0 := time.Now()
	err := s.Solver.Step(model)
	s.in += time.Since(t0)
	return err
}

// BenchmarkStep is one full-batch training step (RunAll, Adam step, Reset)
// of the examples/gorgonia model, 1 → 32 → 1 on 256 points: the baseline
// of BenchmarkStepWithWrapper.
func BenchmarkStep(b *testing.B) { benchmarkStep(b, nil) }

// BenchmarkStepWithWrapper is BenchmarkStep through WrapSolver logging a
// row every step into an offline run (loss, learning rate, 4 gradient
// norms). It reports the wrapper's own time (hook-ns/step: Step's time
// less the wrapped solver's) and its share of the step (hook-%).
func BenchmarkStepWithWrapper(b *testing.B) { benchmarkStep(b, []gorgonia.Option{}) }

// BenchmarkStepWithHistograms adds parameter and gradient histograms every
// 100 steps.
func BenchmarkStepWithHistograms(b *testing.B) {
	benchmarkStep(b, []gorgonia.Option{gorgonia.HistogramsEvery(100)})
}

func benchmarkStep(b *testing.B, opts []gorgonia.Option) {
	isolate(b)
	m := newMLP(b, 32, 256, 1)
	inner := &timed{Solver: G.NewAdamSolver(G.WithLearnRate(0.01))}
	var solver G.Solver = inner
	if opts != nil {
		w, err := gorgonia.WrapSolver(inner, startRun(b), append(opts, gorgonia.WithLossValue(&m.loss))...)
		if err != nil {
			b.Fatal(err)
		}
		solver = w
	}
	model := G.NodesToValueGrads(m.params)
	var outer time.Duration
	step := func() {
		if err := m.vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := solver.Step(model); err != nil {
			b.Fatal(err)
		}
		outer += time.Since(t0)
		m.vm.Reset()
	}
	for range 20 {
		step()
	}
	outer, inner.in = 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		step()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if opts != nil {
		hook := outer - inner.in
		b.ReportMetric(float64(hook.Nanoseconds())/float64(b.N), "hook-ns/step")
		b.ReportMetric(100*float64(hook)/float64(elapsed), "hook-%")
	}
}
