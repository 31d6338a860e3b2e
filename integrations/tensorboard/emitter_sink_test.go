package tensorboard

import (
	"context"
	"strings"
	"testing"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// Keys the host would refuse, and values that cannot be converted, are
// left out of their row and reported; the rest of the row is emitted, and
// nothing the sink emits is invalid (which would disable the plugin).
func TestEmitterSinkLeavesOutWhatTheHostWouldRefuse(t *testing.T) {
	var rec plugintest.Recorder
	sink := EmitterSink(&rec, t.TempDir())
	row := Row{Step: 7, WallTime: 1.5, Values: map[string]Value{
		"loss":        {Kind: Number, Number: 0.5},
		"_step":       {Kind: Number, Number: 1},
		"_runtime":    {Kind: Number, Number: 1},
		GlobalStepKey: {Kind: Number, Number: 1},
		"bad\xff":     {Kind: Number, Number: 1},
		"broken":      {Kind: Images, Images: []tfevents.Image{{Encoded: []byte("not an image")}}},
		"pr":          {Kind: PRCurve, PRCurve: &Curve{Recall: []float64{1}}},
	}}
	err := sink.WriteRow(context.Background(), row)
	for _, k := range []string{`"_step"`, `"_runtime"`, `"global_step"`, `"bad\xff"`, `"broken"`, `"pr"`} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("error %v does not name %s", err, k)
		}
	}
	rows := rec.Rows()
	if len(rows) != 1 || len(rec.Invalid()) != 0 {
		t.Fatalf("rows %v, invalid %v", rows, rec.Invalid())
	}
	got := decoded(t, rows[0])
	if len(got) != 3 || got["loss"] != 0.5 || num(t, got[GlobalStepKey]) != 7 || got["_timestamp"] != 1.5 || rows[0].Step != plugins.NextStep {
		t.Errorf("row %v", got)
	}
	// A row with nothing left is not emitted.
	if err := sink.WriteRow(context.Background(), Row{Step: 8, Values: map[string]Value{"_step": {Kind: Number}}}); err == nil {
		t.Error("no error for a row with nothing to log")
	}
	if n := len(rec.Rows()); n != 1 {
		t.Errorf("%d rows", n)
	}
}

// A key's chart entry is emitted with its first PR curve only; saving a
// file outside the files directory is refused.
func TestEmitterSinkChartOnceAndSafeNames(t *testing.T) {
	var rec plugintest.Recorder
	sink := EmitterSink(&rec, t.TempDir())
	curve := Value{Kind: PRCurve, PRCurve: &Curve{Recall: []float64{1, 0}, Precision: []float64{0.5, 1}}}
	for step := range int64(3) {
		must(t, sink.WriteRow(context.Background(), Row{Step: step, Values: map[string]Value{"pr": curve, "eval/pr": curve}}))
	}
	n := 0
	for _, e := range rec.Emissions() {
		if e.Config != nil {
			n++
		}
	}
	vis := rec.Config()["_wandb"].(map[string]any)["visualize"].(map[string]any)
	if n != 1 || len(vis) != 2 || vis["pr"] == nil || vis["eval/pr"] == nil {
		t.Errorf("%d config emissions, visualize %v", n, vis)
	}
	for _, name := range []string{"", "../x", "/abs", "a/../../b", "a//b"} {
		if err := sink.SaveFile(context.Background(), "nope", name); err == nil || !strings.Contains(err.Error(), "not a relative path") {
			t.Errorf("name %q: %v", name, err)
		}
	}
}
