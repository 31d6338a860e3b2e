package plugintest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// doubler answers every scalar with a row of twice its value, and at Flush
// sends one invalid emission if told to.
type doubler struct {
	emit    plugins.Emitter
	garbage bool
}

func (d *doubler) Manifest() plugins.Manifest { return plugins.Manifest{Name: "doubler", Version: "1"} }
func (d *doubler) Start(_ context.Context, _ plugins.RunInfo, emit plugins.Emitter) error {
	d.emit = emit
	return nil
}
func (d *doubler) Observe(_ context.Context, batch []plugins.Observation) error {
	for _, o := range batch {
		v, err := plugins.Value(2 * o.Scalar)
		if err != nil {
			return err
		}
		if err := d.emit.Emit(plugins.Emission{History: &plugins.HistoryRow{Step: o.Step, Row: map[string]json.RawMessage{o.Key: v}}}); err != nil {
			return err
		}
	}
	return nil
}
func (d *doubler) Flush(context.Context) error {
	if d.garbage {
		_ = d.emit.Emit(plugins.Emission{Summary: map[string]json.RawMessage{"x": json.RawMessage("{")}})
	}
	return nil
}
func (d *doubler) Finish(context.Context) error { return nil }

func TestHarness(t *testing.T) {
	h := plugintest.Start(t, &doubler{}, plugins.RunInfo{ID: "r"})
	h.Observe(plugins.Scalar("x", 1, 1.5), plugins.Scalar("x", 2, 2))
	h.Flush()
	rows := h.Rec.Rows()
	if len(rows) != 2 || rows[0].Step != 1 || string(rows[0].Row["x"]) != "3.0" || string(rows[1].Row["x"]) != "4.0" {
		t.Fatalf("rows %+v", rows)
	}
	h.Finish()
}

func TestRecorderRefusesWhatTheHostWould(t *testing.T) {
	var rec plugintest.Recorder
	err := rec.Emit(plugins.Emission{Summary: map[string]json.RawMessage{"x": json.RawMessage("{")}})
	if !errors.Is(err, plugins.ErrInvalidEmission) || len(rec.Invalid()) != 1 || len(rec.Emissions()) != 0 {
		t.Fatalf("err %v, invalid %v, emissions %v", err, rec.Invalid(), rec.Emissions())
	}
	// Over gRPC the plugin's Emit error does not reach it (the host would
	// disable it), but the recorder remembers.
	p := plugintest.Connect(t, &doubler{garbage: true})
	ctx := context.Background()
	var r plugintest.Recorder
	if err := p.Start(ctx, plugins.RunInfo{}, &r); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(r.Invalid()) != 1 {
		t.Errorf("invalid emissions recorded: %v", r.Invalid())
	}
	if err := p.Finish(ctx); err != nil {
		t.Fatal(err)
	}
}
