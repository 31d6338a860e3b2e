package wandb

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gowandb/wandb/core/console"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runconfig"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/core/settings"
)

// Version is the SDK version written into run logs.
const Version = "0.1.0"

// Init starts a run (W&B's wandb.init). Settings come, from low to high
// precedence, from defaults, the global and workspace settings files, WANDB_*
// environment variables, WithSettings, and the other options. Invalid
// values are refused with an error naming the setting and the rule.
//
// The first Init of a process sets the package-level default run. While it
// is active, another Init returns it unchanged unless WithReinit says
// otherwise. ctx bounds the start-up work; the run itself lives until Finish.
func Init(ctx context.Context, opts ...Option) (*Run, error) {
	o := &initOptions{}
	for _, opt := range opts {
		opt(o)
	}
	if err := ctx.Err(); err != nil {
		return nil, wrap("init", err)
	}
	s, err := resolveSettings(o)
	if err != nil {
		return nil, err
	}
	warnOut := o.warnOut
	if warnOut == nil {
		warnOut = os.Stderr
	}
	if s.Silent || s.Quiet {
		warnOut = nil
	}

	if prev := currentRun(); prev != nil && s.Mode != settings.ModeDisabled {
		switch o.reinit {
		case ReinitDefault, ReinitReturnPrevious:
			if o.resume != nil && *o.resume == ResumeMust {
				return nil, fmt.Errorf("wandb: init: resume \"must\" while run %s is active; finish it first or use WithReinit(ReinitFinishPrevious): %w", prev.id, ErrInvalidSetting)
			}
			return prev, nil
		case ReinitFinishPrevious:
			if err := prev.FinishContext(ctx, 0); err != nil {
				return nil, wrap("init: finishing the previous run", err)
			}
		case ReinitCreateNew:
		default:
			return nil, fmt.Errorf("wandb: init: reinit %q: must be return_previous, finish_previous or create_new: %w", o.reinit, ErrInvalidSetting)
		}
	}

	now := time.Now
	if o.now != nil {
		now = o.now
	}
	r := &Run{settings: s, mode: Mode(s.Mode), warnOut: warnOut, startTime: now(), now: now, magic: o.magic}
	r.project, r.entity = s.Project, s.Entity
	if r.mode == ModeOnline {
		if err := r.connectOnline(ctx); err != nil { // online.go
			if s.Force {
				return nil, fmt.Errorf("%w: %w", ErrOnlineUnavailable, err)
			}
			r.warn("online mode: %v: logging offline instead (pass WithMode(wandb.ModeOffline) or run `wandb offline` to silence this)", err)
			r.mode = ModeOffline
		}
	}
	r.group, r.jobType, r.sweepID = s.RunGroup, s.RunJobType, s.SweepID
	r.name, r.notes, r.tags = s.RunName, s.RunNotes, s.RunTags
	r.root = s.RootDir
	if r.project == "" {
		r.project = defaultProject()
	}
	r.host, _ = os.Hostname()

	cfg, err := initialConfig(o)
	if err != nil {
		return nil, err
	}
	// Refuse a bad config before anything is written to disk.
	if _, err := runconfig.New().Update(cfg, true); err != nil {
		return nil, wrap("init: config", err)
	}
	if s.Mode == settings.ModeDisabled {
		return startDisabled(r, cfg, o)
	}
	if err := r.start(ctx, cfg, o); err != nil {
		return nil, err
	}
	r.startPlugins(ctx, o) // plugins.go
	r.startSystemMetrics(ctx, o)
	r.setOnStop(o.onStop) // stop.go
	register(r, o.reinit)
	r.runInitHooks(ctx) // hooks.go: magic and what registers through it
	return r, nil
}

// resolveSettings layers settings and checks them.
func resolveSettings(o *initOptions) (*settings.Settings, error) {
	dir := ""
	if o.dir != nil {
		dir = *o.dir
	}
	s, err := settings.Load(os.Environ(), dir)
	if err != nil {
		return nil, fmt.Errorf("wandb: init: %w: %w", ErrInvalidSetting, err)
	}
	set := func(key, value string) error {
		if err := s.Set(key, value, settings.SourceInit); err != nil {
			return fmt.Errorf("wandb: init: %w: %w", ErrInvalidSetting, err)
		}
		return nil
	}
	for k, v := range o.settings {
		if err := set(k, v); err != nil {
			return nil, err
		}
	}
	strs := []struct {
		key string
		v   *string
	}{
		{"project", o.project}, {"entity", o.entity}, {"run_job_type", o.jobType},
		{"run_group", o.group}, {"run_name", o.name}, {"run_notes", o.notes}, {"run_id", o.id},
		{"console", o.console},
	}
	for _, x := range strs {
		if x.v != nil {
			if err := set(x.key, *x.v); err != nil {
				return nil, err
			}
		}
	}
	if o.dir != nil {
		s.RootDir = *o.dir
		s.Sources["root_dir"] = settings.SourceInit
	}
	if o.mode != nil {
		if err := set("mode", string(*o.mode)); err != nil {
			return nil, err
		}
	}
	if o.resume != nil {
		if err := set("resume", string(*o.resume)); err != nil {
			return nil, err
		}
	}
	if o.tagsSet {
		s.RunTags = o.tags
		s.Sources["run_tags"] = settings.SourceInit
	}
	bools := []struct {
		key string
		v   *bool
	}{
		{"allow_val_change", o.allowValChange}, {"force", o.force}, {"sync_tensorboard", o.syncTB},
		{"monitor_gym", o.monitorGym}, {"save_code", o.saveCode},
	}
	for _, x := range bools {
		if x.v != nil {
			if err := set(x.key, strconv.FormatBool(*x.v)); err != nil {
				return nil, err
			}
		}
	}
	if o.fsync != nil {
		s.FsyncInterval = *o.fsync
		s.Sources["fsync_interval"] = settings.SourceInit
	}
	if o.finishTimeout != nil {
		s.FinishTimeout = *o.finishTimeout
		s.Sources["finish_timeout"] = settings.SourceInit
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("wandb: init: %w: %w", ErrInvalidSetting, err)
	}
	return s, nil
}

// initialConfig merges config-defaults.yaml and the WithConfig values.
func initialConfig(o *initOptions) (map[string]any, error) {
	out := map[string]any{}
	if cwd, err := os.Getwd(); err == nil {
		defaults, found, err := runconfig.LoadDefaults(cwd)
		if err != nil {
			return nil, fmt.Errorf("wandb: init: config-defaults.yaml: %w", err)
		}
		if found {
			for k, v := range defaults {
				out[k] = v
			}
		}
	}
	for i, c := range o.configs {
		m, err := configSource(c)
		if err != nil {
			return nil, fmt.Errorf("wandb: init: config #%d: %w", i+1, err)
		}
		m = runconfig.Filter(m, o.include, o.exclude)
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

func configSource(c any) (map[string]any, error) {
	switch t := c.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return t, nil
	case *flag.FlagSet:
		return runconfig.FromFlagSet(t), nil
	case string:
		return runconfig.FromYAMLFile(t)
	}
	return runconfig.FromStruct(c)
}

// start creates the run directory and the run log and starts the engine.
func (r *Run) start(ctx context.Context, cfg map[string]any, o *initOptions) error {
	s := r.settings
	root := r.root
	r.id = s.RunID
	if s.Resume == settings.ResumeAuto && r.id == "" {
		if id, ok := rundir.ReadResume(root); ok {
			r.id = id
		}
	}
	if r.id == "" {
		r.id = newRunID()
	}
	r.warnCrashedLatest()
	prev, err := r.findPrevious()
	if err != nil {
		return err
	}
	if prev != nil {
		r.continueFrom(prev, cfg)
	}
	if r.name == "" {
		r.name = generateName()
	}

	dir, err := rundir.Create(root, r.id, r.mode != ModeOnline, r.startTime)
	if err != nil {
		return wrap("init", err)
	}
	r.dir = dir
	// The run log's writer goroutine pulls the handler's queue, so that
	// encoding runs there and not in Log's caller.
	var hp atomic.Pointer[runstate.Handler]
	lw, err := runlog.Create(dir.LogPath(), runlog.Options{
		FsyncInterval: s.FsyncInterval,
		Pull: func() {
			if h := hp.Load(); h != nil {
				h.Drain()
			}
		},
	})
	if err != nil {
		return wrap("init", err)
	}
	r.log = lw
	var runtimeOffset time.Duration
	if prev != nil {
		rt := prev.LastRuntime
		if f, ok := prev.Summary["_runtime"].(float64); ok && prev.Rows == 0 {
			rt = f // a part without rows carries the runtime in its summary
		}
		runtimeOffset = time.Duration(rt * float64(time.Second))
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	r.handler = runstate.NewHandler(runstate.Options{
		StartTime:     r.startTime,
		StartingStep:  r.startingStep,
		RuntimeOffset: runtimeOffset,
		Now:           now,
		FilesDir:      dir.FilesPath(),
		Strict:        o.strictSteps,
		Warn:          func(msg string) { r.warn("%s", msg) },
		Emit:          lw.Append,
		Kick:          lw.Kick,
		OnConfig:      r.setConfigFromMedia,
	})
	hp.Store(r.handler)
	r.summary = &Summary{run: r, view: r.handler.Summary()}
	r.config = &Config{run: r, c: runconfig.New(), allowValChange: s.AllowValChange}
	if _, err := r.config.c.Update(cfg, true); err != nil {
		lw.Close(ctx)
		return wrap("init: config", err)
	}
	if s.SaveCode {
		if rel, err := saveCode(dir.FilesPath(), o); err != nil {
			r.warn("save_code: %v", err)
		} else {
			_ = r.config.c.SetPath([]string{"_wandb", "code_path"}, rel, true)
		}
	}

	h := r.handler
	h.Emit(&recordpb.Record{RecordType: &recordpb.Record_Header{Header: &recordpb.HeaderRecord{
		VersionInfo: &recordpb.VersionInfo{Producer: "gowandb " + Version, MinConsumer: "gowandb 0.1.0"},
	}}})
	r.mu.Lock()
	h.Emit(&recordpb.Record{RecordType: &recordpb.Record_Run{Run: r.runRecordLocked(true)}})
	r.mu.Unlock()
	if prev != nil && len(prev.Summary) > 0 {
		if err := r.summary.view.Restore(prev.Summary); err != nil {
			r.warn("resume: part of the earlier summary could not be restored: %v", err)
		}
		// The restored summary also goes into this part's log: resuming
		// this part again (if it crashes) replays only its own log.
		h.Emit(&recordpb.Record{RecordType: &recordpb.Record_Summary{Summary: restoredSummary(prev.Summary)}})
	}
	if err := r.writeConfigFile(); err != nil {
		r.warn("%v", err)
	}
	if err := rundir.SetLatest(root, dir.Dir); err != nil {
		r.warn("%v", err)
	}
	if s.Resume == settings.ResumeAuto {
		if err := rundir.WriteResume(root, r.id); err != nil {
			r.warn("%v", err)
		}
	}
	if s.Console != settings.ConsoleOff {
		c, err := console.Capture(console.Options{
			Stdout: true, Stderr: true,
			File: filepath.Join(dir.FilesPath(), "output.log"),
			Sink: func(l console.Line) {
				t := recordpb.OutputRawRecord_STDOUT
				if l.Stream == "stderr" {
					t = recordpb.OutputRawRecord_STDERR
				}
				h.Emit(&recordpb.Record{RecordType: &recordpb.Record_OutputRaw{OutputRaw: &recordpb.OutputRawRecord{OutputType: t, Line: l.Text + "\n"}}})
			},
		})
		if err != nil {
			r.warn("console capture is off: %v", err)
		} else {
			r.capture = c
		}
	}
	r.startUploader() // online.go
	r.bg.Add(1)
	go r.collectMetadata(context.WithoutCancel(ctx))
	if o.signals == nil || *o.signals {
		installSignalHandler()
	}
	return nil
}

// restoredSummary is the summary record of a resumed run's earlier summary.
func restoredSummary(m map[string]any) *recordpb.SummaryRecord {
	rec := &recordpb.SummaryRecord{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		rec.Update = append(rec.Update, &recordpb.SummaryItem{Key: k, ValueJson: string(runstate.AppendAnyJSON(nil, m[k]))})
	}
	return rec
}
