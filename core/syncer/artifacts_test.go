package syncer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/wire"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/syncer"
)

// TestSyncCommitsLoggedArtifacts logs an artifact in an offline run, syncs
// the run to a real server and finds the version there with its lineage
// (through the root package's API.Artifact); a second sync creates
// nothing new.
func TestSyncCommitsLoggedArtifacts(t *testing.T) {
	t.Setenv("WANDB_CACHE_DIR", t.TempDir())
	t.Setenv("WANDB_DATA_DIR", t.TempDir())
	e := newEnv(t)
	ctx := context.Background()
	r := startRun(t, t.TempDir())
	src := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(src, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := wandb.NewArtifact("ds", "dataset")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddFile(ctx, src); err != nil {
		t.Fatal(err)
	}
	if _, err := r.LogArtifact(ctx, a, wandb.ArtifactAliases("best")); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	arts := e.st.(store.Artifacts)
	for range 2 {
		if _, err := syncer.Sync(ctx, r.SyncDir(), e.client()); err != nil {
			t.Fatal(err)
		}
		vs, err := arts.ArtifactVersions(ctx, "alice", "proj", "ds")
		if err != nil || len(vs) != 1 {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		run, _ := e.st.Run(ctx, "alice", "proj", r.ID())
		if v := vs[0]; v.Version != 0 || v.CreatedByRunID != run.ID || !reflect.DeepEqual(v.Aliases, []string{"best", "latest"}) ||
			v.Digest != a.Digest() || v.HistoryStep == nil {
			t.Fatalf("version = %+v", v)
		}
	}

	// A consumer uses it; the root API shows both sides of the lineage.
	if _, err := e.st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "proj", Name: "consumer"}); err != nil {
		t.Fatal(err)
	}
	remote, err := wire.New(e.srv.URL, aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := remote.Resolve(ctx, artifact.Path{Name: "ds", Version: "best"}, artifact.Scope{Project: "proj"})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Use(ctx, v, artifact.Scope{Project: "proj", Run: "consumer"}); err != nil {
		t.Fatal(err)
	}
	api, err := wandb.NewAPI(wandb.WithAPIBaseURL(e.srv.URL), wandb.WithAPIKey(aliceKey), wandb.WithAPIEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	l, err := api.Artifact(ctx, "alice/proj/ds:best")
	if err != nil {
		t.Fatal(err)
	}
	if l.QualifiedName() != "alice/proj/ds:v0" || l.Type != "dataset" || l.LoggedBy == nil || l.LoggedBy.ID != r.ID() ||
		!reflect.DeepEqual(l.UsedBy, []wandb.ArtifactRun{{Entity: "alice", Project: "proj", ID: "consumer"}}) {
		t.Fatalf("lineage = %+v (logged by %+v)", l, l.LoggedBy)
	}
	if _, err := api.Artifact(ctx, "alice/proj/ds:v9"); !errors.Is(err, artifact.ErrNotFound) || !errors.Is(err, wandb.ErrAPINotFound) {
		t.Fatalf("missing version: %v", err)
	}
	if _, err := api.Artifact(ctx, "../x"); !errors.Is(err, wandb.ErrAPIInvalid) {
		t.Fatal("bad name accepted")
	}
}

// TestStreamCommitsArtifactsLive is the online path: a live run's log is
// pumped while the run goes on, and an artifact logged mid-run becomes a
// version at the next Pump.
func TestStreamCommitsArtifactsLive(t *testing.T) {
	t.Setenv("WANDB_CACHE_DIR", t.TempDir())
	t.Setenv("WANDB_DATA_DIR", t.TempDir())
	e := newEnv(t)
	ctx := context.Background()
	r := startRun(t, t.TempDir())
	defer r.Finish(0)
	s := syncer.NewStream(syncer.StreamConfig{Client: e.client(), LogPath: r.LogPath(), Fresh: true})
	defer s.Close()
	if err := s.Pump(ctx); err != nil {
		t.Fatal(err)
	}
	arts := e.st.(store.Artifacts)
	for i, content := range []string{"v0 bytes", "v1 bytes"} {
		src := filepath.Join(t.TempDir(), "model.bin")
		if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := wandb.NewArtifact("model", "model")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.AddFile(ctx, src); err != nil {
			t.Fatal(err)
		}
		for range 3 { // startRun logged 3 rows: the artifact is logged at step 6, then 9
			if err := r.Log(map[string]any{"loss": 1.0}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.LogArtifact(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := r.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Pump(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := arts.ResolveArtifact(ctx, "alice", "proj", "model", "latest")
		if err != nil || v.Version != i {
			t.Fatalf("after logging %q: %+v, %v", content, v, err)
		}
		if want := int64(3 + 3*(i+1)); v.HistoryStep == nil || *v.HistoryStep != want {
			got := int64(-1)
			if v.HistoryStep != nil {
				got = *v.HistoryStep
			}
			t.Errorf("version %d: history step %d, want %d", i, got, want)
		}
	}
}
