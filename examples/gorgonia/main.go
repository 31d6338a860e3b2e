// Command gorgonia fits a small Gorgonia MLP (1 → hidden → 1, tanh) to
// y = sin(2x) with Adam and logs the training into an offline W&B run by
// wrapping the solver, gorgonia.WrapSolver: the loss (read with G.Read),
// per-parameter gradient norms, the learning rate and the step counter at
// every step, parameter and gradient histograms every -hist-every steps.
//
// Usage:
//
//	go run ./examples/gorgonia -steps 500 -lr 0.05 -hidden 16 -points 64
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"os/signal"
	"syscall"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gorgonia"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gorgonia:", err)
		os.Exit(1)
	}
}

// settings are the command's flags, and the run's config.
type settings struct {
	Steps      int     `json:"steps"`
	Hidden     int     `json:"hidden"`
	Points     int     `json:"points"`
	LR         float64 `json:"learning_rate"`
	Seed       int64   `json:"seed"`
	HistEvery  int     `json:"hist_every"`
	PrintEvery int     `json:"-"`
}

func run(ctx context.Context, args []string, out io.Writer, opts ...wandb.Option) (err error) {
	s := settings{Steps: 500, Hidden: 16, Points: 64, LR: 0.05, Seed: 1, HistEvery: 100, PrintEvery: 100}
	fs := flag.NewFlagSet("gorgonia", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.IntVar(&s.Steps, "steps", s.Steps, "training steps (full batch)")
	fs.IntVar(&s.Hidden, "hidden", s.Hidden, "hidden units")
	fs.IntVar(&s.Points, "points", s.Points, "points of the curve to fit")
	fs.Float64Var(&s.LR, "lr", s.LR, "Adam learning rate")
	fs.Int64Var(&s.Seed, "seed", s.Seed, "seed of the initial weights")
	fs.IntVar(&s.HistEvery, "hist-every", s.HistEvery, "histograms every N steps (0: none)")
	fs.IntVar(&s.PrintEvery, "print-every", s.PrintEvery, "print progress every N steps")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	if s.Steps <= 0 || s.Hidden <= 0 || s.Points < 2 || s.LR <= 0 || s.HistEvery < 0 || s.PrintEvery <= 0 {
		return fmt.Errorf("flags: -steps, -hidden, -lr and -print-every must be positive, -points at least 2, -hist-every not negative")
	}

	opts = append([]wandb.Option{
		wandb.WithProject("gorgonia"),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithConfig(s),
	}, opts...)
	wrun, err := wandb.Init(ctx, opts...)
	if err != nil {
		return fmt.Errorf("starting the run: %w", err)
	}
	defer func() {
		code := 0
		if err != nil {
			code = 1
		}
		if ferr := wrun.Finish(code); ferr != nil && err == nil {
			err = ferr
		}
		fmt.Fprintf(out, "\nrun %s (%s) is in %s\n", wrun.Name(), wrun.ID(), wrun.SyncDir())
		fmt.Fprintf(out, "look at it with:\n  go run ./cmd/wandb run show %s\n", wrun.SyncDir())
	}()

	m, err := newModel(s)
	if err != nil {
		return err
	}
	defer m.vm.Close()

	// The integration: wrap the solver.
	solver, err := gorgonia.WrapSolver(G.NewAdamSolver(G.WithLearnRate(s.LR)), wrun,
		gorgonia.WithLossValue(&m.loss), gorgonia.HistogramsEvery(s.HistEvery))
	if err != nil {
		return err
	}

	start := time.Now()
	params := G.NodesToValueGrads(m.params)
	for step := 1; step <= s.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stopped at step %d: %w", step, err)
		}
		if err := m.vm.RunAll(); err != nil {
			return fmt.Errorf("step %d: %w", step, err)
		}
		if err := solver.Step(params); err != nil {
			return fmt.Errorf("step %d: %w", step, err)
		}
		if step%s.PrintEvery == 0 || step == 1 {
			fmt.Fprintf(out, "step %4d  loss %.5f\n", step, m.loss.Data())
		}
		m.vm.Reset()
	}
	fmt.Fprintf(out, "%d steps in %s\n", s.Steps, time.Since(start).Round(time.Millisecond))
	if err := solver.Err(); err != nil {
		return fmt.Errorf("logging: %w", err)
	}
	return nil
}

// model is the network, its training graph and its VM.
type model struct {
	params G.Nodes
	loss   G.Value // filled by G.Read at every RunAll
	vm     G.VM
}

func newModel(s settings) (*model, error) {
	rng := rand.New(rand.NewSource(s.Seed))
	n, h := s.Points, s.Hidden
	xs, ys := make([]float64, n), make([]float64, n)
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
	matrix := func(g *G.ExprGraph, name string, rows, cols int, data []float64) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(data))))
	}
	g := G.NewGraph()
	x := matrix(g, "x", n, 1, xs)
	y := matrix(g, "y", n, 1, ys)
	w0 := matrix(g, "w0", 1, h, randn(h, 1))
	b0 := matrix(g, "b0", 1, h, randn(h, 0.1))
	w1 := matrix(g, "w1", h, 1, randn(h, 1/math.Sqrt(float64(h))))
	b1 := G.NewScalar(g, tensor.Float64, G.WithName("b1"), G.WithValue(0.0))
	m := &model{params: G.Nodes{w0, b0, w1, b1}}

	xw, err := G.Mul(x, w0)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	pre, err := G.BroadcastAdd(xw, b0, nil, []byte{0})
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	hidden, err := G.Tanh(pre)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	hw, err := G.Mul(hidden, w1)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	pred, err := G.Add(hw, b1)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	diff, err := G.Sub(pred, y)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	sq, err := G.Square(diff)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	cost, err := G.Mean(sq)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	G.Read(cost, &m.loss)
	if _, err := G.Grad(cost, m.params...); err != nil {
		return nil, fmt.Errorf("model: gradients: %w", err)
	}
	m.vm = G.NewTapeMachine(g, G.BindDualValues(m.params...))
	return m, nil
}
