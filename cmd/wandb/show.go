package main

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/spf13/cobra"
)

// newRunShowCmd is `wandb run show <run-dir>`: the run's header, config,
// summary, last system metrics sample and last rows, from its log.
func (a *app) newRunShowCmd() *cobra.Command {
	var rows int
	var all bool
	cmd := &cobra.Command{
		Use:   "show <run-dir>",
		Short: "Show a run: its header, config, summary and last history rows",
		Long: "Show a run: its header, config, summary and last history rows. <run-dir> is a run directory, " +
			"its run log (run-<id>.wandb) or a link to one such as wandb/latest-run.",
		Args: argsNamed("<run-dir>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rows < 0 {
				return usagef("--rows %d: must be 0 or more", rows)
			}
			return a.showRun(cmd.Context(), args[0], rows, all)
		},
	}
	cmd.Flags().IntVar(&rows, "rows", 5, "how many of the last history rows to print")
	cmd.Flags().BoolVar(&all, "all", false, "include the reserved _wandb keys of config and summary")
	return cmd
}

func (a *app) showRun(ctx context.Context, arg string, n int, all bool) error {
	path, err := findRunLog(arg)
	if err != nil {
		return err
	}
	last := newRowRing(n)
	info, err := replay(ctx, path, func(r runlog.Row) error { last.add(r); return nil })
	if err != nil {
		return err
	}
	a.warnDamage(path, info.Damage)

	w := bufio.NewWriter(a.stdout)
	field := func(label, value string) { fmt.Fprintf(w, "%-12s%s\n", label+":", value) }
	exit := "-"
	if info.Exited {
		exit = strconv.Itoa(int(info.ExitCode))
	}
	start := "-"
	if !info.StartTime.IsZero() {
		start = info.StartTime.Local().Format(time.RFC3339)
	}
	field("id", orDash(info.ID))
	field("name", orDash(info.Name))
	field("project", orDash(info.Project))
	field("entity", orDash(info.Entity))
	field("state", info.State())
	field("exit code", exit)
	field("start time", start)
	field("runtime", time.Duration(info.LastRuntime*float64(time.Second)).Round(time.Millisecond).String())
	field("steps", strconv.FormatInt(info.Rows, 10))
	field("tags", orDash(strings.Join(info.Tags, ", ")))
	field("group", orDash(info.Group))
	field("job type", orDash(info.JobType))
	field("notes", orDash(info.Notes))
	field("run log", path)
	for _, d := range info.Damage {
		field("damage", d.String())
	}

	fmt.Fprintln(w, "config:")
	writeTree(w, info.Config, 1, all)
	fmt.Fprintln(w, "summary:")
	writeTree(w, info.Summary, 1, all)
	fmt.Fprintln(w, "system:")
	writeTree(w, lastSystemSample(info), 1, all)
	fmt.Fprintf(w, "last %d rows:\n", last.len())
	var buf []byte
	for r := range last.all() {
		buf = runstate.AppendAnyJSON(buf[:0], rowMap(r))
		w.Write(append(buf, '\n'))
	}
	return w.Flush()
}

// lastSystemSample is the run's last system metrics sample, as W&B's
// events line has it: _timestamp, _runtime and the metrics (bare keys, the
// line's "system." prefix left out). It is empty for a run without one.
func lastSystemSample(info *runlog.Info) map[string]any {
	if info.StatsSamples == 0 {
		return nil
	}
	m := maps.Clone(info.LastStats.Values)
	m["_timestamp"] = float64(info.LastStats.Time.UnixNano()) / 1e9
	if !info.StartTime.IsZero() {
		m["_runtime"] = info.LastStats.Time.Sub(info.StartTime).Seconds()
	}
	return m
}

// rowRing keeps the last n rows.
type rowRing struct {
	rows []runlog.Row
	next int // where the next row goes once rows is full
}

func newRowRing(n int) *rowRing { return &rowRing{rows: make([]runlog.Row, 0, n)} }

func (g *rowRing) add(r runlog.Row) {
	switch {
	case cap(g.rows) == 0:
	case len(g.rows) < cap(g.rows):
		g.rows = append(g.rows, r)
	default:
		g.rows[g.next] = r
		g.next = (g.next + 1) % len(g.rows)
	}
}

func (g *rowRing) len() int { return len(g.rows) }

// all yields the rows oldest first.
func (g *rowRing) all() func(yield func(runlog.Row) bool) {
	return func(yield func(runlog.Row) bool) {
		for i := range g.rows {
			if !yield(g.rows[(g.next+i)%len(g.rows)]) {
				return
			}
		}
	}
}

// rowMap is the row as logged, nested, with its _step.
func rowMap(r runlog.Row) map[string]any {
	m := r.Map()
	if _, ok := m["_step"]; !ok {
		m["_step"] = r.Step
	}
	return m
}
