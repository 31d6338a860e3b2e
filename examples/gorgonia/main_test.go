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

// TestRunLogsTraining trains and reads the run back from its log: config
// from the flags, a row per step, histograms every -hist-every steps, a
// loss that falls.
func TestRunLogsTraining(t *testing.T) {
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	dir := t.TempDir()
	var out bytes.Buffer
	args := []string{"-steps", "200", "-hist-every", "50", "-print-every", "100"}
	if err := run(context.Background(), args, &out, wandb.WithDir(dir), wandb.WithWarnings(&out)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"step    1 ", "step  200 ", "200 steps in", "run show "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	runs, err := rundir.List(dir)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	var losses []float64
	var hist int
	info, err := runlog.Replay(runs[0].LogPath(), func(r runlog.Row) error {
		m := r.Map()
		if l, ok := m["train/loss"].(float64); ok {
			losses = append(losses, l)
		}
		if _, ok := m["gradients/w1"]; ok {
			hist++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.State() != runlog.StateFinished || len(losses) != 200 || hist != 4 {
		t.Fatalf("state %s, %d loss rows, %d histogram rows; want finished, 200, 4", info.State(), len(losses), hist)
	}
	if first, last := losses[0], losses[len(losses)-1]; !(last < 0.1*first) {
		t.Errorf("loss %.4f → %.4f: not learning", first, last)
	}
	if info.Config["steps"] != int64(200) || info.Config["learning_rate"] != 0.05 {
		t.Errorf("config = %v", info.Config)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{{"-steps", "many"}, {"-points", "1"}, {"-hist-every", "-1"}} {
		if err := run(context.Background(), args, &out, wandb.WithDir(t.TempDir())); err == nil {
			t.Errorf("run accepted %v", args)
		}
	}
}
