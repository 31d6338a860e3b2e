package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
)

// TestLogsOneOfEverything runs the example and checks every key landed with
// the W&B type it should have, and its files exist.
func TestLogsOneOfEverything(t *testing.T) {
	dir := t.TempDir()
	if err := run(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew)); err != nil {
		t.Fatal(err)
	}
	runs, _ := rundir.List(dir)
	if len(runs) != 1 {
		t.Fatalf("runs = %v", runs)
	}
	var row map[string]any
	info, err := runlog.Replay(runs[0].LogPath(), func(r runlog.Row) error { row = r.Map(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"histogram": "histogram", "video": "video-file", "audio": "audio-file",
		"point_cloud": "object3D-file", "html": "html-file", "predictions": "table-file", "figure": "image-file",
	}
	for _, c := range []string{"line", "scatter", "bar", "histogram", "line_series", "pr", "roc", "confusion"} {
		want["charts/"+c+"_table"] = "table-file"
		want["charts/"+c+"_png"] = "image-file"
	}
	for k, typ := range want {
		m, _ := row[k].(map[string]any)
		if m["_type"] != typ {
			t.Errorf("%s: %v, want _type %s", k, row[k], typ)
		}
	}
	if boxed, _ := row["images/boxed"].(map[string]any); boxed["_type"] != "image-file" || boxed["boxes"] == nil || boxed["masks"] == nil {
		t.Errorf("images/boxed = %v", row["images/boxed"])
	}
	for _, f := range info.Files {
		if _, err := os.Stat(filepath.Join(runs[0].FilesPath(), filepath.FromSlash(f))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
