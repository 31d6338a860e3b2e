package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/spf13/cobra"
)

// exporters write a run's history in one format, streaming the rows from
// the run log, and return what the (last) replay found.
var exporters = map[string]func(ctx context.Context, path string, w *bufio.Writer) (*runlog.Info, error){
	"jsonl": exportJSONL,
	"csv":   exportCSV,
}

// newExportCmd is `wandb export <run-dir>`: the run's history rebuilt from
// its log.
func (a *app) newExportCmd() *cobra.Command {
	var format, output string
	cmd := &cobra.Command{
		Use:   "export <run-dir>",
		Short: "Export a run's history as JSON lines or CSV",
		Long: "Export a run's history, rebuilt from its run log, as JSON lines (one object per row, nested as " +
			"logged) or CSV (one column per dotted key, _step first). NaN and ±Infinity are written as W&B " +
			"writes them: NaN, Infinity, -Infinity.",
		Args: argsNamed("<run-dir>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.export(cmd.Context(), args[0], format, output)
		},
	}
	cmd.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to `FILE` instead of standard output")
	return cmd
}

func (a *app) export(ctx context.Context, arg, format, output string) error {
	write, ok := exporters[format]
	if !ok {
		return usagef("unknown format %q: use jsonl or csv", format)
	}
	path, err := findRunLog(arg)
	if err != nil {
		return err
	}
	out, err := createOutput(a.stdout, output)
	if err != nil {
		return err
	}
	info, err := write(ctx, path, out.Writer)
	if err != nil {
		out.abort()
		return err
	}
	if err := out.close(); err != nil {
		return err
	}
	a.warnDamage(path, info.Damage)
	return nil
}

// exportJSONL writes one JSON object per row, nested as logged, keys sorted.
func exportJSONL(ctx context.Context, path string, w *bufio.Writer) (*runlog.Info, error) {
	var buf []byte
	return replay(ctx, path, func(r runlog.Row) error {
		buf = runstate.AppendAnyJSON(buf[:0], rowMap(r))
		_, err := w.Write(append(buf, '\n'))
		return err
	})
}

// exportCSV writes a header of every dotted key (_step first, the rest
// sorted) and one line per row. The header needs every key before the first
// row, so the log is replayed twice instead of holding the rows in memory.
func exportCSV(ctx context.Context, path string, w *bufio.Writer) (*runlog.Info, error) {
	keys := map[string]struct{}{}
	if _, err := replay(ctx, path, func(r runlog.Row) error {
		flatten("", rowMap(r), func(k string, _ any) { keys[k] = struct{}{} })
		return nil
	}); err != nil {
		return nil, err
	}
	delete(keys, "_step")
	header := append([]string{"_step"}, slices.Sorted(maps.Keys(keys))...)
	column := make(map[string]int, len(header))
	for i, k := range header {
		column[k] = i
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	record := make([]string, len(header))
	info, err := replay(ctx, path, func(r runlog.Row) error {
		clear(record)
		flatten("", rowMap(r), func(k string, v any) {
			if i, ok := column[k]; ok { // a key new since the first pass (a live run) has no column
				record[i] = csvCell(v)
			}
		})
		return cw.Write(record)
	})
	if err != nil {
		return nil, err
	}
	cw.Flush()
	return info, cw.Error()
}

// flatten calls fn for every leaf of m with its path joined by ".". Lists,
// empty maps and W&B objects (maps with a "_type", such as histograms) are
// leaves.
func flatten(prefix string, m map[string]any, fn func(key string, v any)) {
	for k, v := range m {
		if prefix != "" {
			k = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 && sub["_type"] == nil {
			flatten(k, sub, fn)
			continue
		}
		fn(k, v)
	}
}

// csvCell is a value as a CSV cell: strings raw, null empty, everything else
// as JSON (numbers, NaN and ±Infinity as W&B writes them, lists and maps
// compact).
func csvCell(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	return string(runstate.AppendAnyJSON(nil, v))
}

// output is where export writes: standard output, or a temporary file next
// to the destination that close renames into place, so that a failed export
// leaves no half-written file.
type output struct {
	*bufio.Writer
	file *os.File
	dest string
}

func createOutput(stdout io.Writer, dest string) (*output, error) {
	if dest == "" || dest == "-" {
		return &output{Writer: bufio.NewWriter(stdout)}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", dest, err)
	}
	return &output{Writer: bufio.NewWriter(f), file: f, dest: dest}, nil
}

func (o *output) close() error {
	err := o.Flush()
	if o.file == nil {
		return err
	}
	if cerr := o.file.Chmod(0o644); err == nil {
		err = cerr
	}
	if cerr := o.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.file.Name(), o.dest)
	}
	if err != nil {
		os.Remove(o.file.Name())
		return fmt.Errorf("writing %s: %w", o.dest, err)
	}
	return nil
}

func (o *output) abort() {
	if o.file != nil {
		o.file.Close()
		os.Remove(o.file.Name())
	}
}
