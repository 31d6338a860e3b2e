package sysmon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/record/recordpb"
)

// Sampling intervals (W&B's x_stats_sampling_interval).
const (
	DefaultInterval = 15 * time.Second
	MinInterval     = 100 * time.Millisecond
)

var errNotRunning = errors.New("sysmon: sample: the monitor is not running")

// Options configure a Monitor.
type Options struct {
	// Interval is the sampling period. Default DefaultInterval; at least
	// MinInterval.
	Interval time.Duration
	// Collectors are sampled in order; when nil, the built-in ones that work
	// on this machine (Default(Config)) are built when the monitor starts,
	// so that a slow source (NVML) does not delay the caller.
	Collectors []Collector
	// Config configures the built-in collectors when Collectors is nil.
	Config Config
	// Emit receives each sample's record, from the monitor's goroutine, one
	// at a time. Required.
	Emit func(*recordpb.StatsRecord)
	// OnError receives collector errors: at most one per collector for the
	// monitor's life, since a failing source usually keeps failing. It is
	// called from the monitor's goroutine. Default: errors are dropped.
	OnError func(error)
	// Now stamps the samples. Default time.Now.
	Now func() time.Time
	// FinalSample takes one last sample when the monitor stops, so that a
	// run shorter than the interval still has one (W&B samples only on the
	// ticker).
	FinalSample bool
}

// Monitor samples its collectors every interval and emits one StatsRecord
// per sample. Its methods are safe for concurrent use.
type Monitor struct {
	opts     Options
	reported map[string]bool // collectors whose error was reported; monitor goroutine only

	mu       sync.Mutex
	started  bool               // guarded by mu
	stopped  bool               // guarded by mu
	cancel   context.CancelFunc // cancels the sampling in flight; set by Start
	stopCtx  context.Context    // Stop's context, for the final sample; set before stopping closes
	stopping chan struct{}      // closed by Stop
	requests chan chan<- error  // SampleNow
	done     chan struct{}      // closed when the goroutine has finished
}

// New checks the options and returns a monitor that has not started.
func New(opts Options) (*Monitor, error) {
	if opts.Emit == nil {
		return nil, errors.New("sysmon: Options.Emit is required")
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Interval < MinInterval {
		return nil, fmt.Errorf("sysmon: interval %v: must be at least %v", opts.Interval, MinInterval)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OnError == nil {
		opts.OnError = func(error) {}
	}
	return &Monitor{
		opts:     opts,
		reported: map[string]bool{},
		stopping: make(chan struct{}),
		requests: make(chan chan<- error),
		done:     make(chan struct{}),
	}, nil
}

// Interval is the sampling period.
func (m *Monitor) Interval() time.Duration { return m.opts.Interval }

// Start starts sampling in a goroutine: the first sample comes one interval
// later. The monitor runs until Stop or until ctx is done. Later calls do
// nothing, as does a call after Stop.
func (m *Monitor) Start(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.stopped {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	m.started, m.cancel = true, cancel
	go m.run(ctx)
}

// Stop stops sampling: it takes the final sample (Options.FinalSample),
// closes the collectors and waits for the monitor's goroutine, or for ctx.
// Emit is not called after Stop returns nil. Stop is idempotent; every call
// waits for the same end. A monitor that never started stops at once.
func (m *Monitor) Stop(ctx context.Context) error {
	m.mu.Lock()
	if !m.stopped {
		m.stopped = true
		// The final sample may finish after a Stop whose ctx ended.
		m.stopCtx = context.WithoutCancel(ctx)
		close(m.stopping)
		if m.started {
			m.cancel()
		} else {
			close(m.done)
		}
	}
	m.mu.Unlock()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sysmon: stop: %w", ctx.Err())
	}
}

// SampleNow takes a sample at once, emits it, and returns the collectors'
// errors (which are also reported through OnError as usual). It waits for
// ctx, and fails if the monitor is not running.
func (m *Monitor) SampleNow(ctx context.Context) error {
	m.mu.Lock()
	running := m.started && !m.stopped
	m.mu.Unlock()
	if !running {
		return errNotRunning
	}
	reply := make(chan error, 1)
	select {
	case m.requests <- reply:
	case <-m.done:
		return errNotRunning
	case <-ctx.Done():
		return fmt.Errorf("sysmon: sample: %w", ctx.Err())
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return fmt.Errorf("sysmon: sample: %w", ctx.Err())
	}
}

func (m *Monitor) run(ctx context.Context) {
	defer close(m.done)
	collectors := m.opts.Collectors
	if collectors == nil {
		var err error
		collectors, err = Default(m.opts.Config)
		if err != nil {
			m.opts.OnError(err)
		}
	}
	defer closeAll(collectors, m.opts.OnError)

	ticker := time.NewTicker(m.opts.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			m.emit(ctx, collectors)
		case reply := <-m.requests:
			reply <- m.emit(ctx, collectors)
		case <-ctx.Done():
			select {
			case <-m.stopping:
				if m.opts.FinalSample {
					m.emit(m.stopCtx, collectors)
				}
			default: // the caller's context ended the monitor, not Stop
			}
			return
		}
	}
}

// emit samples every collector and emits the record.
func (m *Monitor) emit(ctx context.Context, collectors []Collector) error {
	t := m.opts.Now()
	values, err := m.sample(ctx, collectors)
	if len(values) > 0 {
		m.opts.Emit(Record(t, values))
	}
	return err
}

// sample merges every collector's values, reporting each collector's first
// error.
func (m *Monitor) sample(ctx context.Context, collectors []Collector) (map[string]float64, error) {
	values := make(map[string]float64, 64)
	var errs []error
	for _, c := range collectors {
		v, err := c.Sample(ctx)
		maps.Copy(values, v)
		if err != nil {
			errs = append(errs, err)
			if name := c.Name(); !m.reported[name] {
				m.reported[name] = true
				m.opts.OnError(err)
			}
		}
	}
	return values, errors.Join(errs...)
}

func closeAll(collectors []Collector, onError func(error)) {
	for _, c := range collectors {
		if cl, ok := c.(io.Closer); ok {
			if err := cl.Close(); err != nil {
				onError(err)
			}
		}
	}
}
