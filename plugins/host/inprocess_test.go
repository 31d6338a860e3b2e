package host_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/host"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// funcPlugin is an in-process plugin made of functions; nil ones succeed.
type funcPlugin struct {
	name    string
	emit    plugins.Emitter
	observe func(ctx context.Context, emit plugins.Emitter, batch []plugins.Observation) error
	flush   func(ctx context.Context) error
}

func (p *funcPlugin) Manifest() plugins.Manifest { return plugins.Manifest{Name: p.name, Version: "0"} }
func (p *funcPlugin) Start(_ context.Context, _ plugins.RunInfo, emit plugins.Emitter) error {
	p.emit = emit
	return nil
}
func (p *funcPlugin) Observe(ctx context.Context, batch []plugins.Observation) error {
	if p.observe == nil {
		return nil
	}
	return p.observe(ctx, p.emit, batch)
}
func (p *funcPlugin) Flush(ctx context.Context) error {
	if p.flush == nil {
		return nil
	}
	return p.flush(ctx)
}
func (p *funcPlugin) Finish(context.Context) error { return nil }

func echoScalars(_ context.Context, emit plugins.Emitter, batch []plugins.Observation) error {
	for _, o := range batch {
		v, _ := plugins.Value(o.Scalar)
		if err := emit.Emit(plugins.Emission{History: &plugins.HistoryRow{Step: plugins.NextStep, Row: map[string]json.RawMessage{o.Key: v}}}); err != nil {
			return err
		}
	}
	return nil
}

// The same plugin runs directly in-process and over the in-memory gRPC
// transport of plugintest, under the same supervision, with the same
// result: one interface, two transports.
func TestOneInterfaceTwoTransports(t *testing.T) {
	for _, transport := range []string{"direct", "grpc"} {
		t.Run(transport, func(t *testing.T) {
			var p plugins.Plugin = &funcPlugin{name: "echo", observe: echoScalars}
			if transport == "grpc" {
				p = plugintest.Connect(t, p)
			}
			s, sink := newSession(t, newHost(t, t.TempDir()))
			if err := s.Attach(ctxT(t), p); err != nil {
				t.Fatal(err)
			}
			for i := range 10 {
				s.Observe(plugins.Scalar("x", int64(i), float64(i)))
			}
			if err := s.Close(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if n := sink.rowCount(); n != 10 {
				t.Fatalf("%d rows, want 10", n)
			}
			if sink.rows[9].step != plugins.NextStep || sink.rows[9].row["x"] != 9.0 {
				t.Errorf("last row %+v", sink.rows[9])
			}
		})
	}
}

func TestInProcessPanicCountsAsCrash(t *testing.T) {
	s, sink := newSession(t, newHost(t, t.TempDir()))
	p := &funcPlugin{name: "panicky", observe: func(context.Context, plugins.Emitter, []plugins.Observation) error { panic("boom") }}
	if err := s.Attach(ctxT(t), p); err != nil {
		t.Fatal(err)
	}
	s.Observe(plugins.Scalar("x", 0, 1))
	line := sink.waitLine(t, "error", `plugin "panicky" crashed`, "panic: boom", "disabled it")
	if !strings.Contains(line, "goroutine") {
		t.Errorf("no stack in %q", line)
	}
	if st := s.Status()[0]; st.State != host.StateDisabled {
		t.Errorf("status %+v", st)
	}
}

func TestInProcessHangIsAbandonedAtTheDeadline(t *testing.T) {
	s, sink := newSession(t, newHost(t, t.TempDir(), host.WithCallTimeout(200*time.Millisecond)))
	release := make(chan struct{})
	defer close(release)
	p := &funcPlugin{name: "deaf", flush: func(context.Context) error { <-release; return nil }}
	if err := s.Attach(ctxT(t), p); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	sink.waitLine(t, "error", `plugin "deaf" hung`, "Flush did not return in time")
	if err := s.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

func TestFullQueueDropsObservationsAndSaysSo(t *testing.T) {
	s, sink := newSession(t, newHost(t, t.TempDir(), host.WithQueueSize(4)))
	inObserve, release := make(chan struct{}), make(chan struct{})
	first := true
	p := &funcPlugin{name: "slow", observe: func(ctx context.Context, emit plugins.Emitter, batch []plugins.Observation) error {
		if first {
			first = false
			close(inObserve)
			<-release
		}
		return echoScalars(ctx, emit, batch)
	}}
	if err := s.Attach(ctxT(t), p); err != nil {
		t.Fatal(err)
	}
	s.Observe(plugins.Scalar("x", 0, 0))
	<-inObserve // the worker holds observation 0; the queue is empty
	start := time.Now()
	for i := 1; i <= 10; i++ {
		s.Observe(plugins.Scalar("x", int64(i), float64(i)))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Observe blocked for %v behind a slow plugin", d)
	}
	if st := s.Status()[0]; st.Dropped != 6 {
		t.Errorf("dropped %d, want 6 (queue of 4)", st.Dropped)
	}
	close(release)
	if err := s.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := sink.rowCount(); n != 5 {
		t.Errorf("%d rows, want 5 (1 in flight + 4 queued)", n)
	}
	sink.waitLine(t, "warn", `plugin "slow": 6 observation(s) were dropped`)
}

func TestPluginErrorIsReportedAndThePluginStays(t *testing.T) {
	s, sink := newSession(t, newHost(t, t.TempDir()))
	calls := 0
	p := &funcPlugin{name: "picky", observe: func(ctx context.Context, emit plugins.Emitter, batch []plugins.Observation) error {
		calls++
		if calls == 1 {
			return errTest
		}
		return echoScalars(ctx, emit, batch)
	}}
	if err := s.Attach(ctxT(t), p); err != nil {
		t.Fatal(err)
	}
	s.Observe(plugins.Scalar("x", 0, 0))
	sink.waitLine(t, "warn", `plugin "picky": Observe: test error`)
	s.Observe(plugins.Scalar("x", 1, 1))
	if err := s.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if st := s.Status()[0]; st.State != host.StateRunning || sink.rowCount() != 1 {
		t.Errorf("status %+v, rows %d", st, sink.rowCount())
	}
}

type testError struct{}

func (testError) Error() string { return "test error" }

var errTest error = testError{}

func TestRefusedPartsAreReported(t *testing.T) {
	s, sink := newSession(t, newHost(t, t.TempDir()))
	p := &funcPlugin{name: "cfg"}
	if err := s.Attach(ctxT(t), p); err != nil {
		t.Fatal(err)
	}
	one, _ := plugins.Values(map[string]any{"lr": 1})
	two, _ := plugins.Values(map[string]any{"lr": 2})
	if err := p.emit.Emit(plugins.Emission{Config: one}); err != nil {
		t.Fatal(err)
	}
	if err := p.emit.Emit(plugins.Emission{Config: two, Files: []plugins.File{{Path: "not/there.txt"}, {Path: "made.txt", Data: []byte("x")}}}); err == nil {
		t.Fatal("a refused config change and a missing file were not reported to the plugin")
	}
	line := sink.waitLine(t, "warn", `plugin "cfg": part of an emission was not applied`)
	if !strings.Contains(line, `config "lr" may not change`) || !strings.Contains(line, `file "not/there.txt" is not in the run's files directory`) {
		t.Errorf("line %q", line)
	}
	if sink.files[0] != "made.txt" || s.Status()[0].State != host.StateRunning {
		t.Errorf("files %q, status %+v", sink.files, s.Status()[0])
	}
}
