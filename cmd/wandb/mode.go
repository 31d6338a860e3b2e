package main

import (
	"fmt"

	"github.com/gowandb/wandb/core/settings"
	"github.com/spf13/cobra"
)

// modeCommands are `wandb online|offline|disabled`: their help and what
// they print, in W&B's words.
var modeCommands = map[string]struct{ short, message string }{
	settings.ModeOnline: {
		short:   "Enable W&B sync",
		message: "W&B online. Running your script from this directory will now sync to the cloud.",
	},
	settings.ModeOffline: {
		short:   "Disable W&B sync",
		message: "W&B offline. Running your script from this directory will only write metadata locally. Use wandb disabled to completely turn off W&B.",
	},
	settings.ModeDisabled: {
		short:   "Disable W&B",
		message: "W&B disabled.",
	},
}

// newModeCmd is `wandb <mode>`: it writes mode = <mode> into the workspace
// settings file, which runs started from that directory read.
func (a *app) newModeCmd(mode string) *cobra.Command {
	return &cobra.Command{
		Use:   mode,
		Short: modeCommands[mode].short,
		Long: modeCommands[mode].short + " for runs started from this directory: set mode = " + mode +
			" in <dir>/wandb/settings. WANDB_MODE and Init options still win over the file.",
		Args: argsNamed(),
		RunE: func(*cobra.Command, []string) error { return a.setMode(mode) },
	}
}

func (a *app) setMode(mode string) error {
	path := settings.WorkspacePath(a.rootDir())
	if err := settings.WriteFile(path, "mode", mode); err != nil {
		return fmt.Errorf("%w (to set the mode without the file: export WANDB_MODE=%s)", err, mode)
	}
	fmt.Fprintln(a.stdout, modeCommands[mode].message)
	if v := a.getenv("WANDB_MODE"); v != "" && v != mode {
		a.warnf("WANDB_MODE=%s in the environment wins over %s", v, path)
	}
	if mode == settings.ModeOnline {
		a.warnf("this build cannot sync yet: runs are logged offline until it can")
	}
	return nil
}
