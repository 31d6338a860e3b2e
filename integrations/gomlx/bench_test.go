package gomlx_test

import (
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gomlx"
)

// benchSetup is the model of examples/gomlx: 2 → 64 → 64 → 2, batch 64.
func benchSetup() setupOptions {
	o := defaultSetup()
	o.hidden, o.batch = 64, 64
	return o
}

// BenchmarkStep is one training step of the example model without the
// hook: the baseline of BenchmarkStepWithHook.
func BenchmarkStep(b *testing.B) {
	benchmarkStep(b, nil)
}

// BenchmarkStepWithHook is BenchmarkStep with Attach logging every step
// into an offline run. Besides ns/op it reports the hook's own time,
// measured between two bracketing hooks that run just before and after
// it (hook-ns/step), and that time as a share of the step (hook-%).
func BenchmarkStepWithHook(b *testing.B) {
	benchmarkStep(b, []gomlx.Option{})
}

// BenchmarkStepWithHistograms adds weight and gradient observations every
// 100 steps, with TrackGradients, into the in-process HistogramPlugin.
func BenchmarkStepWithHistograms(b *testing.B) {
	benchmarkStep(b, []gomlx.Option{gomlx.HistogramsEvery(100)})
}

func benchmarkStep(b *testing.B, opts []gomlx.Option) {
	isolate(b)
	o := benchSetup()
	hist := false
	for range opts {
		hist, o.trackGrads = true, true
	}
	s := newSetup(b, o)
	var inHook time.Duration
	if opts != nil {
		var runOpts []wandb.Option
		if hist {
			runOpts = append(runOpts, wandb.WithInProcessPlugin(gomlx.NewHistogramPlugin()))
		}
		run := startRun(b, runOpts...)
		if _, err := gomlx.Attach(s.loop, run, opts...); err != nil {
			b.Fatal(err)
		}
		var t0 time.Time
		s.loop.OnStep("bench-before", -1000, func(*train.Loop, []*tensors.Tensor) error {
			t0 = time.Now()
			return nil
		})
		s.loop.OnStep("bench-after", 1000, func(*train.Loop, []*tensors.Tensor) error {
			inHook += time.Since(t0)
			return nil
		})
	}
	// Compile the train graph and warm up.
	if _, err := s.loop.RunSteps(s.data, 20); err != nil {
		b.Fatal(err)
	}
	inHook = 0
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if _, err := s.loop.RunSteps(s.data, b.N); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if opts != nil {
		b.ReportMetric(float64(inHook.Nanoseconds())/float64(b.N), "hook-ns/step")
		b.ReportMetric(100*float64(inHook)/float64(elapsed), "hook-%")
	}
}
