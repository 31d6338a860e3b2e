package wandb

import (
	"fmt"

	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/settings"
)

// warnCrashedLatest reports a previous run of this directory that never
// finished, unless this Init resumes it (resume "auto" picks it up from
// wandb-resume.json, so the id is only known once r.id is set).
func (r *Run) warnCrashedLatest() {
	s, root := r.settings, r.root
	if latest, ok := rundir.Latest(root); ok {
		if st, err := runlog.ReadStatus(latest.LogPath()); err == nil && st.State() == runlog.StateCrashed {
			if s.Resume == settings.ResumeNone || r.id != latest.ID {
				r.warn("the previous run %s in %s did not finish (crashed); resume it with WithResume(wandb.ResumeAuto) or see it with `wandb run show %s`", latest.ID, latest.Dir, latest.Dir)
			}
		}
	}
}

// findPrevious applies the resume rules of wandb-behaviour.md §1.3 to the
// local runs of r.id: it returns the run to continue (nil to start afresh)
// or the error W&B gives for must and never.
func (r *Run) findPrevious() (*runlog.Info, error) {
	s, root := r.settings, r.root
	if s.Resume == settings.ResumeNone {
		return nil, nil // the run starts over, even with an id that exists
	}
	var prev *runlog.Info
	if s.RunID != "" || s.Resume == settings.ResumeAuto {
		runs, err := rundir.FindID(root, r.id)
		if err != nil {
			return nil, wrap("init", err)
		}
		if len(runs) > 0 {
			last := runs[len(runs)-1]
			info, err := runlog.Replay(last.LogPath(), nil)
			if err != nil {
				return nil, wrap("init: reading the earlier run", err)
			}
			if info.State() == runlog.StateRunning {
				return nil, fmt.Errorf("wandb: init: run %s is still running in another process (%s): %w", r.id, last.Dir, ErrInvalidSetting)
			}
			prev = info
		}
	}
	switch s.Resume {
	case settings.ResumeMust:
		if prev == nil {
			return nil, fmt.Errorf("wandb: init: resume \"must\" is not a valid option for run %s, which has not been initialized: %w", r.id, ErrRunNotFound)
		}
	case settings.ResumeNever:
		if prev != nil {
			return nil, fmt.Errorf("wandb: init: resume \"never\" is not a valid option for run %s, which already exists: %w", r.id, ErrRunExists)
		}
	}
	return prev, nil
}

// continueFrom makes r the next part of prev: step, identity and config
// carry over unless given again.
func (r *Run) continueFrom(prev *runlog.Info, cfg map[string]any) {
	s := r.settings
	r.resumed = true
	// A resumed part that crashed before logging a row still knows
	// where the run was: its run record's starting step.
	r.startingStep = prev.StartingStep
	if prev.Rows > 0 {
		r.startingStep = prev.LastStep + 1
	}
	if s.Sources["run_tags"] != settings.SourceInit && len(r.tags) == 0 {
		r.tags = prev.Tags
	}
	if r.notes == "" {
		r.notes = prev.Notes
	}
	if r.name == "" {
		r.name = prev.Name
	}
	if r.group == "" {
		r.group = prev.Group
	}
	if r.jobType == "" {
		r.jobType = prev.JobType
	}
	for k, v := range prev.Config {
		if _, ok := cfg[k]; !ok {
			cfg[k] = v
		}
	}
}
