package gorgonia_test

import (
	"context"
	"io"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gowandb/wandb"
)

// mlp is a 1 → hidden → 1 tanh network fitted to y = sin(2x) on
// x ∈ [-1.5, 1.5], with full-batch mean squared error: a small real
// model that converges in a few hundred Adam steps.
type mlp struct {
	g      *G.ExprGraph
	params G.Nodes
	cost   *G.Node
	loss   G.Value // filled by a G.Read of cost
	vm     G.VM
}

func newMLP(tb testing.TB, hidden, n int, seed int64) *mlp {
	tb.Helper()
	rng := rand.New(rand.NewSource(seed))
	xs := make([]float64, n)
	ys := make([]float64, n)
	for i := range xs {
		xs[i] = -1.5 + 3*float64(i)/float64(n-1)
		ys[i] = math.Sin(2 * xs[i])
	}
	randn := func(size int, scale float64) []float64 {
		out := make([]float64, size)
		for i := range out {
			out[i] = rng.NormFloat64() * scale
		}
		return out
	}
	m := &mlp{g: G.NewGraph()}
	x := G.NewMatrix(m.g, tensor.Float64, G.WithShape(n, 1), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(n, 1), tensor.WithBacking(xs))))
	y := G.NewMatrix(m.g, tensor.Float64, G.WithShape(n, 1), G.WithName("y"),
		G.WithValue(tensor.New(tensor.WithShape(n, 1), tensor.WithBacking(ys))))
	w0 := G.NewMatrix(m.g, tensor.Float64, G.WithShape(1, hidden), G.WithName("w0"),
		G.WithValue(tensor.New(tensor.WithShape(1, hidden), tensor.WithBacking(randn(hidden, 1)))))
	b0 := G.NewMatrix(m.g, tensor.Float64, G.WithShape(1, hidden), G.WithName("b0"),
		G.WithValue(tensor.New(tensor.WithShape(1, hidden), tensor.WithBacking(randn(hidden, 0.1)))))
	w1 := G.NewMatrix(m.g, tensor.Float64, G.WithShape(hidden, 1), G.WithName("w1"),
		G.WithValue(tensor.New(tensor.WithShape(hidden, 1), tensor.WithBacking(randn(hidden, 1/math.Sqrt(float64(hidden)))))))
	b1 := G.NewScalar(m.g, tensor.Float64, G.WithName("b1"), G.WithValue(0.0))
	m.params = G.Nodes{w0, b0, w1, b1}

	h := G.Must(G.Tanh(G.Must(G.BroadcastAdd(G.Must(G.Mul(x, w0)), b0, nil, []byte{0}))))
	pred := G.Must(G.Add(G.Must(G.Mul(h, w1)), b1))
	m.cost = G.Must(G.Mean(G.Must(G.Square(G.Must(G.Sub(pred, y))))))
	G.Read(m.cost, &m.loss)
	if _, err := G.Grad(m.cost, m.params...); err != nil {
		tb.Fatalf("grad: %v", err)
	}
	m.vm = G.NewTapeMachine(m.g, G.BindDualValues(m.params...))
	tb.Cleanup(func() { m.vm.Close() })
	return m
}

// step runs one training step with solver and returns the loss.
func (m *mlp) step(tb testing.TB, solver G.Solver) float64 {
	tb.Helper()
	if err := m.vm.RunAll(); err != nil {
		tb.Fatalf("RunAll: %v", err)
	}
	loss := m.cost.Value().Data().(float64)
	if err := solver.Step(G.NodesToValueGrads(m.params)); err != nil {
		tb.Fatalf("Step: %v", err)
	}
	m.vm.Reset()
	return loss
}

// isolate keeps WANDB_* settings of the environment out of the test.
func isolate(tb testing.TB) {
	tb.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			tb.Setenv(name, "")
		}
	}
	tb.Setenv("WANDB_CONFIG_DIR", tb.TempDir())
}

// startRun starts an offline run in a temporary directory, finished when
// the test ends if the test has not finished it.
func startRun(tb testing.TB, opts ...wandb.Option) *wandb.Run {
	tb.Helper()
	all := append([]wandb.Option{
		wandb.WithDir(tb.TempDir()),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithWarnings(io.Discard),
		wandb.WithReinit(wandb.ReinitCreateNew),
		wandb.WithSettings(map[string]string{"disable_git": "true"}),
	}, opts...)
	run, err := wandb.Init(context.Background(), all...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = run.Finish(0) })
	return run
}
