// Command wandb-plugin-tensorboard is the TensorBoard sync of gowandb as a
// plugin binary: it follows the log directory a run names (W&B's
// sync_tensorboard), in its own process, and streams the rows, media,
// PR-curve charts and event files into the run (see tensorboard.Plugin).
// Install it on WANDB_PLUGIN_PATH or beside the program and start runs with
// tensorboard.WithLogDir:
//
//	go build -o ~/.wandb/plugins/wandb-plugin-tensorboard ./cmd/wandb-plugin-tensorboard
//	export WANDB_PLUGIN_PATH=~/.wandb/plugins
//	wandb plugins ls
//
// and in the program:
//
//	run, err := wandb.Init(ctx, tensorboard.WithLogDir("logs"))
package main

import (
	"github.com/gowandb/wandb/integrations/tensorboard"
	"github.com/gowandb/wandb/plugins"
)

func main() { plugins.Serve(tensorboard.NewPlugin()) }
