package wandb

// The run's side of the plugin hub: starting plugins at Init, feeding them
// observations, applying their emissions (runSink implements
// host.RunSink) and stopping them at Finish. See package plugins.

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/host"
)

// pluginOptions are the plugin options of Init.
type pluginOptions struct {
	names     []string
	inProcess []plugins.Plugin
	hostOpts  []host.Option
}

// WithPlugins starts the named plugins with the run: for each name the
// first binary wandb-plugin-<name> on $WANDB_PLUGIN_PATH or beside the
// program (`wandb plugins ls` lists them). They are flushed and stopped at
// Finish. A plugin that is missing, fails to start, crashes, hangs or sends
// invalid data is reported as a warning and a line in the run's log, and
// the run goes on without it: plugins never fail Init nor harm the run's
// own data. The plugins' log output goes to logs/plugins.log in the run
// directory.
func WithPlugins(names ...string) Option {
	return func(o *initOptions) { o.plugins.names = append(o.plugins.names, names...) }
}

// WithInProcessPlugin runs p as a plugin of the run in this process, with
// no subprocess or gRPC: the same interface and supervision as WithPlugins.
func WithInProcessPlugin(p plugins.Plugin) Option {
	return func(o *initOptions) { o.plugins.inProcess = append(o.plugins.inProcess, p) }
}

// WithPluginHostOptions configures the plugin host of the run (search path,
// call deadline, failure policy, queue size; see package plugins/host).
func WithPluginHostOptions(opts ...host.Option) Option {
	return func(o *initOptions) { o.plugins.hostOpts = append(o.plugins.hostOpts, opts...) }
}

// pluginHub is a run's plugin session; nil for a run without plugins.
type pluginHub struct {
	session *host.Session
	logFile *os.File
}

// startPlugins starts the plugins asked for. Failures are reported by the
// session (runSink.LogLine); they do not fail Init.
func (r *Run) startPlugins(ctx context.Context, o *initOptions) {
	po := o.plugins
	if r.disabled || len(po.names) == 0 && len(po.inProcess) == 0 {
		return
	}
	logger, f := r.pluginLogger()
	h := host.New(append([]host.Option{host.WithLogger(logger)}, po.hostOpts...)...)
	info := plugins.RunInfo{
		ID: r.id, Name: r.Name(), Project: r.project, Entity: r.entity,
		Dir: r.Dir(), Config: r.config.Map(),
	}
	hub := &pluginHub{session: h.NewSession(ctx, info, runSink{r}), logFile: f}
	r.plugins = hub
	for _, name := range po.names {
		_ = hub.session.Start(ctx, name)
	}
	for _, p := range po.inProcess {
		_ = hub.session.Attach(ctx, p)
	}
}

// pluginLogger is the hclog logger of the run's plugins: logs/plugins.log.
func (r *Run) pluginLogger() (hclog.Logger, *os.File) {
	dir := filepath.Join(r.dir.Dir, rundir.LogsDir)
	if err := os.MkdirAll(dir, 0o755); err == nil {
		f, err := os.OpenFile(filepath.Join(dir, "plugins.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err == nil {
			return hclog.New(&hclog.LoggerOptions{Name: "plugins", Output: f, Level: hclog.Debug}), f
		}
		r.warn("plugins: no plugin log: %v", err)
	}
	return hclog.NewNullLogger(), nil
}

// stopPlugins flushes and stops the plugins, before the run's last records.
func (r *Run) stopPlugins(ctx context.Context) {
	hub := r.plugins
	if hub == nil {
		return
	}
	if err := hub.session.Close(ctx); err != nil {
		r.warn("plugins: %v", err)
	}
	if hub.logFile != nil {
		_ = hub.logFile.Close()
	}
}

// Observe hands a value seen by an in-process hook (a training-loop
// callback, an environment wrapper) to the run's plugins, which may turn it
// into history, summary, media or files. value is a number (a scalar), a
// []float32 or []float64 (a 1-D tensor), a plugins.Tensor, a plugins.Frame
// or an image.Image (a frame). The data is copied; Observe never waits for
// a plugin (a plugin that falls behind loses observations, counted and
// reported at Finish). Without plugins it does nothing. Observe does not
// log anything itself: use Log for the run's own metrics.
func (r *Run) Observe(key string, step int64, value any) error {
	if err := r.check(); err != nil {
		return err
	}
	hub := r.plugins
	if hub == nil {
		return nil
	}
	o, err := observation(key, step, value)
	if err != nil {
		return wrap("observe", err)
	}
	return wrap("observe", hub.session.Observe(o))
}

// observation converts a value given to Observe, copying its data.
func observation(key string, step int64, value any) (plugins.Observation, error) {
	switch v := value.(type) {
	case float64:
		return plugins.Scalar(key, step, v), nil
	case float32:
		return plugins.Scalar(key, step, float64(v)), nil
	case int:
		return plugins.Scalar(key, step, float64(v)), nil
	case int64:
		return plugins.Scalar(key, step, float64(v)), nil
	case int32:
		return plugins.Scalar(key, step, float64(v)), nil
	case int16:
		return plugins.Scalar(key, step, float64(v)), nil
	case int8:
		return plugins.Scalar(key, step, float64(v)), nil
	case uint:
		return plugins.Scalar(key, step, float64(v)), nil
	case uint64:
		return plugins.Scalar(key, step, float64(v)), nil
	case uint32:
		return plugins.Scalar(key, step, float64(v)), nil
	case uint16:
		return plugins.Scalar(key, step, float64(v)), nil
	case uint8:
		return plugins.Scalar(key, step, float64(v)), nil
	case []float32:
		return plugins.TensorObservation(key, step, &plugins.Tensor{Shape: []int{len(v)}, DType: plugins.Float32, Float32: slices.Clone(v)}), nil
	case []float64:
		return plugins.TensorObservation(key, step, &plugins.Tensor{Shape: []int{len(v)}, DType: plugins.Float64, Float64: slices.Clone(v)}), nil
	case plugins.Tensor:
		return observation(key, step, &v)
	case *plugins.Tensor:
		if v == nil {
			break
		}
		t := &plugins.Tensor{Shape: slices.Clone(v.Shape), DType: v.DType, Float32: slices.Clone(v.Float32), Float64: slices.Clone(v.Float64)}
		return plugins.TensorObservation(key, step, t), nil
	case plugins.Frame:
		return observation(key, step, &v)
	case *plugins.Frame:
		if v == nil {
			break
		}
		return plugins.FrameObservation(key, step, &plugins.Frame{Width: v.Width, Height: v.Height, RGBA: slices.Clone(v.RGBA)}), nil
	case image.Image:
		b := v.Bounds()
		rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(rgba, rgba.Bounds(), v, b.Min, draw.Src)
		return plugins.FrameObservation(key, step, &plugins.Frame{Width: b.Dx(), Height: b.Dy(), RGBA: rgba.Pix}), nil
	}
	return plugins.Observation{}, fmt.Errorf("%q: %T cannot be observed (numbers, []float32, []float64, plugins.Tensor, plugins.Frame and image.Image can): %w", key, value, ErrUnsupportedType)
}

// runSink applies plugin emissions to the run (host.RunSink).
type runSink struct{ r *Run }

var _ host.RunSink = runSink{}

// LogRow logs a plugin's history row: at its step by W&B's step rule, or
// added to the current step and committed (plugins.NextStep), as W&B's
// TensorBoard sync does.
func (s runSink) LogRow(step int64, row map[string]any) error {
	var o runstate.LogOptions
	if step >= 0 {
		if cur := s.r.handler.Step(); step < cur {
			return fmt.Errorf("history row at step %d dropped: the run is already at step %d", step, cur)
		}
		o.Step, o.HasStep = step, true
	}
	return s.r.handler.Log(row, o)
}

// UpdateSummary sets summary keys explicitly.
func (s runSink) UpdateSummary(values map[string]any) error { return s.r.summary.Update(values) }

// UpdateConfig adds config keys; changing a key's value is refused whatever
// the run's allow_val_change.
func (s runSink) UpdateConfig(values map[string]any) error { return s.r.config.update(values, false) }

// AddFile records a file the host has put into the files directory.
func (s runSink) AddFile(path string) error {
	if err := s.r.check(); err != nil {
		return err
	}
	s.r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Files{Files: &recordpb.FilesRecord{Files: []*recordpb.FilesItem{
		{Path: path, Policy: recordpb.FilesItem_END, Type: recordpb.FilesItem_OTHER},
	}}}})
	return nil
}

// LogLine writes a line into the run log as standard-error output, and
// shows warnings and errors as warnings.
func (s runSink) LogLine(level plugins.Level, text string) {
	if s.r.check() != nil {
		return
	}
	line := fmt.Sprintf("wandb: %s %s\n", strings.ToUpper(string(level)), text)
	s.r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_OutputRaw{OutputRaw: &recordpb.OutputRawRecord{
		OutputType: recordpb.OutputRawRecord_STDERR, Line: line,
	}}})
	if level == plugins.LevelWarn || level == plugins.LevelError {
		s.r.warn("%s", text)
	}
}

// Plugins returns the state of the run's plugins (none without plugins).
func (r *Run) Plugins() []host.Status {
	if r == nil || r.plugins == nil {
		return nil
	}
	return r.plugins.session.Status()
}

// HasPlugin reports whether the run has a plugin of that name that is
// running (so Observe reaches it).
func (r *Run) HasPlugin(name string) bool {
	for _, s := range r.Plugins() {
		if s.Name == name && s.State == host.StateRunning {
			return true
		}
	}
	return false
}
