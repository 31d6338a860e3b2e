// Command wandb-plugin-gomlx-histograms is the GoMLX histogram plugin as
// its own process: it turns the weight and gradient tensors that
// integrations/gomlx sends (Run.Observe) into histograms in the run. Put it
// on WANDB_PLUGIN_PATH and start runs with wandb.WithPlugins("gomlx-histograms").
package main

import (
	"github.com/gowandb/wandb/integrations/gomlx"
	"github.com/gowandb/wandb/plugins"
)

func main() { plugins.Serve(gomlx.NewHistogramPlugin()) }
