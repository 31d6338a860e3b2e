package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"text/tabwriter"
	"time"

	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/spf13/cobra"
)

// runEntry is one line of `wandb runs ls` (and one object of --json).
type runEntry struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	State      string    `json:"state"`
	ExitCode   *int32    `json:"exit_code,omitempty"`
	Steps      int64     `json:"steps"`
	LastUpdate time.Time `json:"last_update,omitzero"`
	Dir        string    `json:"dir"`
}

// stateUnknown is the state of a run whose log cannot be read.
const stateUnknown = "unknown"

// newRunsLsCmd is `wandb runs ls`: every run under <dir>/wandb, oldest
// first; or with ENTITY/PROJECT the runs the server stores.
func (a *app) newRunsLsCmd() *cobra.Command {
	var asJSON, fast bool
	var sq serverRunsQuery
	cmd := &cobra.Command{
		Use:   "ls [DIR | ENTITY/PROJECT]",
		Short: "List the runs under <dir>/wandb, or a project's runs on the server",
		Long: "List the runs under <dir>/wandb with their state, oldest first. Steps counts the history rows " +
			"of each run log; with --fast only the end of each log is read and steps is the last step + 1. " +
			"A directory argument is the same as --dir.\n\n" +
			"With ENTITY/PROJECT (or PROJECT of the key's own entity), list the project's runs on the W&B server " +
			"of the settings (WANDB_BASE_URL, WANDB_API_KEY, netrc), newest first. --filter takes an expression " +
			"(config.lr > 0.01 and state = finished; summary.loss < 0.5 or tags contains baseline; " +
			"name ~ \"sweep-\"; not, parentheses) or W&B's Mongo-style JSON; --state and --tag add conditions; " +
			"--order takes W&B's order (-created_at, +summary_metrics.loss, config.lr).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("%s: unexpected argument %q", cmd.CommandPath(), args[1])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
					a.dir = args[0]
				} else {
					if fast {
						return usagef("%s: --fast lists local runs only", cmd.CommandPath())
					}
					if asJSON {
						sq.format = "json"
					}
					return a.runsLsServer(cmd, args[0], sq)
				}
			}
			if sq.anySet(cmd) {
				return usagef("%s: --filter, --order, --state, --tag, --limit and --format need ENTITY/PROJECT (a server listing)", cmd.CommandPath())
			}
			return a.runsLs(cmd.Context(), asJSON, fast)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	cmd.Flags().BoolVar(&fast, "fast", false, "read only the end of each run log (steps = last step + 1)")
	sq.flags(cmd)
	return cmd
}

func (a *app) runsLs(ctx context.Context, asJSON, fast bool) error {
	root := a.rootDir()
	if _, err := os.Stat(root); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s does not exist", root)
		}
		return fmt.Errorf("reading %s: %w", root, err)
	}
	runs, err := rundir.List(root)
	if err != nil {
		return fmt.Errorf("listing runs: %w", err)
	}
	entries := make([]runEntry, 0, len(runs))
	for _, r := range runs {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries = append(entries, a.describeRun(ctx, r, fast))
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	if len(entries) == 0 {
		_, err := fmt.Fprintf(a.stdout, "no runs in %s\n", rundir.WandbDir(root))
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tSTEPS\tLAST UPDATE\tDIR")
	for _, e := range entries {
		last := "-"
		if !e.LastUpdate.IsZero() {
			last = e.LastUpdate.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, orDash(e.Name), e.State, e.Steps, last, e.Dir)
	}
	return tw.Flush()
}

// describeRun reads one run's log. A log that cannot be read is reported on
// stderr and listed with state "unknown".
func (a *app) describeRun(ctx context.Context, r rundir.Run, fast bool) runEntry {
	e := runEntry{ID: r.ID, Dir: r.Dir, State: stateUnknown}
	path := r.LogPath()
	var ts float64
	if fast {
		st, err := runlog.ReadStatus(path)
		if err != nil {
			a.warnf("run %s: %v", r.Dir, err)
			return e
		}
		e.State, e.Steps, ts = st.State(), st.LastStep+1, st.LastTimestamp
		if st.Exited {
			e.ExitCode = &st.ExitCode
		}
		e.Name = readName(path)
	} else {
		info, err := replay(ctx, path, nil)
		if err != nil {
			a.warnf("run %s: %v", r.Dir, err)
			return e
		}
		a.warnDamage(path, info.Damage)
		e.State, e.Steps, e.Name, ts = info.State(), info.Rows, info.Name, info.LastTimestamp
		if info.Exited {
			e.ExitCode = &info.ExitCode
		}
		if info.ID != "" {
			e.ID = info.ID
		}
	}
	e.LastUpdate = lastUpdate(path, ts)
	return e
}

// errHead stops a replay at the first history row.
var errHead = errors.New("head read")

// readName is the run's display name, from the run record at the start of
// its log: the replay stops at the first history row.
func readName(path string) string {
	info, err := runlog.Replay(path, func(runlog.Row) error { return errHead })
	if info == nil || (err != nil && !errors.Is(err, errHead)) {
		return ""
	}
	return info.Name
}

// lastUpdate is the last row's _timestamp, else the log's modification
// time, else zero.
func lastUpdate(path string, timestamp float64) time.Time {
	if timestamp > 0 && !math.IsInf(timestamp, 0) {
		sec, frac := math.Modf(timestamp)
		return time.Unix(int64(sec), int64(frac*1e9))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
