package wandb_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/runconfig"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/settings"
	"github.com/gowandb/wandb/core/wal"
	"github.com/gowandb/wandb/core/wjson"
)

// ---------------------------------------------------------------------------
// Helpers

// isolate keeps the user's environment and global settings file out of a
// test: every WANDB_* variable is emptied (an empty value counts as unset)
// and WANDB_CONFIG_DIR points at an empty directory.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
}

// warnings collects a run's warnings. Runs warn from background work too
// (metadata), so it is safe for concurrent use.
type warnings struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *warnings) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *warnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func (w *warnings) Len() int { return len(w.String()) }

// initIn starts a run rooted at dir with the test defaults (no signal
// handler, warnings into the returned buffer, a new run beside any active
// one) and finishes it when the test ends. opts come last and win.
func initIn(t *testing.T, dir string, opts ...wandb.Option) (*wandb.Run, *warnings) {
	t.Helper()
	run, buf, err := tryInitIn(t, dir, opts...)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return run, buf
}

func tryInitIn(t *testing.T, dir string, opts ...wandb.Option) (*wandb.Run, *warnings, error) {
	t.Helper()
	buf := &warnings{}
	all := append([]wandb.Option{
		wandb.WithDir(dir),
		wandb.WithSignalHandler(false),
		wandb.WithWarnings(buf),
		wandb.WithReinit(wandb.ReinitCreateNew),
	}, opts...)
	run, err := wandb.Init(context.Background(), all...)
	if run != nil {
		t.Cleanup(func() { _ = run.Finish(0) })
	}
	return run, buf, err
}

// start starts an offline run in a fresh temporary directory.
func start(t *testing.T, opts ...wandb.Option) (*wandb.Run, *warnings) {
	t.Helper()
	isolate(t)
	return initIn(t, t.TempDir(), append([]wandb.Option{wandb.WithMode(wandb.ModeOffline)}, opts...)...)
}

func finish(t *testing.T, run *wandb.Run) {
	t.Helper()
	if err := run.Finish(0); err != nil {
		t.Fatalf("Finish: %v", err)
	}
}

// replay reads the run log back.
func replay(t *testing.T, run *wandb.Run) (*runlog.Info, []map[string]any) {
	t.Helper()
	var rows []map[string]any
	info, err := runlog.Replay(run.LogPath(), func(r runlog.Row) error {
		rows = append(rows, r.Map())
		return nil
	})
	if err != nil {
		t.Fatalf("runlog.Replay: %v", err)
	}
	return info, rows
}

func history(t *testing.T, run *wandb.Run) []map[string]any {
	t.Helper()
	rows, err := run.History(context.Background())
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return rows
}

// summaryFile decodes files/wandb-summary.json (NaN and ±Inf tokens allowed).
func summaryFile(t *testing.T, run *wandb.Run) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(run.Dir(), "wandb-summary.json"))
	if err != nil {
		t.Fatalf("wandb-summary.json: %v", err)
	}
	x, err := wjson.Decode(b)
	if err != nil {
		t.Fatalf("wandb-summary.json %s: %v", b, err)
	}
	m, ok := x.(map[string]any)
	if !ok {
		t.Fatalf("wandb-summary.json is %T, want an object", x)
	}
	return m
}

func configFile(t *testing.T, run *wandb.Run) map[string]any {
	t.Helper()
	m, err := runconfig.FromYAMLFile(filepath.Join(run.Dir(), "config.yaml"))
	if err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	return m
}

// countRecords counts the records of each type in a run log.
func countRecords(t *testing.T, path string) map[string]int {
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
	counts := map[string]int{}
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		name := reflect.TypeOf(rec.RecordType).Elem().Name() // Record_Exit, ...
		counts[strings.TrimPrefix(name, "Record_")]++
	}
	return counts
}

func get(t *testing.T, c *wandb.Config, key string) any {
	t.Helper()
	v, ok := c.Get(key)
	if !ok {
		t.Fatalf("config %q not set; config = %v", key, c.Map())
	}
	return v
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want errors.Is(err, %v)", err, target)
	}
}

func wantContains(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q does not contain %q", s, sub)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// 1. Init options

func TestInitOptionsReachRunAndLog(t *testing.T) {
	run, _ := start(t,
		wandb.WithProject("proj"),
		wandb.WithEntity("team"),
		wandb.WithJobType("eval"),
		wandb.WithGroup("fold-group"),
		wandb.WithName("my-run"),
		wandb.WithNotes("line one\nline two"),
		wandb.WithTags("a", "b"),
		wandb.WithID("abc12345"),
	)
	checks := []struct{ name, got, want string }{
		{"Project", run.Project(), "proj"},
		{"Entity", run.Entity(), "team"},
		{"JobType", run.JobType(), "eval"},
		{"Group", run.Group(), "fold-group"},
		{"Name", run.Name(), "my-run"},
		{"Notes", run.Notes(), "line one\nline two"},
		{"ID", run.ID(), "abc12345"},
		{"Path", run.Path(), "team/proj/abc12345"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if got := run.Tags(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Tags = %q", got)
	}
	s := run.Settings()
	for _, key := range []string{"project", "entity", "run_job_type", "run_group", "run_name", "run_notes", "run_id", "run_tags", "root_dir", "mode"} {
		if s.Sources[key] != settings.SourceInit {
			t.Errorf("Sources[%q] = %q, want init", key, s.Sources[key])
		}
	}
	finish(t, run)

	info, _ := replay(t, run)
	if info.Project != "proj" || info.Entity != "team" || info.JobType != "eval" || info.Group != "fold-group" ||
		info.Name != "my-run" || info.Notes != "line one\nline two" || info.ID != "abc12345" || !slices.Equal(info.Tags, []string{"a", "b"}) {
		t.Errorf("run record = %+v", info)
	}
	if info.State() != runlog.StateFinished {
		t.Errorf("state = %s, want finished", info.State())
	}
	if _, err := os.Stat(filepath.Join(run.Dir(), "wandb-metadata.json")); err != nil {
		t.Errorf("wandb-metadata.json after Finish: %v", err)
	}
	if !slices.Contains(info.Files, "wandb-metadata.json") {
		t.Errorf("run log files = %q, want wandb-metadata.json", info.Files)
	}
	if n := countRecords(t, run.LogPath())["Environment"]; n != 1 {
		t.Errorf("%d environment records, want 1", n)
	}
}

func TestInitDirHoldsTheRun(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	run, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline))
	if got, want := filepath.Dir(run.SyncDir()), filepath.Join(dir, "wandb"); got != want {
		t.Errorf("SyncDir parent = %s, want %s", got, want)
	}
	if got := run.Settings().RootDir; got != dir {
		t.Errorf("Settings().RootDir = %s, want %s", got, dir)
	}
	if _, err := os.Stat(run.LogPath()); err != nil {
		t.Errorf("run log: %v", err)
	}
	if !strings.HasPrefix(run.LogPath(), run.SyncDir()) || filepath.Base(run.LogPath()) != "run-"+run.ID()+".wandb" {
		t.Errorf("LogPath = %s", run.LogPath())
	}
}

type hyper struct {
	LR      float64 `wandb:"lr"`
	Batch   int     `json:"batch_size"`
	Layers  int
	Ignored string `wandb:"-"`
	private int
}

func TestInitConfigForms(t *testing.T) {
	isolate(t)
	files := t.TempDir()
	plain := filepath.Join(files, "plain.yaml")
	writeFile(t, plain, "lr: 0.02\nlayers: 4\nopt:\n  name: adam\n")
	legacy := filepath.Join(files, "legacy.yaml")
	writeFile(t, legacy, "wandb_version: 1\n\nlr:\n  desc: null\n  value: 0.03\nlayers:\n  desc: depth\n  value: 5\n")
	wrapped := filepath.Join(files, "wrapped.yaml")
	writeFile(t, wrapped, "_wandb:\n    value:\n        cli_version: 0.1\nlr:\n    value: 0.04\nlayers:\n    value: 6\n")

	newFlags := func() *flag.FlagSet {
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		fs.Float64("lr", 0.1, "")
		fs.Int("layers", 2, "")
		fs.String("act", "relu", "")
		fs.Duration("timeout", time.Minute, "")
		if err := fs.Parse([]string{"-lr=0.5", "-layers", "3"}); err != nil {
			t.Fatal(err)
		}
		return fs
	}

	tests := []struct {
		name   string
		config any
		want   map[string]any
	}{
		{"map", map[string]any{"lr": 0.01, "layers": 2}, map[string]any{"lr": 0.01, "layers": int64(2)}},
		{"struct", hyper{LR: 0.1, Batch: 64, Layers: 3, Ignored: "x", private: 1},
			map[string]any{"lr": 0.1, "batch_size": int64(64), "Layers": int64(3)}},
		{"pointer to struct", &hyper{LR: 0.2, Batch: 8, Layers: 1},
			map[string]any{"lr": 0.2, "batch_size": int64(8), "Layers": int64(1)}},
		{"flag set", newFlags(),
			map[string]any{"lr": 0.5, "layers": int64(3), "act": "relu", "timeout": "1m0s"}},
		{"plain yaml", plain, map[string]any{"lr": 0.02, "layers": int64(4), "opt": map[string]any{"name": "adam"}}},
		{"legacy wrapped yaml", legacy, map[string]any{"lr": 0.03, "layers": int64(5)}},
		{"core wrapped yaml", wrapped, map[string]any{"lr": 0.04, "layers": int64(6)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _ := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline), wandb.WithConfig(tt.config))
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range tt.want {
					if !yield(k) {
						return
					}
				}
			})
			if got := run.Config().Keys(); !slices.Equal(got, keys) {
				t.Errorf("Keys = %q, want %q", got, keys)
			}
			for k, want := range tt.want {
				if got := get(t, run.Config(), k); !reflect.DeepEqual(got, want) {
					t.Errorf("config %q = %#v, want %#v", k, got, want)
				}
			}
			finish(t, run)
			fromFile := configFile(t, run)
			info, _ := replay(t, run)
			for k, want := range tt.want {
				if got := fromFile[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("config.yaml %q = %#v, want %#v", k, got, want)
				}
				if got := info.Config[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("run log config %q = %#v, want %#v", k, got, want)
				}
			}
			if w, _ := info.Config["_wandb"].(map[string]any); w["cli_version"] != nil {
				t.Errorf("the YAML file's _wandb leaked into the run's config: %v", info.Config["_wandb"])
			}
		})
	}
}

func TestInitConfigBadSources(t *testing.T) {
	isolate(t)
	tests := []struct {
		name   string
		config any
	}{
		{"missing yaml file", filepath.Join(t.TempDir(), "nope.yaml")},
		{"not a struct", 42},
		{"channel in a map", map[string]any{"c": make(chan int)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			run, _, err := tryInitIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithConfig(tt.config))
			if err == nil || run != nil {
				t.Fatalf("Init = %v, %v; want an error", run, err)
			}
			wantContains(t, err.Error(), "config")
			if _, err := os.Stat(filepath.Join(dir, "wandb")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused Init created %s/wandb", dir)
			}
		})
	}
}

func TestInitConfigLaterWins(t *testing.T) {
	run, _ := start(t,
		wandb.WithConfig(map[string]any{"lr": 0.1, "a": 1}),
		wandb.WithConfig(map[string]any{"lr": 0.2, "b": 2}),
	)
	if got := get(t, run.Config(), "lr"); got != 0.2 {
		t.Errorf("lr = %v, want the later 0.2", got)
	}
	if got := run.Config().Keys(); !slices.Equal(got, []string{"a", "b", "lr"}) {
		t.Errorf("Keys = %q", got)
	}
}

func TestInitConfigDefaultsFile(t *testing.T) {
	isolate(t)
	cwd := t.TempDir()
	writeFile(t, filepath.Join(cwd, "config-defaults.yaml"), "lr:\n  desc: learning rate\n  value: 0.1\nbatch:\n  value: 32\n")
	t.Chdir(cwd)

	run, _ := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline), wandb.WithConfig(map[string]any{"lr": 0.5, "epochs": 3}))
	want := map[string]any{"lr": 0.5, "batch": int64(32), "epochs": int64(3)}
	for k, v := range want {
		if got := get(t, run.Config(), k); got != v {
			t.Errorf("config %q = %#v, want %#v", k, got, v)
		}
	}

	// Without WithConfig the defaults are the whole config.
	run2, _ := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline))
	if got := run2.Config().Map(); !reflect.DeepEqual(got, map[string]any{"lr": 0.1, "batch": int64(32)}) {
		t.Errorf("config = %v, want the defaults", got)
	}
}

func TestInitConfigDefaultsFileBroken(t *testing.T) {
	isolate(t)
	cwd := t.TempDir()
	writeFile(t, filepath.Join(cwd, "config-defaults.yaml"), "lr: [unclosed\n")
	t.Chdir(cwd)
	_, _, err := tryInitIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline))
	if err == nil {
		t.Fatal("Init with a malformed config-defaults.yaml succeeded")
	}
	wantContains(t, err.Error(), "config-defaults.yaml")
}

func TestInitConfigIncludeExcludeKeys(t *testing.T) {
	cfg := map[string]any{"a": 1, "b": 2, "c": 3}
	tests := []struct {
		name string
		opts []wandb.Option
		want []string
	}{
		{"none", nil, []string{"a", "b", "c"}},
		{"include", []wandb.Option{wandb.WithConfigIncludeKeys("a", "c")}, []string{"a", "c"}},
		{"exclude", []wandb.Option{wandb.WithConfigExcludeKeys("b")}, []string{"a", "c"}},
		{"include wins over exclude", []wandb.Option{wandb.WithConfigIncludeKeys("a"), wandb.WithConfigExcludeKeys("a", "b")}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _ := start(t, append([]wandb.Option{wandb.WithConfig(cfg)}, tt.opts...)...)
			if got := run.Config().Keys(); !slices.Equal(got, tt.want) {
				t.Errorf("Keys = %q, want %q", got, tt.want)
			}
			finish(t, run)
			info, _ := replay(t, run)
			for _, k := range []string{"a", "b", "c"} {
				_, inLog := info.Config[k]
				if inLog != slices.Contains(tt.want, k) {
					t.Errorf("run log has %q = %v, want %v", k, inLog, !inLog)
				}
			}
		})
	}
}

func TestInitModeOffline(t *testing.T) {
	run, buf := start(t, wandb.WithMode(wandb.ModeOffline))
	if run.Mode() != wandb.ModeOffline || !run.Offline() || run.Disabled() {
		t.Errorf("Mode = %s, Offline = %v, Disabled = %v", run.Mode(), run.Offline(), run.Disabled())
	}
	if buf.Len() != 0 {
		t.Errorf("unexpected warnings: %s", buf)
	}
}

func TestInitModeAliases(t *testing.T) {
	// "dryrun" is W&B's old name for offline.
	run, buf := start(t, wandb.WithMode("dryrun"))
	if run.Mode() != wandb.ModeOffline || strings.Contains(buf.String(), "online") {
		t.Errorf("dryrun: Mode = %s, warnings %q", run.Mode(), buf)
	}
}

func TestInitAllowValChange(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprint(allow), func(t *testing.T) {
			run, _ := start(t, wandb.WithAllowValChange(allow), wandb.WithConfig(map[string]any{"lr": 0.1}))
			if run.Settings().AllowValChange != allow {
				t.Errorf("Settings().AllowValChange = %v", run.Settings().AllowValChange)
			}
			err := run.Config().Set("lr", 0.2)
			want := 0.1
			if allow {
				want = 0.2
				if err != nil {
					t.Fatalf("Set with allow_val_change: %v", err)
				}
			} else if _, ok := errors.AsType[*wandb.ConfigValueChangeError](err); !ok {
				t.Fatalf("Set without allow_val_change = %v, want a *ConfigValueChangeError", err)
			}
			if got := get(t, run.Config(), "lr"); got != want {
				t.Errorf("lr = %v, want %v", got, want)
			}
		})
	}
}

func TestInitFsyncInterval(t *testing.T) {
	for _, d := range []time.Duration{0, 250 * time.Millisecond, 3 * time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			run, _ := start(t, wandb.WithFsyncInterval(d))
			s := run.Settings()
			if s.FsyncInterval != d || s.Sources["fsync_interval"] != settings.SourceInit {
				t.Errorf("FsyncInterval = %v (%s), want %v (init)", s.FsyncInterval, s.Sources["fsync_interval"], d)
			}
			// Whatever the interval, Flush makes the rows readable.
			if err := run.Log(map[string]any{"x": 1}); err != nil {
				t.Fatal(err)
			}
			if err := run.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, rows := replay(t, run); len(rows) != 1 {
				t.Errorf("rows after Flush = %d, want 1", len(rows))
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		run, _ := start(t)
		if got := run.Settings().FsyncInterval; got != settings.DefaultFsyncInterval {
			t.Errorf("default FsyncInterval = %v", got)
		}
	})
}

func TestInitSaveCode(t *testing.T) {
	run, buf := start(t, wandb.WithSaveCode(true), wandb.WithConfig(map[string]any{"lr": 0.1}))
	if strings.Contains(buf.String(), "save_code") {
		t.Fatalf("save_code warned: %s", buf)
	}
	// This file called Init, and the test runs in its directory.
	want, err := os.ReadFile("api_test.go")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(run.Dir(), "code", "api_test.go"))
	if err != nil {
		t.Fatalf("saved code: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("files/code/api_test.go is not a copy of the calling file")
	}
	if v, _ := run.Config().GetPath("_wandb", "code_path"); v != "code/api_test.go" {
		t.Errorf("config _wandb.code_path = %#v, want code/api_test.go", v)
	}
	if keys := run.Config().Keys(); !slices.Equal(keys, []string{"lr"}) {
		t.Errorf("Keys = %q; _wandb must be hidden", keys)
	}
	finish(t, run)
	info, _ := replay(t, run)
	if w, _ := info.Config["_wandb"].(map[string]any); w["code_path"] != "code/api_test.go" {
		t.Errorf("run log config _wandb = %#v", info.Config["_wandb"])
	}

	t.Run("off by default", func(t *testing.T) {
		run, _ := start(t)
		if _, err := os.Stat(filepath.Join(run.Dir(), "code")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("files/code exists without save_code: %v", err)
		}
		if _, ok := run.Config().GetPath("_wandb", "code_path"); ok {
			t.Error("_wandb.code_path set without save_code")
		}
	})
}

func TestInitAnonymousIsANoOp(t *testing.T) {
	for _, mode := range []string{"allow", "must", "never"} {
		t.Run(mode, func(t *testing.T) {
			run, buf := start(t, wandb.WithAnonymous(mode), wandb.WithProject("p"))
			if run.Project() != "p" || run.Entity() != "" || buf.Len() != 0 {
				t.Errorf("anonymous %q changed the run: project %q entity %q warnings %q", mode, run.Project(), run.Entity(), buf)
			}
		})
	}
}

func TestInitIntegrationFlagsInSettings(t *testing.T) {
	run, _ := start(t, wandb.WithMagic(true), wandb.WithSyncTensorboard(true), wandb.WithMonitorGym(true))
	s := run.Settings()
	if !s.SyncTensorboard || s.Sources["sync_tensorboard"] != settings.SourceInit {
		t.Errorf("sync_tensorboard = %v (%s)", s.SyncTensorboard, s.Sources["sync_tensorboard"])
	}
	if !s.MonitorGym || s.Sources["monitor_gym"] != settings.SourceInit {
		t.Errorf("monitor_gym = %v (%s)", s.MonitorGym, s.Sources["monitor_gym"])
	}
	// Settings has no magic key (W&B removed magic, wandb-behaviour.md §9.4);
	// WithMagic is accepted, and a map or JSON string is accepted too.
	for _, m := range []any{map[string]any{"keras": true}, `{"keras": true}`, false} {
		if _, _, err := tryInitIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline), wandb.WithMagic(m)); err != nil {
			t.Errorf("WithMagic(%#v): %v", m, err)
		}
	}

	t.Run("off by default", func(t *testing.T) {
		run, _ := start(t)
		if s := run.Settings(); s.SyncTensorboard || s.MonitorGym {
			t.Errorf("sync_tensorboard %v monitor_gym %v by default", s.SyncTensorboard, s.MonitorGym)
		}
	})
}

func TestInitSettingsIsACopy(t *testing.T) {
	run, _ := start(t, wandb.WithProject("p"))
	s := run.Settings()
	s.Project = "changed"
	s.Sources["project"] = settings.SourceDefault
	if got := run.Settings(); got.Project != "p" || got.Sources["project"] != settings.SourceInit {
		t.Errorf("Settings() shares memory with the run: %s (%s)", got.Project, got.Sources["project"])
	}
}

func TestInitCanceledContext(t *testing.T) {
	isolate(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	run, err := wandb.Init(ctx, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard))
	if run != nil {
		t.Cleanup(func() { _ = run.Finish(0) })
	}
	wantErr(t, err, context.Canceled)
}

// ---------------------------------------------------------------------------
// 2. Validation

func TestInitValidation(t *testing.T) {
	isolate(t)
	tests := []struct {
		name string
		opt  wandb.Option
		key  string // the setting named by the error
		rule string
	}{
		{"project with slash", wandb.WithProject("a/b"), "project", `must not contain any of / \ # ? % :`},
		{"project with colon", wandb.WithProject("a:b"), "project", `must not contain any of / \ # ? % :`},
		{"project too long", wandb.WithProject(strings.Repeat("p", 129)), "project", "must be at most 128 characters"},
		{"id with colon", wandb.WithID("ab:cd"), "run_id", `must not contain any of : ; , # ? / '`},
		{"id with semicolon", wandb.WithID("ab;cd"), "run_id", `must not contain any of : ; , # ? / '`},
		{"id with leading space", wandb.WithID(" abcd"), "run_id", "must not start or end with whitespace"},
		{"id with trailing space", wandb.WithID("abcd\t"), "run_id", "must not start or end with whitespace"},
		{"blank id", wandb.WithID("   "), "run_id", "must not be blank"},
		{"tag over 64 chars", wandb.WithTags("ok", strings.Repeat("t", 65)), "run_tags", "each tag must be 1 to 64 characters"},
		{"empty tag", wandb.WithTags("ok", ""), "run_tags", "each tag must be 1 to 64 characters"},
		{"bad mode", wandb.WithMode("sometimes"), "mode", "must be one of online, offline, disabled"},
		{"bad resume", wandb.WithResume("perhaps"), "resume", "must be one of allow, must, never, auto"},
		{"bad console", wandb.WithConsole("tee"), "console", "must be one of off, wrap, redirect"},
		{"negative fsync", wandb.WithFsyncInterval(-time.Second), "fsync_interval", "must not be negative"},
		{"bad settings value", wandb.WithSettings(map[string]string{"silent": "maybe"}), "silent", "must be true/false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			run, _, err := tryInitIn(t, dir, wandb.WithMode(wandb.ModeOffline), tt.opt)
			if run != nil {
				t.Fatalf("Init accepted it: run %s", run.ID())
			}
			wantErr(t, err, wandb.ErrInvalidSetting)
			ve, ok := errors.AsType[*settings.ValueError](err)
			if !ok {
				t.Fatalf("err = %v, want a *settings.ValueError inside", err)
			}
			if ve.Key != tt.key {
				t.Errorf("ValueError.Key = %q, want %q", ve.Key, tt.key)
			}
			wantContains(t, err.Error(), tt.key, tt.rule)
			if _, err := os.Stat(filepath.Join(dir, "wandb")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused Init created %s/wandb", dir)
			}
		})
	}

	t.Run("unknown settings key", func(t *testing.T) {
		_, _, err := tryInitIn(t, t.TempDir(), wandb.WithSettings(map[string]string{"no_such_setting": "1"}))
		wantErr(t, err, wandb.ErrInvalidSetting)
		wantErr(t, err, settings.ErrUnknownKey)
		wantContains(t, err.Error(), "no_such_setting")
	})

	t.Run("limits are inclusive", func(t *testing.T) {
		run, _ := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline),
			wandb.WithProject(strings.Repeat("p", 128)), wandb.WithTags(strings.Repeat("t", 64), "x"))
		if len(run.Project()) != 128 || len(run.Tags()) != 2 {
			t.Errorf("project %d chars, tags %q", len(run.Project()), run.Tags())
		}
	})
}

// ---------------------------------------------------------------------------
// 3. Precedence

func TestSettingsPrecedence(t *testing.T) {
	const file = "[default]\nproject = from-file\nentity = file-team\nrun_group = file-group\nmode = offline\n"
	tests := []struct {
		name       string
		env        bool
		settings   bool
		explicit   bool
		wantProj   string
		wantSource settings.Source
	}{
		{"workspace file", false, false, false, "from-file", settings.SourceWorkspaceFile},
		{"env over file", true, false, false, "from-env", settings.SourceEnvironment},
		{"WithSettings over env", true, true, false, "from-settings", settings.SourceInit},
		{"option over WithSettings", true, true, true, "explicit", settings.SourceInit},
		{"option over file", false, false, true, "explicit", settings.SourceInit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			dir := t.TempDir()
			writeFile(t, settings.WorkspacePath(dir), file)
			var opts []wandb.Option
			if tt.env {
				t.Setenv("WANDB_PROJECT", "from-env")
				t.Setenv("WANDB_ENTITY", "env-team")
			}
			if tt.settings {
				opts = append(opts, wandb.WithSettings(map[string]string{"project": "from-settings"}))
			}
			if tt.explicit {
				opts = append(opts, wandb.WithProject("explicit"))
			}
			run, buf := initIn(t, dir, opts...)
			if run.Project() != tt.wantProj {
				t.Errorf("Project = %q, want %q", run.Project(), tt.wantProj)
			}
			s := run.Settings()
			if s.Sources["project"] != tt.wantSource {
				t.Errorf("Sources[project] = %q, want %q", s.Sources["project"], tt.wantSource)
			}
			// Keys set only lower down keep their value and source.
			if run.Group() != "file-group" || s.Sources["run_group"] != settings.SourceWorkspaceFile {
				t.Errorf("group %q from %q", run.Group(), s.Sources["run_group"])
			}
			wantEntity, wantEntitySrc := "file-team", settings.SourceWorkspaceFile
			if tt.env {
				wantEntity, wantEntitySrc = "env-team", settings.SourceEnvironment
			}
			if run.Entity() != wantEntity || s.Sources["entity"] != wantEntitySrc {
				t.Errorf("entity %q from %q, want %q from %q", run.Entity(), s.Sources["entity"], wantEntity, wantEntitySrc)
			}
			// mode = offline in the file: no fallback warning.
			if run.Mode() != wandb.ModeOffline || s.Sources["mode"] != settings.SourceWorkspaceFile || buf.Len() != 0 {
				t.Errorf("mode %s from %s, warnings %q", run.Mode(), s.Sources["mode"], buf)
			}
			if s.Sources["sync_tensorboard"] != settings.SourceDefault {
				t.Errorf("Sources[sync_tensorboard] = %q, want default", s.Sources["sync_tensorboard"])
			}
		})
	}
}

func TestSettingsGlobalFileBelowWorkspaceFile(t *testing.T) {
	isolate(t)
	global := t.TempDir()
	t.Setenv("WANDB_CONFIG_DIR", global)
	writeFile(t, filepath.Join(global, "settings"), "[default]\nproject = global-proj\nentity = global-team\nmode = offline\n")
	dir := t.TempDir()
	writeFile(t, settings.WorkspacePath(dir), "[default]\nproject = workspace-proj\n")
	run, buf := initIn(t, dir)
	s := run.Settings()
	if run.Project() != "workspace-proj" || s.Sources["project"] != settings.SourceWorkspaceFile {
		t.Errorf("project %q from %q", run.Project(), s.Sources["project"])
	}
	if run.Entity() != "global-team" || s.Sources["entity"] != settings.SourceGlobalFile {
		t.Errorf("entity %q from %q", run.Entity(), s.Sources["entity"])
	}
	if run.Mode() != wandb.ModeOffline || buf.Len() != 0 {
		t.Errorf("mode %s, warnings %q", run.Mode(), buf)
	}
}

func TestSettingsFileErrorsNameTheLine(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	writeFile(t, settings.WorkspacePath(dir), "[default]\nmode = offline\nproject = bad/name\n")
	_, _, err := tryInitIn(t, dir)
	wantErr(t, err, wandb.ErrInvalidSetting)
	wantContains(t, err.Error(), "project", "settings:3")
}

func TestSettingsFromEnvironment(t *testing.T) {
	t.Run("WANDB_MODE=disabled", func(t *testing.T) {
		isolate(t)
		t.Setenv("WANDB_MODE", "disabled")
		dir := t.TempDir()
		run, _ := initIn(t, dir)
		if run.Mode() != wandb.ModeDisabled || !run.Disabled() || run.Settings().Sources["mode"] != settings.SourceEnvironment {
			t.Errorf("Mode = %s, Disabled = %v", run.Mode(), run.Disabled())
		}
	})
	t.Run("WANDB_TAGS", func(t *testing.T) {
		isolate(t)
		t.Setenv("WANDB_TAGS", "x, y ,,z")
		run, _ := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline))
		if got := run.Tags(); !slices.Equal(got, []string{"x", "y", "z"}) {
			t.Errorf("Tags = %q", got)
		}
		if src := run.Settings().Sources["run_tags"]; src != settings.SourceEnvironment {
			t.Errorf("Sources[run_tags] = %q", src)
		}
		// WithTags replaces them.
		run2, _ := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline), wandb.WithTags("only"))
		if got := run2.Tags(); !slices.Equal(got, []string{"only"}) {
			t.Errorf("Tags with WithTags = %q", got)
		}
	})
	t.Run("special names", func(t *testing.T) {
		isolate(t)
		dir := t.TempDir()
		t.Setenv("WANDB_DIR", dir)
		t.Setenv("WANDB_NAME", "env-name")
		t.Setenv("WANDB_NOTES", "env-notes")
		t.Setenv("WANDB_JOB_TYPE", "env-job")
		t.Setenv("WANDB_RUN_GROUP", "env-group")
		t.Setenv("WANDB_RUN_ID", "envid123")
		t.Setenv("WANDB_MODE", "offline")
		buf := &warnings{}
		run, err := wandb.Init(context.Background(), wandb.WithSignalHandler(false), wandb.WithWarnings(buf), wandb.WithReinit(wandb.ReinitCreateNew))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = run.Finish(0) })
		if run.Name() != "env-name" || run.Notes() != "env-notes" || run.JobType() != "env-job" || run.Group() != "env-group" || run.ID() != "envid123" {
			t.Errorf("run = %q %q %q %q %q", run.Name(), run.Notes(), run.JobType(), run.Group(), run.ID())
		}
		if !strings.HasPrefix(run.SyncDir(), filepath.Join(dir, "wandb")+string(filepath.Separator)) {
			t.Errorf("SyncDir %s not under WANDB_DIR %s", run.SyncDir(), dir)
		}
	})
	t.Run("bad env value names the variable", func(t *testing.T) {
		isolate(t)
		t.Setenv("WANDB_RUN_ID", "a/b")
		_, _, err := tryInitIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline))
		wantErr(t, err, wandb.ErrInvalidSetting)
		wantContains(t, err.Error(), "run_id", "WANDB_RUN_ID")
	})
	t.Run("silent mutes warnings", func(t *testing.T) {
		isolate(t)
		t.Setenv("WANDB_SILENT", "true")
		run, buf := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOnline))
		if run.Mode() != wandb.ModeOffline || buf.Len() != 0 {
			t.Errorf("silent: mode %s, warnings %q", run.Mode(), buf)
		}
	})
}

// ---------------------------------------------------------------------------
// 4. Online mode

func TestOnlineFallsBackToOffline(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []wandb.Option
	}{
		{"explicit", []wandb.Option{wandb.WithMode(wandb.ModeOnline)}},
		{"alias run", []wandb.Option{wandb.WithMode("run")}},
		{"default", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			run, buf := initIn(t, t.TempDir(), tt.opts...)
			if run.Mode() != wandb.ModeOffline || !run.Offline() {
				t.Errorf("Mode = %s, want offline", run.Mode())
			}
			if !strings.HasPrefix(filepath.Base(run.SyncDir()), "offline-run-") {
				t.Errorf("SyncDir = %s", run.SyncDir())
			}
			w := buf.String()
			wantContains(t, w, "WARNING", "online", "offline")
			if n := strings.Count(w, "\n"); n != 1 {
				t.Errorf("%d warning lines, want 1: %q", n, w)
			}
		})
	}
}

func TestOnlineWithForceFails(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	run, buf, err := tryInitIn(t, dir, wandb.WithMode(wandb.ModeOnline), wandb.WithForce(true))
	if run != nil {
		t.Fatalf("Init returned run %s", run.ID())
	}
	wantErr(t, err, wandb.ErrOnlineUnavailable)
	if buf.Len() != 0 {
		t.Errorf("warnings %q", buf)
	}
	if _, err := os.Stat(filepath.Join(dir, "wandb")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a failed Init left a wandb directory")
	}
	// force has nothing to do offline.
	if _, _, err := tryInitIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline), wandb.WithForce(true)); err != nil {
		t.Errorf("offline with force: %v", err)
	}
}

// ---------------------------------------------------------------------------
// 5. Run properties

var (
	idRE   = regexp.MustCompile(`^[a-z0-9]{8}$`)
	nameRE = regexp.MustCompile(`^[a-z]+-[a-z]+-([1-9][0-9]?|100)$`)
)

func TestRunProperties(t *testing.T) {
	before := time.Now()
	run, _ := start(t, wandb.WithProject("proj"), wandb.WithGroup("g"))
	after := time.Now()

	if !idRE.MatchString(run.ID()) {
		t.Errorf("ID = %q, want 8 of [a-z0-9]", run.ID())
	}
	if !nameRE.MatchString(run.Name()) {
		t.Errorf("Name = %q, want adjective-noun-N", run.Name())
	}
	if run.Path() != "proj/"+run.ID() {
		t.Errorf("Path = %q", run.Path())
	}
	if run.Dir() != filepath.Join(run.SyncDir(), "files") {
		t.Errorf("Dir = %s, SyncDir = %s", run.Dir(), run.SyncDir())
	}
	if st, err := os.Stat(run.Dir()); err != nil || !st.IsDir() {
		t.Errorf("Dir: %v", err)
	}
	base := filepath.Base(run.SyncDir())
	if !strings.HasPrefix(base, "offline-run-") || !strings.HasSuffix(base, "-"+run.ID()) {
		t.Errorf("SyncDir = %s", base)
	}
	if st := run.StartTime(); st.Before(before) || st.After(after) {
		t.Errorf("StartTime %v not within [%v, %v]", st, before, after)
	}
	if run.StartingStep() != 0 || run.Resumed() || run.Step() != 0 {
		t.Errorf("StartingStep %d Resumed %v Step %d", run.StartingStep(), run.Resumed(), run.Step())
	}
	if run.Mode() != wandb.ModeOffline || !run.Offline() || run.Disabled() {
		t.Errorf("Mode %s", run.Mode())
	}
	if run.Group() != "g" || run.Project() != "proj" || run.Entity() != "" || run.JobType() != "" || run.SweepID() != "" {
		t.Errorf("group %q project %q entity %q", run.Group(), run.Project(), run.Entity())
	}
	for name, u := range map[string]string{"URL": run.URL(), "GetURL": run.GetURL(), "GetProjectURL": run.GetProjectURL(), "GetSweepURL": run.GetSweepURL()} {
		if u != "" {
			t.Errorf("%s = %q offline, want \"\"", name, u)
		}
	}
	if run.Summary() == nil || run.Config() == nil {
		t.Fatal("nil Summary or Config")
	}
	if rows := history(t, run); len(rows) != 0 {
		t.Errorf("History before any Log = %v", rows)
	}
	if err := run.Log(map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	if run.Step() != 1 {
		t.Errorf("Step after one Log = %d", run.Step())
	}
	if rows := history(t, run); len(rows) != 1 || rows[0]["x"] != int64(1) {
		t.Errorf("History = %v", rows)
	}
	if v, _ := run.Summary().Get("x"); v != int64(1) {
		t.Errorf("Summary x = %v", v)
	}
}

func TestRunPathWithEntity(t *testing.T) {
	run, _ := start(t, wandb.WithEntity("team"), wandb.WithProject("proj"), wandb.WithID("run00001"))
	if run.Path() != "team/proj/run00001" {
		t.Errorf("Path = %q", run.Path())
	}
	if run.GetProjectURL() != "" || run.URL() != "" {
		t.Errorf("URLs offline with an entity: %q %q", run.GetProjectURL(), run.URL())
	}
}

func TestRunIDsAndNamesDiffer(t *testing.T) {
	ids, names := map[string]bool{}, map[string]bool{}
	for range 5 {
		run, _ := start(t)
		ids[run.ID()] = true
		names[run.Name()] = true
	}
	if len(ids) != 5 {
		t.Errorf("5 runs got %d distinct ids", len(ids))
	}
	if len(names) < 2 {
		t.Errorf("5 runs got the same generated name %v", names)
	}
}

func TestRunSetNameNotesTags(t *testing.T) {
	run, _ := start(t, wandb.WithName("first"), wandb.WithTags("t0"))
	if err := run.SetName("second"); err != nil {
		t.Fatal(err)
	}
	if err := run.SetNotes("some notes"); err != nil {
		t.Fatal(err)
	}
	if err := run.SetTags("x", "y"); err != nil {
		t.Fatal(err)
	}
	if run.Name() != "second" || run.Notes() != "some notes" || !slices.Equal(run.Tags(), []string{"x", "y"}) {
		t.Errorf("after Set: %q %q %q", run.Name(), run.Notes(), run.Tags())
	}
	err := run.SetTags("ok", strings.Repeat("z", 65))
	wantErr(t, err, wandb.ErrInvalidSetting)
	wantContains(t, err.Error(), "64")
	wantErr(t, run.SetTags(""), wandb.ErrInvalidSetting)
	if err := run.SetTags(strings.Repeat("ü", 64)); err != nil {
		t.Errorf("64 two-byte characters: %v", err)
	}
	if err := run.SetTags("x", "y"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(run.Tags(), []string{"x", "y"}) {
		t.Errorf("a refused SetTags changed the tags to %q", run.Tags())
	}
	tags := run.Tags()
	tags[0] = "mutated"
	if run.Tags()[0] != "x" {
		t.Error("Tags() returns the run's own slice")
	}
	finish(t, run)
	info, _ := replay(t, run)
	if info.Name != "second" || info.Notes != "some notes" || !slices.Equal(info.Tags, []string{"x", "y"}) {
		t.Errorf("run log: name %q notes %q tags %q", info.Name, info.Notes, info.Tags)
	}
	if n := countRecords(t, run.LogPath())["Run"]; n != 6 {
		t.Errorf("%d run records, want 6 (Init + 5 changes)", n)
	}
}

// ---------------------------------------------------------------------------
// 6. The package-level default run

func TestDefaultRun(t *testing.T) {
	isolate(t)
	if r := wandb.CurrentRun(); r != nil {
		t.Fatalf("a run leaked from another test: %s", r.ID())
	}
	ctx := context.Background()
	wantErr(t, wandb.Log(map[string]any{"x": 1}), wandb.ErrNotInitialized)
	wantErr(t, wandb.Finish(0), wandb.ErrNotInitialized)
	wantErr(t, wandb.DefineMetric("x"), wandb.ErrNotInitialized)
	wantErr(t, wandb.Flush(ctx), wandb.ErrNotInitialized)
	if wandb.CurrentConfig() != nil || wandb.CurrentSummary() != nil {
		t.Error("CurrentConfig/CurrentSummary not nil before Init")
	}
	wantErr(t, wandb.CurrentConfig().Set("lr", 0.1), wandb.ErrNotInitialized)
	wantErr(t, wandb.CurrentConfig().Update(map[string]any{"lr": 0.1}), wandb.ErrNotInitialized)
	wantErr(t, wandb.CurrentSummary().Set("x", 1), wandb.ErrNotInitialized)
	if _, ok := wandb.CurrentConfig().Get("lr"); ok || wandb.CurrentConfig().Keys() != nil {
		t.Error("nil Config reads something")
	}

	buf := &warnings{}
	run, err := wandb.Init(ctx, wandb.WithDir(t.TempDir()), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false), wandb.WithWarnings(buf))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })
	if wandb.CurrentRun() != run {
		t.Fatal("CurrentRun() is not the run Init returned")
	}
	if err := wandb.Log(map[string]any{"loss": 0.5}); err != nil {
		t.Fatal(err)
	}
	if err := wandb.CurrentConfig().Set("lr", 0.1); err != nil {
		t.Fatal(err)
	}
	if err := wandb.DefineMetric("loss", wandb.SummaryOf("min")); err != nil {
		t.Fatal(err)
	}
	if err := wandb.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if rows := history(t, run); len(rows) != 1 || rows[0]["loss"] != 0.5 {
		t.Errorf("History = %v", rows)
	}
	if v := get(t, run.Config(), "lr"); v != 0.1 {
		t.Errorf("lr = %v", v)
	}
	if wandb.CurrentSummary() != run.Summary() {
		t.Error("CurrentSummary is not the run's")
	}

	if err := wandb.Finish(0); err != nil {
		t.Fatal(err)
	}
	if r := wandb.CurrentRun(); r != nil {
		t.Errorf("CurrentRun after Finish = %s", r.ID())
	}
	wantErr(t, wandb.Log(map[string]any{"x": 1}), wandb.ErrNotInitialized)

	// Calls on the finished run.
	wantErr(t, run.Log(map[string]any{"x": 1}), wandb.ErrRunFinished)
	wantErr(t, run.Config().Set("b", 1), wandb.ErrRunFinished)
	wantErr(t, run.Config().Remove("lr"), wandb.ErrRunFinished)
	wantErr(t, run.Config().SetPath([]string{"a", "b"}, 1), wandb.ErrRunFinished)
	wantErr(t, run.Config().SetDefaults(map[string]any{"c": 1}), wandb.ErrRunFinished)
	wantErr(t, run.Summary().Set("x", 1), wandb.ErrRunFinished)
	wantErr(t, run.Summary().Update(map[string]any{"x": 1}), wandb.ErrRunFinished)
	wantErr(t, run.DefineMetric("y"), wandb.ErrRunFinished)
	wantErr(t, run.Flush(ctx), wandb.ErrRunFinished)
	wantErr(t, run.SetName("late"), wandb.ErrRunFinished)
	wantErr(t, run.SetNotes("late"), wandb.ErrRunFinished)
	wantErr(t, run.SetTags("late"), wandb.ErrRunFinished)
	// Reading still works.
	if v, _ := run.Summary().Get("loss"); !reflect.DeepEqual(v, map[string]any{"min": 0.5}) {
		t.Errorf("summary loss after Finish = %v", v)
	}
	if rows := history(t, run); len(rows) != 1 {
		t.Errorf("History after Finish = %v", rows)
	}

	// Finish is idempotent.
	before := countRecords(t, run.LogPath())
	if err := run.Finish(0); err != nil {
		t.Errorf("second Finish = %v", err)
	}
	if err := run.Finish(1); err != nil {
		t.Errorf("third Finish = %v", err)
	}
	after := countRecords(t, run.LogPath())
	if after["Exit"] != 1 || !reflect.DeepEqual(before, after) {
		t.Errorf("records after repeated Finish = %v, before %v", after, before)
	}
	info, _ := replay(t, run)
	if info.ExitCode != 0 || info.State() != runlog.StateFinished {
		t.Errorf("a later Finish(1) changed the exit code: %d %s", info.ExitCode, info.State())
	}
}

func TestNilRun(t *testing.T) {
	var run *wandb.Run
	wantErr(t, run.Log(map[string]any{"x": 1}), wandb.ErrNotInitialized)
	wantErr(t, run.Finish(0), wandb.ErrNotInitialized)
	wantErr(t, run.DefineMetric("x"), wandb.ErrNotInitialized)
	wantErr(t, run.Flush(context.Background()), wandb.ErrNotInitialized)
	wantErr(t, run.SetName("x"), wandb.ErrNotInitialized)
	if _, err := run.History(context.Background()); !errors.Is(err, wandb.ErrNotInitialized) {
		t.Errorf("History = %v", err)
	}
	if run.ID() != "" || run.Name() != "" || run.Path() != "" || run.Dir() != "" || run.URL() != "" || run.Config() != nil || run.Summary() != nil || run.Settings() != nil {
		t.Error("a nil run reports something")
	}
}

func TestFinishExitCode(t *testing.T) {
	for _, tt := range []struct {
		code  int
		state string
	}{{0, runlog.StateFinished}, {1, runlog.StateFailed}, {255, runlog.StateFailed}} {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			run, _ := start(t)
			if err := run.Finish(tt.code); err != nil {
				t.Fatal(err)
			}
			info, _ := replay(t, run)
			if !info.Exited || int(info.ExitCode) != tt.code || info.State() != tt.state || info.InUse {
				t.Errorf("exited %v code %d state %s in use %v", info.Exited, info.ExitCode, info.State(), info.InUse)
			}
		})
	}
}

func TestJoinIsFinish(t *testing.T) {
	run, _ := start(t)
	if err := run.Log(map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	if err := run.Join(3); err != nil {
		t.Fatal(err)
	}
	wantErr(t, run.Log(map[string]any{"x": 2}), wandb.ErrRunFinished)
	info, rows := replay(t, run)
	if !info.Exited || info.ExitCode != 3 || len(rows) != 1 {
		t.Errorf("after Join(3): exited %v code %d rows %d", info.Exited, info.ExitCode, len(rows))
	}
	if err := run.Finish(0); err != nil {
		t.Errorf("Finish after Join = %v", err)
	}
	if n := countRecords(t, run.LogPath())["Exit"]; n != 1 {
		t.Errorf("%d exit records", n)
	}
}

func TestFinishContextHonoursContext(t *testing.T) {
	run, _ := start(t)
	if err := run.FinishContext(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if info, _ := replay(t, run); info.State() != runlog.StateFinished {
		t.Errorf("state %s", info.State())
	}
}

// ---------------------------------------------------------------------------
// 7. Reinit

func TestReinit(t *testing.T) {
	isolate(t)
	ctx := context.Background()
	if r := wandb.CurrentRun(); r != nil {
		t.Fatalf("a run leaked from another test: %s", r.ID())
	}
	dir := t.TempDir()
	newRun := func(opts ...wandb.Option) (*wandb.Run, error) {
		opts = append([]wandb.Option{wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard)}, opts...)
		r, err := wandb.Init(ctx, opts...)
		if r != nil {
			t.Cleanup(func() { _ = r.Finish(0) })
		}
		return r, err
	}
	first, err := newRun(wandb.WithName("first"), wandb.WithConfig(map[string]any{"a": 1}))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("default returns the previous run", func(t *testing.T) {
		for _, mode := range []wandb.Reinit{wandb.ReinitDefault, wandb.ReinitReturnPrevious} {
			again, err := newRun(wandb.WithReinit(mode), wandb.WithName("second"), wandb.WithConfig(map[string]any{"a": 2}))
			if err != nil {
				t.Fatal(err)
			}
			if again != first || first.Name() != "first" || get(t, first.Config(), "a") != int64(1) {
				t.Errorf("reinit %q: got run %q named %q", mode, again.ID(), again.Name())
			}
		}
	})

	t.Run("resume must with an active run", func(t *testing.T) {
		_, err := newRun(wandb.WithResume(wandb.ResumeMust), wandb.WithID(first.ID()))
		wantErr(t, err, wandb.ErrInvalidSetting)
		wantContains(t, err.Error(), "must", first.ID())
	})

	t.Run("bad reinit", func(t *testing.T) {
		_, err := newRun(wandb.WithReinit("sometimes"))
		wantErr(t, err, wandb.ErrInvalidSetting)
		wantContains(t, err.Error(), "sometimes")
	})

	var third *wandb.Run
	t.Run("create new keeps both", func(t *testing.T) {
		var err error
		third, err = newRun(wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithName("third"))
		if err != nil {
			t.Fatal(err)
		}
		if third == first || third.ID() == first.ID() {
			t.Fatal("create_new returned the first run")
		}
		if wandb.CurrentRun() != first {
			t.Error("create_new changed the default run")
		}
		if err := first.Log(map[string]any{"x": 1}); err != nil {
			t.Errorf("first run: %v", err)
		}
		if err := third.Log(map[string]any{"y": 1}); err != nil {
			t.Errorf("third run: %v", err)
		}
	})

	t.Run("finish previous", func(t *testing.T) {
		fourth, err := newRun(wandb.WithReinit(wandb.ReinitFinishPrevious), wandb.WithName("fourth"))
		if err != nil {
			t.Fatal(err)
		}
		if fourth == first || fourth.Name() != "fourth" {
			t.Fatalf("got %q", fourth.Name())
		}
		if wandb.CurrentRun() != fourth {
			t.Error("the new run is not the default run")
		}
		wantErr(t, first.Log(map[string]any{"x": 2}), wandb.ErrRunFinished)
		if info, _ := replay(t, first); !info.Exited || info.ExitCode != 0 {
			t.Errorf("previous run: exited %v code %d", info.Exited, info.ExitCode)
		}
		// A run made with create_new is not the default run, so it stays.
		if third != nil {
			if err := third.Log(map[string]any{"y": 2}); err != nil {
				t.Errorf("create_new run was finished too: %v", err)
			}
		}
		if err := fourth.Finish(0); err != nil {
			t.Fatal(err)
		}
		if wandb.CurrentRun() != nil {
			t.Error("CurrentRun after finishing the default run")
		}
	})
}

// ---------------------------------------------------------------------------
// 8. Resume

// firstRun logs rows 0..2 (loss 3, 2, 1) and config a=1, b=2 into dir and
// finishes with exitCode.
func firstRun(t *testing.T, dir string, exitCode int, opts ...wandb.Option) *wandb.Run {
	t.Helper()
	opts = append([]wandb.Option{wandb.WithMode(wandb.ModeOffline), wandb.WithConfig(map[string]any{"a": 1, "b": 2}),
		wandb.WithName("original"), wandb.WithTags("old"), wandb.WithNotes("old notes")}, opts...)
	run, _ := initIn(t, dir, opts...)
	for i := range 3 {
		if err := run.Log(map[string]any{"loss": float64(3 - i), "epoch": i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Summary().Set("best", 0.9); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(exitCode); err != nil {
		t.Fatal(err)
	}
	return run
}

func TestResumeNoneStartsOver(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	old := firstRun(t, dir, 0, wandb.WithID("reuse001"))
	run, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("reuse001"), wandb.WithConfig(map[string]any{"c": 3}))
	if run.SyncDir() == old.SyncDir() {
		t.Error("the run reused the old run directory")
	}
	if run.Resumed() || run.StartingStep() != 0 || run.Step() != 0 {
		t.Errorf("Resumed %v StartingStep %d Step %d", run.Resumed(), run.StartingStep(), run.Step())
	}
	if keys := run.Config().Keys(); !slices.Equal(keys, []string{"c"}) {
		t.Errorf("config keys %q: the old config was merged", keys)
	}
	if run.Name() == "original" {
		t.Error("the old name was inherited")
	}
	if _, ok := run.Summary().Get("loss"); ok {
		t.Error("the old summary was inherited")
	}
	// The old run is untouched.
	if info, rows := replay(t, old); len(rows) != 3 || info.State() != runlog.StateFinished {
		t.Errorf("old run: %d rows, %s", len(rows), info.State())
	}
}

func TestResumeContinues(t *testing.T) {
	for _, mode := range []wandb.Resume{wandb.ResumeAllow, wandb.ResumeMust, "true"} {
		t.Run(string(mode), func(t *testing.T) {
			isolate(t)
			dir := t.TempDir()
			old := firstRun(t, dir, 0, wandb.WithID("resume01"))
			run, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("resume01"), wandb.WithResume(mode),
				wandb.WithConfig(map[string]any{"b": 2, "c": 3}))
			if !run.Resumed() || run.StartingStep() != 3 || run.Step() != 3 {
				t.Errorf("Resumed %v StartingStep %d Step %d, want true 3 3", run.Resumed(), run.StartingStep(), run.Step())
			}
			if run.SyncDir() == old.SyncDir() {
				t.Error("resume wrote into the old run directory")
			}
			want := map[string]any{"a": int64(1), "b": int64(2), "c": int64(3)}
			if got := run.Config().Map(); !reflect.DeepEqual(got, want) {
				t.Errorf("config = %v, want %v", got, want)
			}
			if run.Name() != "original" || run.Notes() != "old notes" || !slices.Equal(run.Tags(), []string{"old"}) {
				t.Errorf("inherited name %q notes %q tags %q", run.Name(), run.Notes(), run.Tags())
			}
			if v, _ := run.Summary().Get("loss"); v != 1.0 {
				t.Errorf("summary loss = %v, want the old run's 1", v)
			}
			if v, _ := run.Summary().Get("best"); v != 0.9 {
				t.Errorf("summary best = %v, want the old run's 0.9", v)
			}
			if err := run.Log(map[string]any{"loss": 0.5}); err != nil {
				t.Fatal(err)
			}
			if err := run.Log(map[string]any{"loss": 0.25}); err != nil {
				t.Fatal(err)
			}
			rows := history(t, run)
			if len(rows) != 2 || rows[0]["_step"] != int64(3) || rows[1]["_step"] != int64(4) {
				t.Errorf("new rows = %v, want steps 3 and 4", rows)
			}
			oldInfo, _ := replay(t, old)
			if rt, _ := rows[0]["_runtime"].(float64); rt < oldInfo.LastRuntime {
				t.Errorf("_runtime %v does not continue from the old run's %v", rows[0]["_runtime"], oldInfo.LastRuntime)
			}
			// A config change on the resumed run follows the usual rule.
			if _, ok := errors.AsType[*wandb.ConfigValueChangeError](run.Config().Set("a", 5)); !ok {
				t.Error("changing an inherited config key was allowed")
			}
			finish(t, run)
			info, _ := replay(t, run)
			if !info.Resumed || info.StartingStep != 3 || info.LastStep != 4 || info.ID != "resume01" {
				t.Errorf("run log: resumed %v starting %d last %d", info.Resumed, info.StartingStep, info.LastStep)
			}
			s := summaryFile(t, run)
			if s["loss"] != 0.25 || s["epoch"] != int64(2) || s["best"] != 0.9 {
				t.Errorf("wandb-summary.json = %v", s)
			}
			if cfg := configFile(t, run); !reflect.DeepEqual(cfg, want) {
				t.Errorf("config.yaml = %v", cfg)
			}
		})
	}
}

func TestResumeGivenTagsAndNotesWin(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	firstRun(t, dir, 0, wandb.WithID("resume02"))
	run, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("resume02"), wandb.WithResume(wandb.ResumeAllow),
		wandb.WithTags("new"), wandb.WithNotes("new notes"), wandb.WithName("renamed"))
	if !slices.Equal(run.Tags(), []string{"new"}) || run.Notes() != "new notes" || run.Name() != "renamed" {
		t.Errorf("tags %q notes %q name %q", run.Tags(), run.Notes(), run.Name())
	}
}

func TestResumeAllowWithoutRunStartsNew(t *testing.T) {
	run, _ := start(t, wandb.WithID("fresh001"), wandb.WithResume(wandb.ResumeAllow))
	if run.Resumed() || run.StartingStep() != 0 || run.ID() != "fresh001" {
		t.Errorf("Resumed %v StartingStep %d ID %s", run.Resumed(), run.StartingStep(), run.ID())
	}
}

func TestResumeMustWithoutRun(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	// Another id exists; it does not count.
	firstRun(t, dir, 0, wandb.WithID("other001"))
	_, _, err := tryInitIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("missing1"), wandb.WithResume(wandb.ResumeMust))
	wantErr(t, err, wandb.ErrRunNotFound)
	wantContains(t, err.Error(), "missing1", "must")
}

func TestResumeNever(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	firstRun(t, dir, 0, wandb.WithID("never001"))
	_, _, err := tryInitIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("never001"), wandb.WithResume(wandb.ResumeNever))
	wantErr(t, err, wandb.ErrRunExists)
	wantContains(t, err.Error(), "never001", "never")

	run, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("never002"), wandb.WithResume(wandb.ResumeNever))
	if run.Resumed() {
		t.Error("never with a new id resumed")
	}
}

func TestResumeAuto(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	resumeFile := filepath.Join(dir, "wandb", "wandb-resume.json")

	crashed := firstRun(t, dir, 1, wandb.WithResume(wandb.ResumeAuto))
	if id, ok := rundir.ReadResume(dir); !ok || id != crashed.ID() {
		t.Fatalf("after Finish(1): wandb-resume.json has %q, %v; want %q", id, ok, crashed.ID())
	}
	// A later Finish(0) changes nothing: the first Finish decided.
	if err := crashed.Finish(0); err != nil {
		t.Fatal(err)
	}
	if _, ok := rundir.ReadResume(dir); !ok {
		t.Fatal("a second Finish(0) removed wandb-resume.json")
	}

	resumed, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithResume(wandb.ResumeAuto))
	if resumed.ID() != crashed.ID() || !resumed.Resumed() || resumed.StartingStep() != 3 {
		t.Fatalf("auto: id %s resumed %v starting %d; want %s true 3", resumed.ID(), resumed.Resumed(), resumed.StartingStep(), crashed.ID())
	}
	if got := get(t, resumed.Config(), "a"); got != int64(1) {
		t.Errorf("config a = %v", got)
	}
	if _, err := os.Stat(resumeFile); err != nil {
		t.Errorf("wandb-resume.json while the resumed run is active: %v", err)
	}
	finish(t, resumed)
	if _, err := os.Stat(resumeFile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("wandb-resume.json after Finish(0): %v", err)
	}

	fresh, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithResume(wandb.ResumeAuto))
	if fresh.ID() == crashed.ID() || fresh.Resumed() || fresh.StartingStep() != 0 {
		t.Errorf("after a clean exit auto resumed: id %s resumed %v", fresh.ID(), fresh.Resumed())
	}
}

// copyCrashedRun copies the run directory of a live run (flushed, no exit
// record) into <dir>/wandb, as a process killed at that point leaves it:
// same files, no lock held on the log. latest-run and wandb-resume.json
// point at it.
func copyCrashedRun(t *testing.T, live *wandb.Run, dir string) {
	t.Helper()
	if err := live.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "wandb", filepath.Base(live.SyncDir()))
	if err := os.CopyFS(target, os.DirFS(live.SyncDir())); err != nil {
		t.Fatal(err)
	}
	if err := rundir.SetLatest(dir, target); err != nil {
		t.Fatal(err)
	}
	if err := rundir.WriteResume(dir, live.ID()); err != nil {
		t.Fatal(err)
	}
	info, err := runlog.Replay(rundir.Run{Dir: target, ID: live.ID()}.LogPath(), nil)
	if err != nil || info.State() != runlog.StateCrashed {
		t.Fatalf("the copy is not a crashed run: %v %v", info, err)
	}
}

func TestResumeAutoAfterCrash(t *testing.T) {
	isolate(t)
	live, _ := initIn(t, t.TempDir(), wandb.WithMode(wandb.ModeOffline), wandb.WithConfig(map[string]any{"lr": 0.1}))
	for i := range 4 {
		if err := live.Log(map[string]any{"loss": float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	copyCrashedRun(t, live, dir)

	t.Run("a new run is told about the crash", func(t *testing.T) {
		run, buf := initIn(t, dir, wandb.WithMode(wandb.ModeOffline))
		if run.Resumed() {
			t.Error("a run without resume resumed")
		}
		wantContains(t, buf.String(), live.ID(), "crashed")
		// The crashed run's latest-run link moved on; put it back.
		copyBack := filepath.Join(dir, "wandb", filepath.Base(live.SyncDir()))
		if err := rundir.SetLatest(dir, copyBack); err != nil {
			t.Fatal(err)
		}
	})

	run, buf := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithResume(wandb.ResumeAuto))
	if run.ID() != live.ID() || !run.Resumed() || run.StartingStep() != 4 {
		t.Fatalf("id %s resumed %v starting %d; want %s true 4", run.ID(), run.Resumed(), run.StartingStep(), live.ID())
	}
	if get(t, run.Config(), "lr") != 0.1 {
		t.Errorf("config = %v", run.Config().Map())
	}
	if v, _ := run.Summary().Get("loss"); v != 3.0 {
		t.Errorf("summary loss = %v, want the crashed run's last 3", v)
	}
	if strings.Contains(buf.String(), "crashed") {
		t.Errorf("resume auto warned about the run it resumes: %q", buf)
	}
}

func TestResumeAutoIgnoresFileWithExplicitID(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	crashed := firstRun(t, dir, 1, wandb.WithResume(wandb.ResumeAuto))
	run, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithResume(wandb.ResumeAuto), wandb.WithID("explicit"))
	if run.ID() != "explicit" || run.Resumed() {
		t.Errorf("id %s resumed %v; the explicit id must win over %s", run.ID(), run.Resumed(), crashed.ID())
	}
}

func TestResumeWhileRunActiveElsewhere(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	active, _ := initIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("busy0001"))
	_, _, err := tryInitIn(t, dir, wandb.WithMode(wandb.ModeOffline), wandb.WithID("busy0001"), wandb.WithResume(wandb.ResumeAllow))
	wantErr(t, err, wandb.ErrInvalidSetting)
	wantContains(t, err.Error(), "busy0001", "still running")
	if err := active.Log(map[string]any{"x": 1}); err != nil {
		t.Errorf("the active run was disturbed: %v", err)
	}
}

// ---------------------------------------------------------------------------
// 9. Config API

func TestConfigAPI(t *testing.T) {
	run, _ := start(t, wandb.WithConfig(map[string]any{"lr": 0.01}))
	c := run.Config()
	if err := c.Set("--epochs", 10); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(map[string]any{"batch": 32, "opt": map[string]any{"name": "adam", "beta": 0.9}}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPath([]string{"opt", "eps"}, 1e-8); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPath([]string{"sched", "kind"}, "cosine"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetDefaults(map[string]any{"lr": 99.0, "seed": 7}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetPath([]string{"_wandb", "note"}, "internal"); err != nil {
		t.Fatal(err)
	}

	if got := c.Keys(); !slices.Equal(got, []string{"batch", "epochs", "lr", "opt", "sched", "seed"}) {
		t.Errorf("Keys = %q", got)
	}
	if c.Len() != 6 {
		t.Errorf("Len = %d", c.Len())
	}
	if get(t, c, "lr") != 0.01 || get(t, c, "seed") != int64(7) || get(t, c, "epochs") != int64(10) {
		t.Errorf("SetDefaults or key sanitising: %v", c.Map())
	}
	if v, ok := c.GetPath("opt", "eps"); !ok || v != 1e-8 {
		t.Errorf("opt.eps = %v", v)
	}
	if v, ok := c.GetPath("opt", "name"); !ok || v != "adam" {
		t.Errorf("opt.name = %v (SetPath must keep sibling leaves)", v)
	}
	if _, ok := c.GetPath("opt", "missing"); ok {
		t.Error("GetPath of a missing leaf found something")
	}
	if m := c.Map(); m["_wandb"] == nil {
		t.Errorf("Map hides _wandb: %v", m)
	}
	// Get returns copies.
	opt, _ := c.Get("opt")
	opt.(map[string]any)["name"] = "sgd"
	if v, _ := c.GetPath("opt", "name"); v != "adam" {
		t.Error("Get returned the config's own map")
	}

	if err := c.Remove("batch"); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("batch"); ok {
		t.Error("Remove left the key")
	}
	if err := c.Remove("never-set"); err != nil {
		t.Errorf("Remove of a missing key = %v", err)
	}

	// Flush brings the run log, config.yaml and wandb-summary.json up to date.
	if err := run.Log(map[string]any{"m": 1.5}); err != nil {
		t.Fatal(err)
	}
	if err := run.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"lr": 0.01, "epochs": int64(10), "seed": int64(7),
		"opt":   map[string]any{"name": "adam", "beta": 0.9, "eps": 1e-8},
		"sched": map[string]any{"kind": "cosine"},
	}
	info, _ := replay(t, run)
	delete(info.Config, "_wandb")
	if !reflect.DeepEqual(info.Config, want) {
		t.Errorf("run log config = %v\nwant %v", info.Config, want)
	}
	if got := configFile(t, run); !reflect.DeepEqual(got, want) {
		t.Errorf("config.yaml after Flush = %v\nwant %v", got, want)
	}
	raw, err := os.ReadFile(filepath.Join(run.Dir(), "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	wantContains(t, string(raw), "_wandb:", "lr:\n    value: 0.01")
	if sum := summaryFile(t, run); sum["m"] != 1.5 {
		t.Errorf("wandb-summary.json after Flush = %v", sum)
	}
}

func TestConfigValueChange(t *testing.T) {
	run, _ := start(t, wandb.WithConfig(map[string]any{"lr": 0.01, "opt": map[string]any{"name": "adam"}}))
	c := run.Config()

	err := c.Update(map[string]any{"lr": 0.02, "fresh": 1})
	cve, ok := errors.AsType[*wandb.ConfigValueChangeError](err)
	if !ok {
		t.Fatalf("err = %v, want a *ConfigValueChangeError", err)
	}
	if cve.Key != "lr" || cve.Old != 0.01 || cve.New != 0.02 {
		t.Errorf("error key %q old %v new %v", cve.Key, cve.Old, cve.New)
	}
	wantContains(t, err.Error(), `"lr"`, "0.01", "0.02", "allow_val_change")
	if _, ok := c.Get("fresh"); ok {
		t.Error("part of a refused update was applied")
	}
	if get(t, c, "lr") != 0.01 {
		t.Error("a refused update changed lr")
	}

	// Nested leaves follow the same rule; new leaves are fine.
	_, ok = errors.AsType[*wandb.ConfigValueChangeError](c.SetPath([]string{"opt", "name"}, "sgd"))
	if !ok {
		t.Error("changing opt.name was allowed")
	}
	if err := c.SetPath([]string{"opt", "lr"}, 0.1); err != nil {
		t.Errorf("adding a leaf: %v", err)
	}
	// Setting the same value again is not a change.
	if err := c.Set("lr", 0.01); err != nil {
		t.Errorf("same value: %v", err)
	}

	if err := c.UpdateAllowValChange(map[string]any{"lr": 0.03, "fresh": 1}); err != nil {
		t.Fatal(err)
	}
	if get(t, c, "lr") != 0.03 || get(t, c, "fresh") != int64(1) {
		t.Errorf("UpdateAllowValChange: %v", c.Map())
	}
	if err := c.SetAllowValChange("lr", 0.04); err != nil {
		t.Fatal(err)
	}
	finish(t, run)
	info, _ := replay(t, run)
	if info.Config["lr"] != 0.04 || info.Config["fresh"] != int64(1) {
		t.Errorf("run log config = %v", info.Config)
	}
	if got := configFile(t, run); got["lr"] != 0.04 {
		t.Errorf("config.yaml after Finish = %v", got)
	}
}

func TestConfigBadValues(t *testing.T) {
	run, _ := start(t)
	c := run.Config()
	for name, v := range map[string]any{"chan": make(chan int), "func": func() {}, "complex": 1i} {
		if err := c.Set(name, v); err == nil {
			t.Errorf("Set(%s) accepted it", name)
		} else {
			wantContains(t, err.Error(), name)
		}
		if _, ok := c.Get(name); ok {
			t.Errorf("a refused %s was stored", name)
		}
	}
	if err := c.Set("--", 1); err == nil {
		t.Error("a key that is empty after sanitising was accepted")
	}
	if err := c.SetPath(nil, 1); err == nil {
		t.Error("SetPath with an empty path succeeded")
	}
}

// ---------------------------------------------------------------------------
// 10. Log

func TestLogBasicUsage(t *testing.T) {
	// wandb.log({'accuracy': 0.9, 'epoch': 5})
	run, _ := start(t)
	before := time.Now()
	if err := run.Log(map[string]any{"accuracy": 0.9, "epoch": 5}); err != nil {
		t.Fatal(err)
	}
	rows := history(t, run)
	if len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
	r := rows[0]
	if r["accuracy"] != 0.9 || r["epoch"] != int64(5) || r["_step"] != int64(0) {
		t.Errorf("row = %v", r)
	}
	ts, _ := r["_timestamp"].(float64)
	if ts < float64(before.Unix())-1 || ts > float64(time.Now().Unix())+1 {
		t.Errorf("_timestamp = %v", r["_timestamp"])
	}
	if rt, ok := r["_runtime"].(float64); !ok || rt < 0 {
		t.Errorf("_runtime = %v", r["_runtime"])
	}
	if len(r) != 5 {
		t.Errorf("row has %d keys: %v", len(r), r)
	}
	if v, _ := run.Summary().Get("accuracy"); v != 0.9 {
		t.Errorf("summary accuracy = %v", v)
	}
	// A user _step is ignored; a user _timestamp is kept.
	if err := run.Log(map[string]any{"_step": 100, "_timestamp": 12345.5, "x": 1}); err != nil {
		t.Fatal(err)
	}
	rows = history(t, run)
	if rows[1]["_step"] != int64(1) || rows[1]["_timestamp"] != 12345.5 {
		t.Errorf("row = %v", rows[1])
	}
}

func TestLogIncremental(t *testing.T) {
	// wandb.log({'loss': 0.2}, commit=False); wandb.log({'accuracy': 0.8})
	run, _ := start(t)
	if err := run.Log(map[string]any{"loss": 0.2}, wandb.Commit(false)); err != nil {
		t.Fatal(err)
	}
	if run.Step() != 0 {
		t.Errorf("Step after Commit(false) = %d", run.Step())
	}
	if rows := history(t, run); len(rows) != 0 {
		t.Errorf("the pending row is in History: %v", rows)
	}
	if err := run.Log(map[string]any{"loss": 0.3}, wandb.Commit(false)); err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"accuracy": 0.8}); err != nil {
		t.Fatal(err)
	}
	rows := history(t, run)
	if len(rows) != 1 || rows[0]["loss"] != 0.3 || rows[0]["accuracy"] != 0.8 || rows[0]["_step"] != int64(0) {
		t.Errorf("rows = %v", rows)
	}
	if run.Step() != 1 {
		t.Errorf("Step = %d", run.Step())
	}
	// Commit(true) on its own commits the pending values.
	if err := run.Log(map[string]any{"a": 1}, wandb.Commit(false)); err != nil {
		t.Fatal(err)
	}
	if err := run.Log(nil, wandb.Commit(true)); err != nil {
		t.Fatal(err)
	}
	if rows := history(t, run); len(rows) != 2 || rows[1]["a"] != int64(1) || rows[1]["_step"] != int64(1) {
		t.Errorf("rows = %v", rows)
	}
	// An empty commit only advances the step.
	if err := run.Log(nil); err != nil {
		t.Fatal(err)
	}
	if rows := history(t, run); len(rows) != 2 || run.Step() != 3 {
		t.Errorf("empty commit: %d rows, step %d", len(rows), run.Step())
	}
	// Finish commits a pending row.
	if err := run.Log(map[string]any{"last": true}, wandb.Commit(false)); err != nil {
		t.Fatal(err)
	}
	finish(t, run)
	rows = history(t, run)
	if len(rows) != 3 || rows[2]["last"] != true || rows[2]["_step"] != int64(3) {
		t.Errorf("rows after Finish = %v", rows)
	}
}

func TestLogHistogram(t *testing.T) {
	// wandb.log({"gradients": wandb.Histogram(numpy_array_or_sequence)})
	run, _ := start(t)
	h, err := wandb.NewHistogram([]float64{0, 1, 1, 2, 2, 2, math.NaN()}, 3)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]float64, 100)
	for i := range big {
		big[i] = float64(i)
	}
	if err := run.Log(map[string]any{"gradients": h, "weights": big, "small": []float64{1, 2, 3}, "ints": make([]int, 33)}); err != nil {
		t.Fatal(err)
	}
	row := history(t, run)[0]
	g, _ := row["gradients"].(map[string]any)
	if g["_type"] != "histogram" || !reflect.DeepEqual(g["values"], []any{int64(1), int64(2), int64(3)}) {
		t.Errorf("gradients = %v", row["gradients"])
	}
	if bins, _ := g["bins"].([]any); len(bins) != 4 || bins[0] != 0.0 || bins[3] != 2.0 {
		t.Errorf("bins = %v", g["bins"])
	}
	w, _ := row["weights"].(map[string]any)
	values, _ := w["values"].([]any)
	bins, _ := w["bins"].([]any)
	if w["_type"] != "histogram" || len(values) != 32 || len(bins) != 33 {
		t.Fatalf("a 100-element slice = %v, want a 32-bin histogram", row["weights"])
	}
	total := int64(0)
	for _, v := range values {
		total += v.(int64)
	}
	if total != 100 || bins[0] != 0.0 || bins[32] != 99.0 {
		t.Errorf("auto histogram counts %d, range %v..%v", total, bins[0], bins[32])
	}
	if !reflect.DeepEqual(row["small"], []any{1.0, 2.0, 3.0}) {
		t.Errorf("a 3-element slice = %v, want a list", row["small"])
	}
	if ih, _ := row["ints"].(map[string]any); ih["_type"] != "histogram" {
		t.Errorf("a 33-element []int = %v", row["ints"])
	}

	if _, err := wandb.NewHistogram([]float64{1}, 0); err == nil {
		t.Error("0 bins accepted")
	}
	if _, err := wandb.NewHistogram([]float64{1}, 513); err == nil {
		t.Error("513 bins accepted")
	}
	fromCounts, err := wandb.NewHistogramFromCounts([]float64{1, 2}, []float64{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"np": fromCounts}); err != nil {
		t.Fatal(err)
	}
	if _, err := wandb.NewHistogramFromCounts([]float64{1, 2}, []float64{0, 1}); err == nil {
		t.Error("bins of the wrong length accepted")
	}
}

func TestLogNested(t *testing.T) {
	// wandb.log({'dataset-1': {'acc': 0.9, 'loss': 0.3}, 'dataset-2': {'acc': 0.8, 'loss': 0.2}})
	run, _ := start(t)
	data := map[string]any{
		"dataset-1": map[string]any{"acc": 0.9, "loss": 0.3},
		"dataset-2": map[string]any{"acc": 0.8, "loss": 0.2},
	}
	if err := run.Log(data); err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"dataset-1": map[string]any{"acc": 0.95}, "deep": map[string]any{"a": map[string]any{"b": 1}}}); err != nil {
		t.Fatal(err)
	}
	rows := history(t, run)
	for k, v := range data {
		if !reflect.DeepEqual(rows[0][k], v) {
			t.Errorf("row 0 %q = %v, want %v", k, rows[0][k], v)
		}
	}
	if !reflect.DeepEqual(rows[1]["deep"], map[string]any{"a": map[string]any{"b": int64(1)}}) {
		t.Errorf("deep = %v", rows[1]["deep"])
	}
	finish(t, run)
	s := summaryFile(t, run)
	want := map[string]any{
		"dataset-1": map[string]any{"acc": 0.95, "loss": 0.3},
		"dataset-2": map[string]any{"acc": 0.8, "loss": 0.2},
		"deep":      map[string]any{"a": map[string]any{"b": int64(1)}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(s[k], v) {
			t.Errorf("wandb-summary.json %q = %v, want %v", k, s[k], v)
		}
	}
}

func TestLogStep(t *testing.T) {
	run, _ := start(t)
	log := func(data map[string]any, opts ...wandb.LogOption) {
		t.Helper()
		if err := run.Log(data, opts...); err != nil {
			t.Fatal(err)
		}
	}
	// Step(n) past the current step moves to n without committing.
	log(map[string]any{"a": 1}, wandb.Step(5))
	if run.Step() != 5 || len(history(t, run)) != 0 {
		t.Errorf("after Step(5): step %d, rows %d", run.Step(), len(history(t, run)))
	}
	// The same step accumulates; a later value of a key wins.
	log(map[string]any{"b": 2}, wandb.Step(5))
	log(map[string]any{"a": 3}, wandb.Step(5))
	// A plain log commits step 5.
	log(map[string]any{"c": 4})
	rows := history(t, run)
	if len(rows) != 1 || rows[0]["_step"] != int64(5) || rows[0]["a"] != int64(3) || rows[0]["b"] != int64(2) || rows[0]["c"] != int64(4) {
		t.Fatalf("rows = %v", rows)
	}
	if run.Step() != 6 {
		t.Errorf("Step = %d, want 6", run.Step())
	}
	// A higher step commits the pending one.
	log(map[string]any{"x": 1}, wandb.Step(7))
	log(map[string]any{"x": 2}, wandb.Step(9))
	rows = history(t, run)
	if len(rows) != 2 || rows[1]["_step"] != int64(7) || rows[1]["x"] != int64(1) {
		t.Errorf("rows = %v", rows)
	}
	// Step with Commit(true) commits at once.
	log(map[string]any{"y": 1}, wandb.Step(9), wandb.Commit(true))
	rows = history(t, run)
	if len(rows) != 3 || rows[2]["_step"] != int64(9) || rows[2]["x"] != int64(2) || rows[2]["y"] != int64(1) || run.Step() != 10 {
		t.Errorf("rows = %v, step %d", rows, run.Step())
	}
	// The current step itself is fine.
	log(map[string]any{"z": 1}, wandb.Step(10))
	if run.DroppedSteps() != 0 {
		t.Errorf("DroppedSteps = %d", run.DroppedSteps())
	}
}

func TestLogLowerStepDropped(t *testing.T) {
	run, buf := start(t)
	for i := range 3 {
		if err := run.Log(map[string]any{"x": i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Log(map[string]any{"x": 99, "y": 1}, wandb.Step(1)); err != nil {
		t.Errorf("non-strict lower step = %v, want nil", err)
	}
	wantContains(t, buf.String(), "WARNING", "step 1", "less than the current step 3")
	if run.DroppedSteps() != 1 || run.Step() != 3 {
		t.Errorf("DroppedSteps %d Step %d", run.DroppedSteps(), run.Step())
	}
	if err := run.Log(map[string]any{"x": 3}); err != nil {
		t.Fatal(err)
	}
	rows := history(t, run)
	if len(rows) != 4 || rows[3]["x"] != int64(3) {
		t.Errorf("rows = %v", rows)
	}
	for _, r := range rows {
		if r["x"] == int64(99) || r["y"] != nil {
			t.Errorf("dropped data landed: %v", r)
		}
	}
}

func TestLogLowerStepStrict(t *testing.T) {
	run, buf := start(t, wandb.WithStrictSteps(true))
	if err := run.Log(map[string]any{"x": 1}, wandb.Step(4)); err != nil {
		t.Fatal(err)
	}
	err := run.Log(map[string]any{"x": 2}, wandb.Step(3))
	wantErr(t, err, wandb.ErrStepNotMonotonic)
	wantContains(t, err.Error(), "3", "4")
	if run.DroppedSteps() != 1 {
		t.Errorf("DroppedSteps = %d", run.DroppedSteps())
	}
	if !strings.Contains(buf.String(), "less than the current step") {
		t.Errorf("no warning: %q", buf)
	}
	finish(t, run)
	rows := history(t, run)
	if len(rows) != 1 || rows[0]["x"] != int64(1) || rows[0]["_step"] != int64(4) {
		t.Errorf("rows = %v", rows)
	}
}

func TestLogNonFinite(t *testing.T) {
	run, _ := start(t)
	if err := run.Log(map[string]any{"nan": math.NaN(), "inf": math.Inf(1), "ninf": math.Inf(-1), "f32": float32(math.Inf(1)),
		"list": []float64{math.NaN(), 1}}); err != nil {
		t.Fatal(err)
	}
	check := func(where string, m map[string]any) {
		t.Helper()
		if f, _ := m["nan"].(float64); !math.IsNaN(f) {
			t.Errorf("%s nan = %v", where, m["nan"])
		}
		if m["inf"] != math.Inf(1) || m["ninf"] != math.Inf(-1) || m["f32"] != math.Inf(1) {
			t.Errorf("%s inf = %v, ninf = %v, f32 = %v", where, m["inf"], m["ninf"], m["f32"])
		}
	}
	rows := history(t, run)
	check("history", rows[0])
	if l, _ := rows[0]["list"].([]any); len(l) != 2 || !math.IsNaN(l[0].(float64)) {
		t.Errorf("list = %v", rows[0]["list"])
	}
	check("summary", run.Summary().Map())
	finish(t, run)
	check("wandb-summary.json", summaryFile(t, run))
}

func TestLogBadValues(t *testing.T) {
	tests := []struct {
		name   string
		value  any
		target error
		key    string
	}{
		{"chan", make(chan int), wandb.ErrUnsupportedType, "bad"},
		{"func", func() {}, wandb.ErrUnsupportedType, "bad"},
		{"complex", complex(1, 2), wandb.ErrUnsupportedType, "bad"},
		{"non-UTF-8 string", "ab\xffcd", wandb.ErrInvalidValue, "bad"},
		{"chan in a list", []any{1, make(chan int)}, wandb.ErrUnsupportedType, "bad"},
		{"map with int keys", map[int]int{1: 2}, wandb.ErrUnsupportedType, "bad"},
		{"nested chan", map[string]any{"inner": make(chan int)}, wandb.ErrUnsupportedType, "bad.inner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _ := start(t)
			err := run.Log(map[string]any{"bad": tt.value, "good": 1.5, "also": "fine"})
			wantErr(t, err, tt.target)
			wantContains(t, err.Error(), `"`+tt.key+`"`)
			if strings.Contains(err.Error(), "good") {
				t.Errorf("error names a good key: %v", err)
			}
			rows := history(t, run)
			if len(rows) != 1 || rows[0]["good"] != 1.5 || rows[0]["also"] != "fine" {
				t.Fatalf("rows = %v; the other keys must land", rows)
			}
			if b, ok := rows[0]["bad"]; ok && tt.key == "bad" {
				t.Errorf("the bad value landed: %v", b)
			}
			if run.Step() != 1 {
				t.Errorf("Step = %d; the call must still commit", run.Step())
			}
		})
	}
	t.Run("non-UTF-8 key", func(t *testing.T) {
		run, _ := start(t)
		err := run.Log(map[string]any{"k\xff": 1, "good": 2})
		wantErr(t, err, wandb.ErrInvalidValue)
		if rows := history(t, run); len(rows) != 1 || rows[0]["good"] != int64(2) {
			t.Errorf("rows = %v", rows)
		}
	})
}

func TestLogValueTypes(t *testing.T) {
	run, _ := start(t)
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := run.Log(map[string]any{
		"i8": int8(-3), "u64": uint64(1 << 63), "f32": float32(0.1), "b": true, "s": "text",
		"nil": nil, "dur": 1500 * time.Millisecond, "time": when, "strs": []string{"a", "b"},
		"typed map": map[string]int{"x": 1},
	}); err != nil {
		t.Fatal(err)
	}
	r := history(t, run)[0]
	want := map[string]any{
		"i8": int64(-3), "f32": 0.1, "b": true, "s": "text", "nil": nil, "dur": 1.5,
		"time": "2024-05-06T07:08:09Z", "strs": []any{"a", "b"}, "typed map": map[string]any{"x": int64(1)},
	}
	for k, v := range want {
		if !reflect.DeepEqual(r[k], v) {
			t.Errorf("%q = %#v, want %#v", k, r[k], v)
		}
	}
	// Above math.MaxInt64 the JSON number reads back as a float.
	if f, ok := r["u64"].(float64); !ok || f != float64(uint64(1<<63)) {
		t.Errorf("u64 = %#v", r["u64"])
	}
}

// ---------------------------------------------------------------------------
// 11. Summary and DefineMetric

func TestSummaryLastValue(t *testing.T) {
	run, _ := start(t)
	for _, v := range []float64{3, 1, 2} {
		if err := run.Log(map[string]any{"loss": v, "label": fmt.Sprint("l", v)}); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := run.Summary().Get("loss"); v != 2.0 {
		t.Errorf("summary loss = %v, want the last 2", v)
	}
	if got := run.Summary().Keys(); !slices.Equal(got, []string{"_runtime", "_step", "_timestamp", "label", "loss"}) {
		t.Errorf("Keys = %q", got)
	}
	finish(t, run)
	s := summaryFile(t, run)
	if s["loss"] != 2.0 || s["label"] != "l2" || s["_step"] != int64(2) {
		t.Errorf("wandb-summary.json = %v", s)
	}
	info, _ := replay(t, run)
	if info.Summary["loss"] != 2.0 {
		t.Errorf("run log summary = %v", info.Summary)
	}
}

func TestSummaryExplicitSetStopsUpdates(t *testing.T) {
	run, _ := start(t)
	if err := run.Log(map[string]any{"acc": 0.5, "loss": 1.0}); err != nil {
		t.Fatal(err)
	}
	if err := run.Summary().Set("acc", 0.99); err != nil {
		t.Fatal(err)
	}
	if err := run.Summary().Update(map[string]any{"extra": map[string]any{"n": 1}}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{0.6, 0.7} {
		if err := run.Log(map[string]any{"acc": v, "loss": v}); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := run.Summary().Get("acc"); v != 0.99 {
		t.Errorf("summary acc = %v, want the explicit 0.99", v)
	}
	if v, _ := run.Summary().Get("loss"); v != 0.7 {
		t.Errorf("summary loss = %v, want 0.7", v)
	}
	if err := run.Log(map[string]any{"gone": 1}); err != nil {
		t.Fatal(err)
	}
	if err := run.Summary().Delete("gone"); err != nil {
		t.Fatal(err)
	}
	if _, ok := run.Summary().Get("gone"); ok {
		t.Error("Delete left the key")
	}
	if err := run.Summary().Delete("never"); err == nil {
		t.Error("deleting a missing key succeeded")
	}
	finish(t, run)
	s := summaryFile(t, run)
	if s["acc"] != 0.99 || s["loss"] != 0.7 || !reflect.DeepEqual(s["extra"], map[string]any{"n": int64(1)}) {
		t.Errorf("wandb-summary.json = %v", s)
	}
	if _, ok := s["gone"]; ok {
		t.Error("a deleted key is in wandb-summary.json")
	}
	// History keeps the logged values.
	if rows := history(t, run); rows[2]["acc"] != 0.7 {
		t.Errorf("history acc = %v", rows[2]["acc"])
	}
}

func TestSummaryBadValues(t *testing.T) {
	run, _ := start(t)
	err := run.Summary().Update(map[string]any{"bad": make(chan int), "good": 1})
	wantErr(t, err, wandb.ErrUnsupportedType)
	wantContains(t, err.Error(), `"bad"`)
	if v, _ := run.Summary().Get("good"); v != int64(1) {
		t.Errorf("the good key did not land: %v", run.Summary().Map())
	}
	if _, ok := run.Summary().Get("bad"); ok {
		t.Error("the bad key landed")
	}
}

func TestDefineMetricSummaries(t *testing.T) {
	run, _ := start(t)
	def := func(name string, opts ...wandb.MetricOption) {
		t.Helper()
		if err := run.DefineMetric(name, opts...); err != nil {
			t.Fatal(err)
		}
	}
	def("loss", wandb.SummaryOf("min", "max"))
	def("acc", wandb.SummaryOf("mean,last"))
	def("first", wandb.SummaryOf("first"))
	def("noisy", wandb.SummaryOf("none"))
	def("val", wandb.SummaryOf("best"), wandb.Goal("maximize"))
	def("train/*", wandb.SummaryOf("max"))
	for i, v := range []float64{3, 1, 2} {
		if err := run.Log(map[string]any{"loss": v, "acc": v / 4, "first": v, "noisy": v, "val": v, "train/a": v * 10, "train/b": -v, "plain": v, "step": i}); err != nil {
			t.Fatal(err)
		}
	}
	finish(t, run)
	s := summaryFile(t, run)
	want := map[string]any{
		"loss":    map[string]any{"min": 1.0, "max": 3.0},
		"acc":     map[string]any{"mean": 0.5, "last": 0.5},
		"first":   map[string]any{"first": 3.0},
		"val":     map[string]any{"best": 3.0},
		"train/a": map[string]any{"max": 30.0},
		"train/b": map[string]any{"max": -1.0},
		"plain":   2.0,
	}
	for k, v := range want {
		if !reflect.DeepEqual(s[k], v) {
			t.Errorf("wandb-summary.json %q = %#v, want %#v", k, s[k], v)
		}
	}
	if _, ok := s["noisy"]; ok {
		t.Errorf("summary none: noisy = %v", s["noisy"])
	}
	// History is unaffected.
	if rows := history(t, run); rows[1]["loss"] != 1.0 || rows[2]["noisy"] != 2.0 {
		t.Errorf("rows = %v", rows)
	}
	// The globs expand into concrete definitions in the run log.
	info, _ := replay(t, run)
	var glob, expanded []string
	for _, m := range info.Metrics {
		if m.GlobName != "" {
			glob = append(glob, m.GlobName)
		}
		if m.ExpandedFromGlob {
			expanded = append(expanded, m.Name)
		}
	}
	slices.Sort(expanded)
	if !slices.Equal(glob, []string{"train/*"}) || !slices.Equal(expanded, []string{"train/a", "train/b"}) {
		t.Errorf("metric records: globs %q expanded %q", glob, expanded)
	}
}

func TestDefineMetricStepMetric(t *testing.T) {
	run, _ := start(t)
	if err := run.DefineMetric("val/acc", wandb.StepMetric("epoch")); err != nil {
		t.Fatal(err)
	}
	if err := run.DefineMetric("raw", wandb.StepMetric("epoch"), wandb.StepSync(false)); err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"epoch": 1, "val/acc": 0.5}); err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"val/acc": 0.6}); err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"raw": 1}); err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"other": 1}); err != nil {
		t.Fatal(err)
	}
	rows := history(t, run)
	if rows[1]["epoch"] != int64(1) && rows[1]["epoch"] != 1.0 {
		t.Errorf("step_sync did not insert epoch: %v", rows[1])
	}
	if _, ok := rows[2]["epoch"]; ok {
		t.Errorf("StepSync(false) inserted epoch: %v", rows[2])
	}
	if _, ok := rows[3]["epoch"]; ok {
		t.Errorf("epoch inserted into a row without the metric: %v", rows[3])
	}
	finish(t, run)
	info, _ := replay(t, run)
	var found bool
	for _, m := range info.Metrics {
		if m.Name == "val/acc" {
			found = true
			if m.StepMetric != "epoch" || !m.Options.GetStepSync() || !m.Options.GetDefined() {
				t.Errorf("val/acc record = %v", m)
			}
		}
	}
	if !found {
		t.Error("no metric record for val/acc")
	}
}

func TestDefineMetricHiddenAndNested(t *testing.T) {
	run, _ := start(t)
	if err := run.DefineMetric("secret", wandb.Hidden(true)); err != nil {
		t.Fatal(err)
	}
	if err := run.DefineMetric("eval.*", wandb.SummaryOf("min")); err != nil {
		t.Fatal(err)
	}
	if err := run.DefineMetric("loss", wandb.SummaryOf("min")); err != nil {
		t.Fatal(err)
	}
	if err := run.DefineMetric("loss", wandb.SummaryOf("max")); err != nil {
		t.Fatal(err)
	}
	if err := run.DefineMetric("acc", wandb.SummaryOf("min")); err != nil {
		t.Fatal(err)
	}
	if err := run.DefineMetric("acc", wandb.SummaryOf("max"), wandb.Overwrite(true)); err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{2, 1, 3} {
		if err := run.Log(map[string]any{"secret": v, "eval": map[string]any{"loss": v}, "loss": v, "acc": v}); err != nil {
			t.Fatal(err)
		}
	}
	finish(t, run)
	s := summaryFile(t, run)
	if !reflect.DeepEqual(s["eval"], map[string]any{"loss": map[string]any{"min": 1.0}}) {
		t.Errorf("nested glob summary eval = %v", s["eval"])
	}
	if !reflect.DeepEqual(s["loss"], map[string]any{"min": 1.0, "max": 3.0}) {
		t.Errorf("merged definitions: loss = %v", s["loss"])
	}
	if !reflect.DeepEqual(s["acc"], map[string]any{"max": 3.0}) {
		t.Errorf("overwritten definition: acc = %v", s["acc"])
	}
	if s["secret"] != 3.0 {
		t.Errorf("a hidden metric still has a summary: %v", s["secret"])
	}
	info, _ := replay(t, run)
	hidden := false
	for _, m := range info.Metrics {
		if m.Name == "secret" && m.Options.GetHidden() {
			hidden = true
		}
	}
	if !hidden {
		t.Error("no hidden metric record for secret")
	}
}

func TestDefineMetricInvalid(t *testing.T) {
	run, _ := start(t)
	for _, tt := range []struct {
		name string
		opts []wandb.MetricOption
	}{
		{"", nil},
		{"a*b", nil},
		{"ok", []wandb.MetricOption{wandb.StepMetric("x*")}},
		{"ok", []wandb.MetricOption{wandb.SummaryOf("median")}},
	} {
		err := run.DefineMetric(tt.name, tt.opts...)
		wantErr(t, err, wandb.ErrInvalidMetric)
	}
}

// ---------------------------------------------------------------------------
// 12. Disabled mode

func TestDisabledMode(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	run, buf := initIn(t, dir, wandb.WithMode(wandb.ModeDisabled), wandb.WithProject("p"), wandb.WithConfig(map[string]any{"lr": 0.1}), wandb.WithSaveCode(true))
	if run.ID() == "" || run.Name() != "dummy-"+run.ID() || run.Mode() != wandb.ModeDisabled || !run.Disabled() || !run.Offline() {
		t.Errorf("ID %q Name %q Mode %s", run.ID(), run.Name(), run.Mode())
	}
	if run.LogPath() != "" {
		t.Errorf("LogPath = %q", run.LogPath())
	}
	ctx := context.Background()
	calls := map[string]error{
		"Log":            run.Log(map[string]any{"x": 1, "bad": make(chan int)}),
		"Log step":       run.Log(map[string]any{"x": 1}, wandb.Step(-5)),
		"Config.Set":     run.Config().Set("momentum", 0.9),
		"Config.SetPath": run.Config().SetPath([]string{"o", "p"}, 1),
		"Config.Remove":  run.Config().Remove("o"),
		"Summary.Set":    run.Summary().Set("best", 1),
		"DefineMetric":   run.DefineMetric("x", wandb.SummaryOf("max")),
		"SetName":        run.SetName("n"),
		"SetTags":        run.SetTags("t"),
		"Flush":          run.Flush(ctx),
	}
	for name, err := range calls {
		if err != nil {
			t.Errorf("%s = %v, want nil", name, err)
		}
	}
	if rows, err := run.History(ctx); rows != nil || err != nil {
		t.Errorf("History = %v, %v", rows, err)
	}
	if err := run.Finish(0); err != nil {
		t.Errorf("Finish = %v", err)
	}
	if err := run.Finish(0); err != nil {
		t.Errorf("second Finish = %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("warnings %q", buf)
	}
	var written []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			written = append(written, path)
		}
		return nil
	})
	if err != nil || len(written) != 0 {
		t.Errorf("disabled run wrote %q (%v)", written, err)
	}
}

func TestDisabledModeDefaultRun(t *testing.T) {
	isolate(t)
	if r := wandb.CurrentRun(); r != nil {
		t.Fatalf("a run leaked from another test: %s", r.ID())
	}
	run, err := wandb.Init(context.Background(), wandb.WithDir(t.TempDir()), wandb.WithMode(wandb.ModeDisabled), wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })
	if wandb.CurrentRun() != run {
		t.Fatal("a disabled run is not the default run")
	}
	if err := wandb.Log(map[string]any{"x": 1}); err != nil {
		t.Errorf("Log = %v", err)
	}
	if err := wandb.CurrentConfig().Set("a", 1); err != nil {
		t.Errorf("Config.Set = %v", err)
	}
	if err := wandb.Finish(0); err != nil {
		t.Errorf("Finish = %v", err)
	}
	if wandb.CurrentRun() != nil {
		t.Error("CurrentRun after Finish")
	}
}

// ---------------------------------------------------------------------------
// 13. Concurrency

func TestConcurrentLogAndConfig(t *testing.T) {
	run, _ := start(t)
	const workers, perWorker = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*3)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if err := run.Log(map[string]any{"worker": w, "i": i, fmt.Sprintf("w%d", w): float64(i)}); err != nil {
					errs <- err
				}
				if i%20 == 0 {
					if err := run.Config().Set(fmt.Sprintf("w%d_%d", w, i), i); err != nil {
						errs <- err
					}
					if err := run.Summary().Set(fmt.Sprintf("s%d", w), i); err != nil {
						errs <- err
					}
					_ = run.Config().Keys()
					_ = run.Step()
					_ = run.Name()
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			if err := run.SetNotes(fmt.Sprint(i)); err != nil {
				errs <- err
			}
			_ = run.Summary().Map()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	const total = workers * perWorker
	if run.Step() != total {
		t.Errorf("Step = %d, want %d", run.Step(), total)
	}
	if n := run.Config().Len(); n != workers*perWorker/20 {
		t.Errorf("config keys = %d, want %d", n, workers*perWorker/20)
	}
	finish(t, run)
	rows := history(t, run)
	if len(rows) != total {
		t.Fatalf("rows = %d, want %d", len(rows), total)
	}
	perW := map[int64]int{}
	for i, r := range rows {
		if r["_step"] != int64(i) {
			t.Fatalf("row %d has _step %v", i, r["_step"])
		}
		perW[r["worker"].(int64)]++
	}
	for w := range workers {
		if perW[int64(w)] != perWorker {
			t.Errorf("worker %d has %d rows", w, perW[int64(w)])
		}
	}
	info, _ := replay(t, run)
	if len(info.Config) != workers*perWorker/20 {
		t.Errorf("run log config has %d keys", len(info.Config))
	}
}

func TestConfigDashedKeysInRunLog(t *testing.T) {
	// argparse-style keys lose their dashes everywhere, the run log included.
	run, _ := start(t, wandb.WithConfig(map[string]any{"--lr": 0.1, "--gone": 1}))
	c := run.Config()
	if err := c.SetPath([]string{"--opt", "eps"}, 0.5); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove("--gone"); err != nil {
		t.Fatal(err)
	}
	if got := c.Keys(); !slices.Equal(got, []string{"lr", "opt"}) {
		t.Errorf("Keys = %q", got)
	}
	finish(t, run)
	info, _ := replay(t, run)
	want := map[string]any{"lr": 0.1, "opt": map[string]any{"eps": 0.5}}
	if !reflect.DeepEqual(info.Config, want) {
		t.Errorf("run log config = %v, want %v", info.Config, want)
	}
	if got := configFile(t, run); !reflect.DeepEqual(got, want) {
		t.Errorf("config.yaml = %v, want %v", got, want)
	}
}
