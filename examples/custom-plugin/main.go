// Command wandb-plugin-threshold is an example gowandb plugin, written only
// against the public plugin SDK (package plugins): it watches the scalar
// observations of a run and raises an alert when a metric crosses a
// threshold given in the run's config:
//
//	run, _ := wandb.Init(ctx,
//		wandb.WithConfig(map[string]any{"alert": map[string]any{
//			"metric": "loss", "threshold": 0.1, "when": "below", // or "above" (default)
//		}}),
//		wandb.WithPlugins("threshold"),
//	)
//	run.Observe("loss", step, loss) // from the training loop
//
// Each time the metric crosses the threshold (it must go back before it
// counts again), the plugin sets the summary key "alert/<metric>" (the
// step and value of the first crossing, the threshold and how many times
// it crossed) and puts a warning into the run's log.
//
// Build it as wandb-plugin-threshold and put it on WANDB_PLUGIN_PATH or
// beside the program:
//
//	go build -o ~/.wandb/plugins/wandb-plugin-threshold ./examples/custom-plugin
//	export WANDB_PLUGIN_PATH=~/.wandb/plugins
//	wandb plugins ls
package main

import "github.com/gowandb/wandb/plugins"

func main() { plugins.Serve(&Threshold{}) }
