package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

const syncTestKey = "alice-key-0123456789abcdef"

// syncServer starts core/server over SQLite in a temp dir with one user.
func syncServer(t *testing.T) (store.Store, *httptest.Server) {
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
	if _, err := st.CreateAPIKey(ctx, usr.ID, syncTestKey, "test"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, blobs).Handler())
	t.Cleanup(srv.Close)
	return st, srv
}

// `wandb sync --all` uploads the unsynced runs and marks them synced; a
// second `sync --all` has nothing to do.
func TestSyncToServer(t *testing.T) {
	st, srv := syncServer(t)
	root := t.TempDir()
	r := startRun(t, root)
	logRow(t, r, map[string]any{"loss": 1.0})
	logRow(t, r, map[string]any{"loss": 0.5})
	finish(t, r, 0)
	env := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=" + syncTestKey}

	res := mustCLI(t, env, "--dir", root, "sync", "--all")
	if !strings.Contains(res.stdout, r.ID()+": 2 rows sent") || !strings.Contains(res.stdout, "alice/cli-test/runs/"+r.ID()) {
		t.Fatalf("stdout:\n%s", res.stdout)
	}
	if _, err := os.Stat(filepath.Join(r.SyncDir(), "run-"+r.ID()+".wandb.synced")); err != nil {
		t.Fatalf("marker: %v", err)
	}
	run, err := st.Run(context.Background(), "alice", "cli-test", r.ID())
	if err != nil || run.State != store.StateFinished {
		t.Fatalf("run %+v %v", run, err)
	}
	if res := mustCLI(t, env, "--dir", root, "sync", "--all"); !strings.Contains(res.stdout, "nothing to sync") {
		t.Fatalf("second sync --all:\n%s", res.stdout)
	}
	// An explicit run directory syncs again, sending nothing new.
	if res := mustCLI(t, env, "--dir", root, "sync", r.SyncDir()); !strings.Contains(res.stdout, "0 rows sent (2 already there)") {
		t.Fatalf("resync:\n%s", res.stdout)
	}

	// A refused key fails with the server's word.
	bad := []string{"WANDB_BASE_URL=" + srv.URL, "WANDB_API_KEY=not-a-known-key-at-all"}
	if res := cli(t, bad, "--dir", root, "sync", r.SyncDir()); res.code != exitFailure || !strings.Contains(res.stderr, "401") {
		t.Fatalf("bad key: exit %d stderr %q", res.code, res.stderr)
	} else {
		t.Logf("bad key: %s", res.stderr)
	}
	if res := cli(t, nil, "--dir", root, "sync", "--all"); res.code != exitFailure || !strings.Contains(res.stderr, "no API key") {
		t.Fatalf("no key: exit %d stderr %q", res.code, res.stderr)
	}
}
