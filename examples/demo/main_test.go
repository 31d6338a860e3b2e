package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
)

// TestRunLogsTraining trains for a few steps and reads the run back from
// its run log: config from the flags, one row per step, the summary.
func TestRunLogsTraining(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-steps", "3", "-hidden", "8", "-seed", "3"}, &out, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline)); err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"steps=3 ", "hidden=8 ", "step    1 ", "step    3 ", "final held-out accuracy", "run show "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	runs, err := rundir.List(dir)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	info, err := runlog.Replay(runs[0].LogPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.State() != runlog.StateFinished || info.Rows != 3 || info.Project != "demo" {
		t.Fatalf("state %s rows %d project %q", info.State(), info.Rows, info.Project)
	}
	if info.Config["steps"] != int64(3) || info.Config["hidden"] != int64(8) {
		t.Fatalf("config = %v", info.Config)
	}
	acc, ok := info.Summary["eval/accuracy"].(map[string]any)
	if !ok || acc["max"] == nil || acc["last"] == nil {
		t.Fatalf("summary eval/accuracy = %v", info.Summary["eval/accuracy"])
	}
	if _, ok := info.Summary["final_accuracy"].(float64); !ok {
		t.Fatalf("summary final_accuracy = %v", info.Summary["final_accuracy"])
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-steps", "many"}, &out, wandb.WithDir(t.TempDir())); err == nil {
		t.Fatal("run accepted -steps many")
	}
	dir := t.TempDir()
	if err := run(context.Background(), []string{"-steps", "0"}, &out, wandb.WithDir(dir)); err == nil {
		t.Fatal("run accepted -steps 0")
	}
	// The failed run is recorded as failed, not left running.
	runs, _ := rundir.List(dir)
	for _, r := range runs {
		info, err := runlog.Replay(r.LogPath(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if info.State() != runlog.StateFailed {
			t.Fatalf("state %s, want failed", info.State())
		}
	}
}
