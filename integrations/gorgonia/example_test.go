package gorgonia_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gorgonia"
)

// Linear regression of y = 2x + 1, logged by wrapping the solver: one
// call. The loss comes from a G.Read of the cost.
func ExampleWrapSolver() {
	dir, err := os.MkdirTemp("", "gorgonia-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	run, err := wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard))
	if err != nil {
		log.Fatal(err)
	}

	xs := []float64{-1, -0.5, 0, 0.5, 1}
	ys := []float64{-1, 0, 1, 2, 3}
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(5), G.WithName("x"), G.WithValue(tensor.New(tensor.WithBacking(xs))))
	y := G.NewVector(g, tensor.Float64, G.WithShape(5), G.WithName("y"), G.WithValue(tensor.New(tensor.WithBacking(ys))))
	w := G.NewScalar(g, tensor.Float64, G.WithName("w"), G.WithValue(0.0))
	b := G.NewScalar(g, tensor.Float64, G.WithName("b"), G.WithValue(0.0))
	pred := G.Must(G.Add(G.Must(G.Mul(x, w)), b))
	cost := G.Must(G.Mean(G.Must(G.Square(G.Must(G.Sub(pred, y))))))
	var loss G.Value
	G.Read(cost, &loss)
	if _, err := G.Grad(cost, w, b); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(w, b))
	defer vm.Close()

	// The integration: one call.
	solver, err := gorgonia.WrapSolver(G.NewVanillaSolver(G.WithLearnRate(0.1)), run,
		gorgonia.WithLossValue(&loss), gorgonia.EveryNSteps(50))
	if err != nil {
		log.Fatal(err)
	}
	for range 200 {
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		if err := solver.Step(G.NodesToValueGrads(G.Nodes{w, b})); err != nil {
			log.Fatal(err)
		}
		vm.Reset()
	}
	fmt.Printf("w=%.2f b=%.2f\n", w.Value().Data(), b.Value().Data())

	if err := run.Finish(0); err != nil {
		log.Fatal(err)
	}
	rows, err := run.History(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range rows {
		var keys []string
		for k := range row {
			if !strings.HasPrefix(k, "_") && k != gorgonia.GlobalStepKey {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		fmt.Println(row[gorgonia.GlobalStepKey], strings.Join(keys, " "))
	}
	// Output:
	// w=2.00 b=1.00
	// 50 train/grad_norm train/grad_norm/b train/grad_norm/w train/learning_rate train/loss
	// 100 train/grad_norm train/grad_norm/b train/grad_norm/w train/learning_rate train/loss
	// 150 train/grad_norm train/grad_norm/b train/grad_norm/w train/learning_rate train/loss
	// 200 train/grad_norm train/grad_norm/b train/grad_norm/w train/learning_rate train/loss
}
