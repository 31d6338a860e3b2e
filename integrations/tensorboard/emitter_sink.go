package tensorboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sync"
	"unicode/utf8"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/plugins"
)

// EmitterSink is the Sink of the plugin transport: it turns rows and saved
// files into plugins.Emissions for a run whose files directory filesDir it
// shares (plugins.RunInfo.Dir), so that Sync, Watch and the Plugin read
// and convert logs with the same code whichever transport carries the
// result (RunSink is the in-process one). Each row is one emission:
//
//   - the history row at plugins.NextStep (added to the run's current step
//     and committed: W&B's TensorBoard sync commits one row per
//     TensorBoard step and does not honour steps while it runs), with
//     GlobalStepKey = row.Step and _timestamp = row.WallTime;
//   - values converted as RunSink converts them (wandbValue); media (images,
//     the table of a PR curve) are bound here, in the plugin: their files
//     are written into filesDir by the value's BindToRun at the TensorBoard
//     step, their JSON goes into the row and their paths into the
//     emission's Files (written already, so without data);
//   - for a key's first PR curve, the config entry _wandb.visualize.<key>
//     of its chart.
//
// SaveFile copies the event file to <filesDir>/<name> and emits it as a
// file of the run (W&B's policy "end").
//
// Keys the host would refuse (not UTF-8; _step and _runtime, which the run
// sets) or that the row sets itself (global_step, _timestamp) are left out
// of their row and reported in WriteRow's error, as are values that cannot
// be converted: an invalid emission would get the whole plugin disabled.
// It is safe for concurrent use.
func EmitterSink(emit plugins.Emitter, filesDir string) Sink {
	return &emitterSink{emit: emit, dir: filesDir, charts: map[string]bool{}}
}

type emitterSink struct {
	emit plugins.Emitter
	dir  string

	mu     sync.Mutex
	charts map[string]bool // keys whose chart entry has been emitted
}

var _ Sink = (*emitterSink)(nil)

func (s *emitterSink) WriteRow(_ context.Context, row Row) error {
	e, err := s.emission(row)
	if e.History != nil {
		if eerr := s.emit.Emit(e); eerr != nil {
			err = errors.Join(err, eerr)
		}
	}
	if err != nil {
		return fmt.Errorf("tensorboard: step %d: %w", row.Step, err)
	}
	return nil
}

// emission builds the emission of row. Values that cannot be converted or
// bound are left out and reported in the error; a row left with none has
// no History.
func (s *emitterSink) emission(row Row) (plugins.Emission, error) {
	var (
		e      plugins.Emission
		errs   []error
		charts map[string]any
	)
	hist := make(map[string]json.RawMessage, len(row.Values)+2)
	for k, v := range row.Values {
		js, files, err := s.encode(k, row.Step, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("key %q: %w", k, err))
			continue
		}
		hist[k] = js
		for _, f := range files {
			e.Files = append(e.Files, plugins.File{Path: f}) // written by BindToRun
		}
		if v.Kind == PRCurve && s.firstChart(k) {
			if charts == nil {
				charts = map[string]any{}
			}
			charts[k] = chartConfig(k)
		}
	}
	if len(hist) == 0 && len(row.Values) > 0 {
		return plugins.Emission{}, errors.Join(errs...)
	}
	if charts != nil {
		// A leaf of _wandb.visualize per chart: the run merges it into its
		// _wandb subtree.
		cfg, err := plugins.Value(map[string]any{"visualize": charts})
		if err != nil {
			errs = append(errs, fmt.Errorf("chart: %w", err))
		} else {
			e.Config = map[string]json.RawMessage{"_wandb": cfg}
		}
	}
	hist[GlobalStepKey], _ = plugins.Value(row.Step)
	if row.WallTime > 0 {
		hist["_timestamp"], _ = plugins.Value(row.WallTime)
	}
	// Valid by construction (encode checks the keys; the values are JSON
	// made here): the host's Validate is not repeated, it decodes every
	// value.
	e.History = &plugins.HistoryRow{Step: plugins.NextStep, Row: hist}
	return e, errors.Join(errs...)
}

// firstChart reports whether key's chart entry is still to be emitted, and
// marks it emitted.
func (s *emitterSink) firstChart(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.charts[key] {
		return false
	}
	s.charts[key] = true
	return true
}

// encode is one value's JSON and the files written for it.
func (s *emitterSink) encode(key string, step int64, v Value) (json.RawMessage, []string, error) {
	switch {
	case key == "" || !utf8.ValidString(key):
		return nil, nil, errors.New("the key is not UTF-8")
	case key == "_step" || key == "_runtime" || key == "_timestamp" || key == GlobalStepKey:
		return nil, nil, errors.New("the key is set by the run or by the sync")
	}
	val, err := wandbValue(v)
	if err != nil {
		return nil, nil, err
	}
	b := runstate.Binding{FilesDir: s.dir, Key: key, Step: step}
	switch x := val.(type) {
	case *wandb.Histogram:
		js, err := x.WandbJSON()
		return js, nil, err
	case *wandb.Image:
		return x.BindToRun(b)
	case []*wandb.Image: // W&B's images/separated
		items := make([]runstate.Binder, len(x))
		for i, im := range x {
			items[i] = im
		}
		return x[0].BindListToRun(b, items)
	case *wandb.Table:
		return x.BindToRun(b)
	}
	js, err := plugins.Value(val)
	return js, nil, err
}

func (s *emitterSink) SaveFile(_ context.Context, path, name string) error {
	if !validName(name) {
		return fmt.Errorf("tensorboard: save %s: name %q is not a relative path inside the run", path, name)
	}
	if err := copyFile(path, filepath.Join(s.dir, filepath.FromSlash(name))); err != nil {
		return fmt.Errorf("tensorboard: save %s: %w", path, err)
	}
	if err := s.emit.Emit(plugins.Emission{Files: []plugins.File{{Path: name}}}); err != nil {
		return fmt.Errorf("tensorboard: save %s: %w", path, err)
	}
	return nil
}

// validName reports whether name is a clean relative path inside the
// files directory, as the host requires of a file's path.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && path.Clean(name) == name && filepath.IsLocal(filepath.FromSlash(name))
}
