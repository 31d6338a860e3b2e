package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb"
)

// threeRuns makes a finished, a failed and a crashed run under root, in
// that order, and returns their run directories. The crashed run is a copy
// of a live run's directory taken after Flush: it has no exit record and no
// process holds its log.
func threeRuns(t *testing.T, root string) (finished, failed, crashed string) {
	t.Helper()
	a := startRun(t, root, wandb.WithID("run1fin"), wandb.WithName("fin"))
	for i := range 3 {
		logRow(t, a, map[string]any{"x": i})
	}
	finish(t, a, 0)

	b := startRun(t, root, wandb.WithID("run2fail"), wandb.WithName("fail"))
	logRow(t, b, map[string]any{"x": 1})
	finish(t, b, 1)

	c := startRun(t, t.TempDir(), wandb.WithID("run3crash"), wandb.WithName("crash"))
	for i := range 4 {
		logRow(t, c, map[string]any{"x": i})
	}
	if err := c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	crashed = filepath.Join(root, "wandb", filepath.Base(c.SyncDir()))
	copyFile(t, c.LogPath(), filepath.Join(crashed, filepath.Base(c.LogPath())))
	finish(t, c, 0)
	return a.SyncDir(), b.SyncDir(), crashed
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRunsLsStates(t *testing.T) {
	root := t.TempDir()
	fin, fail, crash := threeRuns(t, root)
	live := startRun(t, root, wandb.WithID("run4live"), wandb.WithName("live"))
	logRow(t, live, map[string]any{"x": 1})
	if err := live.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}

	want := []runEntry{
		{ID: "run1fin", Name: "fin", State: "finished", Steps: 3, Dir: fin},
		{ID: "run2fail", Name: "fail", State: "failed", Steps: 1, Dir: fail},
		{ID: "run3crash", Name: "crash", State: "crashed", Steps: 4, Dir: crash},
		{ID: "run4live", Name: "live", State: "running", Steps: 1, Dir: live.SyncDir()},
	}
	for _, fast := range []bool{false, true} {
		args := []string{"runs", "ls", "--dir", root, "--json"}
		if fast {
			args = append(args, "--fast")
		}
		r := mustCLI(t, nil, args...)
		var got []runEntry
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("--json output: %v\n%s", err, r.stdout)
		}
		if len(got) != len(want) {
			t.Fatalf("fast=%v: %d runs, want %d:\n%s", fast, len(got), len(want), r.stdout)
		}
		for i, g := range got {
			w := want[i]
			if g.ID != w.ID || g.Name != w.Name || g.State != w.State || g.Steps != w.Steps || g.Dir != w.Dir {
				t.Errorf("fast=%v: run %d = %+v, want %+v", fast, i, g, w)
			}
			if time.Since(g.LastUpdate) > time.Hour || g.LastUpdate.After(time.Now()) {
				t.Errorf("fast=%v: run %s last update %v", fast, g.ID, g.LastUpdate)
			}
		}
		if got[1].ExitCode == nil || *got[1].ExitCode != 1 {
			t.Errorf("fast=%v: failed run's exit code %v, want 1", fast, got[1].ExitCode)
		}
	}

	// The table: a header and one aligned line per run, oldest first.
	r := mustCLI(t, []string{"WANDB_DIR=" + root}, "runs", "ls")
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("table:\n%s", r.stdout)
	}
	col := strings.Index(lines[0], "STATE")
	for i, w := range want {
		l := lines[i+1]
		if !strings.HasPrefix(l, w.ID+" ") || !strings.HasPrefix(l[col:], w.State+" ") || !strings.HasSuffix(l, w.Dir) {
			t.Errorf("table line %q; want id %s, state %s at column %d, dir %s", l, w.ID, w.State, col, w.Dir)
		}
	}
	finish(t, live, 0)
}

func TestRunsLsEmpty(t *testing.T) {
	root := t.TempDir()
	r := mustCLI(t, nil, "runs", "ls", "--dir", root)
	if want := "no runs in " + filepath.Join(root, "wandb") + "\n"; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
	if r := mustCLI(t, nil, "runs", "ls", "--dir", root, "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("--json of no runs: %q", r.stdout)
	}
}
