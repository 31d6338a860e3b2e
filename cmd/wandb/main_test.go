package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestMain keeps the developer's W&B settings out of the runs the tests
// make: wandb.Init reads the process environment and the global settings
// file.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			os.Unsetenv(name)
		}
	}
	cfg, err := os.MkdirTemp("", "wandb-cli-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("WANDB_CONFIG_DIR", cfg)
	code := m.Run()
	os.RemoveAll(cfg)
	os.Exit(code)
}

// result is what one in-process invocation of the CLI produced.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs the CLI in-process with an environment of its own (no global
// settings file, no WANDB_* variables but those in extraEnv).
func cli(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	home := t.TempDir()
	env := append([]string{"HOME=" + home, "WANDB_CONFIG_DIR=" + filepath.Join(home, "config")}, extraEnv...)
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, env)
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// mustCLI is cli for an invocation that must succeed.
func mustCLI(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	r := cli(t, extraEnv, args...)
	if r.code != 0 {
		t.Fatalf("wandb %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// startRun starts an offline run under root.
func startRun(t *testing.T, root string, opts ...wandb.Option) *wandb.Run {
	t.Helper()
	base := []wandb.Option{
		wandb.WithDir(root), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
		wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithProject("cli-test"),
		wandb.WithWarnings(io.Discard), wandb.WithSettings(map[string]string{"disable_git": "true"}),
	}
	r, err := wandb.Init(t.Context(), append(base, opts...)...)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() { r.Finish(0) })
	return r
}

func logRow(t *testing.T, r *wandb.Run, row map[string]any) {
	t.Helper()
	if err := r.Log(row); err != nil {
		t.Fatalf("Log(%v): %v", row, err)
	}
}

func finish(t *testing.T, r *wandb.Run, code int) {
	t.Helper()
	if err := r.Finish(code); err != nil {
		t.Fatalf("Finish(%d): %v", code, err)
	}
}

// goldenRows are the history of the golden run: nested maps, strings that
// need quoting, NaN and ±Inf, a bool, a list, and keys that come and go.
var goldenRows = []map[string]any{
	{"loss": 0.5, "acc": 0.25, "phase": "train", "nested": map[string]any{"a": 1, "b": map[string]any{"c": 2.5}}},
	{"loss": math.NaN(), "acc": 0.5, "phase": `train, "quoted"`, "nested": map[string]any{"a": 2}, "list": []int{1, 2, 3}},
	{"loss": math.Inf(1), "neg": math.Inf(-1), "acc": 0.75, "phase": "eval", "ok": true},
}

// goldenRun makes a finished run with a fixed id, name and config, logs
// goldenRows and returns its run directory.
func goldenRun(t *testing.T, root string) string {
	t.Helper()
	r := startRun(t, root,
		wandb.WithID("golden01"), wandb.WithName("golden-run"), wandb.WithTags("a", "b"),
		wandb.WithGroup("grp"), wandb.WithJobType("train"), wandb.WithNotes("the golden run"),
		wandb.WithConfig(map[string]any{"lr": 0.01, "model": map[string]any{"layers": 3, "act": "relu"}, "name": "123"}),
	)
	for _, row := range goldenRows {
		logRow(t, r, row)
	}
	finish(t, r, 0)
	return r.SyncDir()
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
