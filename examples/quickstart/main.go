// Command quickstart is the README's quickstart: an offline run with a
// config, a hundred logged steps and a summary value.
package main

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/gowandb/wandb"
)

func main() {
	ctx := context.Background()
	run, err := wandb.Init(ctx,
		wandb.WithProject("quickstart"),
		wandb.WithConfig(map[string]any{"lr": 0.01, "epochs": 100}),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer run.Finish(0)

	for step := range 100 {
		loss := math.Exp(-float64(step) / 30)
		if err := run.Log(map[string]any{"loss": loss, "acc": 1 - loss}); err != nil {
			log.Fatal(err)
		}
	}
	run.Summary().Set("best_acc", 1-math.Exp(-99.0/30))
	fmt.Println("run", run.Name(), "is in", run.SyncDir())
}
