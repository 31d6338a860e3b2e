package tensorboard

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/gowandb/wandb"
)

// maxWatchErrors bounds the background errors a Watcher keeps for Stop.
const maxWatchErrors = 16

// Watcher follows a live log directory (W&B's sync_tensorboard): every
// poll it reads the events appended since the last one, follows rotation to
// newer event files and new subdirectories, and writes the rows. Started by
// Watch, it polls every WithPollInterval on its own goroutine; Poll polls
// now. Stop ends it. Its methods are safe for concurrent use.
//
// A row is written once the next step begins, or when its directory has
// had nothing new for a while (WithIdleFlush).
type Watcher struct {
	mu      sync.Mutex
	sink    Sink
	cfg     config
	logDir  string
	root    string
	filter  Filter
	streams map[string]*stream
	stats   Stats
	errs    []error
	stopped bool
	result  error

	cancel context.CancelFunc
	done   chan struct{}
}

// Watch follows logDir live into run (see Watcher): the Go counterpart of
// W&B's sync_tensorboard for one log directory. By default it reads the
// event files named after the run's start on this host (WithFilter
// changes that) and polls every 5 s. Call Stop before run.Finish: it reads
// what is left, writes the last row and saves the event files with the run.
func Watch(ctx context.Context, run *wandb.Run, logDir string, opts ...Option) (*Watcher, error) {
	if run == nil {
		return nil, fmt.Errorf("tensorboard: watch: %w", wandb.ErrNotInitialized)
	}
	host, _ := os.Hostname()
	def := WithFilter(Filter{StartTime: run.StartTime(), Hostname: host})
	return WatchTo(ctx, RunSink(run), logDir, append([]Option{def}, opts...)...)
}

// WatchTo is Watch into any Sink. With no WithFilter it reads every event
// file. logDir need not exist yet. ctx bounds the background polling; Stop
// still reads the rest.
func WatchTo(ctx context.Context, sink Sink, logDir string, opts ...Option) (*Watcher, error) {
	if sink == nil {
		return nil, errors.New("tensorboard: watch: nil sink")
	}
	if logDir == "" {
		return nil, errors.New("tensorboard: watch: no log directory")
	}
	cfg := newConfig(opts)
	if cfg.interval < 0 {
		return nil, fmt.Errorf("tensorboard: watch: poll interval %v is negative", cfg.interval)
	}
	if cfg.idle < 0 {
		cfg.idle = cfg.interval
		if cfg.idle == 0 {
			cfg.idle = DefaultPollInterval
		}
	}
	w := &Watcher{sink: sink, cfg: cfg, logDir: logDir, root: cfg.rootDir, streams: map[string]*stream{}}
	if w.root == "" {
		w.root = logDir
	}
	if cfg.filter != nil {
		w.filter = *cfg.filter
	}
	if cfg.interval > 0 {
		pctx, cancel := context.WithCancel(ctx)
		w.cancel, w.done = cancel, make(chan struct{})
		go w.loop(pctx)
	}
	return w, nil
}

func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(w.cfg.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
				w.mu.Lock()
				if len(w.errs) < maxWatchErrors {
					w.errs = append(w.errs, err)
				}
				w.mu.Unlock()
			}
		}
	}
}

// Poll reads what has been written since the last poll and writes the
// finished rows. It returns the errors of this poll (they are also kept
// for Stop when the background loop polls). After Stop it does nothing.
func (w *Watcher) Poll(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return nil
	}
	return w.pollLocked(ctx, true)
}

func (w *Watcher) pollLocked(ctx context.Context, tail bool) error {
	dirs, err := logDirs(w.logDir, w.cfg.recursive, w.filter)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // not created yet
		}
		return err
	}
	var errs []error
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		s := w.streams[dir]
		if s == nil {
			s = newStream(dir, namespaceOf(w.cfg.namespace, w.root, dir), w.sink, &w.cfg, &w.stats)
			w.streams[dir] = s
		}
		n, err := s.read(ctx, dirs[dir], tail)
		errs = append(errs, err)
		now := time.Now()
		if n > 0 {
			s.lastRead = now
		} else if w.cfg.idle > 0 && now.Sub(s.lastRead) >= w.cfg.idle {
			// Quiet for a while: the pending step is taken as done.
			errs = append(errs, s.flush(ctx))
		}
	}
	return errors.Join(errs...)
}

// Flush polls now and then writes the row of every directory's last step
// read, without waiting for the next step or WithIdleFlush's quiet: after
// it, everything read so far has been written. A value of that step that
// comes later lands in a second row with the same global_step (as after an
// idle flush). It returns the errors of the poll and of writing the rows.
// After Stop it does nothing.
func (w *Watcher) Flush(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return nil
	}
	errs := []error{w.pollLocked(ctx, true)}
	for _, dir := range slices.Sorted(maps.Keys(w.streams)) {
		errs = append(errs, w.streams[dir].flush(ctx))
	}
	return errors.Join(errs...)
}

// Stats returns what has been read so far.
func (w *Watcher) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.stats
	st.Damage = slices.Clone(st.Damage)
	return st
}

// Stop ends the watch: it stops the polling, reads what is left (a record
// cut short at the end of a file is now damage), writes the last rows,
// saves the event files with the run (WithSave) and closes them. It returns
// the errors of the background polls and its own, joined. It is idempotent:
// later calls return the first result. ctx bounds the final read.
func (w *Watcher) Stop(ctx context.Context) error {
	if w.cancel != nil {
		w.cancel()
		<-w.done
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return w.result
	}
	w.stopped = true
	errs := append([]error(nil), w.errs...)
	errs = append(errs, w.pollLocked(ctx, false))
	for _, dir := range slices.Sorted(maps.Keys(w.streams)) {
		s := w.streams[dir]
		errs = append(errs, s.flush(ctx), s.save(ctx, w.root))
		s.closeFile()
	}
	if err := errors.Join(errs...); err != nil {
		w.result = fmt.Errorf("tensorboard: watch %s: %w", w.logDir, err)
	}
	return w.result
}
