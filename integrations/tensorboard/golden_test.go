package tensorboard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// rowJSON is a Row as the golden files show it: images by size and hash.
func rowJSON(r Row) map[string]any {
	vals := map[string]any{}
	for k, v := range r.Values {
		switch v.Kind {
		case Number:
			vals[k] = v.Number
		case Text:
			vals[k] = v.Text
		case Histogram:
			vals[k] = map[string]any{"bins": v.Histogram.Bins, "values": v.Histogram.Values}
		case Images:
			var ims []any
			for _, im := range v.Images {
				sum := sha256.Sum256(im.Encoded)
				ims = append(ims, map[string]any{"width": im.Width, "height": im.Height, "bytes": len(im.Encoded), "sha256": hex.EncodeToString(sum[:8])})
			}
			vals[k] = ims
		case PRCurve:
			vals[k] = map[string]any{"recall": v.PRCurve.Recall, "precision": v.PRCurve.Precision, "title": ChartTitle(k)}
		}
	}
	return map[string]any{"step": r.Step, "wall_time": r.WallTime, "values": vals}
}

func rowsJSON(rows []Row) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = rowJSON(r)
	}
	return out
}

// The conversion of a log directory with every kind, TF2 style at the
// root and TF1 style in tf1/, as rows (before any run is involved).
func TestConvertGolden(t *testing.T) {
	logDir := t.TempDir()
	writeLog(t, logDir)
	writeLog(t, filepath.Join(logDir, "tf1"), tfevents.Legacy(true))
	sink := &memSink{}
	if _, err := SyncTo(context.Background(), sink, logDir, WithNamespace("tb")); err != nil {
		t.Fatal(err)
	}
	golden(t, "convert.golden.json", rowsJSON(sink.Rows()))
	if want := map[string]string{
		"events.out.tfevents.1700000000.box":     filepath.Join(logDir, "events.out.tfevents.1700000000.box"),
		"tf1/events.out.tfevents.1700000000.box": filepath.Join(logDir, "tf1", "events.out.tfevents.1700000000.box"),
	}; len(sink.saved) != 2 || sink.saved["tf1/events.out.tfevents.1700000000.box"] != want["tf1/events.out.tfevents.1700000000.box"] {
		t.Errorf("saved %v, want %v", sink.saved, want)
	}
}

// The real TensorFlow file's rows.
func TestConvertRealFileGolden(t *testing.T) {
	needRealFile(t)
	logDir := t.TempDir()
	data, err := os.ReadFile(realFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logDir, filepath.Base(realFile)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if _, err := SyncTo(context.Background(), sink, logDir, WithSave(false)); err != nil {
		t.Fatal(err)
	}
	if len(sink.saved) != 0 {
		t.Errorf("saved with WithSave(false): %v", sink.saved)
	}
	golden(t, "realfile.golden.json", rowsJSON(sink.Rows()))
}
