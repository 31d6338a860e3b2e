package tensorboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // TF1 Summary.Image may hold GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/plotting"
)

// Sink receives what Sync and Watch read from a log directory. RunSink
// logs into a run in this process; EmitterSink carries the same two calls
// to the run as plugin emissions (Plugin, WithLogDir), which is why rows
// hold data only.
//
// Calls come from one goroutine at a time. Rows of one log directory come
// in file order, one per TensorBoard step (consecutive events of a step
// merged); rows of different directories may interleave.
type Sink interface {
	// WriteRow records row as one committed history row: its values,
	// GlobalStepKey = row.Step and _timestamp = row.WallTime. An error is
	// reported by Sync and Watch, which go on with the next row.
	WriteRow(ctx context.Context, row Row) error
	// SaveFile saves the event file at path with the run as name (a
	// slash-separated path relative to the root log directory), to be
	// uploaded when the run ends (W&B's policy "end"). It is called when
	// Sync has read the file, or when a Watcher stops, and may be called
	// again for the same file.
	SaveFile(ctx context.Context, path, name string) error
}

// RunSink is the Sink that logs into run, in this process:
//
//   - each row is one run.Log call (no Step: W&B does not honour log(step=)
//     while TensorBoard is synced, the step goes into global_step);
//   - numbers and strings as they are, histograms as wandb.Histogram;
//   - images decoded (PNG, JPEG or GIF) into wandb.Image values, several
//     under one key as W&B's images/separated;
//   - a PR curve as a wandb.Table with columns recall and precision under
//     the key, and the config entry _wandb.visualize.<key> of a
//     wandb/line/v0 chart of it titled "<key> Precision v. Recall", as W&B's
//     TensorBoard sync does (not a wandb.CustomChart: that would log the
//     table under <key>_table and a PNG);
//   - event files copied to <run.Dir()>/<name>. The root package has no
//     Save API yet to record them as a FilesRecord with policy "end"; the
//     copy under files/ is part of the run and is what `wandb sync` uploads.
func RunSink(run *wandb.Run) Sink { return &runSink{run: run} }

type runSink struct{ run *wandb.Run }

func (s *runSink) WriteRow(_ context.Context, row Row) error {
	m := make(map[string]any, len(row.Values)+2)
	var errs []error
	for k, v := range row.Values {
		val, err := wandbValue(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("key %q: %w", k, err))
			continue
		}
		if v.Kind == PRCurve {
			if err := s.setChart(k); err != nil {
				errs = append(errs, fmt.Errorf("key %q: %w", k, err))
				continue
			}
		}
		m[k] = val
	}
	m[GlobalStepKey] = row.Step
	if row.WallTime > 0 {
		m["_timestamp"] = row.WallTime
	}
	errs = append(errs, s.run.Log(m))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tensorboard: step %d: %w", row.Step, err)
	}
	return nil
}

// setChart sets the config entry of the PR-curve chart of key, unless the
// run has it already.
func (s *runSink) setChart(key string) error {
	path := chartPath(key)
	cfg := chartConfig(key)
	if old, ok := s.run.Config().GetPath(path...); !ok || !reflect.DeepEqual(old, cfg) {
		if err := s.run.Config().SetPath(path, cfg); err != nil {
			return fmt.Errorf("chart: %w", err)
		}
	}
	return nil
}

// wandbValue is the value a converted Value is logged as, by either
// transport: a number, a string, a *wandb.Histogram, a *wandb.Image or
// []*wandb.Image (images decoded: PNG, JPEG or GIF), or for a PR curve a
// *wandb.Table with columns recall and precision.
func wandbValue(v Value) (any, error) {
	switch v.Kind {
	case Number:
		return v.Number, nil
	case Text:
		return v.Text, nil
	case Histogram:
		if v.Histogram == nil {
			return nil, errors.New("no histogram")
		}
		return v.Histogram, nil
	case Images:
		ims := make([]*wandb.Image, 0, len(v.Images))
		for i, enc := range v.Images {
			img, _, err := image.Decode(bytes.NewReader(enc.Encoded))
			if err != nil {
				return nil, fmt.Errorf("image %d: %w", i, err)
			}
			im, err := wandb.NewImage(img)
			if err != nil {
				return nil, fmt.Errorf("image %d: %w", i, err)
			}
			ims = append(ims, im)
		}
		if len(ims) == 0 {
			return nil, errors.New("no images")
		}
		if len(ims) == 1 {
			return ims[0], nil
		}
		return ims, nil
	case PRCurve:
		return prTable(v.PRCurve)
	}
	return nil, fmt.Errorf("unknown value kind %v", v.Kind)
}

// prTable is the table of a PR curve.
func prTable(c *Curve) (*wandb.Table, error) {
	if c == nil || len(c.Recall) != len(c.Precision) {
		return nil, errors.New("malformed PR curve")
	}
	rows := make([][]any, len(c.Recall))
	for i := range rows {
		rows[i] = []any{c.Recall[i], c.Precision[i]}
	}
	return wandb.NewTable([]string{"recall", "precision"}, rows)
}

// chartPath is the config path of the chart of the PR curve logged under
// key: _wandb.visualize.<key>.
func chartPath(key string) []string { return []string{"_wandb", "visualize", key} }

// chartConfig is that chart: a wandb/line/v0 panel of the key's table,
// recall against precision, titled ChartTitle(key), as W&B's TensorBoard
// sync makes it (not a wandb.CustomChart: that would log the table under
// <key>_table and a PNG).
func chartConfig(key string) map[string]any {
	return plotting.PanelConfig(plotting.SpecLine,
		map[string]string{"x": "recall", "y": "precision"},
		map[string]string{"title": ChartTitle(key)}, key)
}

func (s *runSink) SaveFile(_ context.Context, path, name string) error {
	dir := s.run.Dir()
	if dir == "" || s.run.Disabled() {
		return nil
	}
	if name == "" || strings.Contains("/"+name+"/", "/../") || filepath.IsAbs(filepath.FromSlash(name)) {
		return fmt.Errorf("tensorboard: save %s: name %q is not a relative path inside the run", path, name)
	}
	if err := copyFile(path, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
		return fmt.Errorf("tensorboard: save %s: %w", path, err)
	}
	return nil
}

// copyFile copies src to dst through a temporary file, so dst is always
// whole.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
