package wandb_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/gowandb/wandb"
)

// exampleRun starts an offline run in a temporary directory for an example;
// cleanup finishes it and removes the directory.
func exampleRun(opts ...wandb.Option) (run *wandb.Run, cleanup func()) {
	dir, err := os.MkdirTemp("", "wandb-example-")
	if err != nil {
		log.Fatal(err)
	}
	opts = append([]wandb.Option{
		wandb.WithDir(dir),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false),
		wandb.WithWarnings(io.Discard),
	}, opts...)
	run, err = wandb.Init(context.Background(), opts...)
	if err != nil {
		log.Fatal(err)
	}
	return run, func() {
		_ = run.Finish(0)
		_ = os.RemoveAll(dir)
	}
}

func ExampleInit() {
	dir, err := os.MkdirTemp("", "wandb-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	run, err := wandb.Init(ctx,
		wandb.WithDir(dir),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithProject("mnist"),
		wandb.WithConfig(map[string]any{"lr": 0.01, "epochs": 3}),
		wandb.WithWarnings(io.Discard),
		wandb.WithSignalHandler(false),
	)
	if err != nil {
		log.Fatal(err)
	}
	for epoch := range 3 {
		if err := run.Log(map[string]any{"loss": 1 / float64(epoch+1)}); err != nil {
			log.Fatal(err)
		}
	}
	if err := run.Finish(0); err != nil {
		log.Fatal(err)
	}

	rows, err := run.History(ctx)
	if err != nil {
		log.Fatal(err)
	}
	loss, _ := run.Summary().Get("loss")
	fmt.Println("project:", run.Project())
	fmt.Println("history rows:", len(rows))
	fmt.Printf("summary loss: %.3f\n", loss)
	// Output:
	// project: mnist
	// history rows: 3
	// summary loss: 0.333
}

// Incremental logging: Commit(false) adds to the current step without
// ending it, and Step(n) moves to step n.
func ExampleRun_Log() {
	run, cleanup := exampleRun()
	defer cleanup()

	_ = run.Log(map[string]any{"loss": 0.2}, wandb.Commit(false))
	// Somewhere else, when the step is ready:
	_ = run.Log(map[string]any{"accuracy": 0.8})

	_ = run.Log(map[string]any{"loss": 0.1}, wandb.Step(5))
	_ = run.Log(map[string]any{"accuracy": 0.9})

	// Nested metrics stay nested.
	_ = run.Log(map[string]any{"dataset-1": map[string]any{"acc": 0.9, "loss": 0.3}})

	rows, err := run.History(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Println(r["_step"], r["loss"], r["accuracy"], r["dataset-1"])
	}
	// Output:
	// 0 0.2 0.8 <nil>
	// 5 0.1 0.9 <nil>
	// 6 <nil> <nil> map[acc:0.9 loss:0.3]
}

func ExampleRun_DefineMetric() {
	run, cleanup := exampleRun()
	defer cleanup()

	// Keep the lowest loss, and plot val_acc against epoch.
	_ = run.DefineMetric("loss", wandb.SummaryOf("min"))
	_ = run.DefineMetric("val_acc", wandb.StepMetric("epoch"), wandb.SummaryOf("max"))

	for epoch, loss := range []float64{0.9, 0.4, 0.6} {
		_ = run.Log(map[string]any{"epoch": epoch, "loss": loss})
	}
	// No epoch here: step_sync adds its last value to the row.
	_ = run.Log(map[string]any{"val_acc": 0.75})
	if err := run.Finish(0); err != nil {
		log.Fatal(err)
	}

	rows, _ := run.History(context.Background())
	last := rows[len(rows)-1]
	fmt.Println("val_acc", last["val_acc"], "at epoch", last["epoch"])
	loss, _ := run.Summary().Get("loss")
	acc, _ := run.Summary().Get("val_acc")
	fmt.Println("loss summary:", loss)
	fmt.Println("val_acc summary:", acc)
	// Output:
	// val_acc 0.75 at epoch 2
	// loss summary: map[min:0.4]
	// val_acc summary: map[max:0.75]
}

// A flag.FlagSet, after Parse, can be the run's config: every flag under
// its name, set or not.
func ExampleConfig() {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Float64("lr", 0.01, "learning rate")
	fs.Int("epochs", 10, "number of epochs")
	if err := fs.Parse([]string{"-lr", "0.1"}); err != nil {
		log.Fatal(err)
	}

	run, cleanup := exampleRun(wandb.WithConfig(fs))
	defer cleanup()

	cfg := run.Config()
	lr, _ := cfg.Get("lr")
	epochs, _ := cfg.Get("epochs")
	fmt.Println(cfg.Keys())
	fmt.Println("lr =", lr, "epochs =", epochs)

	// Values, once set, keep their value unless allow_val_change is on.
	err := cfg.Set("lr", 0.2)
	if cerr, ok := errors.AsType[*wandb.ConfigValueChangeError](err); ok {
		fmt.Println("refused to change", cerr.Key, "from", cerr.Old, "to", cerr.New)
	}
	_ = cfg.UpdateAllowValChange(map[string]any{"lr": 0.2})
	lr, _ = cfg.Get("lr")
	fmt.Println("lr =", lr)
	// Output:
	// [epochs lr]
	// lr = 0.1 epochs = 10
	// refused to change lr from 0.1 to 0.2
	// lr = 0.2
}

func ExampleNewHistogram() {
	h, err := wandb.NewHistogram([]float64{0.5, 1.5, 1.7, 3.2, 4}, 4)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("counts:", h.Values)
	fmt.Println("edges: ", h.Bins)

	run, cleanup := exampleRun()
	defer cleanup()
	_ = run.Log(map[string]any{"gradients": h})
	rows, _ := run.History(context.Background())
	g := rows[0]["gradients"].(map[string]any)
	fmt.Println("logged as:", g["_type"])
	// Output:
	// counts: [1 2 0 2]
	// edges:  [0.5 1.375 2.25 3.125 4]
	// logged as: histogram
}
