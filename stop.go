package wandb

// Stopping a run from the server (W&B's stop button, the StopRun API).
//
// The server answers every file_stream request with "stopped"; an online
// run's uploader sends one at least every online.DefaultHeartbeat, so a
// stop is seen within about 10 s. W&B's Python SDK then interrupts the main
// thread; here the run's context is cancelled with ErrRunStopped, a warning
// is printed and the WithOnStop function, if any, runs once on its own
// goroutine. The run goes on taking records until the program finishes it;
// the server ends a stopped run as killed.

import (
	"context"
	"errors"
	"sync"
)

// ErrRunStopped is the cause (context.Cause) of a run's context when the
// run was stopped from the server.
var ErrRunStopped = errors.New("wandb: the run was stopped from the server")

// runStop is a run's context and stop callback.
type runStop struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	onStop  func(*Run)
	stopped bool // the server said so
	called  bool // onStop was started
}

// stops holds the stop state of active runs (like runHooks.finish, keyed by
// run so that Run needs no field): created on first use, removed at Finish.
var stops struct {
	sync.Mutex
	m map[*Run]*runStop
}

// The run's context ends when Finish starts, while the run still takes
// records (hooks run first); finishUpload calls endStop again for a
// context made during Finish.
func init() {
	RegisterRunHook("stop", func(_ context.Context, r *Run, _ func(string)) func(context.Context) {
		return func(context.Context) { r.endStop() }
	})
}

// Context returns the run's context. It is cancelled when the run is
// stopped from the server (cause [ErrRunStopped], see [WithOnStop]) or
// finished (cause [ErrRunFinished]), so work that must not outlive the run
// can select on its Done channel. A disabled run's context is never
// cancelled before Finish; after Finish every run's context is done.
func (r *Run) Context() context.Context {
	if r == nil {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(ErrNotInitialized)
		return ctx
	}
	return r.stopState().ctx
}

// stopState returns the run's stop state, creating it on first use. After
// Finish it returns a cancelled one that is not kept.
func (r *Run) stopState() *runStop {
	stops.Lock()
	defer stops.Unlock()
	if st := stops.m[r]; st != nil {
		return st
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	st := &runStop{ctx: ctx, cancel: cancel}
	if r.finished.Load() {
		cancel(ErrRunFinished)
		return st
	}
	if r.disabled {
		return st // nothing stops a disabled run; not kept, so not leaked
	}
	if stops.m == nil {
		stops.m = map[*Run]*runStop{}
	}
	stops.m[r] = st
	return st
}

// setOnStop sets the WithOnStop function (Init). If the server said stop
// already, fn starts now.
func (r *Run) setOnStop(fn func(*Run)) {
	if fn == nil || r.disabled {
		return
	}
	st := r.stopState()
	stops.Lock()
	st.onStop = fn
	call := st.stopped && !st.called
	st.called = st.called || call
	stops.Unlock()
	if call {
		go fn(r)
	}
}

// serverStopped is called (from the file stream's goroutine, so it must
// not block) when the server says the run was stopped. A stop learned
// while the run finishes changes nothing: the server ends it as killed.
func (r *Run) serverStopped() {
	if r.finished.Load() {
		return
	}
	st := r.stopState()
	stops.Lock()
	first := !st.stopped
	st.stopped = true
	fn := st.onStop
	call := first && fn != nil && !st.called
	st.called = st.called || call
	stops.Unlock()
	if !first {
		return
	}
	st.cancel(ErrRunStopped)
	r.warn("run %s was stopped from the server: run.Context() is cancelled; the run keeps logging until Finish, which ends it as killed", r.id)
	if call {
		go fn(r)
	}
}

// endStop cancels the run's context at Finish and forgets its stop state.
// Idempotent.
func (r *Run) endStop() {
	stops.Lock()
	st := stops.m[r]
	delete(stops.m, r)
	stops.Unlock()
	if st != nil {
		st.cancel(ErrRunFinished)
	}
}
