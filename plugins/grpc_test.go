package plugins_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// recorder is a test plugin: it answers each scalar with a history row at
// the observation's step, counts observations, and emits the count in the
// summary at Flush.
type recorder struct {
	mu      sync.Mutex
	run     plugins.RunInfo
	emit    plugins.Emitter
	batches [][]plugins.Observation
	n       int
	failOn  string // Observe returns an error for this key
}

func (p *recorder) Manifest() plugins.Manifest {
	return plugins.Manifest{Name: "recorder", Version: "1.0.0", Provides: []string{plugins.ProvidesHistory, plugins.ProvidesSummary}}
}

func (p *recorder) Start(_ context.Context, run plugins.RunInfo, emit plugins.Emitter) error {
	p.run, p.emit = run, emit
	return emit.Emit(plugins.Emission{Log: &plugins.LogLine{Level: plugins.LevelInfo, Text: "started " + run.ID}})
}

func (p *recorder) Observe(_ context.Context, batch []plugins.Observation) error {
	p.mu.Lock()
	p.batches = append(p.batches, batch)
	p.n += len(batch)
	p.mu.Unlock()
	for _, o := range batch {
		if o.Key == p.failOn {
			return fmt.Errorf("cannot take %q", o.Key)
		}
		if o.Kind != plugins.KindScalar {
			continue
		}
		v, _ := plugins.Value(o.Scalar * 2)
		if err := p.emit.Emit(plugins.Emission{History: &plugins.HistoryRow{Step: o.Step, Row: map[string]json.RawMessage{o.Key + "_x2": v}}}); err != nil {
			return err
		}
	}
	return nil
}

func (p *recorder) Flush(context.Context) error {
	p.mu.Lock()
	n := p.n
	p.mu.Unlock()
	v, _ := plugins.Values(map[string]any{"observed": n})
	return p.emit.Emit(plugins.Emission{Summary: v})
}

func (p *recorder) Finish(context.Context) error { return nil }

func TestGRPCAdaptersCarryEventsAndEmissions(t *testing.T) {
	impl := &recorder{}
	h := plugintest.Start(t, impl, plugins.RunInfo{ID: "run1", Config: map[string]any{"lr": 0.1}})
	if impl.run.ID != "run1" || impl.run.Config["lr"] != 0.1 {
		t.Fatalf("plugin got run info %+v", impl.run)
	}
	h.Observe(plugins.Scalar("loss", 1, 0.5), plugins.Scalar("loss", 2, 0.25),
		plugins.TensorObservation("w", 2, &plugins.Tensor{Shape: []int{3}, DType: plugins.Float32, Float32: []float32{1, 2, 3}}))
	h.Observe(plugins.FrameObservation("env", 3, &plugins.Frame{Width: 1, Height: 1, RGBA: []byte{9, 8, 7, 255}}))
	h.Flush()
	// Flush returned: every emission made before it is in the recorder,
	// with no waiting.
	rows := h.Rec.Rows()
	if len(rows) != 2 || rows[0].Step != 1 || string(rows[0].Row["loss_x2"]) != "1.0" || rows[1].Step != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	if got := h.Rec.Summary()["observed"]; got != 4.0 {
		t.Errorf("summary observed = %v, want 4", got)
	}
	if logs := h.Rec.Logs(); len(logs) != 1 || logs[0].Text != "started run1" {
		t.Errorf("logs = %+v", logs)
	}
	if len(impl.batches) != 2 || len(impl.batches[0]) != 3 {
		t.Fatalf("batches = %d, first of %d", len(impl.batches), len(impl.batches[0]))
	}
	if w := impl.batches[0][2].Tensor; w == nil || w.DType != plugins.Float32 || len(w.Float32) != 3 || w.Float32[2] != 3 {
		t.Errorf("tensor arrived as %+v", w)
	}
	if f := impl.batches[1][0].Frame; f == nil || f.Width != 1 || string(f.RGBA) != "\x09\x08\x07\xff" {
		t.Errorf("frame arrived as %+v", f)
	}
	h.Finish()
}

func TestGRPCPluginErrorComesBackAsRemoteError(t *testing.T) {
	impl := &recorder{failOn: "bad"}
	p := plugintest.Connect(t, impl)
	ctx := context.Background()
	rec := &plugintest.Recorder{}
	if err := p.Start(ctx, plugins.RunInfo{ID: "r"}, rec); err != nil {
		t.Fatal(err)
	}
	err := p.Observe(ctx, []plugins.Observation{plugins.Scalar("bad", 0, 1)})
	var re *plugins.RemoteError
	if !errors.As(err, &re) || re.Op != "observe" || !strings.Contains(re.Msg, `cannot take "bad"`) {
		t.Fatalf("err = %v, want a RemoteError from observe", err)
	}
	if errors.Is(err, plugins.ErrConnection) {
		t.Error("a plugin's error counted as a lost connection")
	}
	// The session goes on after a plugin error.
	if err := p.Observe(ctx, []plugins.Observation{plugins.Scalar("ok", 1, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := p.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if l, ok := p.(plugins.Liveness); !ok {
		t.Fatal("the gRPC client does not implement Liveness")
	} else {
		<-l.Done()
		if l.Err() != nil {
			t.Errorf("Err after a clean Finish = %v", l.Err())
		}
	}
	if err := impl.emit.Emit(plugins.Emission{Log: &plugins.LogLine{Level: plugins.LevelInfo, Text: "late"}}); !errors.Is(err, plugins.ErrClosed) {
		t.Errorf("Emit after Finish = %v, want ErrClosed", err)
	}
	if err := p.Flush(ctx); err == nil {
		t.Error("Flush after Finish succeeded")
	}
}

// blocker blocks in Flush until its context ends.
type blocker struct{ recorder }

func (b *blocker) Flush(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestGRPCCallDeadlineBreaksTheSession(t *testing.T) {
	p := plugintest.Connect(t, &blocker{})
	if err := p.Start(context.Background(), plugins.RunInfo{}, &plugintest.Recorder{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a deadline already passed: the call must not wait for the plugin
	if err := p.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush = %v, want context.Canceled", err)
	}
	l := p.(plugins.Liveness)
	<-l.Done()
	if err := l.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want the call's context error", err)
	}
}

func TestManifestOverGRPC(t *testing.T) {
	p := plugintest.Connect(t, &recorder{})
	m := p.Manifest()
	if m.Name != "recorder" || m.ProtocolVersion != plugins.ProtocolVersion || m.Version != "1.0.0" {
		t.Errorf("manifest %+v", m)
	}
}
