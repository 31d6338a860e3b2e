package wandb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// stopDeadline bounds waits for a stop the server already holds; with a
// 10 ms heartbeat it arrives at once, the deadline only catches a hang.
const stopDeadline = time.Minute

func TestOnlineStopFromServer(t *testing.T) {
	e := newOnlineEnv(t)
	old := onlineHeartbeat
	onlineHeartbeat = 10 * time.Millisecond
	t.Cleanup(func() { onlineHeartbeat = old })
	ctx := context.Background()
	stopped := make(chan *Run, 2)
	r, buf, err := initOnline(t, e.srv.URL, onlineTestKey, WithOnStop(func(r *Run) { stopped <- r }))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Log(map[string]any{"loss": 1.0}); err != nil {
		t.Fatal(err)
	}
	if err := r.uploadNow(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx := r.Context()
	if err := runCtx.Err(); err != nil {
		t.Fatalf("context of a running run: %v", err)
	}
	run, _ := e.historyRows(t, r.ID())
	// What the stop button and the StopRun mutation do (tested in core/server).
	if err := e.st.StopRun(ctx, run.ID); err != nil {
		t.Fatal(err)
	}

	deadline := time.After(stopDeadline)
	select {
	case got := <-stopped:
		if got != r {
			t.Errorf("callback got run %p, want %p", got, r)
		}
	case <-deadline:
		t.Fatal("WithOnStop function not called")
	}
	select {
	case <-runCtx.Done():
	case <-deadline:
		t.Fatal("run context not cancelled")
	}
	if c := context.Cause(runCtx); !errors.Is(c, ErrRunStopped) {
		t.Errorf("cause %v, want ErrRunStopped", c)
	}
	if w := buf.String(); !strings.Contains(w, "stopped from the server") {
		t.Errorf("no warning: %q", w)
	}
	// The run goes on until the program finishes it; the server ends it killed.
	if err := r.Log(map[string]any{"loss": 2.0}); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	run, n := e.historyRows(t, r.ID())
	if run.State != store.StateKilled || n != 2 {
		t.Errorf("after Finish: state %s, %d rows; want killed, 2", run.State, n)
	}
	if len(stopped) != 0 {
		t.Error("WithOnStop function called twice")
	}
	if c := context.Cause(runCtx); !errors.Is(c, ErrRunStopped) {
		t.Errorf("cause after Finish %v, want still ErrRunStopped", c)
	}
}

func TestRunContextEndsAtFinish(t *testing.T) {
	t.Setenv("WANDB_MODE", "")
	r, err := Init(context.Background(), WithDir(t.TempDir()), WithMode(ModeOffline), WithSignalHandler(false),
		WithReinit(ReinitCreateNew), WithConsole("off"), WithSettings(map[string]string{"disable_git": "true"}),
		WithOnStop(func(*Run) { t.Error("an offline run was stopped") }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := r.Context()
	if ctx.Err() != nil {
		t.Fatal("context done before Finish")
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	if c := context.Cause(ctx); !errors.Is(c, ErrRunFinished) {
		t.Errorf("cause %v, want ErrRunFinished", c)
	}
	if c := context.Cause(r.Context()); !errors.Is(c, ErrRunFinished) {
		t.Errorf("context asked after Finish: cause %v", c)
	}
	var nilRun *Run
	if c := context.Cause(nilRun.Context()); !errors.Is(c, ErrNotInitialized) {
		t.Errorf("nil run: cause %v", c)
	}
}
