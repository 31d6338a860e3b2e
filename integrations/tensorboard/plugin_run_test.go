package tensorboard

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// syncBuffer collects a run's warnings.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// comparable strips what differs between two imports of the same log:
// _runtime, and the paths of media files (named after the step they are
// bound at: the run's step in-process, the TensorBoard step in the
// plugin; the content hash in the name is the same).
func comparable(rows []map[string]any) []map[string]any {
	for _, r := range rows {
		delete(r, "_runtime")
		for _, v := range r {
			if m, ok := v.(map[string]any); ok {
				if p, ok := m["path"].(string); ok {
					m["path"] = p[strings.LastIndexByte(p, '_')+1:]
				}
			}
		}
	}
	return rows
}

// One interface, two transports: a log imported by Sync (RunSink) and the
// same log followed by the plugin (EmitterSink, here in-process through
// the run's plugin host) give the same history, media and chart; the
// plugin also saves the event file with the run and turns
// sync_tensorboard on.
func TestWithLogDirInProcessMatchesSync(t *testing.T) {
	logDir := t.TempDir()
	path := writeLog(t, logDir)

	ref := startRun(t)
	if _, err := Sync(context.Background(), ref, logDir); err != nil {
		t.Fatal(err)
	}
	want, err := ref.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	var warns syncBuffer
	run := startRun(t, wandb.WithWarnings(&warns), WithLogDir(logDir, WithInProcess(true), WithFilter(Filter{}), WithPollInterval(0)))
	if !Enabled(run) || !PluginEnabled(run) {
		t.Error("WithLogDir did not turn sync_tensorboard and the plugin on")
	}
	if PluginEnabled(ref) || PluginEnabled(nil) {
		t.Error("PluginEnabled without WithLogDir")
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	got, err := run.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if g, w := comparable(got), comparable(want); !reflect.DeepEqual(g, w) {
		t.Errorf("plugin rows\n%v\nSync rows\n%v", g, w)
	}
	a, _ := run.Config().GetPath("_wandb", "visualize")
	b, _ := ref.Config().GetPath("_wandb", "visualize")
	if a == nil || !reflect.DeepEqual(a, b) {
		t.Errorf("chart config %v, Sync's %v", a, b)
	}
	if d, _ := run.Config().GetPath("_wandb", ConfigKey, "log_dirs"); d == nil {
		t.Error("the settings are not in the run's config")
	}
	saved, err := os.ReadFile(filepath.Join(run.Dir(), filepath.Base(path)))
	orig, _ := os.ReadFile(path)
	if err != nil || !bytes.Equal(saved, orig) {
		t.Errorf("event file not saved with the run: %v", err)
	}
	if w := warns.String(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}

// Without the binary on the search path the run goes on and says why.
func TestWithLogDirWithoutTheBinary(t *testing.T) {
	t.Setenv("WANDB_PLUGIN_PATH", t.TempDir())
	var warns syncBuffer
	run := startRun(t, wandb.WithWarnings(&warns), WithLogDir(t.TempDir()))
	if err := run.Log(map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	if w := warns.String(); !strings.Contains(w, `"tensorboard"`) || !strings.Contains(w, "not found") {
		t.Errorf("warnings: %q", w)
	}
}

// buildPluginBinary builds cmd/wandb-plugin-tensorboard into dir.
func buildPluginBinary(tb testing.TB, dir string) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("no go command to build the plugin with")
	}
	bin := filepath.Join(dir, "wandb-plugin-"+PluginName)
	cmd := exec.Command(goBin, "build", "-o", bin, "../../cmd/wandb-plugin-tensorboard")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The real thing: the plugin binary found on WANDB_PLUGIN_PATH follows the
// log directory of an offline run started with WithLogDir, in its own
// process; the rows are in the run log, the event file among the run's
// files.
func TestPluginBinaryInARun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	isolate(t)
	pdir := t.TempDir()
	buildPluginBinary(t, pdir)
	t.Setenv("WANDB_PLUGIN_PATH", pdir)
	logDir := filepath.Join(t.TempDir(), "logs")
	var warns syncBuffer
	run := startRunB(t, wandb.WithWarnings(&warns), WithLogDir(logDir))
	// Written after Init, on this host: the default filter's files.
	w, err := tfevents.Create(filepath.Join(logDir, "train"))
	if err != nil {
		t.Fatal(err)
	}
	for step := range int64(5) {
		must(t, w.WriteScalar("loss", step, 1/float64(step+1)))
		must(t, w.WriteScalar("acc", step, float64(step)/10))
	}
	must(t, w.WriteImage("sample", 4, tfevents.Image{Width: 3, Height: 2, Encoded: testPNG(t, 3, 2)}))
	must(t, w.Close())
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	info, err := runlog.Replay(run.LogPath(), func(r runlog.Row) error {
		got = append(got, r.Map())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d rows, want 5: %v (warnings %q)", len(got), got, warns.String())
	}
	f32 := func(x float64) float64 { return float64(float32(x)) } // TF2 scalars are float32
	for i, r := range got {
		if num(t, r[GlobalStepKey]) != float64(i) || num(t, r["_step"]) != float64(i) ||
			num(t, r["train/loss"]) != f32(1/float64(i+1)) || num(t, r["train/acc"]) != f32(float64(i)/10) {
			t.Errorf("row %d: %v", i, r)
		}
	}
	// The plugin process wrote the image into the run's files directory.
	im, _ := got[4]["train/sample"].(map[string]any)
	if p, _ := im["path"].(string); im["_type"] != "image-file" || !slices.Contains(info.Files, p) {
		t.Errorf("image %v, files %v", im, info.Files)
	} else if _, err := os.Stat(filepath.Join(run.Dir(), filepath.FromSlash(p))); err != nil {
		t.Error(err)
	}
	name := "train/" + filepath.Base(w.Path())
	if !slices.Contains(info.Files, name) {
		t.Errorf("files %v, want %s", info.Files, name)
	}
	if _, err := os.Stat(filepath.Join(run.Dir(), filepath.FromSlash(name))); err != nil {
		t.Error(err)
	}
	if w := warns.String(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}
