package host

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/gowandb/wandb/plugins"
)

// State is where a plugin of a session stands.
type State string

// States.
const (
	StateRunning  State = "running"
	StateDisabled State = "disabled" // after a failure, for the rest of the run
	StateFinished State = "finished"
)

// Status is a plugin of a session as Session.Status reports it.
type Status struct {
	Name string
	// Path is the binary, "" for an in-process plugin.
	Path string
	// PID is the process id of the current process (0 in-process or when
	// none runs).
	PID   int
	State State
	// Restarts counts the processes started after the first.
	Restarts int
	// Dropped counts observations dropped because the queue was full.
	Dropped int64
	// Failure is the last failure, "" if none.
	Failure string
}

// Failure is the kind of a plugin failure.
type Failure string

// Failure kinds.
const (
	Crashed Failure = "crashed" // the process died, the session broke, or a call panicked
	Hung    Failure = "hung"    // a call outlived its deadline
	Garbage Failure = "sent an invalid emission"
	Failed  Failure = "failed" // Start returned an error
)

// clientHandle is the process behind a plugin (a *goplugin.Client), nil
// in-process.
type clientHandle interface{ Kill() }

type launcher func(ctx context.Context) (plugins.Plugin, clientHandle, error)

// attempt is one process (or in-process run) of a plugin. Its state goes
// live → failed (first fault wins) or live → ended (stopped by the host).
type attempt struct {
	p        plugins.Plugin
	client   clientHandle
	state    atomic.Int32
	killOnce sync.Once
	killed   chan struct{}
}

const (
	attemptLive int32 = iota
	attemptFailed
	attemptEnded
)

// kill stops the attempt's process (go-plugin asks it to exit, then kills
// it after 2 s) and closes killed. It is idempotent.
func (a *attempt) kill() {
	a.killOnce.Do(func() {
		if a.client != nil {
			a.client.Kill()
		}
		close(a.killed)
	})
}

type opKind uint8

const (
	opObserve opKind = iota
	opFlush
	opFinish
)

type op struct {
	kind  opKind
	obs   plugins.Observation
	ctx   context.Context // flush, finish
	reply chan error      // flush, finish
}

// fault is a failure waiting for the worker.
type fault struct {
	a    *attempt
	kind Failure
	err  error
}

// instance supervises one plugin of a session. One goroutine (work) makes
// every call to the plugin, in queue order; failures raised anywhere are
// handled there too.
type instance struct {
	s           *Session
	name, path  string
	launch      launcher
	canRestart  bool
	callTimeout time.Duration

	accepting atomic.Bool // observations are queued
	closing   atomic.Bool // a finish is queued: no more restarts

	mu       sync.Mutex
	queue    []op
	spare    []op
	nobs     int // observations in queue
	dropped  int64
	state    State
	cur      *attempt
	pending  *fault
	restarts int
	failure  string

	wake chan struct{}
	done chan struct{} // closed when work returns
}

func newInstance(s *Session, name, path string, launch launcher, canRestart bool) *instance {
	return &instance{
		s: s, name: name, path: path, launch: launch, canRestart: canRestart,
		callTimeout: s.h.cfg.callTimeout,
		wake:        make(chan struct{}, 1), done: make(chan struct{}),
	}
}

// begin starts a process (or the in-process plugin) and calls Start.
func (in *instance) begin(ctx context.Context) error {
	p, client, err := in.launch(ctx)
	if err != nil {
		return err
	}
	a := &attempt{p: p, client: client, killed: make(chan struct{})}
	em := &emitter{in: in, a: a}
	in.mu.Lock()
	in.cur, in.state = a, StateRunning
	in.mu.Unlock()
	in.accepting.Store(true)
	// Start gets the start deadline, not the call deadline: it may do real
	// work (open files, read the config) and a slow start is not a hang.
	if err := in.timedFor(ctx, in.s.h.cfg.startTimeout, "Start", func(ctx context.Context) error { return p.Start(ctx, in.s.run, em) }); err != nil {
		in.accepting.Store(false)
		a.state.Store(attemptEnded)
		a.kill()
		in.mu.Lock()
		in.state = StateDisabled
		in.failure = fmt.Sprintf("%s: %s", classify(err), reason(err))
		if in.pending != nil && in.pending.a == a {
			in.pending = nil // garbage sent during a failed Start: the Start error says enough
		}
		in.mu.Unlock()
		return err
	}
	if l, ok := p.(plugins.Liveness); ok {
		go func() {
			select {
			case <-l.Done():
				if err := l.Err(); err != nil {
					in.raise(a, classify(err), err)
				}
			case <-a.killed:
			}
		}()
	}
	return nil
}

// abandon stops an instance that never ran a worker.
func (in *instance) abandon() {
	in.accepting.Store(false)
	in.mu.Lock()
	a := in.cur
	in.state = StateFinished
	in.mu.Unlock()
	if a != nil {
		a.state.Store(attemptEnded)
		a.kill()
	}
	close(in.done)
}

// reason is err's text for a report that already says "plugins:" and
// what kind of failure it is.
func reason(err error) string {
	s := strings.TrimPrefix(err.Error(), "plugins: ")
	return strings.TrimPrefix(s, "invalid emission: ")
}

// classify tells what kind of failure a call's error is.
func classify(err error) Failure {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Hung
	case errors.Is(err, plugins.ErrConnection), errors.Is(err, errPanic), errors.Is(err, plugins.ErrClosed):
		return Crashed
	}
	return Failed
}

var errPanic = errors.New("panic")

// timed calls fn with the call deadline, in a goroutine of its own, so that
// even an in-process plugin that ignores its context cannot stall the
// worker; a panic in fn becomes an error wrapping errPanic.
func (in *instance) timed(ctx context.Context, op string, fn func(context.Context) error) error {
	return in.timedFor(ctx, in.callTimeout, op, fn)
}

// timedFor is timed with another deadline.
func (in *instance) timedFor(ctx context.Context, timeout time.Duration, op string, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				errc <- fmt.Errorf("%s: %w: %v\n%s", op, errPanic, r, debug.Stack())
			}
		}()
		errc <- fn(ctx)
	}()
	deadline, _ := ctx.Deadline()
	select {
	case err := <-errc:
		// gRPC sends the deadline along (grpc-timeout) and the plugin's side
		// enforces it with a timer of its own, which may fire a moment
		// before ctx's (the call then ends as deadline exceeded or
		// cancelled): a call that failed that way, or at or after the
		// deadline, failed because of it.
		if err == nil || (ctx.Err() == nil && time.Now().Before(deadline) && classify(err) != Hung) {
			return err
		}
		// The call failed because its deadline passed (a gRPC call breaks
		// the session then): the deadline is what counts.
		cause := ctx.Err()
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		if !errors.Is(err, cause) {
			err = fmt.Errorf("%w (%v)", cause, err)
		}
		return fmt.Errorf("%s did not return in time (deadline %v): %w", op, timeout, err)
	case <-ctx.Done():
		return fmt.Errorf("%s did not return in time (deadline %v): %w", op, timeout, ctx.Err())
	}
}

// raise records the first failure of attempt a, kills its process (which
// also unblocks a call in flight) and wakes the worker.
func (in *instance) raise(a *attempt, kind Failure, err error) {
	if !a.state.CompareAndSwap(attemptLive, attemptFailed) {
		return
	}
	in.mu.Lock()
	if in.cur == a {
		in.pending = &fault{a: a, kind: kind, err: err}
	}
	in.mu.Unlock()
	go a.kill()
	in.signal()
}

func (in *instance) signal() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// observe queues o; a full queue drops it.
func (in *instance) observe(o plugins.Observation) {
	if !in.accepting.Load() {
		return
	}
	in.mu.Lock()
	if in.nobs >= in.s.h.cfg.queueSize {
		in.dropped++
		in.mu.Unlock()
		return
	}
	in.queue = append(in.queue, op{kind: opObserve, obs: o})
	in.nobs++
	in.mu.Unlock()
	in.signal()
}

// control queues a flush or finish behind the queued observations and waits
// for it. If ctx ends first, a finish kills the plugin.
func (in *instance) control(ctx context.Context, kind opKind) error {
	reply := make(chan error, 1)
	in.mu.Lock()
	select {
	case <-in.done:
		in.mu.Unlock()
		return nil // already finished
	default:
	}
	if kind == opFinish {
		in.accepting.Store(false)
		in.closing.Store(true)
	}
	in.queue = append(in.queue, op{kind: kind, ctx: ctx, reply: reply})
	in.mu.Unlock()
	in.signal()
	select {
	case err := <-reply:
		return err
	case <-in.done:
		return nil
	case <-ctx.Done():
		if kind == opFinish {
			in.mu.Lock()
			a := in.cur
			in.mu.Unlock()
			if a != nil {
				in.raise(a, Hung, fmt.Errorf("still busy when the run finished: %w", ctx.Err()))
			}
		}
		return fmt.Errorf("plugins: plugin %q: %w", in.name, ctx.Err())
	}
}

// work is the instance's goroutine: it makes every call to the plugin.
func (in *instance) work() {
	defer close(in.done)
	for range in.wake {
		for {
			in.mu.Lock()
			ops := in.queue
			in.queue, in.spare = in.spare[:0], nil
			in.nobs = 0
			in.mu.Unlock()
			in.recover(false)
			if len(ops) == 0 {
				break
			}
			finished := in.process(ops)
			clear(ops)
			in.mu.Lock()
			in.spare = ops[:0]
			in.mu.Unlock()
			if finished {
				return
			}
		}
	}
}

// process runs the ops in order and reports whether a finish was among
// them.
func (in *instance) process(ops []op) bool {
	for i := 0; i < len(ops); {
		switch ops[i].kind {
		case opObserve:
			j, size := i, 0
			for j < len(ops) && ops[j].kind == opObserve && j-i < maxBatch && size < maxBatchBytes {
				size += dataSize(&ops[j].obs)
				j++
			}
			batch := make([]plugins.Observation, j-i)
			for k := range batch {
				batch[k] = ops[i+k].obs
			}
			in.call(in.s.ctx, "Observe", func(ctx context.Context, p plugins.Plugin) error { return p.Observe(ctx, batch) })
			in.recover(false)
			i = j
		case opFlush:
			in.call(ops[i].ctx, "Flush", func(ctx context.Context, p plugins.Plugin) error { return p.Flush(ctx) })
			in.recover(false)
			ops[i].reply <- nil
			i++
		case opFinish:
			in.finish(ops[i].ctx)
			ops[i].reply <- nil
			for _, rest := range ops[i+1:] {
				if rest.reply != nil {
					rest.reply <- nil
				}
			}
			return true
		}
	}
	return false
}

func dataSize(o *plugins.Observation) int {
	switch {
	case o.Tensor != nil:
		return len(o.Tensor.Float32)*4 + len(o.Tensor.Float64)*8
	case o.Frame != nil:
		return len(o.Frame.RGBA)
	}
	return 16
}

// call makes one call to the running plugin, if it runs, and turns its
// error into a report (the plugin's own error) or a fault (crash, hang).
func (in *instance) call(ctx context.Context, op string, fn func(context.Context, plugins.Plugin) error) {
	in.mu.Lock()
	a, state := in.cur, in.state
	in.mu.Unlock()
	if state != StateRunning || a.state.Load() != attemptLive {
		return
	}
	err := in.timed(ctx, op, func(ctx context.Context) error { return fn(ctx, a.p) })
	if err == nil {
		return
	}
	if kind := classify(err); kind != Failed {
		in.raise(a, kind, err)
		return
	}
	in.s.report(plugins.LevelWarn, fmt.Sprintf("plugins: plugin %q: %s: %v", in.name, op, err))
}

// finish flushes and finishes the plugin and stops its process.
func (in *instance) finish(ctx context.Context) {
	in.accepting.Store(false)
	in.call(ctx, "Flush", func(ctx context.Context, p plugins.Plugin) error { return p.Flush(ctx) })
	in.recover(true)
	in.call(ctx, "Finish", func(ctx context.Context, p plugins.Plugin) error { return p.Finish(ctx) })
	in.recover(true)
	in.mu.Lock()
	a, dropped := in.cur, in.dropped
	if in.state == StateRunning {
		in.state = StateFinished
	}
	in.mu.Unlock()
	if a != nil {
		a.state.CompareAndSwap(attemptLive, attemptEnded)
		a.kill()
	}
	if dropped > 0 {
		in.s.report(plugins.LevelWarn, fmt.Sprintf("plugins: plugin %q: %d observation(s) were dropped because its queue (%d) was full", in.name, dropped, in.s.h.cfg.queueSize))
	}
}

// recover handles a pending fault: report it, then restart the plugin or
// disable it. Once the run is finishing (final, or a finish queued) there
// is no restart.
func (in *instance) recover(final bool) {
	in.mu.Lock()
	f := in.pending
	in.pending = nil
	in.mu.Unlock()
	if f == nil {
		return
	}
	<-f.a.killed
	detail := fmt.Sprintf("%s: %s", f.kind, reason(f.err))
	if in.canRestart && in.restarts == 0 && !final && !in.closing.Load() {
		in.mu.Lock()
		in.restarts++
		in.failure = detail
		in.mu.Unlock()
		ctx, cancel := context.WithTimeout(in.s.ctx, in.s.h.cfg.startTimeout+in.callTimeout)
		err := in.begin(ctx)
		cancel()
		if err == nil {
			in.s.report(plugins.LevelWarn, fmt.Sprintf("plugins: plugin %q %s; restarted it (restart 1 of 1)", in.name, detail))
			return
		}
		detail += fmt.Sprintf("; the restart failed: %v", err)
	}
	in.accepting.Store(false)
	in.mu.Lock()
	in.state, in.failure = StateDisabled, detail
	in.mu.Unlock()
	in.s.report(plugins.LevelError, fmt.Sprintf("plugins: plugin %q %s; disabled it, the run goes on without it", in.name, detail))
}

func (in *instance) status() Status {
	in.mu.Lock()
	defer in.mu.Unlock()
	st := Status{Name: in.name, Path: in.path, State: in.state, Restarts: in.restarts, Dropped: in.dropped, Failure: in.failure}
	if in.cur != nil && in.cur.state.Load() == attemptLive {
		if c, ok := in.cur.client.(*goplugin.Client); ok {
			st.PID = pid(c)
		}
	}
	return st
}

// emitter is the Emitter a plugin attempt gets: it validates, then applies.
type emitter struct {
	in *instance
	a  *attempt
}

func (e *emitter) Emit(em plugins.Emission) error {
	if e.a.state.Load() != attemptLive {
		return plugins.ErrClosed
	}
	if err := em.Validate(); err != nil {
		e.in.raise(e.a, Garbage, err)
		return err
	}
	return e.in.s.apply(e.in.name, em)
}
