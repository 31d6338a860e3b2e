package syncer_test

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
	"github.com/gowandb/wandb/core/syncer"
)

const aliceKey = "alice-key-0123456789abcdef"

type env struct {
	st    store.Store
	blobs store.Blobs
	srv   *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := localblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	usr, err := st.CreateUser(ctx, "alice", "alice@example.com", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAPIKey(ctx, usr.ID, aliceKey, "test"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, blobs).Handler())
	t.Cleanup(srv.Close)
	return &env{st: st, blobs: blobs, srv: srv}
}

func (e *env) client() *sender.Client {
	base, _ := url.Parse(e.srv.URL)
	hc := &http.Client{Transport: sender.NewAuthTransport(base, aliceKey, "gowandb-test", http.DefaultTransport)}
	return &sender.Client{BaseURL: e.srv.URL, HTTP: hc}
}

var rows = []map[string]any{
	{"loss": 0.5, "nested": map[string]any{"a": 1, "b": map[string]any{"c": 2.5}}},
	{"loss": math.NaN(), "acc": 0.5},
	{"loss": math.Inf(1), "phase": "eval"},
}

func startRun(t *testing.T, root string) *wandb.Run {
	t.Helper()
	r, err := wandb.Init(t.Context(), wandb.WithDir(root), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithProject("proj"),
		wandb.WithName("my-run"), wandb.WithNotes("some notes"), wandb.WithTags("a", "b"),
		wandb.WithConfig(map[string]any{"lr": 0.1, "opt": map[string]any{"name": "adam"}}),
		wandb.WithWarnings(io.Discard), wandb.WithSettings(map[string]string{"disable_git": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if err := r.Log(row); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestSyncFinishedRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := startRun(t, t.TempDir())
	if err := r.Summary().Set("best", 0.25); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	var stages []string
	res, err := syncer.Sync(ctx, r.SyncDir(), e.client(), syncer.WithProgress(func(p syncer.Progress) { stages = append(stages, p.Stage) }))
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsSent != int64(len(rows)) || !res.Complete || res.Entity != "alice" || res.Project != "proj" || res.FilesUploaded == 0 {
		t.Fatalf("result %+v", res)
	}
	if len(stages) == 0 || stages[len(stages)-1] != "finish" {
		t.Errorf("progress stages %v", stages)
	}
	if _, err := os.Stat(filepath.Join(r.SyncDir(), "run-"+r.ID()+".wandb.synced")); err != nil {
		t.Errorf("marker: %v", err)
	}
	run, err := e.st.Run(ctx, "alice", "proj", r.ID())
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]map[string]any
	if err := json.Unmarshal(run.Config, &cfg); err != nil || cfg["lr"]["value"] != 0.1 {
		t.Fatalf("config %s: %v", run.Config, err)
	}
	if run.State != store.StateFinished || run.ExitCode == nil || *run.ExitCode != 0 {
		t.Fatalf("state %s exit %v", run.State, run.ExitCode)
	}
	if run.Notes != "some notes" || !strings.Contains(string(run.Summary), `"best":0.25`) {
		t.Errorf("notes %q summary %s", run.Notes, run.Summary)
	}
	hist, err := e.st.HistoryRows(ctx, run.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(rows) {
		t.Fatalf("history %+v", hist)
	}
	for i, h := range hist {
		if h.Step != int64(i) {
			t.Errorf("row %d: step %d", i, h.Step)
		}
	}
	if !strings.Contains(hist[0].JSON, `"nested":{"a":1,"b":{"c":2.5}}`) || !strings.Contains(hist[1].JSON, `"loss":NaN`) ||
		!strings.Contains(hist[2].JSON, `"loss":Infinity`) {
		t.Errorf("history lines %+v", hist)
	}
	files, err := e.st.ListFiles(ctx, run.ID)
	if err != nil || len(files) != res.FilesUploaded {
		t.Fatalf("files %+v %v", files, err)
	}
	for _, f := range files {
		rc, err := e.blobs.Get(ctx, "alice/proj/"+r.ID()+"/"+f.Name)
		if err != nil {
			t.Errorf("blob %s: %v", f.Name, err)
			continue
		}
		rc.Close()
	}

	// A second sync sends no history again.
	res2, err := syncer.Sync(ctx, r.SyncDir(), e.client())
	if err != nil {
		t.Fatal(err)
	}
	if res2.RowsSent != 0 || res2.RowsSkipped != int64(len(rows)) || res2.EventsSent != 0 || res2.OutputSent != 0 {
		t.Fatalf("second sync %+v", res2)
	}
	if hist, _ := e.st.HistoryRows(ctx, run.ID, 0, 100); len(hist) != len(rows) {
		t.Fatalf("after second sync: %d rows", len(hist))
	}
}

func TestSyncCrashedRun(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := startRun(t, t.TempDir())
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(t.TempDir(), "wandb", filepath.Base(r.SyncDir()))
	if err := os.CopyFS(crashed, os.DirFS(r.SyncDir())); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	res, err := syncer.Sync(ctx, crashed, e.client())
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsSent != int64(len(rows)) || res.Complete {
		t.Fatalf("result %+v", res)
	}
	run, err := e.st.Run(ctx, "alice", "proj", r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if run.State == store.StateFinished || run.ExitCode != nil {
		t.Errorf("crashed run is %s, exit %v", run.State, run.ExitCode)
	}
	if hist, _ := e.st.HistoryRows(ctx, run.ID, 0, 100); len(hist) != len(rows) {
		t.Fatalf("history: %d rows", len(hist))
	}
}
