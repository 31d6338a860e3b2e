package main

import (
	"bytes"
	"context"
	"image/gif"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
)

// TestRecordsEveryOtherEpisode runs the example both ways and checks its
// history: one row per episode with return and length, and one row per
// recorded episode with its video, whose frames are the episode's steps
// plus the frame after Reset.
func TestRecordsEveryOtherEpisode(t *testing.T) {
	for _, args := range [][]string{nil, {"-plugin"}} {
		t.Run(strings.Join(append([]string{"args"}, args...), " "), func(t *testing.T) {
			dir := t.TempDir()
			var out bytes.Buffer
			err := run(context.Background(), &out, args, wandb.WithDir(dir), wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "episode 5: return") || !strings.Contains(out.String(), "is in "+dir) {
				t.Errorf("output:\n%s", out.String())
			}
			runs, _ := rundir.List(dir)
			if len(runs) != 1 {
				t.Fatalf("runs %v", runs)
			}
			var rows []map[string]any
			if _, err := runlog.Replay(runs[0].LogPath(), func(r runlog.Row) error { rows = append(rows, r.Map()); return nil }); err != nil {
				t.Fatal(err)
			}
			lengths := map[int64]int64{}
			var keys []string
			frames := map[string]int{}
			for _, row := range rows {
				if ep, ok := row["episode"].(int64); ok {
					lengths[ep] = row["episode/length"].(int64)
				}
				for k, v := range row {
					m, ok := v.(map[string]any)
					if !ok || m["_type"] != "video-file" {
						continue
					}
					keys = append(keys, k)
					b, err := os.ReadFile(filepath.Join(runs[0].FilesPath(), filepath.FromSlash(m["path"].(string))))
					if err != nil {
						t.Fatal(err)
					}
					g, err := gif.DecodeAll(bytes.NewReader(b))
					if err != nil {
						t.Fatal(err)
					}
					frames[k] = len(g.Image)
				}
			}
			if !slices.Equal(keys, []string{"video.0", "video.2", "video.4"}) {
				t.Errorf("videos %v", keys)
			}
			if len(lengths) != 6 {
				t.Errorf("episode rows %v", lengths)
			}
			for i, k := range keys {
				if want := int(lengths[int64(2*i)]) + 1; frames[k] != want {
					t.Errorf("%s: %d frames, want %d", k, frames[k], want)
				}
			}
		})
	}
}
