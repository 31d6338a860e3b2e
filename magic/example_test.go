package magic_test

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/gowandb/wandb"
	_ "github.com/gowandb/wandb/magic" // links magic in: WithMagic then works
)

// A flag of the program, parsed by flag.Parse() in main.
var hiddenLayers = flag.Int("hidden-layers", 2, "hidden layers")

// With magic on, the program's flags are in the run's config with no
// further code. (A program would import magic/auto instead, to need no
// option at all.)
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	run, err := wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew),
		wandb.WithMagic("code=false,git=false"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer run.Finish(0)
	v, _ := run.Config().Get("hidden-layers")
	fmt.Println(v, *hiddenLayers)
	// Output: 2 2
}
