package tensorboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// pluginRun is the RunInfo of a run whose config makes the plugin follow
// logDir with opts (every event file, rows only at a new step or Flush),
// and whose files directory is a new temporary one.
func pluginRun(t *testing.T, logDir string, opts ...Option) plugins.RunInfo {
	t.Helper()
	opts = append([]Option{WithFilter(Filter{}), WithIdleFlush(0)}, opts...)
	return plugins.RunInfo{ID: "tb", Dir: t.TempDir(), Config: PluginConfig(logDir, opts...)}
}

// startPlugin serves a Plugin polled by trig (nil: never) through the
// real gRPC adapters (plugintest) for a run that follows logDir.
func startPlugin(t *testing.T, logDir string, trig <-chan time.Time, opts ...Option) (*plugintest.Harness, plugins.RunInfo) {
	t.Helper()
	run := pluginRun(t, logDir, opts...)
	return plugintest.Start(t, NewPlugin(WithPollTrigger(trig)), run), run
}

// newWriter creates an event file in dir named at t0+sec on host "box",
// stamping events at t0.
func newWriter(t *testing.T, dir string, sec int) *tfevents.Writer {
	t.Helper()
	at := t0.Add(time.Duration(sec) * time.Second)
	w, err := tfevents.Create(dir, tfevents.WithHostname("box"), tfevents.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// decoded is a history row's values, decoded.
func decoded(t *testing.T, row plugins.HistoryRow) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range row.Row {
		x, err := plugins.DecodeValue(v)
		if err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
		out[k] = x
	}
	return out
}

// globalSteps lists the global_step of every row, checking that each is
// added at the run's current step (plugins.NextStep).
func globalSteps(t *testing.T, rows []plugins.HistoryRow) []int64 {
	t.Helper()
	var out []int64
	for _, r := range rows {
		if r.Step != plugins.NextStep {
			t.Errorf("row at step %d, want NextStep: W&B commits one row per TensorBoard step", r.Step)
		}
		out = append(out, int64(num(t, decoded(t, r)[GlobalStepKey])))
	}
	return out
}

// Rows written while the plugin runs reach the run when it is flushed,
// with the keys, global_step and wall time of the events, one row per
// TensorBoard step; values of one step written later make a row of their
// own.
func TestPluginFlushEmitsRows(t *testing.T) {
	logDir := t.TempDir()
	h, _ := startPlugin(t, logDir, nil)
	h.Flush() // nothing there yet
	if n := len(h.Rec.Emissions()); n != 0 {
		t.Fatalf("%d emissions from an empty log directory", n)
	}
	w := newWriter(t, logDir, 0)
	must(t, w.WriteScalar("loss", 1, 0.5))
	must(t, w.WriteScalar("acc", 1, 0.25))
	must(t, w.WriteScalar("loss", 2, 0.125))
	must(t, w.Flush())
	h.Flush()
	rows := h.Rec.Rows()
	if got := globalSteps(t, rows); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("global steps %v, want [1 2]", got)
	}
	r1, r2 := decoded(t, rows[0]), decoded(t, rows[1])
	if r1["loss"] != 0.5 || r1["acc"] != 0.25 || len(r1) != 4 || num(t, r1["_timestamp"]) != float64(t0.Unix()) {
		t.Errorf("row 1 %v, want loss, acc, global_step and _timestamp", r1)
	}
	if r2["loss"] != 0.125 || len(r2) != 3 {
		t.Errorf("row 2 %v", r2)
	}
	must(t, w.WriteScalar("acc", 2, 0.5)) // after the flush: a second row of step 2
	must(t, w.WriteScalar("loss", 3, 0.0625))
	must(t, w.Close())
	h.Flush()
	rows = h.Rec.Rows()
	if got := globalSteps(t, rows); !slices.Equal(got, []int64{1, 2, 2, 3}) {
		t.Fatalf("global steps %v, want [1 2 2 3]", got)
	}
	if r := decoded(t, rows[2]); r["acc"] != 0.5 || r["loss"] != nil {
		t.Errorf("late row of step 2: %v", r)
	}
	h.Finish()
	if n := len(h.Rec.Rows()); n != 4 {
		t.Errorf("Finish added rows: %d", n)
	}
}

// The plugin's own goroutine polls on its trigger: rows of finished steps
// are emitted with no Flush, the last step's only once the next one begins
// (here WithIdleFlush(0)).
func TestPluginPollsOnItsTrigger(t *testing.T) {
	logDir := t.TempDir()
	trig := make(chan time.Time)
	p := NewPlugin(WithPollTrigger(trig))
	var rec plugintest.Recorder // the Emitter itself: emissions land at once
	ctx := context.Background()
	must(t, p.Start(ctx, pluginRun(t, logDir), &rec))
	// Two sends: when the second is received the first poll is over.
	poll := func() { trig <- time.Time{}; trig <- time.Time{} }

	w := newWriter(t, logDir, 0)
	must(t, w.WriteScalar("loss", 1, 1))
	must(t, w.WriteScalar("loss", 2, 0.5))
	must(t, w.Flush())
	poll()
	if got := globalSteps(t, rec.Rows()); !slices.Equal(got, []int64{1}) {
		t.Fatalf("after a poll: global steps %v, want [1] (step 2 pending)", got)
	}
	must(t, w.WriteScalar("loss", 3, 0.25))
	must(t, w.Flush())
	poll()
	if got := globalSteps(t, rec.Rows()); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("after the second poll: global steps %v, want [1 2]", got)
	}
	must(t, w.Close())
	must(t, p.Finish(ctx))
	if got := globalSteps(t, rec.Rows()); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("after Finish: global steps %v, want [1 2 3]", got)
	}
	if len(rec.Invalid()) != 0 {
		t.Errorf("invalid emissions: %v", rec.Invalid())
	}
	// The loop has ended: a send would block forever.
	select {
	case trig <- time.Time{}:
		t.Error("the poll loop still runs after Finish")
	default:
	}
	must(t, p.Finish(ctx)) // idempotent
}

// A rotated file (a newer name in the same directory) is followed once the
// old one is read to its end, and a new subdirectory is followed with its
// namespace.
func TestPluginFollowsRotation(t *testing.T) {
	logDir := t.TempDir()
	trig := make(chan time.Time)
	h, _ := startPlugin(t, logDir, trig)
	a := newWriter(t, logDir, 0)
	must(t, a.WriteScalar("loss", 1, 1))
	must(t, a.Flush())
	trig <- time.Time{}
	h.Flush()

	must(t, a.WriteScalar("loss", 2, 0.5))
	must(t, a.Close())
	b := newWriter(t, logDir, 1) // the writer restarted
	must(t, b.WriteScalar("loss", 3, 0.25))
	must(t, b.WriteScalar("loss", 4, 0.125))
	must(t, b.Flush())
	tr := newWriter(t, filepath.Join(logDir, "train"), 0)
	must(t, tr.WriteScalar("loss", 1, 9))
	must(t, tr.Close())
	trig <- time.Time{}
	h.Flush()
	rows := h.Rec.Rows()
	if got := globalSteps(t, rows); !slices.Equal(got, []int64{1, 2, 3, 4, 1}) {
		t.Fatalf("global steps %v, want [1 2 3 4 1]", got)
	}
	for i, want := range []float64{1, 0.5, 0.25, 0.125} {
		if v := decoded(t, rows[i])["loss"]; v != want {
			t.Errorf("row %d: loss %v, want %v", i, v, want)
		}
	}
	if v := decoded(t, rows[4])["train/loss"]; v != 9.0 {
		t.Errorf("train row %v", decoded(t, rows[4]))
	}
	must(t, b.Close())
}

// Images become W&B images whose files the plugin writes into the run's
// files directory, a PR curve a table and the chart's config entry, a
// histogram W&B's histogram JSON; every file written is emitted.
func TestPluginMediaAndPRCurve(t *testing.T) {
	logDir := t.TempDir()
	h, run := startPlugin(t, logDir, nil)
	writeLog(t, logDir)
	h.Flush()
	rows := h.Rec.Rows()
	if got := globalSteps(t, rows); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("global steps %v", got)
	}
	files := map[string]bool{}
	for _, f := range h.Rec.Files() {
		if f.Data != nil {
			t.Errorf("file %s sent with data: the plugin writes media into the run's directory", f.Path)
		}
		files[f.Path] = true
	}
	media := func(row map[string]any, key, typ, dir string) map[string]any {
		t.Helper()
		m, ok := row[key].(map[string]any)
		if !ok || m["_type"] != typ {
			t.Fatalf("%s = %v, want a %s", key, row[key], typ)
		}
		p, _ := m["path"].(string)
		if !strings.HasPrefix(p, dir) || !files[p] {
			t.Errorf("%s: path %q not under %s or not emitted (files %v)", key, p, dir, files)
		}
		if _, err := os.Stat(filepath.Join(run.Dir, filepath.FromSlash(p))); err != nil {
			t.Errorf("%s: %v", key, err)
		}
		return m
	}
	r1, r2, r3 := decoded(t, rows[0]), decoded(t, rows[1]), decoded(t, rows[2])
	if hist, ok := r1["weights"].(map[string]any); !ok || hist["_type"] != "histogram" || len(hist["bins"].([]any)) != 5 {
		t.Errorf("weights = %v", r1["weights"])
	}
	im := media(r2, "sample", "image-file", "media/images/")
	if num(t, im["width"]) != 3 || num(t, im["height"]) != 2 || im["format"] != "png" {
		t.Errorf("image %v", im)
	}
	if r2["notes"] != "epoch *two*" {
		t.Errorf("notes = %v", r2["notes"])
	}
	tab := media(r3, "pr", "table-file", "media/table/")
	if num(t, tab["nrows"]) != 3 || num(t, tab["ncols"]) != 2 {
		t.Errorf("table %v", tab)
	}
	data, err := os.ReadFile(filepath.Join(run.Dir, filepath.FromSlash(tab["path"].(string))))
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Columns []string
		Data    [][]float64
	}
	if err := json.Unmarshal(data, &table); err != nil || !slices.Equal(table.Columns, []string{"recall", "precision"}) || len(table.Data) != 3 || table.Data[0][0] != 1 || table.Data[0][1] != 0.5 {
		t.Errorf("table file %s (%v)", data, err)
	}
	w, _ := h.Rec.Config()["_wandb"].(map[string]any)
	vis, _ := w["visualize"].(map[string]any)
	chart, _ := vis["pr"].(map[string]any)
	pc, _ := chart["panel_config"].(map[string]any)
	ss, _ := pc["stringSettings"].(map[string]any)
	if pc["panelDefId"] != "wandb/line/v0" || ss["title"] != ChartTitle("pr") {
		t.Errorf("config _wandb = %v", w)
	}
	// The chart entry is the same as the in-process sink sets.
	want, _ := json.Marshal(chartConfig("pr"))
	got, _ := json.Marshal(chart)
	if !bytes.Equal(want, got) {
		t.Errorf("chart\n%s\nwant\n%s", got, want)
	}
	if bad := h.Rec.Invalid(); len(bad) != 0 {
		t.Errorf("invalid emissions: %v", bad)
	}
}

// The event files are copied into the run's files directory at Finish and
// emitted as files of the run; WithSave(false) keeps them out.
func TestPluginSavesEventFilesAtFinish(t *testing.T) {
	for _, save := range []bool{true, false} {
		logDir := t.TempDir()
		h, run := startPlugin(t, logDir, nil, WithSave(save))
		path := writeLog(t, filepath.Join(logDir, "train"))
		h.Flush()
		if n := len(eventFiles(h.Rec.Files())); n != 0 {
			t.Errorf("save %v: %d event files saved before Finish", save, n)
		}
		h.Finish()
		name := "train/" + filepath.Base(path)
		saved := eventFiles(h.Rec.Files())
		if !save {
			if len(saved) != 0 {
				t.Errorf("saved %v with WithSave(false)", saved)
			}
			continue
		}
		if !slices.Equal(saved, []string{name}) {
			t.Fatalf("saved %v, want [%s]", saved, name)
		}
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(run.Dir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("the copy in the run differs (%v)", err)
		}
		if rows := h.Rec.Rows(); len(rows) != 3 || decoded(t, rows[0])["train/loss"] != 0.5 {
			t.Errorf("rows %v", rows)
		}
	}
}

func eventFiles(fs []plugins.File) []string {
	var out []string
	for _, f := range fs {
		if (Filter{}).Match(f.Path) {
			out = append(out, f.Path)
		}
	}
	return out
}

// Damage and values that cannot be converted are warnings in the run's
// log; the intact events still arrive.
func TestPluginReportsDamage(t *testing.T) {
	logDir := t.TempDir()
	path := writeLog(t, logDir)
	data, err := os.ReadFile(path)
	must(t, err)
	data[len(data)-3] ^= 0xff // the last record's data CRC
	must(t, os.WriteFile(path, data, 0o644))
	h, _ := startPlugin(t, logDir, nil)
	h.Finish()
	if got := globalSteps(t, h.Rec.Rows()); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("global steps %v", got)
	}
	logs := h.Rec.Logs()
	if len(logs) != 1 || logs[0].Level != plugins.LevelWarn || !strings.Contains(logs[0].Text, "damaged event file") {
		t.Errorf("logs %+v", logs)
	}
}

// Start needs settings in the config and a files directory; errors say
// what to do.
func TestPluginStartErrors(t *testing.T) {
	ctx := context.Background()
	var rec plugintest.Recorder
	cases := []struct {
		name string
		run  plugins.RunInfo
		want string
	}{
		{"no settings", plugins.RunInfo{Dir: t.TempDir(), Config: map[string]any{"lr": 0.1}}, "WithLogDir"},
		{"no directory", plugins.RunInfo{Dir: t.TempDir(), Config: PluginConfig("")}, "no log directory"},
		{"bad settings", plugins.RunInfo{Dir: t.TempDir(), Config: map[string]any{"_wandb": map[string]any{ConfigKey: "x"}}}, "_wandb.tensorboard"},
		{"no files directory", plugins.RunInfo{Config: PluginConfig(t.TempDir())}, "files directory"},
	}
	for _, c := range cases {
		err := NewPlugin().Start(ctx, c.run, &rec)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", c.name, err, c.want)
		}
	}
	p := NewPlugin()
	must(t, p.Start(ctx, pluginRun(t, t.TempDir()), &rec))
	if err := p.Start(ctx, pluginRun(t, t.TempDir()), &rec); err == nil {
		t.Error("a second Start while running")
	}
	must(t, p.Finish(ctx))
	must(t, p.Start(ctx, pluginRun(t, t.TempDir()), &rec)) // the next run
	must(t, p.Finish(ctx))
}

// The settings survive the trip through the config, and the defaults are
// Watch's for a run: files named from now on, on this host.
func TestPluginConfigRoundTrip(t *testing.T) {
	before := time.Now().Truncate(time.Second)
	cfg := PluginConfig("/logs", WithRootDir("/"), WithNamespace("eval"), WithSave(false),
		WithRecursive(false), WithPollInterval(2*time.Second))
	// As the run hands it over: through JSON.
	b, err := json.Marshal(cfg)
	must(t, err)
	var back map[string]any
	must(t, json.Unmarshal(b, &back))
	s, err := settingsFromConfig(back)
	must(t, err)
	host, _ := os.Hostname()
	d := s.LogDirs[0]
	if len(s.LogDirs) != 1 || d.Path != "/logs" || d.RootDir != "/" || d.Namespace != "eval" || d.Save || d.Recursive ||
		d.PollInterval != 2 || d.IdleFlush != 2 || d.Hostname != host || time.Unix(int64(d.StartTime), 0).Before(before) {
		t.Errorf("settings %+v", d)
	}
	c := newConfig(d.options())
	if c.rootDir != "/" || c.namespace != "eval" || c.save || c.recursive || c.interval != 0 || c.idle != 2*time.Second ||
		c.filter == nil || c.filter.Hostname != host || c.filter.StartTime.Before(before) {
		t.Errorf("options give %+v", c)
	}
	if _, err := settingsFromConfig(map[string]any{}); !errors.Is(err, errNoSettings) {
		t.Errorf("no settings: %v", err)
	}
}
