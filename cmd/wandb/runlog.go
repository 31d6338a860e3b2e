package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/wal"
)

// findRunLog resolves a <run-dir> argument to its run log. arg may be a run
// directory, the run log itself, or a link to a run directory such as
// wandb/latest-run.
func findRunLog(arg string) (string, error) {
	fi, err := os.Stat(arg)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s does not exist", arg)
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", arg, err)
	}
	if !fi.IsDir() {
		return arg, nil
	}
	dir := arg
	if real, err := filepath.EvalSymlinks(arg); err == nil {
		dir = real
	}
	if r, ok := rundir.Parse(dir); ok {
		if _, err := os.Stat(r.LogPath()); err == nil {
			return r.LogPath(), nil
		}
	}
	if p, err := runlog.FindLog(dir); err == nil {
		return p, nil
	}
	msg := fmt.Sprintf("%s is not a run directory (no run-<id>.wandb in it)", arg)
	if runs, err := rundir.List(arg); err == nil && len(runs) > 0 {
		noun := "runs"
		if len(runs) == 1 {
			noun = "run"
		}
		msg += fmt.Sprintf("; it holds %d %s: see wandb runs ls --dir %s", len(runs), noun, arg)
	}
	return "", errors.New(msg)
}

// replay replays the run log at path, calling onRow (if not nil) for every
// history row, and stops when ctx ends. A file that is not a run log is an
// error saying so; damage is not an error (see Info.Damage).
func replay(ctx context.Context, path string, onRow func(runlog.Row) error) (*runlog.Info, error) {
	info, err := runlog.Replay(path, func(r runlog.Row) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if onRow == nil {
			return nil
		}
		return onRow(r)
	})
	if errors.Is(err, wal.ErrBadHeader) {
		return nil, fmt.Errorf("%s is not a run log: %w", path, err)
	}
	if err != nil {
		return nil, err
	}
	return info, nil
}

// warnDamage reports the stretches of a run log that could not be read.
func (a *app) warnDamage(path string, damage []wal.Damage) {
	if len(damage) == 0 {
		return
	}
	a.warnf("%s is damaged; skipped %s; the intact records were read", path, describeDamage(damage))
}

func describeDamage(damage []wal.Damage) string {
	parts := make([]string, len(damage))
	for i, d := range damage {
		parts[i] = d.String()
	}
	return strings.Join(parts, "; ")
}
