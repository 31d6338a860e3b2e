package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/gowandb/wandb/plugins"
)

// Session is the plugins of one run. Its methods are safe for concurrent
// use.
type Session struct {
	h    *Host
	run  plugins.RunInfo
	sink RunSink
	// ctx bounds background work (queued observations, restarts); it ends
	// when Close returns.
	ctx    context.Context
	cancel context.CancelFunc

	applyMu    sync.Mutex // one sink call at a time
	sinkClosed bool       // guarded by applyMu

	mu     sync.Mutex
	insts  []*instance
	closed bool
	// view is insts for Observe, replaced (never changed) under mu.
	view atomic.Pointer[[]*instance]
}

// NewSession returns an empty session for run whose emissions go to sink.
// Only ctx's values are kept: the session lives until Close.
func (h *Host) NewSession(ctx context.Context, run plugins.RunInfo, sink RunSink) *Session {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &Session{h: h, run: run, sink: sink, ctx: sctx, cancel: cancel}
}

// Start finds the plugin called name on the search path and starts it:
// its process, then its Start call. A plugin of another protocol version
// is refused with a *plugins.VersionError. A plugin that cannot start is
// also reported in the run's log.
func (s *Session) Start(ctx context.Context, name string) error {
	f, err := s.h.Find(ctx, name)
	if err != nil {
		return s.startFailed(name, err)
	}
	return s.startFound(ctx, f)
}

// StartPath starts the plugin binary at path, whatever its name.
func (s *Session) StartPath(ctx context.Context, path string) error {
	f := s.h.Describe(ctx, path)
	if f.Err != nil {
		return s.startFailed(f.Name, f.Err)
	}
	return s.startFound(ctx, f)
}

func (s *Session) startFound(ctx context.Context, f Found) error {
	if v := f.Manifest.ProtocolVersion; v != plugins.ProtocolVersion {
		return s.startFailed(f.Name, &plugins.VersionError{Plugin: f.Path, Host: plugins.ProtocolVersion, PluginVersion: v})
	}
	launch := func(ctx context.Context) (plugins.Plugin, clientHandle, error) {
		p, c, err := s.h.launch(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		return p, c, nil
	}
	return s.add(ctx, f.Name, f.Path, launch, true)
}

// Attach runs p in-process, under the same supervision as a plugin
// process: calls have deadlines, emissions are validated, a panic in a
// call counts as a crash. A hung in-process plugin cannot be killed: its
// goroutine is abandoned. It is never restarted.
func (s *Session) Attach(ctx context.Context, p plugins.Plugin) error {
	m := p.Manifest()
	if err := m.Validate(); err != nil {
		return s.startFailed(m.Name, err)
	}
	used := false
	launch := func(context.Context) (plugins.Plugin, clientHandle, error) {
		if used {
			return nil, nil, errors.New("plugins: an in-process plugin cannot be restarted")
		}
		used = true
		return p, nil, nil
	}
	return s.add(ctx, m.Name, "", launch, false)
}

func (s *Session) add(ctx context.Context, name, path string, launch launcher, restartable bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("plugins: start %q: %w", name, plugins.ErrClosed)
	}
	for _, in := range s.insts {
		if in.name == name {
			s.mu.Unlock()
			return fmt.Errorf("plugins: plugin %q is already running in this run", name)
		}
	}
	s.mu.Unlock()
	in := newInstance(s, name, path, launch, restartable && s.h.cfg.policy == RestartOnce)
	if err := in.begin(ctx); err != nil {
		return s.startFailed(name, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		in.abandon()
		return fmt.Errorf("plugins: start %q: %w", name, plugins.ErrClosed)
	}
	s.insts = append(s.insts, in)
	view := append([]*instance(nil), s.insts...)
	s.view.Store(&view)
	s.mu.Unlock()
	go in.work()
	s.h.cfg.logger.Info("plugin started", "plugin", name, "path", path, "pid", in.status().PID)
	return nil
}

func (s *Session) startFailed(name string, err error) error {
	s.report(plugins.LevelError, fmt.Sprintf("plugins: plugin %q failed to start: %v", name, err))
	return err
}

// Observe queues o for every running plugin and returns at once. It fails
// only for an invalid observation (plugins.Observation.Validate). The
// session keeps o's tensor or frame data until the plugins have it: the
// caller must not change it afterwards.
func (s *Session) Observe(o plugins.Observation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if v := s.view.Load(); v != nil {
		for _, in := range *v {
			in.observe(o)
		}
	}
	return nil
}

// Flush asks every running plugin to flush, after the observations queued
// before it. When it returns, every emission the plugins made before their
// flush returned has been applied. Plugin failures are reported in the
// run's log, not returned; the error is ctx's.
func (s *Session) Flush(ctx context.Context) error {
	s.mu.Lock()
	insts := append([]*instance(nil), s.insts...)
	s.mu.Unlock()
	return s.each(ctx, insts, opFlush)
}

// Close flushes and finishes every plugin and stops its process; then
// observations are ignored and emissions refused. It is idempotent. Plugin
// failures are reported in the run's log; the error is ctx's, if it ended
// before every plugin stopped (those left are killed).
func (s *Session) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	insts := s.insts
	s.view.Store(nil)
	s.mu.Unlock()
	err := s.each(ctx, insts, opFinish)
	s.applyMu.Lock()
	s.sinkClosed = true
	s.applyMu.Unlock()
	s.cancel()
	return err
}

func (s *Session) each(ctx context.Context, insts []*instance, kind opKind) error {
	errs := make([]error, len(insts))
	var wg sync.WaitGroup
	for i, in := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = in.control(ctx, kind)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Status returns the state of every plugin of the session, in start order.
func (s *Session) Status() []Status {
	s.mu.Lock()
	insts := append([]*instance(nil), s.insts...)
	s.mu.Unlock()
	out := make([]Status, len(insts))
	for i, in := range insts {
		out[i] = in.status()
	}
	return out
}

// report puts a line into the run's log (and the host's logger).
func (s *Session) report(level plugins.Level, text string) {
	switch level {
	case plugins.LevelError:
		s.h.cfg.logger.Error(text)
	case plugins.LevelWarn:
		s.h.cfg.logger.Warn(text)
	default:
		s.h.cfg.logger.Info(text)
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if !s.sinkClosed {
		s.sink.LogLine(level, text)
	}
}

// apply applies a validated emission of plugin name to the run. Parts the
// run refuses are reported; the rest lands.
func (s *Session) apply(name string, e plugins.Emission) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if s.sinkClosed {
		return plugins.ErrClosed
	}
	var errs []error
	if len(e.Config) > 0 {
		errs = append(errs, s.sink.UpdateConfig(decodeValues(e.Config)))
	}
	if h := e.History; h != nil {
		errs = append(errs, s.sink.LogRow(h.Step, decodeValues(h.Row)))
	}
	if len(e.Summary) > 0 {
		errs = append(errs, s.sink.UpdateSummary(decodeValues(e.Summary)))
	}
	for _, f := range e.Files {
		if err := s.placeFile(f); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, s.sink.AddFile(f.Path))
	}
	if l := e.Log; l != nil {
		s.sink.LogLine(l.Level, "["+name+"] "+l.Text)
	}
	if err := errors.Join(errs...); err != nil {
		text := fmt.Sprintf("plugins: plugin %q: part of an emission was not applied: %v", name, err)
		s.h.cfg.logger.Warn(text)
		s.sink.LogLine(plugins.LevelWarn, text)
		return fmt.Errorf("plugins: %w", err)
	}
	return nil
}

// placeFile writes f's data into the files directory, or checks that the
// file is there.
func (s *Session) placeFile(f plugins.File) error {
	dst := filepath.Join(s.run.Dir, filepath.FromSlash(f.Path))
	if f.Data == nil {
		if _, err := os.Stat(dst); err != nil {
			return fmt.Errorf("file %q is not in the run's files directory: %w", f.Path, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("file %q: %w", f.Path, err)
	}
	tmp := dst + ".plugin-tmp"
	if err := os.WriteFile(tmp, f.Data, 0o644); err != nil {
		return fmt.Errorf("file %q: %w", f.Path, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("file %q: %w", f.Path, err)
	}
	return nil
}

// decodeValues decodes validated JSON values.
func decodeValues(m map[string]json.RawMessage) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		x, err := plugins.DecodeValue(v)
		if err != nil {
			continue // Validate has checked every value
		}
		out[k] = x
	}
	return out
}
