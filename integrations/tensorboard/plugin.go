package tensorboard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gowandb/wandb/plugins"
)

// PluginName is the tensorboard plugin's name: runs ask for it with
// wandb.WithPlugins(PluginName) (WithLogDir does), and its binary is
// wandb-plugin-tensorboard (cmd/wandb-plugin-tensorboard).
const PluginName = "tensorboard"

// PluginVersion is the plugin's version, printed by describe.
const PluginVersion = "1.0.0"

// maxReports bounds the warnings a Plugin puts into the run's log (damaged
// files, values that cannot be converted, failed polls); one more line
// says that the rest were left out.
const maxReports = 64

// Plugin is live TensorBoard sync as a plugin of the run (package
// plugins): W&B's sync_tensorboard, out of the training process when it
// runs as the binary wandb-plugin-tensorboard, or in it with
// wandb.WithInProcessPlugin. WithLogDir sets either up.
//
// At Start it reads its settings from the run's config (_wandb.tensorboard,
// see ConfigKey and PluginConfig) and follows each log directory named
// there with a Watcher, whose rows and event files go to the run through
// an EmitterSink: the same reading, conversion and value encoding as
// Watch in-process, carried by emissions. Its own goroutine polls every
// log directory's poll interval (the shortest, if they differ), reading
// what was appended, following rotation to newer files and new
// subdirectories, and emitting the rows of finished steps (and of steps
// quiet for the idle-flush time).
//
//   - Flush polls and emits everything read so far, the row of the last
//     step included.
//   - Finish stops the polling, reads the rest, emits the last rows and
//     saves the event files with the run (copied into its files directory
//     and emitted as its files), unless the settings say save: false.
//
// Observations are not its business and are ignored. Warnings (damaged
// files, values that cannot be converted, failed polls) go into the run's
// log, at most maxReports of them. One Plugin serves one run at a time.
type Plugin struct {
	trigger <-chan time.Time // WithPollTrigger; nil: a ticker

	mu       sync.Mutex // Start, Flush and Finish against each other
	watchers []*Watcher
	cancel   context.CancelFunc
	done     chan struct{} // closed when the poll loop has returned

	repMu   sync.Mutex
	emit    plugins.Emitter
	reports int
}

var _ plugins.Plugin = (*Plugin)(nil)

// PluginOption configures a Plugin.
type PluginOption func(*Plugin)

// WithPollTrigger makes the plugin poll every time c delivers, instead of
// on a ticker at the log directories' poll interval: tests drive the
// polling with it. The plugin polls on one goroutine, so once a send on an
// unbuffered c has been received again, the poll of the send before has
// finished.
func WithPollTrigger(c <-chan time.Time) PluginOption { return func(p *Plugin) { p.trigger = c } }

// NewPlugin returns the tensorboard plugin.
func NewPlugin(opts ...PluginOption) *Plugin {
	p := &Plugin{}
	for _, o := range opts {
		if o != nil {
			o(p)
		}
	}
	return p
}

// Manifest describes the plugin.
func (p *Plugin) Manifest() plugins.Manifest {
	return plugins.Manifest{
		Name:    PluginName,
		Version: PluginVersion,
		Provides: []string{"tensorboard", plugins.ProvidesHistory, plugins.ProvidesConfig,
			plugins.ProvidesFiles, plugins.ProvidesLogs},
		Description: "syncs TensorBoard event files live into the run (sync_tensorboard): rows, media, PR-curve charts, the event files",
	}
}

// Start reads the settings from the run's config and begins to follow the
// log directories. It fails when the config names none or the run has no
// files directory (then the host disables the plugin and says why in the
// run's log).
func (p *Plugin) Start(ctx context.Context, run plugins.RunInfo, emit plugins.Emitter) error {
	s, err := settingsFromConfig(run.Config)
	if err != nil {
		return err
	}
	if run.Dir == "" {
		return errors.New("tensorboard: plugin: the run has no files directory")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.watchers != nil {
		return errors.New("tensorboard: plugin: already started for a run")
	}
	p.repMu.Lock()
	p.emit, p.reports = emit, 0
	p.repMu.Unlock()
	sink := EmitterSink(emit, run.Dir)
	warn := func(msg string) { p.report(msg) }
	var (
		ws       []*Watcher
		interval time.Duration
	)
	for _, d := range s.LogDirs {
		w, err := WatchTo(ctx, sink, d.Path, append(d.options(), WithWarnings(warn))...)
		if err != nil {
			return fmt.Errorf("tensorboard: plugin: %w", err)
		}
		ws = append(ws, w)
		if iv := seconds(d.PollInterval); iv > 0 && (interval == 0 || iv < interval) {
			interval = iv
		}
	}
	p.watchers = ws
	tick, stop := p.trigger, func() {}
	if tick == nil && interval > 0 {
		t := time.NewTicker(interval)
		tick, stop = t.C, t.Stop
	}
	if tick != nil {
		// The loop outlives Start's call: only Finish ends it.
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		p.cancel, p.done = cancel, make(chan struct{})
		go p.loop(lctx, tick, stop, ws, p.done)
	}
	return nil
}

// loop polls the watchers on every tick until ctx ends.
func (p *Plugin) loop(ctx context.Context, tick <-chan time.Time, stop func(), ws []*Watcher, done chan<- struct{}) {
	defer close(done)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			for _, w := range ws {
				if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
					p.report(err.Error())
				}
			}
		}
	}
}

// Observe ignores observations: the plugin reads log directories.
func (p *Plugin) Observe(context.Context, []plugins.Observation) error { return nil }

// Flush polls every log directory and emits everything read so far, the
// row of each directory's last step included. It returns the errors of
// reading and emitting.
func (p *Plugin) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, w := range p.watchers {
		errs = append(errs, w.Flush(ctx))
	}
	return errors.Join(errs...)
}

// Finish stops the polling, reads what is left, emits the last rows and
// saves the event files with the run. It is idempotent.
func (p *Plugin) Finish(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel, p.done = nil, nil
	}
	var errs []error
	for _, w := range p.watchers {
		errs = append(errs, w.Stop(ctx))
	}
	p.watchers = nil
	p.repMu.Lock()
	p.emit = nil
	p.repMu.Unlock()
	return errors.Join(errs...)
}

// report puts a warning into the run's log, up to maxReports of them.
func (p *Plugin) report(msg string) {
	p.repMu.Lock()
	defer p.repMu.Unlock()
	if p.emit == nil || p.reports > maxReports {
		return
	}
	p.reports++
	if p.reports > maxReports {
		msg = fmt.Sprintf("tensorboard: more than %d warnings; the rest are left out of the run's log", maxReports)
	}
	msg = strings.ToValidUTF8(msg, "\uFFFD") // file names need not be UTF-8
	if len(msg) > plugins.MaxLogLine {
		msg = strings.ToValidUTF8(msg[:plugins.MaxLogLine], "") // a rune cut in two goes
	}
	_ = p.emit.Emit(plugins.Emission{Log: &plugins.LogLine{Level: plugins.LevelWarn, Text: msg}})
}
