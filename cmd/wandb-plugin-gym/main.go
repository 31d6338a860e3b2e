// Command wandb-plugin-gym is the gym plugin of gowandb as a plugin
// binary: it encodes the episode frames that integrations/gym recorders
// send with gym.ViaPlugin into W&B videos, in its own process (see
// gym.Plugin). Install it on WANDB_PLUGIN_PATH or beside the program and
// start runs with wandb.WithPlugins("gym"):
//
//	go build -o ~/.wandb/plugins/wandb-plugin-gym ./cmd/wandb-plugin-gym
//	export WANDB_PLUGIN_PATH=~/.wandb/plugins
//	wandb plugins ls
package main

import (
	"github.com/gowandb/wandb/integrations/gym"
	"github.com/gowandb/wandb/plugins"
)

func main() { plugins.Serve(gym.NewPlugin()) }
