package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowandb/wandb/core/query"
	"github.com/gowandb/wandb/core/wjson"
)

// apiClient is the query API client of the invocation: server and key
// from the environment, the settings files and netrc, as the SDK finds
// them.
func (a *app) apiClient() (*query.Client, error) {
	c, err := query.New(query.WithEnv(a.env), query.WithRootDir(a.dir), query.WithUserAgent("gowandb-cli/"+versionString()))
	if errors.Is(err, query.ErrNoAPIKey) {
		return nil, errors.New("no API key: set WANDB_API_KEY or add the server to ~/.netrc to query a server")
	}
	return c, err
}

// newHistoryCmd is `wandb history ENTITY/PROJECT/RUN`.
func (a *app) newHistoryCmd() *cobra.Command {
	var keys []string
	var samples int
	var format string
	var minStep, maxStep int64
	cmd := &cobra.Command{
		Use:   "history ENTITY/PROJECT/RUN",
		Short: "Print a run's history from the server as CSV or JSON lines",
		Long: "Print the history of a run stored on the W&B server of the settings (WANDB_BASE_URL, WANDB_API_KEY, " +
			"netrc). --format jsonl writes one JSON object per row, nested as logged (NaN and Infinity as W&B " +
			"writes them); --format csv writes a header of _step and the keys (nested keys joined with \".\") and " +
			"one line per row, empty where a row lacks a key. --keys keeps only rows holding every key; --samples N " +
			"spreads N rows over the run (W&B's sampled history) instead of every row.",
		Args: argsNamed("ENTITY/PROJECT/RUN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "csv" && format != "jsonl" {
				return usagef("%s: --format must be csv or jsonl, not %q", cmd.CommandPath(), format)
			}
			if samples < 0 || minStep < 0 || maxStep < 0 {
				return usagef("%s: --samples, --min-step and --max-step must not be negative", cmd.CommandPath())
			}
			if maxStep > 0 && maxStep <= minStep {
				return usagef("%s: --max-step %d must be above --min-step %d", cmd.CommandPath(), maxStep, minStep)
			}
			for _, k := range keys {
				if k == "" {
					return usagef("%s: --keys has an empty key", cmd.CommandPath())
				}
			}
			q := query.HistoryQuery{Keys: keys, Samples: samples, MinStep: minStep, MaxStep: maxStep}
			return a.history(cmd.Context(), args[0], q, format)
		},
	}
	cmd.Flags().StringSliceVar(&keys, "keys", nil, "only rows holding these keys, with only them (comma-separated)")
	cmd.Flags().IntVar(&samples, "samples", 0, "spread this many rows over the run (0: every row)")
	cmd.Flags().StringVar(&format, "format", "csv", "output format: csv or jsonl")
	cmd.Flags().Int64Var(&minStep, "min-step", 0, "first step")
	cmd.Flags().Int64Var(&maxStep, "max-step", 0, "stop before this step (0: the end)")
	return cmd
}

func (a *app) history(ctx context.Context, path string, q query.HistoryQuery, format string) error {
	c, err := a.apiClient()
	if err != nil {
		return err
	}
	run, err := c.Run(ctx, path)
	if err != nil {
		return err
	}
	var rows func(yield func(query.HistoryRow, error) bool)
	if q.Samples > 0 {
		got, err := run.History(ctx, q)
		if err != nil {
			return err
		}
		rows = func(yield func(query.HistoryRow, error) bool) {
			for _, r := range got {
				if !yield(r, nil) {
					return
				}
			}
		}
	} else {
		rows = run.Scan(ctx, q)
	}
	if format == "jsonl" {
		for row, err := range rows {
			if err != nil {
				return err
			}
			if _, err := a.stdout.Write(append(appendJSON(nil, map[string]any(row)), '\n')); err != nil {
				return err
			}
		}
		return nil
	}
	return writeHistoryCSV(a.stdout, rows, q.Keys)
}

// writeHistoryCSV writes rows as CSV: _step, then the keys (all flattened
// keys of all rows, sorted, when keys is empty: the rows are read first).
func writeHistoryCSV(w io.Writer, rows func(func(query.HistoryRow, error) bool), keys []string) error {
	var flat []map[string]string
	cols := map[string]bool{}
	for row, err := range rows {
		if err != nil {
			return err
		}
		m := map[string]string{}
		flattenRow("", row, m)
		for k := range m {
			cols[k] = true
		}
		flat = append(flat, m)
	}
	header := []string{"_step"}
	if len(keys) > 0 {
		for _, k := range keys {
			if k != "_step" {
				header = append(header, k)
			}
		}
	} else {
		var rest []string
		for k := range cols {
			if k != "_step" {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		header = append(header, rest...)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	line := make([]string, len(header))
	for _, m := range flat {
		for i, k := range header {
			line[i] = m[k]
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// flattenRow writes each scalar of v under its dotted key; a media object
// (a map with "_type") or a list is one cell of JSON text.
func flattenRow(prefix string, v map[string]any, out map[string]string) {
	for k, x := range v {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if m, ok := x.(map[string]any); ok {
			if _, media := m["_type"]; !media {
				flattenRow(key, m, out)
				continue
			}
		}
		out[key] = cell(x)
	}
}

func cell(x any) string {
	switch v := x.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return string(wjson.AppendFloat(nil, v)) // NaN, Infinity, -Infinity
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return string(appendJSON(nil, x))
}

// appendJSON appends v as JSON the way W&B writes it: map keys sorted,
// NaN and ±Infinity as bare tokens, floats with a fraction (wjson).
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return wjson.AppendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return wjson.AppendFloat(b, x)
	case time.Time:
		return wjson.AppendString(b, x.UTC().Format(time.RFC3339Nano))
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = wjson.AppendString(b, e)
		}
		return append(b, ']')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = wjson.AppendString(b, k)
			b = append(b, ':')
			b = appendJSON(b, x[k])
		}
		return append(b, '}')
	case query.HistoryRow:
		return appendJSON(b, map[string]any(x))
	}
	return wjson.AppendString(b, fmt.Sprint(v))
}
