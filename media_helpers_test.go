package wandb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
)

// updateGolden is -update: rewrite testdata/media/*.json. Other test files
// of this binary may register the flag too; the first registration wins.
var updateGolden = func() func() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
	return func() bool {
		f := flag.Lookup("update")
		return f != nil && f.Value.String() == "true"
	}
}()

// mediaWarnings collects a run's warnings.
type mediaWarnings struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *mediaWarnings) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *mediaWarnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// mediaRun starts an offline run in a temporary directory.
func mediaRun(t testing.TB) (*Run, *mediaWarnings) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	w := &mediaWarnings{}
	run, err := Init(context.Background(), WithDir(t.TempDir()), WithMode(ModeOffline), WithSignalHandler(false),
		WithReinit(ReinitCreateNew), WithConsole("off"), WithWarnings(w))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })
	return run, w
}

// mediaReplay finishes the run and reads its log back: the rows and what
// the log says about the run.
func mediaReplay(t *testing.T, run *Run) ([]map[string]any, *runlog.Info) {
	t.Helper()
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	info, err := runlog.Replay(run.LogPath(), func(r runlog.Row) error {
		rows = append(rows, r.Map())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, info
}

// checkMediaFile checks that a media JSON's file exists in the run with its
// sha256 and size, and that a files record lists it.
func checkMediaFile(t *testing.T, run *Run, info *runlog.Info, v any) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("media value = %#v, want a JSON object", v)
	}
	p, _ := m["path"].(string)
	if p == "" {
		t.Fatalf("media value %v has no path", m)
	}
	b, err := os.ReadFile(filepath.Join(run.Dir(), filepath.FromSlash(p)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if m["sha256"] != hex.EncodeToString(sum[:]) || m["size"] != int64(len(b)) {
		t.Errorf("%s: sha256 %v size %v, file has %x and %d bytes", p, m["sha256"], m["size"], sum, len(b))
	}
	if !strings.Contains(p, hex.EncodeToString(sum[:])[:20]) {
		t.Errorf("%s: the name does not carry the hash", p)
	}
	if !slices.Contains(info.Files, p) {
		t.Errorf("no files record lists %s (files: %v)", p, info.Files)
	}
}

// checkListedFile checks that a file named in a media list exists in the
// run, carries its hash in its name and is listed by a files record.
func checkListedFile(t *testing.T, run *Run, info *runlog.Info, p string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(run.Dir(), filepath.FromSlash(p)))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if !strings.Contains(p, hex.EncodeToString(sum[:])[:20]) {
		t.Errorf("%s: the name does not carry the hash", p)
	}
	if !slices.Contains(info.Files, p) {
		t.Errorf("no files record lists %s (files: %v)", p, info.Files)
	}
}

// bindGolden binds v at key "k", step 3, in a temporary files directory and
// compares its JSON with testdata/media/<name>.json. It returns the files
// directory and the JSON.
func bindGolden(t *testing.T, name string, v runstate.Binder) (string, map[string]any) {
	t.Helper()
	dir := t.TempDir()
	j, files, err := v.BindToRun(runstate.Binding{FilesDir: dir, Key: "k", Step: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("file %s: %v", f, err)
		}
	}
	return dir, compareGolden(t, name, j)
}

// compareGolden compares JSON with testdata/media/<name>.json (indented
// there for reading; compared as values).
func compareGolden(t *testing.T, name string, j []byte) map[string]any {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(j, &got); err != nil {
		t.Fatalf("%s: JSON %s does not decode: %v", name, j, err)
	}
	path := filepath.Join("testdata", "media", name+".json")
	if updateGolden() {
		var out bytes.Buffer
		if err := json.Indent(&out, j, "", "  "); err != nil {
			t.Fatal(err)
		}
		out.WriteByte('\n')
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var w map[string]any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s: JSON differs from %s (rerun with -update if intended)\n got: %s\nwant: %s", name, path, gb, wb)
	}
	return got
}
