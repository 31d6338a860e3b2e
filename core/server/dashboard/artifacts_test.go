package dashboard_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

// seedArtifact commits a version of collection coll holding files, logged
// by run producer, and returns it.
func seedArtifact(t *testing.T, e *testEnv, producer store.Run, coll string, files map[string]string, aliases ...string) store.Artifact {
	t.Helper()
	ctx := context.Background()
	as, ok := e.st.(store.Artifacts)
	if !ok {
		t.Skip("the store keeps no artifacts")
	}
	var entries []store.ArtifactEntry
	for p, content := range files {
		sum := md5.Sum([]byte(content))
		dig := base64.StdEncoding.EncodeToString(sum[:])
		key, err := store.ArtifactBlobKey(dig)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.blobs.Put(ctx, key, strings.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, store.ArtifactEntry{Path: p, Digest: dig, Size: int64(len(content))})
	}
	a, _, err := as.CreateArtifact(ctx, store.ArtifactInput{Entity: producer.Entity, Project: producer.Project, Type: "model",
		Collection: coll, Digest: store.ArtifactDigest(entries), Metadata: json.RawMessage(`{"epochs":3}`),
		Aliases: aliases, RunID: producer.ID})
	if err != nil {
		t.Fatal(err)
	}
	a, err = as.CommitArtifact(ctx, a.ID, entries)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestArtifactPages(t *testing.T) {
	e := newTestEnv(t)
	train := seedRun(t, e, "alice", "p", "train", store.StateFinished, `{}`, `{}`, nil)
	eval := seedRun(t, e, "alice", "p", "eval", store.StateFinished, `{}`, `{}`, nil)
	seedArtifact(t, e, train, "resnet", map[string]string{"model.txt": "weights v0"})
	v1 := seedArtifact(t, e, train, "resnet", map[string]string{"model.txt": "weights v1", "cfg/params.json": `{"depth":50}`}, "best")
	if err := e.st.(store.Artifacts).UseArtifact(context.Background(), v1.ID, eval.ID); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.login(aliceKey)

	code, body := b.get("/api/ui/projects/alice/p/artifacts")
	if code != 200 || !strings.Contains(body, `"name":"resnet","type":"model"`) || !strings.Contains(body, `"versions":2`) {
		t.Fatalf("collections: %d %s", code, body)
	}
	code, body = b.get("/api/ui/projects/alice/p/artifacts/resnet")
	if code != 200 {
		t.Fatalf("versions: %d %s", code, body)
	}
	vs := decode[struct {
		Versions []struct {
			Version   string
			Aliases   []string
			Files     int
			CreatedBy struct{ Name string }
		}
	}](t, body).Versions
	if len(vs) != 2 || vs[0].Version != "v1" || strings.Join(vs[0].Aliases, ",") != "best,latest" || vs[0].Files != 2 || vs[0].CreatedBy.Name != "train" {
		t.Errorf("versions, newest first: %+v", vs)
	}

	for _, ref := range []string{"v1", "best", "latest"} {
		code, body = b.get("/api/ui/projects/alice/p/artifacts/resnet/" + ref)
		if code != 200 || !strings.Contains(body, `"path":"cfg/params.json"`) || !strings.Contains(body, `"usedBy":[{"name":"eval"`) ||
			!strings.Contains(body, `"metadata":{"epochs":3}`) {
			t.Errorf("version %s: %d %s", ref, code, body)
		}
	}
	code, h, body := b.do("GET", "/api/ui/projects/alice/p/artifacts/resnet/v0/file/model.txt", "", nil)
	if code != 200 || body != "weights v0" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("file of v0: %d %q %v", code, body, h)
	}
	if code, _ := b.get("/api/ui/projects/alice/p/artifacts/resnet/v9"); code != http.StatusNotFound {
		t.Errorf("missing version: %d", code)
	}
	if code, _ := b.get("/api/ui/projects/alice/p/artifacts/resnet/v1/file/nope.txt"); code != http.StatusNotFound {
		t.Errorf("missing file: %d", code)
	}

	code, body = b.get("/api/ui/runs/alice/p/train/artifacts")
	if code != 200 || strings.Count(body, `"collection":"resnet"`) != 2 || !strings.Contains(body, `"used":[]`) {
		t.Errorf("run train's artifacts: %d %s", code, body)
	}
	code, body = b.get("/api/ui/runs/alice/p/eval/artifacts")
	if code != 200 || !strings.Contains(body, `"logged":[]`) || !strings.Contains(body, `"version":"v1"`) {
		t.Errorf("run eval's artifacts: %d %s", code, body)
	}

	bob := newBrowser(t, e)
	bob.login(bobKey)
	if code, _ := bob.get("/api/ui/projects/alice/p/artifacts/resnet/v1"); code != 404 {
		t.Errorf("bob reads alice's artifact: %d, want 404", code)
	}
}
