package wandb

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// onlineRunWithFile logs an online run to a real server: config, three
// history rows (one NaN), a summary value and a saved file; it returns the
// finished run.
func onlineRunWithFile(t *testing.T, e *onlineEnv) *Run {
	t.Helper()
	r, _, err := initOnline(t, e.srv.URL, onlineTestKey,
		WithConfig(map[string]any{"lr": 0.01, "arch": map[string]any{"layers": 3}}), WithTags("baseline"))
	if err != nil {
		t.Fatal(err)
	}
	for i, loss := range []float64{1, math.NaN(), 0.25} {
		if err := r.Log(map[string]any{"loss": loss, "nested": map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(r.Dir(), "model.bin")
	if err := os.WriteFile(src, []byte("weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Save(src, BasePath(r.Dir())); err != nil {
		t.Fatal(err)
	}
	if err := r.Summary().Set("best", 0.25); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	return r
}

// The API reads back what an online run logged.
func TestAPIReadsOnlineRun(t *testing.T) {
	e := newOnlineEnv(t)
	r := onlineRunWithFile(t, e)
	ctx := t.Context()
	api, err := NewAPI(WithAPIEnv(nil), WithAPIBaseURL(e.srv.URL), WithAPIKey(onlineTestKey))
	if err != nil {
		t.Fatal(err)
	}
	var found []*APIRun
	for run, err := range api.Runs(ctx, "alice/proj", RunsQuery{Filters: "config.lr = 0.01 and tags contains baseline"}) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, run)
	}
	if len(found) != 1 || found[0].ID != r.ID() || found[0].State != "finished" {
		t.Fatalf("runs %+v", found)
	}
	run := found[0]
	if run.Config["lr"] != 0.01 || run.Summary["best"] != 0.25 || !slices.Equal(run.Tags, []string{"baseline"}) {
		t.Errorf("config %v summary %v tags %v", run.Config, run.Summary, run.Tags)
	}
	rows, err := run.History(ctx, HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0]["loss"] != 1.0 || !math.IsNaN(rows[1]["loss"].(float64)) ||
		rows[2]["nested"].(map[string]any)["i"] != int64(2) || rows[2].Step() != 2 {
		t.Errorf("history %v", rows)
	}
	files, err := run.Files(ctx, "model.bin")
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v %v", files, err)
	}
	p, err := files[0].Download(ctx, t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "weights" {
		t.Errorf("downloaded %q", b)
	}
}

// Restore fetches a file from the server when the run is not local.
func TestRestoreFromServer(t *testing.T) {
	e := newOnlineEnv(t)
	r := onlineRunWithFile(t, e)
	t.Setenv("WANDB_BASE_URL", e.srv.URL)
	t.Setenv("WANDB_API_KEY", onlineTestKey)
	t.Setenv("WANDB_DIR", t.TempDir()) // no local runs there
	ctx := t.Context()
	dest := t.TempDir()
	read := func(f *os.File) string {
		t.Helper()
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, path := range []string{"alice/proj/" + r.ID(), "alice/proj/runs/" + r.ID(), "proj/" + r.ID()} {
		f, err := Restore(ctx, "model.bin", RunPath(path), Root(dest), Replace(true))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if got := read(f); got != "weights" {
			t.Errorf("%s: %q", path, got)
		}
	}
	// Without Replace an existing file is opened as it is.
	os.WriteFile(filepath.Join(dest, "model.bin"), []byte("local"), 0o644)
	f, err := Restore(ctx, "model.bin", RunPath("alice/proj/"+r.ID()), Root(dest))
	if err != nil || read(f) != "local" {
		t.Errorf("no replace: %v", err)
	}
	var fnf *FileNotFoundError
	if _, err := Restore(ctx, "nope.bin", RunPath("alice/proj/"+r.ID()), Root(dest)); !errors.As(err, &fnf) || fnf.Run != "alice/proj/"+r.ID() {
		t.Errorf("missing file: %v", err)
	}
	var rnf *RunNotFoundError
	if _, err := Restore(ctx, "model.bin", RunPath("alice/proj/nosuchrun"), Root(t.TempDir())); !errors.As(err, &rnf) || !errors.Is(err, ErrRunNotFound) {
		t.Errorf("missing run: %v", err)
	}
	// A bare id is looked up locally only.
	if _, err := Restore(ctx, "model.bin", RunPath(r.ID()), Root(t.TempDir())); !errors.As(err, &rnf) {
		t.Errorf("bare id: %v", err)
	}
	// A refused key is an error, not "not found".
	t.Setenv("WANDB_API_KEY", "someone-else-0123456789abcdef")
	if _, err := Restore(ctx, "model.bin", RunPath("alice/proj/"+r.ID()), Root(t.TempDir())); err == nil || errors.As(err, &rnf) {
		t.Errorf("bad key: %v", err)
	}
}

// During a run, Restore asks the current run's server with its key (no
// WANDB_* variables needed) and writes into the run's directory.
func TestRestoreFromServerDuringRun(t *testing.T) {
	e := newOnlineEnv(t)
	first := onlineRunWithFile(t, e)
	cur, _, err := initOnline(t, e.srv.URL, onlineTestKey)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Restore(t.Context(), "model.bin", RunPath("alice/proj/"+first.ID()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if want := filepath.Join(cur.Dir(), "model.bin"); f.Name() != want {
		t.Errorf("restored to %s, want %s", f.Name(), want)
	}
	if b, _ := io.ReadAll(f); string(b) != "weights" {
		t.Errorf("content %q", b)
	}
}
