package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
)

// build compiles the quickstart into dir.
func build(tb testing.TB, dir string) string {
	tb.Helper()
	bin := filepath.Join(dir, "quickstart")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runQuickstart(tb testing.TB, bin, dir string) {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WANDB_MODE=offline", "WANDB_SILENT=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("quickstart: %v\n%s", err, out)
	}
}

// TestQuickstart runs the README's program as a process and reads its run.
func TestQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	runQuickstart(t, build(t, dir), dir)
	runs, err := rundir.List(dir)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v %v", runs, err)
	}
	info, err := runlog.Replay(runs[0].LogPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.State() != runlog.StateFinished || info.Rows != 100 || info.Config["lr"] != 0.01 || info.Summary["best_acc"] == nil {
		t.Fatalf("state %s rows %d config %v summary %v", info.State(), info.Rows, info.Config, info.Summary)
	}
}

// BenchmarkProcess is the whole quickstart process: start, Init an offline
// run, log 100 rows, Finish (fsync), exit.
func BenchmarkProcess(b *testing.B) {
	dir := b.TempDir()
	bin := build(b, dir)
	for b.Loop() {
		runQuickstart(b, bin, dir)
	}
}
