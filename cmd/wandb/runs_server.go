package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowandb/wandb/core/query"
	"github.com/gowandb/wandb/core/runfilter"
)

// serverRunsQuery is the flags of `wandb runs ls ENTITY/PROJECT`.
type serverRunsQuery struct {
	filter, order, format string
	states, tags          []string
	limit                 int
}

func (q *serverRunsQuery) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&q.filter, "filter", "", "server listing: a filter expression or W&B Mongo-style JSON")
	f.StringVar(&q.order, "order", "", "server listing: order, e.g. -created_at (default) or +summary_metrics.loss")
	f.StringSliceVar(&q.states, "state", nil, "server listing: only runs in these states (running, finished, failed, crashed, killed)")
	f.StringSliceVar(&q.tags, "tag", nil, "server listing: only runs with all these tags")
	f.IntVar(&q.limit, "limit", 0, "server listing: at most this many runs (0: all)")
	f.StringVar(&q.format, "format", "table", "server listing: table or json")
}

func (q *serverRunsQuery) anySet(cmd *cobra.Command) bool {
	for _, n := range []string{"filter", "order", "state", "tag", "limit", "format"} {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

// filters joins --filter, --state and --tag into one Mongo-style filter.
func (q *serverRunsQuery) filters() (string, error) {
	var parts []string
	if strings.TrimSpace(q.filter) != "" {
		f, err := runfilter.Parse(q.filter)
		if err != nil {
			return "", err
		}
		parts = append(parts, f.String())
	}
	if len(q.states) > 0 {
		list := make([]string, len(q.states))
		for i, s := range q.states {
			list[i] = string(appendJSON(nil, s))
		}
		parts = append(parts, `{"state":{"$in":[`+strings.Join(list, ",")+`]}}`)
	}
	for _, t := range q.tags {
		parts = append(parts, `{"tags":`+string(appendJSON(nil, t))+`}`)
	}
	switch len(parts) {
	case 0:
		return "", nil
	case 1:
		return parts[0], nil
	}
	return `{"$and":[` + strings.Join(parts, ",") + `]}`, nil
}

// runsLsServer lists a project's runs on the server.
func (a *app) runsLsServer(cmd *cobra.Command, path string, sq serverRunsQuery) error {
	if sq.format != "table" && sq.format != "json" {
		return usagef("%s: --format must be table or json, not %q", cmd.CommandPath(), sq.format)
	}
	if sq.limit < 0 {
		return usagef("%s: --limit must not be negative", cmd.CommandPath())
	}
	filters, err := sq.filters()
	if err != nil {
		return usagef("%s: --filter: %v", cmd.CommandPath(), err)
	}
	if sq.order != "" {
		if _, err := runfilter.ParseOrder(sq.order); err != nil {
			return usagef("%s: --order: %v", cmd.CommandPath(), err)
		}
	}
	c, err := a.apiClient()
	if err != nil {
		return err
	}
	per := 200
	if sq.limit > 0 {
		per = min(sq.limit, 1000)
	}
	ctx := cmd.Context()
	var runs []*query.Run
	for r, err := range c.Runs(ctx, path, query.RunsQuery{Filters: filters, Order: sq.order, PerPage: per, Limit: sq.limit}) {
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	if sq.format == "json" {
		b := []byte{'['}
		for i, r := range runs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n  "...)
			b = appendJSON(b, map[string]any{"path": r.Path(), "id": r.ID, "name": r.DisplayName, "state": r.State,
				"group": r.Group, "job_type": r.JobType, "tags": append([]string{}, r.Tags...), "notes": r.Notes,
				"created_at": r.CreatedAt, "heartbeat_at": r.HeartbeatAt, "history_line_count": int64(r.HistoryLineCount),
				"config": r.Config, "summary": r.Summary})
		}
		if len(runs) > 0 {
			b = append(b, '\n')
		}
		b = append(b, "]\n"...)
		_, err := a.stdout.Write(b)
		return err
	}
	if len(runs) == 0 {
		_, err := fmt.Fprintf(a.stdout, "no runs in %s\n", path)
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tSTEPS\tCREATED\tGROUP\tTAGS")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, orDash(r.DisplayName), r.State, r.HistoryLineCount,
			r.CreatedAt.Local().Format(time.DateTime), orDash(r.Group), orDash(strings.Join(r.Tags, ",")))
	}
	return tw.Flush()
}
