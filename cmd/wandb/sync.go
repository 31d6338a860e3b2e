package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/tensorboard"
)

// errNoServerSync is `wandb sync` without --tensorboard: uploading runs
// needs a tracking server, which is the tracking-server issue's.
var errNoServerSync = errors.New("uploading runs to a W&B server is not available yet (it comes with the tracking-server issue); " +
	"`wandb sync --tensorboard DIR` imports TensorBoard logs into offline runs")

// newSyncCmd is `wandb sync`: for now, `wandb sync --tensorboard DIR`
// imports finished TensorBoard logs, one offline run per log directory.
func (a *app) newSyncCmd() *cobra.Command {
	var tbDir, project string
	cmd := &cobra.Command{
		Use:   "sync [--tensorboard DIR]",
		Short: "Import TensorBoard logs into runs (uploading to a server is not available yet)",
		Long: "With --tensorboard DIR, import finished TensorBoard logs: every directory under DIR (DIR included) " +
			"that holds event files (events.out.tfevents.<time>.<host>…, no *.profile-empty) becomes one offline " +
			"run in <dir>/wandb named after the directory (its path under DIR, or DIR's name), its events history " +
			"rows (wandb-behaviour.md §9.1) and its event files saved with the run. Damaged files are imported as " +
			"far as they can be read and the damage is reported.\n\n" +
			"Without --tensorboard, sync would upload local runs to a W&B server; this build has no tracking " +
			"server yet, so it says so and fails.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if tbDir == "" {
				return errNoServerSync
			}
			if len(args) > 0 {
				return usagef("%s: unexpected argument %q (the log directory goes after --tensorboard)", cmd.CommandPath(), args[0])
			}
			return a.syncTensorboard(cmd.Context(), tbDir, project)
		},
	}
	cmd.Flags().StringVar(&tbDir, "tensorboard", "", "import the TensorBoard logs under `DIR`")
	cmd.Flags().StringVar(&project, "project", "", "the project of the runs made (default: as wandb.Init decides)")
	return cmd
}

// syncTensorboard makes one run per log directory under dir.
func (a *app) syncTensorboard(ctx context.Context, dir, project string) error {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s does not exist", dir)
		}
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	logDirs, err := eventDirs(dir)
	if err != nil {
		return err
	}
	if len(logDirs) == 0 {
		return fmt.Errorf("no TensorBoard event files (events.out.tfevents.*) under %s", dir)
	}
	var failed []string
	for _, ld := range logDirs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.syncLogDir(ctx, dir, ld, project); err != nil {
			fmt.Fprintf(a.stderr, "wandb: error: %s: %v\n", ld, err)
			failed = append(failed, ld)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d log directories were not imported whole", len(failed), len(logDirs))
	}
	return nil
}

// eventDirs lists the directories under dir that hold event files.
func eventDirs(dir string) ([]string, error) {
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && (tensorboard.Filter{}).Match(d.Name()) {
			seen[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	return out, nil
}

// runName names the run of a log directory: its path under top, or top's
// own name.
func runName(top, logDir string) string {
	rel, err := filepath.Rel(top, logDir)
	if err != nil || rel == "." {
		abs, err := filepath.Abs(logDir)
		if err != nil {
			return filepath.Base(logDir)
		}
		return filepath.Base(abs)
	}
	return filepath.ToSlash(rel)
}

func (a *app) syncLogDir(ctx context.Context, top, logDir, project string) (err error) {
	opts := []wandb.Option{
		wandb.WithDir(a.rootDir()),
		wandb.WithMode(wandb.ModeOffline),
		wandb.WithName(runName(top, logDir)),
		wandb.WithSyncTensorboard(true),
		wandb.WithSignalHandler(false),
		wandb.WithReinit(wandb.ReinitCreateNew),
		wandb.WithWarnings(a.stderr),
	}
	if project != "" {
		opts = append(opts, wandb.WithProject(project))
	}
	run, err := wandb.Init(ctx, opts...)
	if err != nil {
		return err
	}
	defer func() {
		if ferr := run.FinishContext(ctx, 0); err == nil {
			err = ferr
		}
	}()
	stats, err := tensorboard.Sync(ctx, run, logDir,
		tensorboard.WithRecursive(false), tensorboard.WithRootDir(logDir),
		tensorboard.WithWarnings(func(msg string) { a.warnf("%s", msg) }))
	fmt.Fprintf(a.stdout, "%s: run %s (%s): %d rows from %d events in %d event files -> %s\n",
		logDir, run.ID(), run.Name(), stats.Rows, stats.Events, stats.Files, run.SyncDir())
	return err
}
