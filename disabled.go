package wandb

import (
	"os"

	"github.com/gowandb/wandb/core/runconfig"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runstate"
)

// startDisabled returns a no-op run: every call works, nothing is written.
func startDisabled(r *Run, cfg map[string]any, o *initOptions) (*Run, error) {
	r.disabled = true
	r.mode = ModeDisabled
	r.id = newRunID()
	r.name = "dummy-" + r.id
	r.entity = "dummy"
	if r.project == "uncategorized" {
		r.project = "dummy"
	}
	r.dir = rundir.Run{Dir: os.TempDir(), ID: r.id}
	r.handler = runstate.NewHandler(runstate.Options{StartTime: r.startTime})
	r.summary = &Summary{run: r, view: r.handler.Summary()}
	r.config = &Config{run: r, c: runconfig.New(), allowValChange: r.settings.AllowValChange}
	if _, err := r.config.c.Update(cfg, true); err != nil {
		return nil, wrap("init: config", err)
	}
	register(r, o.reinit)
	return r, nil
}
