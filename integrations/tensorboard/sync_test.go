package tensorboard

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// The real TensorFlow file imports as 17 rows, one per step 0..16, each
// with the six Keras scalars, global_step and the step's wall time.
func TestSyncRealFile(t *testing.T) {
	needRealFile(t)
	logDir := t.TempDir()
	data, err := os.ReadFile(realFile)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(realFile)
	if err := os.WriteFile(filepath.Join(logDir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	run := startRun(t)
	stats, err := Sync(context.Background(), run, logDir)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Files != 1 || stats.Events != 105 || stats.Rows != 17 || len(stats.Damage) != 0 {
		t.Errorf("stats %+v, want 1 file, 105 events, 17 rows, no damage", stats)
	}
	rows, err := run.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 17 {
		t.Fatalf("%d rows, want 17", len(rows))
	}
	keys := []string{"_runtime", "_step", "_timestamp", "batch_acc", "batch_loss", "epoch_acc", "epoch_loss", "epoch_val_acc", "epoch_val_loss", "global_step"}
	for i, row := range rows {
		got := slices.Sorted(func(yield func(string) bool) {
			for k := range row {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(got, keys) {
			t.Fatalf("row %d keys %v, want %v", i, got, keys)
		}
		if num(t, row["global_step"]) != float64(i) || num(t, row["_step"]) != float64(i) {
			t.Errorf("row %d: global_step %v, _step %v", i, row["global_step"], row["_step"])
		}
	}
	checks := []struct {
		row  int
		key  string
		want float64
	}{
		{0, "batch_loss", 3.9135773181915283},
		{0, "batch_acc", 0},
		{0, "epoch_val_acc", 1},
		{0, "epoch_loss", 3.9135773181915283},
		{16, "epoch_val_loss", 2.932505594799295e-05},
		{16, "global_step", 16},
	}
	for _, c := range checks {
		if got := num(t, rows[c.row][c.key]); got != c.want {
			t.Errorf("row %d %s = %v, want %v", c.row, c.key, got, c.want)
		}
	}
	// _timestamp is the wall time of the step's last event.
	if ts := num(t, rows[16]["_timestamp"]); math.Abs(ts-1585769982.149663) > 1e-6 {
		t.Errorf("last _timestamp %f", ts)
	}
	if ts := num(t, rows[0]["_timestamp"]); ts < 1585769947 || ts > 1585769950 {
		t.Errorf("first _timestamp %f", ts)
	}
	saved := filepath.Join(run.Dir(), name)
	if b, err := os.ReadFile(saved); err != nil || len(b) != len(data) {
		t.Errorf("event file not saved with the run: %v", err)
	}
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	t.Fatalf("%v (%T) is not a number", v, v)
	return 0
}

// A log directory with every kind, at its root and in train/ (TF1 style),
// imports as the golden history: namespaced keys, merged steps, media.
func TestSyncGolden(t *testing.T) {
	logDir := t.TempDir()
	writeLog(t, logDir)
	writeLog(t, filepath.Join(logDir, "train"))
	writeLog(t, filepath.Join(logDir, "eval"), tfevents.Legacy(true))
	os.WriteFile(filepath.Join(logDir, "events.out.tfevents.1700000000.box.profile-empty"), nil, 0o644)
	os.WriteFile(filepath.Join(logDir, "notes.txt"), []byte("not an event file"), 0o644)

	run := startRun(t)
	var warns []string
	stats, err := Sync(context.Background(), run, logDir, WithWarnings(func(m string) { warns = append(warns, m) }))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Files != 3 || stats.Rows != 9 || len(warns) != 0 {
		t.Errorf("stats %+v, warnings %q", stats, warns)
	}
	rows, err := run.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		delete(r, "_runtime") // from the clock
	}
	viz, _ := run.Config().GetPath("_wandb", "visualize")
	got := map[string]any{"history": rows, "visualize": viz}
	for _, name := range []string{"events.out.tfevents.1700000000.box", "train/events.out.tfevents.1700000000.box", "eval/events.out.tfevents.1700000000.box"} {
		if _, err := os.Stat(filepath.Join(run.Dir(), filepath.FromSlash(name))); err != nil {
			t.Errorf("not saved: %s", name)
		}
	}
	if _, err := os.Stat(filepath.Join(run.Dir(), "events.out.tfevents.1700000000.box.profile-empty")); err == nil {
		t.Error("a profile-empty file was saved")
	}
	golden(t, "sync.golden.json", got)
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(b) {
		t.Errorf("%s differs (run with -update to accept):\n%s", path, diffLines(string(want), string(b)))
	}
}

// diffLines shows the first differing lines.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return ""
}
