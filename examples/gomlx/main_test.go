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

// TestRunLogsTraining trains a few steps and reads the run back from its
// log: the config from the context, a row per step, histogram rows.
func TestRunLogsTraining(t *testing.T) {
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	dir := t.TempDir()
	var out bytes.Buffer
	args := []string{"-steps", "30", "-hidden", "8", "-hist-every", "10", "-print-every", "10"}
	if err := run(context.Background(), args, &out, wandb.WithDir(dir), wandb.WithWarnings(&out)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"step    1 ", "step   30 ", "30 steps in", "run show "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	runs, err := rundir.List(dir)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	var metricRows, histRows int
	info, err := runlog.Replay(runs[0].LogPath(), func(r runlog.Row) error {
		m := r.Map()
		if _, ok := m["train/loss"]; ok {
			metricRows++
		}
		if _, ok := m["parameters/mlp/fnn_output_layer/weights"]; ok {
			histRows++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.State() != runlog.StateFinished || metricRows != 30 || histRows != 3 {
		t.Errorf("state %s, %d metric rows, %d histogram rows; want finished, 30, 3", info.State(), metricRows, histRows)
	}
	g, _ := info.Config["gomlx"].(map[string]any)
	if g["hidden_units"] != int64(8) || g["steps"] != int64(30) {
		t.Errorf("config gomlx = %v", g)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{{"-steps", "many"}, {"-steps", "0"}, {"-hist-every", "-1"}} {
		if err := run(context.Background(), args, &out, wandb.WithDir(t.TempDir())); err == nil {
			t.Errorf("run accepted %v", args)
		}
	}
}
