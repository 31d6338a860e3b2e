package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/syncer"
	"github.com/gowandb/wandb/integrations/tensorboard"
)

// newSyncCmd is `wandb sync`: upload local runs to the W&B server of the
// settings (core/syncer), or with --tensorboard DIR import finished
// TensorBoard logs, one offline run per log directory.
func (a *app) newSyncCmd() *cobra.Command {
	var tbDir, project, entity string
	var all, clean, cleanForce bool
	var cleanHours int
	cmd := &cobra.Command{
		Use:   "sync [RUN_DIR...] [--all] [--tensorboard DIR] [--clean [--clean-old-hours H] [--clean-force]]",
		Short: "Upload local runs to a W&B server, or import TensorBoard logs into runs",
		Long: "Upload the given run directories (or with --all every run under <dir>/wandb not synced yet) to the " +
			"W&B server of the settings (WANDB_BASE_URL, WANDB_API_KEY, settings files): run metadata and config, " +
			"history, summary, system metrics, console output and the run's files. Sync is idempotent: what the " +
			"server already has is not sent again. A synced run gets a run-<id>.wandb.synced marker next to its log.\n\n" +
			"With --tensorboard DIR, import finished TensorBoard logs: every directory under DIR (DIR included) " +
			"that holds event files (events.out.tfevents.<time>.<host>…, no *.profile-empty) becomes one offline " +
			"run in <dir>/wandb named after the directory (its path under DIR, or DIR's name), its events history " +
			"rows (wandb-behaviour.md §9.1) and its event files saved with the run. Damaged files are imported as " +
			"far as they can be read and the damage is reported.\n\n" +
			"With --clean, delete the directories of runs under <dir>/wandb that are synced (they have the " +
			"marker) and started more than --clean-old-hours ago (default 24), after a confirmation that " +
			"--clean-force skips (W&B's wandb sync --clean).\n\n" +
			"A progress bar goes to standard error when it is a terminal; otherwise each run gets one line on " +
			"standard output.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if clean {
				if all || tbDir != "" || len(args) > 0 {
					return usagef("%s: --clean goes alone (with --clean-old-hours and --clean-force)", cmd.CommandPath())
				}
				if cleanHours < 0 {
					return usagef("%s: --clean-old-hours must not be negative", cmd.CommandPath())
				}
				return a.cleanSynced(cmd.InOrStdin(), time.Duration(cleanHours)*time.Hour, cleanForce)
			}
			if cleanForce || cmd.Flags().Changed("clean-old-hours") {
				return usagef("%s: --clean-force and --clean-old-hours go with --clean", cmd.CommandPath())
			}
			if tbDir != "" {
				if all {
					return usagef("%s: --all and --tensorboard do not go together", cmd.CommandPath())
				}
				if len(args) > 0 {
					return usagef("%s: unexpected argument %q (the log directory goes after --tensorboard)", cmd.CommandPath(), args[0])
				}
				return a.syncTensorboard(cmd.Context(), tbDir, project)
			}
			if len(args) == 0 && !all {
				return usagef("%s: give run directories or --all", cmd.CommandPath())
			}
			return a.syncRuns(cmd.Context(), args, all, project, entity)
		},
	}
	cmd.Flags().StringVar(&tbDir, "tensorboard", "", "import the TensorBoard logs under `DIR`")
	cmd.Flags().StringVar(&project, "project", "", "the project of the runs (default: the run's own, or as wandb.Init decides)")
	cmd.Flags().StringVar(&entity, "entity", "", "the entity to upload to (default: the run's own, else the key's default entity)")
	cmd.Flags().BoolVar(&all, "all", false, "sync every run under <dir>/wandb that is not synced yet")
	cmd.Flags().BoolVar(&clean, "clean", false, "delete synced runs under <dir>/wandb")
	cmd.Flags().IntVar(&cleanHours, "clean-old-hours", 24, "with --clean, delete only runs started more than `H` hours ago")
	cmd.Flags().BoolVar(&cleanForce, "clean-force", false, "with --clean, delete without asking")
	return cmd
}

// syncRuns uploads run directories with core/syncer.
func (a *app) syncRuns(ctx context.Context, dirs []string, all bool, project, entity string) error {
	c, err := a.serverClient()
	if err != nil {
		return err
	}
	if all {
		runs, err := rundir.List(a.rootDir())
		if err != nil {
			return err
		}
		for _, r := range runs {
			if !syncer.IsSynced(r.Dir) && !slices.Contains(dirs, r.Dir) {
				dirs = append(dirs, r.Dir)
			}
		}
		if len(dirs) == 0 {
			fmt.Fprintf(a.stdout, "nothing to sync under %s\n", rundir.WandbDir(a.rootDir()))
			return nil
		}
	}
	var opts []syncer.Option
	if project != "" {
		opts = append(opts, syncer.WithProject(project))
	}
	if entity != "" {
		opts = append(opts, syncer.WithEntity(entity))
	}
	var failed int
	bar := newProgressBar(a.stderr, len(dirs))
	for i, d := range dirs {
		if err := ctx.Err(); err != nil {
			return err
		}
		runOpts := opts
		if bar != nil {
			name := filepath.Base(d)
			bar.update(i, name, syncer.Progress{})
			runOpts = append(slices.Clone(opts), syncer.WithProgress(func(p syncer.Progress) { bar.update(i, name, p) }))
		}
		res, err := syncer.Sync(ctx, d, c, runOpts...)
		bar.clear()
		if err != nil {
			fmt.Fprintf(a.stderr, "wandb: error: %s: %v\n", d, err)
			failed++
			continue
		}
		for _, w := range res.Warnings {
			a.warnf("%s: %s", d, w)
		}
		state := "crashed"
		if res.Complete {
			state = fmt.Sprintf("exit %d", res.ExitCode)
		}
		fmt.Fprintf(a.stdout, "%s: %d rows sent (%d already there), %d files uploaded, %s → %s/%s\n",
			res.ID, res.RowsSent, res.RowsSkipped, res.FilesUploaded, state, strings.TrimSuffix(c.BaseURL, "/"), res.Path())
	}
	bar.done()
	if failed > 0 {
		return fmt.Errorf("%d of %d runs failed to sync", failed, len(dirs))
	}
	return nil
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
