package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/syncer"
)

func TestSyncClean(t *testing.T) {
	_, srv := syncServer(t)
	root := t.TempDir()
	synced, unsynced := startRun(t, root), startRun(t, root)
	logRow(t, synced, map[string]any{"loss": 1.0})
	finish(t, synced, 0)
	finish(t, unsynced, 0)
	env := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=" + syncTestKey}
	mustCLI(t, env, "--dir", root, "sync", synced.SyncDir())

	// Runs started just now are younger than the default 24 hours.
	if r := mustCLI(t, env, "--dir", root, "sync", "--clean", "--clean-force"); !strings.Contains(r.stdout, "no synced runs older than 24h") {
		t.Fatalf("default age: %q", r.stdout)
	}
	// Without a terminal to confirm on, nothing is deleted.
	r := cliIn(t, env, strings.NewReader("y\n"), "--dir", root, "sync", "--clean", "--clean-old-hours", "0")
	if r.code == 0 || !strings.Contains(r.stderr, "pass --clean-force") {
		t.Fatalf("unconfirmed clean: %+v", r)
	}
	if _, err := os.Stat(synced.SyncDir()); err != nil {
		t.Fatalf("unconfirmed clean deleted the run: %v", err)
	}
	r = mustCLI(t, env, "--dir", root, "sync", "--clean", "--clean-old-hours", "0", "--clean-force")
	if !strings.Contains(r.stdout, "deleted 1 runs") || !strings.Contains(r.stdout, synced.SyncDir()) {
		t.Fatalf("clean: %q", r.stdout)
	}
	if _, err := os.Stat(synced.SyncDir()); !os.IsNotExist(err) {
		t.Errorf("synced run still there: %v", err)
	}
	if _, err := os.Stat(unsynced.SyncDir()); err != nil {
		t.Errorf("unsynced run deleted: %v", err)
	}
	for _, args := range [][]string{{"sync", "--clean", "--all"}, {"sync", "--clean-force", "--all"}, {"sync", "--clean", "--clean-old-hours", "-1"}} {
		if r := cli(t, env, append([]string{"--dir", root}, args...)...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want usage error", args, r.code)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	b := &progressBar{w: &buf, total: 2}
	b.update(0, "run-a", syncer.Progress{})
	b.update(0, "run-a", syncer.Progress{Stage: "history", RowsSent: 1000})
	b.clear()
	b.update(1, "run-b", syncer.Progress{Stage: "files", RowsSent: 5, Files: 3})
	b.done()
	got := buf.String()
	for _, want := range []string{"\r[" + strings.Repeat(".", barCells) + "] 0/2 runs  run-a",
		"history: 1000 rows sent", "[" + strings.Repeat("#", barCells/2) + strings.Repeat(".", barCells/2) + "] 1/2 runs  run-b  files: 5 rows sent, 3 files",
		"[" + strings.Repeat("#", barCells) + "] 2/2 runs"} {
		if !strings.Contains(got, want) {
			t.Errorf("bar output %q lacks %q", got, want)
		}
	}
	if !strings.HasSuffix(got, "\n") {
		t.Errorf("bar output %q does not end its line", got)
	}
	var nilBar *progressBar // not a terminal: draws nothing
	nilBar.update(0, "x", syncer.Progress{})
	nilBar.clear()
	nilBar.done()
	if newProgressBar(&buf, 1) != nil {
		t.Error("a bar on a buffer")
	}
}

const realWandbRun = "../../../shared/testdata/wandb-offline-run/offline-run-20210216_154407-g9dvvkua"

// The offline run W&B's Python client (0.10.20) wrote syncs into the
// server as a run: config, (empty) history and summary, system metrics and
// files; a second sync sends nothing.
func TestSyncRealWandbOfflineRun(t *testing.T) {
	if _, err := os.Stat(realWandbRun); err != nil {
		t.Skipf("the shared W&B offline run is not here (%v); it lives in /work/shared/testdata", err)
	}
	st, srv := syncServer(t)
	dir := filepath.Join(t.TempDir(), filepath.Base(realWandbRun))
	copyTree(t, realWandbRun, dir)
	env := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=" + syncTestKey}
	r := mustCLI(t, env, "sync", dir)
	if !strings.Contains(r.stdout, "g9dvvkua: 0 rows sent (0 already there), 5 files uploaded, exit 0 → "+srv.URL+"/alice/code-toad/runs/g9dvvkua") {
		t.Fatalf("sync: %q", r.stdout)
	}
	// Its code artifact's staged files were on the machine that ran it.
	if !strings.Contains(r.stderr, "source-g9dvvkua") || !strings.Contains(r.stderr, "staged files are gone") {
		t.Errorf("no warning about the artifact: %q", r.stderr)
	}
	ctx := context.Background()
	run, err := st.Run(ctx, "alice", "code-toad", "g9dvvkua")
	if err != nil {
		t.Fatal(err)
	}
	if run.State != store.StateFinished || run.HistoryLineCount != 0 || run.EventsLineCount != 1 || string(run.Summary) != "{}" {
		t.Errorf("run: state %s history %d events %d summary %s", run.State, run.HistoryLineCount, run.EventsLineCount, run.Summary)
	}
	var cfg map[string]map[string]any
	if err := json.Unmarshal(run.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	if wb, _ := cfg["_wandb"]["value"].(map[string]any); wb["code_path"] != "code/standalone_tests/code-toad.py" {
		t.Errorf("config %s", run.Config)
	}
	files, err := st.ListFiles(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "config.yaml,output.log,requirements.txt,wandb-metadata.json,wandb-summary.json" {
		t.Errorf("files %s", got)
	}
	if r := mustCLI(t, env, "sync", dir); !strings.Contains(r.stdout, "0 rows sent") {
		t.Errorf("second sync: %q", r.stdout)
	}
}

// copyTree copies a directory tree, files writable (the shared copy is
// read-only, and sync writes its marker next to the log).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
