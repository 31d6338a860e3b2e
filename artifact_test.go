package wandb

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/artifacttest"
	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/wal"
)

// artifactEnv points the cache and staging directories at temporary ones.
func artifactEnv(t *testing.T) (cacheDir string) {
	t.Helper()
	cacheDir = t.TempDir()
	t.Setenv("WANDB_CACHE_DIR", cacheDir)
	t.Setenv("WANDB_DATA_DIR", t.TempDir())
	t.Setenv("WANDB_ARTIFACT_DIR", t.TempDir())
	return cacheDir
}

// artifactRecords reads the artifact and use-artifact records of a run log.
func artifactRecords(t *testing.T, logPath string) (arts []*recordpb.ArtifactRecord, uses []*recordpb.UseArtifactRecord) {
	t.Helper()
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := wal.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return arts, uses
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			continue
		}
		switch r := rec.RecordType.(type) {
		case *recordpb.Record_Artifact:
			arts = append(arts, r.Artifact)
		case *recordpb.Record_UseArtifact:
			uses = append(uses, r.UseArtifact)
		}
	}
}

func TestNewArtifactValidates(t *testing.T) {
	for _, tc := range []struct{ name, typ, rule string }{
		{"a/b", "dataset", "may only contain"},
		{"ok", "wandb-history", "reserved"},
		{"ok", "job", "reserved"},
		{"run-x", "run_table", "reserved"},
	} {
		if _, err := NewArtifact(tc.name, tc.typ); !errors.Is(err, ErrArtifactInvalid) || !strings.Contains(err.Error(), tc.rule) {
			t.Errorf("NewArtifact(%q, %q) = %v, want %q", tc.name, tc.typ, err, tc.rule)
		}
	}
}

func TestLogArtifactFromPathOffline(t *testing.T) {
	artifactEnv(t)
	ctx := context.Background()
	run, _ := saveTestRun(t)
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, "train.csv"), "a,b\n1,2\n")
	writeTestFile(t, filepath.Join(src, "sub", "test.csv"), "a,b\n3,4\n")
	run.Log(map[string]any{"x": 1})
	run.Log(map[string]any{"x": 2})

	a, err := run.LogArtifact(ctx, src, ArtifactAliases("best"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "run-" + run.ID() + "-" + filepath.Base(src); a.Name() != want || a.Type() != "unspecified" || !a.Logged() {
		t.Errorf("artifact %s:%s logged=%v", a.Name(), a.Type(), a.Logged())
	}
	// Edits after logging do not change what was logged.
	writeTestFile(t, filepath.Join(src, "train.csv"), "changed")
	if _, err := a.AddFile(ctx, filepath.Join(src, "train.csv"), EntryName("again.csv")); !errors.Is(err, ErrArtifactFinalized) {
		t.Errorf("AddFile after logging = %v", err)
	}
	if _, err := run.LogArtifact(ctx, a); !errors.Is(err, ErrArtifactFinalized) {
		t.Errorf("logging twice = %v", err)
	}
	if err := a.Wait(ctx); err == nil || !strings.Contains(err.Error(), "offline") {
		t.Errorf("Wait offline = %v", err)
	}
	logPath := run.LogPath()
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	arts, _ := artifactRecords(t, logPath)
	if len(arts) != 1 {
		t.Fatalf("%d artifact records, want 1", len(arts))
	}
	rec := arts[0]
	if rec.Name != a.Name() || rec.Type != "unspecified" || rec.RunId != run.ID() || strings.Join(rec.Aliases, ",") != "latest,best" || rec.Digest != a.Digest() || !rec.Finalize {
		t.Errorf("record = %v", rec)
	}
	req, err := artifact.FromRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := req.Manifest.Get("train.csv")
	if !ok {
		t.Fatal("train.csv not in the recorded manifest")
	}
	if b, err := os.ReadFile(e.LocalPath); err != nil || string(b) != "a,b\n1,2\n" {
		t.Errorf("staged copy %s = %q, %v", e.LocalPath, b, err)
	}
	// The logged artifact downloads from the cache alone.
	root, err := a.Download(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(ctx, root); err != nil {
		t.Error(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "sub", "test.csv")); string(b) != "a,b\n3,4\n" {
		t.Errorf("downloaded sub/test.csv = %q", b)
	}
}

func TestLogArtifactOptions(t *testing.T) {
	artifactEnv(t)
	ctx := context.Background()
	run, _ := saveTestRun(t)
	f := filepath.Join(t.TempDir(), "model.bin")
	writeTestFile(t, f, "weights")
	a, err := run.LogArtifact(ctx, f, ArtifactName("ent/proj/my-model"), ArtifactType("model"), ArtifactTags("tag one"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "my-model" || a.Type() != "model" {
		t.Errorf("artifact = %s:%s", a.Name(), a.Type())
	}
	for _, tc := range []struct {
		what string
		opts []ArtifactRunOption
		path any
		want error
	}{
		{"version in name", []ArtifactRunOption{ArtifactName("m:v1")}, f, ErrArtifactInvalid},
		{"bad alias", []ArtifactRunOption{ArtifactAliases("a/b")}, f, ErrArtifactInvalid},
		{"bad tag", []ArtifactRunOption{ArtifactTags("bad!")}, f, ErrArtifactInvalid},
		{"missing path", nil, filepath.Join(t.TempDir(), "nope"), os.ErrNotExist},
		{"not a path", nil, 42, ErrArtifactInvalid},
	} {
		if _, err := run.LogArtifact(ctx, tc.path, tc.opts...); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.what, err, tc.want)
		}
	}
	b, _ := NewArtifact("data", "dataset")
	if _, err := run.LogArtifact(ctx, b, ArtifactType("model")); !errors.Is(err, ErrArtifactType) {
		t.Errorf("type option against an artifact = %v", err)
	}
	logPath := run.LogPath()
	run.Finish(0)
	arts, _ := artifactRecords(t, logPath)
	if len(arts) != 1 || arts[0].Entity != "ent" || arts[0].Project != "proj" || arts[0].Tags[0] != "tag one" {
		t.Errorf("records = %v", arts)
	}
}

func TestUseArtifactOffline(t *testing.T) {
	artifactEnv(t)
	ctx := context.Background()
	run, _ := saveTestRun(t)
	if _, err := run.UseArtifact(ctx, "data:latest"); !errors.Is(err, ErrArtifactOffline) || err.Error() != "Cannot use artifact when in offline mode." {
		t.Errorf("by name offline = %v", err)
	}
	a, _ := NewArtifact("data", "dataset")
	w, _ := a.NewFile("x.txt")
	io.WriteString(w, "hello")
	w.Close()
	if _, err := run.UseArtifact(ctx, a, ArtifactType("model")); !errors.Is(err, ErrArtifactType) || !strings.Contains(err.Error(), `"model"`) || !strings.Contains(err.Error(), `"dataset"`) {
		t.Errorf("type mismatch = %v", err)
	}
	// A draft is logged first, to be used once committed.
	got, err := run.UseArtifact(ctx, a, ArtifactType("dataset"))
	if err != nil || got != a || !a.Logged() {
		t.Fatalf("UseArtifact(draft) = %v, %v", got, err)
	}
	// One logged before is used at once.
	b, _ := NewArtifact("other", "dataset")
	run.LogArtifact(ctx, b)
	if _, err := run.UseArtifact(ctx, b); err != nil {
		t.Fatal(err)
	}
	logPath := run.LogPath()
	run.Finish(0)
	arts, uses := artifactRecords(t, logPath)
	if len(arts) != 2 || !arts[0].UseAfterCommit || arts[1].UseAfterCommit || len(uses) != 1 || uses[0].Name != "other" || uses[0].Type != "dataset" {
		t.Errorf("records: artifacts %v, uses %v", arts, uses)
	}
}

func TestUseArtifactOnlineResolvesThroughRemote(t *testing.T) {
	artifactEnv(t)
	ctx := context.Background()
	e := newOnlineEnv(t)
	remote := artifacttest.New()
	old := dialArtifactRemote
	dialArtifactRemote = func(context.Context, *Run) (artifact.Remote, error) { return remote, nil }
	t.Cleanup(func() { dialArtifactRemote = old })

	// A version on the "server".
	src, _ := artifact.New("mnist", "dataset", artifact.WithStagingDir(t.TempDir()))
	w, _ := src.NewFile("train/x.txt")
	io.WriteString(w, "hello")
	w.Close()
	if _, err := src.LogTo(ctx, remote, artifact.Scope{Entity: "alice", Project: "proj"}, []string{"prod"}, nil, nil); err != nil {
		t.Fatal(err)
	}

	run, _, err := initOnline(t, e.srv.URL, onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.UseArtifact(ctx, "mnist:prod", ArtifactType("model")); !errors.Is(err, ErrArtifactType) {
		t.Errorf("type mismatch = %v", err)
	}
	if _, err := run.UseArtifact(ctx, "mnist:v7"); !errors.Is(err, ErrArtifactNotFound) {
		t.Errorf("missing version = %v", err)
	}
	a, err := run.UseArtifact(ctx, "alice/proj/mnist:prod", ArtifactType("dataset"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Version() != "v0" {
		t.Errorf("version = %q", a.Version())
	}
	root, err := a.Download(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "train", "x.txt")); string(b) != "hello" {
		t.Errorf("downloaded = %q", b)
	}
	logPath := run.LogPath()
	run.Finish(0)
	_, recs := artifactRecords(t, logPath)
	if len(recs) != 1 || recs[0].Id == "" || recs[0].Name != "mnist:v0" {
		t.Errorf("use records = %v", recs)
	}
}

func TestArtifactAddMediaAndTable(t *testing.T) {
	artifactEnv(t)
	tbl, err := NewTable([]string{"a", "b"}, [][]any{{1, "x"}, {2, "y"}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := NewArtifact("eval", "results")
	ents, err := a.Add(tbl, "preds")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Path != "preds.table.json" {
		t.Fatalf("table entries = %+v", ents)
	}
	rc, err := a.Open(context.Background(), "preds.table.json")
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		Columns []string `json:"columns"`
		Data    [][]any  `json:"data"`
	}
	err = json.NewDecoder(rc).Decode(&tj)
	rc.Close()
	if err != nil || len(tj.Columns) != 2 || len(tj.Data) != 2 {
		t.Errorf("table JSON = %+v, %v", tj, err)
	}
	img, err := NewImageFromPixels([]uint8{0, 255, 0, 255}, []int{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	ents, err = a.Add(img, "samples/first")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Path)
	}
	if len(ents) != 2 || !strings.HasPrefix(names[0], "media/images/") || names[1] != "samples/first.image-file.json" {
		t.Errorf("image entries = %v", names)
	}
	if _, err := a.Add(42, "x"); !errors.Is(err, ErrArtifactInvalid) {
		t.Errorf("Add(42) = %v", err)
	}
	if _, err := a.Add(tbl, "../x"); !errors.Is(err, ErrArtifactInvalid) {
		t.Errorf("Add(../x) = %v", err)
	}
}

// The real path: an online run logs an artifact, its run log is sent to
// gowandb's server at Finish (core/syncer through core/artifact/wire), and
// a second run uses it by name and downloads it from the server.
func TestArtifactOnlineEndToEnd(t *testing.T) {
	artifactEnv(t)
	ctx := context.Background()
	e := newOnlineEnv(t)
	run, _, err := initOnline(t, e.srv.URL, onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := NewArtifact("weights", "model", ArtifactMetadata(map[string]any{"acc": 0.9}))
	w, _ := a.NewFile("model.bin")
	io.WriteString(w, strings.Repeat("w", 1<<20))
	w.Close()
	if _, err := run.LogArtifact(ctx, a, ArtifactAliases("best")); err != nil {
		t.Fatal(err)
	}
	if err := a.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Version() != "v0" {
		t.Errorf("after Wait: version %q", a.Version())
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}

	// A fresh cache: the bytes must come from the server.
	t.Setenv("WANDB_CACHE_DIR", t.TempDir())
	run2, _, err := initOnline(t, e.srv.URL, onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := run2.UseArtifact(ctx, "weights:best", ArtifactType("model"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Version() != "v0" || got.Digest() != a.Digest() {
		t.Errorf("used %s digest %s, want v0 %s", got.Version(), got.Digest(), a.Digest())
	}
	root, err := got.Download(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(ctx, root); err != nil {
		t.Error(err)
	}
	if st, err := os.Stat(filepath.Join(root, "model.bin")); err != nil || st.Size() != 1<<20 {
		t.Errorf("model.bin: %v", err)
	}
}
