package wandb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/wal"
	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/host"
)

// The run's plugin tests start real plugin processes: this test binary
// re-executed through a wrapper script wandb-plugin-<kind>, with
// pluginHelperEnv naming the kind TestPluginHelperProcess serves.
const pluginHelperEnv = "GOWANDB_TEST_PLUGIN"

// TestPluginHelperProcess is the plugin process of the run's plugin tests
// (TestHelperProcess is the crash tests' child). It does nothing unless a
// wrapper written by writeTestPlugin started it.
func TestPluginHelperProcess(t *testing.T) {
	kind := os.Getenv(pluginHelperEnv)
	if kind == "" {
		t.Skip("the plugin process of the run's plugin tests")
	}
	plugins.Serve(&echoPlugin{kind: kind})
	os.Exit(0)
}

// echoPlugin emits its process id in the summary at Start and answers each
// scalar observation with a new history row <key>_echo (at NextStep, as a
// TensorBoard sync would). Kind "hang" never returns from Flush.
type echoPlugin struct {
	kind string
	emit plugins.Emitter
}

func (p *echoPlugin) Manifest() plugins.Manifest {
	return plugins.Manifest{Name: p.kind, Version: "0.0.1", Provides: []string{plugins.ProvidesHistory}}
}

func (p *echoPlugin) Start(_ context.Context, _ plugins.RunInfo, emit plugins.Emitter) error {
	p.emit = emit
	v, _ := plugins.Values(map[string]any{p.kind + "_pid": os.Getpid()})
	return emit.Emit(plugins.Emission{Summary: v})
}

func (p *echoPlugin) Observe(_ context.Context, batch []plugins.Observation) error {
	for _, o := range batch {
		v, _ := plugins.Value(o.Scalar)
		if err := p.emit.Emit(plugins.Emission{History: &plugins.HistoryRow{Step: plugins.NextStep, Row: map[string]json.RawMessage{o.Key + "_echo": v}}}); err != nil {
			return err
		}
	}
	return nil
}

func (p *echoPlugin) Flush(context.Context) error {
	if p.kind == "hang" {
		select {}
	}
	return nil
}

func (p *echoPlugin) Finish(context.Context) error { return nil }

// writeTestPlugin puts wandb-plugin-<kind> into dir.
func writeTestPlugin(t *testing.T, dir, kind string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n%s=%s exec %q -test.run='^TestPluginHelperProcess$' -- \"$@\"\n", pluginHelperEnv, kind, exe)
	if err := os.WriteFile(filepath.Join(dir, "wandb-plugin-"+kind), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// startWithPlugins starts an offline run with plugin binaries of the given
// kinds on WANDB_PLUGIN_PATH.
func startWithPlugins(t *testing.T, kinds []string, opts ...wandb.Option) (*wandb.Run, *warnings) {
	t.Helper()
	isolate(t)
	pdir := t.TempDir()
	for _, k := range kinds {
		writeTestPlugin(t, pdir, k)
	}
	t.Setenv(host.EnvPluginPath, pdir)
	return initIn(t, t.TempDir(), append([]wandb.Option{wandb.WithMode(wandb.ModeOffline)}, opts...)...)
}

// outputLines returns the standard-error output lines of a run log, where
// plugin reports go.
func outputLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := wal.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return lines
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if o, ok := rec.RecordType.(*recordpb.Record_OutputRaw); ok && o.OutputRaw.OutputType == recordpb.OutputRawRecord_STDERR {
			lines = append(lines, o.OutputRaw.Line)
		}
	}
}

func TestRunWithSubprocessPlugin(t *testing.T) {
	run, warns := startWithPlugins(t, []string{"echo"}, wandb.WithPlugins("echo"))
	pid, ok := run.Summary().Get("echo_pid")
	if !ok {
		t.Fatalf("the plugin's Start emission is not in the summary: %v (warnings %q)", run.Summary().Map(), warns)
	}
	if pid == int64(os.Getpid()) {
		t.Fatal("the plugin runs in the test process")
	}
	for i := range 10 {
		if err := run.Log(map[string]any{"acc": float64(i) / 10}); err != nil {
			t.Fatal(err)
		}
		if err := run.Observe("loss", int64(i), 1/float64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	finish(t, run)
	if syscall.Kill(int(pid.(int64)), 0) == nil {
		t.Errorf("plugin process %v outlived Finish", pid)
	}
	info, rows := replay(t, run)
	var accs, echoes int
	for _, r := range rows {
		if _, ok := r["acc"]; ok {
			accs++
		}
		if _, ok := r["loss_echo"]; ok {
			echoes++
		}
	}
	if accs != 10 || echoes != 10 || len(rows) != 20 {
		t.Errorf("%d rows: %d with acc, %d with loss_echo; want 20, 10, 10", len(rows), accs, echoes)
	}
	if info.Summary["loss_echo"] != 0.1 || info.Summary["acc"] != 0.9 {
		t.Errorf("summary %v", info.Summary)
	}
	if warns.Len() != 0 {
		t.Errorf("warnings: %s", warns)
	}
	if _, err := os.Stat(filepath.Join(run.SyncDir(), "logs", "plugins.log")); err != nil {
		t.Errorf("no plugin log: %v", err)
	}
}

func TestRunSurvivesItsPluginBeingKilled(t *testing.T) {
	run, warns := startWithPlugins(t, []string{"echo"}, wandb.WithPlugins("echo"))
	pid, _ := run.Summary().Get("echo_pid")
	for i := range 50 {
		run.Log(map[string]any{"i": i})
		run.Observe("x", int64(i), float64(i))
	}
	if err := syscall.Kill(int(pid.(int64)), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 50; i < 100; i++ {
		if err := run.Log(map[string]any{"i": i}); err != nil {
			t.Fatal(err)
		}
		if err := run.Observe("x", int64(i), float64(i)); err != nil {
			t.Fatal(err)
		}
	}
	finish(t, run)
	info, rows := replay(t, run)
	var is []int64
	for _, r := range rows {
		if v, ok := r["i"]; ok {
			is = append(is, v.(int64))
		}
	}
	if len(is) != 100 || is[0] != 0 || is[99] != 99 {
		t.Errorf("the run's own rows: %d (want 100, in order)", len(is))
	}
	if !info.Exited || info.ExitCode != 0 {
		t.Errorf("run state %s, exit %d", info.State(), info.ExitCode)
	}
	wantContains(t, warns.String(), `plugin "echo" crashed`, "disabled it")
	if got := strings.Join(outputLines(t, run.LogPath()), ""); !strings.Contains(got, `wandb: ERROR plugins: plugin "echo" crashed`) {
		t.Errorf("the run log does not report the kill; stderr lines:\n%s", got)
	}
}

func TestRunFinishesPastAHungPlugin(t *testing.T) {
	run, warns := startWithPlugins(t, []string{"hang"}, wandb.WithPlugins("hang"),
		wandb.WithPluginHostOptions(host.WithCallTimeout(time.Second)))
	run.Log(map[string]any{"a": 1})
	finish(t, run)
	// The hang is caught at Flush, by the call deadline or by the flush's
	// own context, whichever a loaded machine hits first.
	wantContains(t, warns.String(), `plugin "hang" hung`, "lush", "disabled it")
	info, rows := replay(t, run)
	if len(rows) != 1 || !info.Exited {
		t.Errorf("rows %d, exited %v", len(rows), info.Exited)
	}
}

func TestMissingPluginDoesNotFailInit(t *testing.T) {
	run, warns := startWithPlugins(t, nil, wandb.WithPlugins("nope"))
	wantContains(t, warns.String(), `plugin "nope" failed to start`, "plugin not found")
	if err := run.Observe("x", 0, 1.0); err != nil {
		t.Errorf("Observe: %v", err)
	}
	finish(t, run)
	wantContains(t, strings.Join(outputLines(t, run.LogPath()), ""), `plugin "nope" failed to start`)
}

func TestObserveWithoutPlugins(t *testing.T) {
	var nilRun *wandb.Run
	wantErr(t, nilRun.Observe("x", 0, 1.0), wandb.ErrNotInitialized)
	run, _ := start(t)
	if err := run.Observe("x", 0, 1.0); err != nil {
		t.Errorf("Observe without plugins: %v", err)
	}
	finish(t, run)
	wantErr(t, run.Observe("x", 1, 1.0), wandb.ErrRunFinished)
}

// spy is an in-process plugin that keeps what it observes and lets the
// test emit through its emitter.
type spy struct {
	mu   sync.Mutex
	run  plugins.RunInfo
	emit plugins.Emitter
	seen []plugins.Observation
}

func (s *spy) Manifest() plugins.Manifest { return plugins.Manifest{Name: "spy", Version: "1"} }
func (s *spy) Start(_ context.Context, run plugins.RunInfo, emit plugins.Emitter) error {
	s.run, s.emit = run, emit
	return nil
}
func (s *spy) Observe(_ context.Context, batch []plugins.Observation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, batch...)
	return nil
}
func (s *spy) Flush(context.Context) error  { return nil }
func (s *spy) Finish(context.Context) error { return nil }

func TestInProcessPluginSeesObservationsAndChangesTheRun(t *testing.T) {
	p := &spy{}
	run, warns := start(t, wandb.WithInProcessPlugin(p), wandb.WithConfig(map[string]any{"threshold": 0.5}))
	if p.run.ID != run.ID() || p.run.Config["threshold"] != 0.5 || p.run.Dir != run.Dir() {
		t.Fatalf("run info %+v", p.run)
	}
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	img.Set(1, 0, color.RGBA{R: 255, A: 255})
	w := []float32{1, 2, 3}
	for _, v := range []any{0.5, 3, float32(1.5), w, []float64{4}, img, plugins.Tensor{Shape: []int{1, 1}, DType: plugins.Float64, Float64: []float64{7}}} {
		if err := run.Observe("k", 1, v); err != nil {
			t.Fatalf("Observe(%T): %v", v, err)
		}
	}
	w[0] = 99 // Observe copied the slice
	wantErr(t, run.Observe("k", 1, "text"), wandb.ErrUnsupportedType)
	wantErr(t, run.Observe("k", -1, 1.0), plugins.ErrInvalidObservation)

	emit := func(e plugins.Emission) error { t.Helper(); return p.emit.Emit(e) }
	vals := func(m map[string]any) map[string]json.RawMessage { v, _ := plugins.Values(m); return v }
	if err := emit(plugins.Emission{
		Config:  vals(map[string]any{"plugin_set": "yes"}),
		History: &plugins.HistoryRow{Step: 5, Row: vals(map[string]any{"at5": 1})},
		Summary: vals(map[string]any{"alert": "fired"}),
		Files:   []plugins.File{{Path: "alerts/a.txt", Data: []byte("hi")}},
		Log:     &plugins.LogLine{Level: plugins.LevelWarn, Text: "threshold crossed"},
	}); err != nil {
		t.Fatal(err)
	}
	run.Log(map[string]any{"user": 1}) // lands at step 5 too, and commits it
	if err := emit(plugins.Emission{History: &plugins.HistoryRow{Step: 2, Row: vals(map[string]any{"late": 1})}}); err == nil {
		t.Error("a row for a step the run has passed was accepted")
	}
	if err := emit(plugins.Emission{Config: vals(map[string]any{"threshold": 0.9})}); err == nil {
		t.Error("a plugin changed a config value")
	}
	finish(t, run)

	if len(p.seen) != 7 {
		t.Fatalf("the plugin saw %d observations, want 7", len(p.seen))
	}
	if tw := p.seen[3].Tensor; tw == nil || tw.Float32[0] != 1 || tw.Shape[0] != 3 {
		t.Errorf("[]float32 arrived as %+v", tw)
	}
	if f := p.seen[5].Frame; f == nil || f.Width != 2 || f.Height != 1 || f.RGBA[4] != 255 {
		t.Errorf("image arrived as %+v", f)
	}
	info, rows := replay(t, run)
	if len(rows) != 1 || rows[0]["at5"] != int64(1) || rows[0]["user"] != int64(1) || rows[0]["_step"] != int64(5) {
		t.Errorf("rows %v", rows)
	}
	if info.Summary["alert"] != "fired" || info.Config["plugin_set"] != "yes" || info.Config["threshold"] != 0.5 {
		t.Errorf("summary %v, config %v", info.Summary, info.Config)
	}
	if b, err := os.ReadFile(filepath.Join(run.Dir(), "alerts", "a.txt")); err != nil || string(b) != "hi" {
		t.Errorf("file: %q, %v", b, err)
	}
	wantContains(t, strings.Join(info.Files, ","), "alerts/a.txt")
	wantContains(t, warns.String(), "[spy] threshold crossed", "history row at step 2 dropped", `config: `)
	wantContains(t, strings.Join(outputLines(t, run.LogPath()), ""), "wandb: WARN [spy] threshold crossed")
}

// counter is an in-process plugin that only counts.
type counter struct{ n int }

func (c *counter) Manifest() plugins.Manifest                                    { return plugins.Manifest{Name: "counter"} }
func (c *counter) Start(context.Context, plugins.RunInfo, plugins.Emitter) error { return nil }
func (c *counter) Observe(_ context.Context, b []plugins.Observation) error {
	c.n += len(b)
	return nil
}
func (c *counter) Flush(context.Context) error  { return nil }
func (c *counter) Finish(context.Context) error { return nil }

// BenchmarkRunObserve is what Observe costs the caller: nothing without
// plugins, a queue append with one.
func BenchmarkRunObserve(b *testing.B) {
	for _, name := range []string{"no-plugins", "inprocess-plugin"} {
		b.Run(name, func(b *testing.B) {
			for _, kv := range os.Environ() {
				if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "WANDB_") {
					b.Setenv(k, "")
				}
			}
			b.Setenv("WANDB_CONFIG_DIR", b.TempDir())
			opts := []wandb.Option{wandb.WithDir(b.TempDir()), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
				wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithPluginHostOptions(host.WithQueueSize(1 << 24))}
			if name == "inprocess-plugin" {
				opts = append(opts, wandb.WithInProcessPlugin(&counter{}))
			}
			run, err := wandb.Init(context.Background(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer run.Finish(0)
			b.ReportAllocs()
			i := int64(0)
			for b.Loop() {
				run.Observe("loss", i, 0.5)
				i++
			}
		})
	}
}

func TestHasPlugin(t *testing.T) {
	var nilRun *wandb.Run
	if nilRun.HasPlugin("x") || nilRun.Plugins() != nil {
		t.Fatal("a nil run has plugins")
	}
	p := &spy{}
	run, _ := start(t, wandb.WithInProcessPlugin(p))
	name := p.Manifest().Name
	if !run.HasPlugin(name) || run.HasPlugin("not-"+name) || len(run.Plugins()) != 1 {
		t.Fatalf("HasPlugin(%q) = %v, plugins %+v", name, run.HasPlugin(name), run.Plugins())
	}
	plain, _ := start(t, wandb.WithReinit(wandb.ReinitCreateNew))
	if plain.HasPlugin(name) {
		t.Fatal("a run without plugins has one")
	}
}
