package wandb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/wal"
)

func saveTestRun(t *testing.T, opts ...Option) (*Run, *bytes.Buffer) {
	t.Helper()
	buf := &bytes.Buffer{}
	all := append([]Option{WithDir(t.TempDir()), WithMode(ModeOffline), WithSignalHandler(false), WithWarnings(buf)}, opts...)
	run, err := Init(context.Background(), all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Finish(0) })
	return run, buf
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// filePolicies reads the files records of a finished run's log.
func filePolicies(t *testing.T, logPath string) map[string]recordpb.FilesItem_PolicyType {
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
	out := map[string]recordpb.FilesItem_PolicyType{}
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			continue
		}
		if fr, ok := rec.RecordType.(*recordpb.Record_Files); ok {
			for _, it := range fr.Files.Files {
				out[it.Path] = it.Policy
			}
		}
	}
}

func TestSavePolicies(t *testing.T) {
	src := t.TempDir()
	t.Chdir(src)
	for _, name := range []string{"live.txt", "now.txt", "end.txt", "default.txt"} {
		writeTestFile(t, filepath.Join(src, name), "content of "+name)
	}
	run, _ := saveTestRun(t)
	cases := []struct {
		file string
		opts []SaveOption
		want recordpb.FilesItem_PolicyType
	}{
		{"live.txt", []SaveOption{Policy(SaveLive)}, recordpb.FilesItem_LIVE},
		{"now.txt", []SaveOption{Policy(SaveNow)}, recordpb.FilesItem_NOW},
		{"end.txt", []SaveOption{Policy(SaveEnd)}, recordpb.FilesItem_END},
		{"default.txt", nil, recordpb.FilesItem_LIVE},
	}
	for _, c := range cases {
		got, err := run.Save(c.file, c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(run.Dir(), c.file)
		if abs, _ := filepath.Abs(want); len(got) != 1 || got[0] != abs {
			t.Fatalf("Save(%s) = %v, want [%s]", c.file, got, abs)
		}
		link, err := os.Readlink(got[0])
		if err != nil || link != filepath.Join(src, c.file) {
			t.Fatalf("%s: not a symlink to the source: %q %v", got[0], link, err)
		}
		b, err := os.ReadFile(got[0])
		if err != nil || string(b) != "content of "+c.file {
			t.Fatalf("%s: %q %v", got[0], b, err)
		}
	}
	// Saving again keeps the link (and does not delete the source).
	if got, err := run.Save("live.txt"); err != nil || len(got) != 1 {
		t.Fatalf("second Save: %v %v", got, err)
	}
	if b, err := os.ReadFile(filepath.Join(src, "live.txt")); err != nil || string(b) != "content of live.txt" {
		t.Fatalf("source after second Save: %q %v", b, err)
	}
	if _, err := run.Save("*.nothing"); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	info, err := runlog.Replay(run.LogPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pol := filePolicies(t, run.LogPath())
	for _, c := range cases {
		if !strings.Contains(strings.Join(info.Files, ","), c.file) {
			t.Errorf("Replay Info.Files %v lacks %s", info.Files, c.file)
		}
		if pol[c.file] != c.want {
			t.Errorf("policy of %s = %v, want %v", c.file, pol[c.file], c.want)
		}
	}
	if _, err := run.Save("live.txt"); !errors.Is(err, ErrRunFinished) {
		t.Fatalf("Save after Finish: %v, want ErrRunFinished", err)
	}
}

func TestSaveRelativeGlobKeepsStructure(t *testing.T) {
	src := t.TempDir()
	t.Chdir(src)
	writeTestFile(t, filepath.Join(src, "ckpt", "a", "1.pt"), "1")
	writeTestFile(t, filepath.Join(src, "ckpt", "a", "2.pt"), "2")
	writeTestFile(t, filepath.Join(src, "ckpt", "a", "x.txt"), "x")
	run, _ := saveTestRun(t)
	got, err := run.Save("ckpt/a/*.pt")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	for _, n := range []string{"1", "2"} {
		b, err := os.ReadFile(filepath.Join(run.Dir(), "ckpt", "a", n+".pt"))
		if err != nil || string(b) != n {
			t.Fatalf("%s.pt: %q %v", n, b, err)
		}
	}
	// The glob is expanded once: a later match is not saved.
	writeTestFile(t, filepath.Join(src, "ckpt", "a", "3.pt"), "3")
	if _, err := os.Lstat(filepath.Join(run.Dir(), "ckpt", "a", "3.pt")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("3.pt saved: %v", err)
	}
}

func TestSaveAbsoluteGlob(t *testing.T) {
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, "mnt", "folder", "sub", "file.h5"), "h5")
	run, warn := saveTestRun(t)

	// Without a base path: one directory level is kept, with a warning.
	got, err := run.Save(filepath.Join(src, "mnt", "folder", "sub", "*.h5"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Abs(filepath.Join(run.Dir(), "sub", "file.h5"))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if !strings.Contains(warn.String(), "Saving files without folders") {
		t.Fatalf("no warning: %q", warn)
	}

	// With a base path: the structure below it is kept.
	got, err = run.Save(filepath.Join(src, "mnt", "folder", "sub", "*.h5"), BasePath(filepath.Join(src, "mnt")))
	if err != nil {
		t.Fatal(err)
	}
	want, _ = filepath.Abs(filepath.Join(run.Dir(), "folder", "sub", "file.h5"))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

func TestSaveLiteral(t *testing.T) {
	src := t.TempDir()
	t.Chdir(src)
	writeTestFile(t, filepath.Join(src, "weird[1].txt"), "w")
	run, _ := saveTestRun(t)
	got, err := run.Save("weird[1].txt")
	if err != nil || len(got) != 0 {
		t.Fatalf("as a glob: %v %v", got, err)
	}
	got, err = run.Save("weird[1].txt", Literal(true), Policy(SaveNow))
	if err != nil || len(got) != 1 {
		t.Fatalf("literal: %v %v", got, err)
	}
	if b, err := os.ReadFile(got[0]); err != nil || string(b) != "w" {
		t.Fatalf("%q %v", b, err)
	}
}

func TestSavePathEscapeRefused(t *testing.T) {
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, "out", "f.txt"), "f")
	writeTestFile(t, filepath.Join(src, "in", "g.txt"), "g")
	t.Chdir(filepath.Join(src, "in"))
	run, _ := saveTestRun(t)
	for _, c := range []struct {
		glob string
		opts []SaveOption
	}{
		{"../out/f.txt", nil},
		{filepath.Join(src, "out", "f.txt"), []SaveOption{BasePath(filepath.Join(src, "in"))}},
		{"../out/*.txt", []SaveOption{Literal(true)}},
	} {
		_, err := run.Save(c.glob, c.opts...)
		if !errors.Is(err, ErrPathEscape) || !strings.Contains(err.Error(), c.glob) || !strings.HasPrefix(err.Error(), "wandb: ") {
			t.Errorf("Save(%q): %v, want ErrPathEscape naming it", c.glob, err)
		}
	}
	if _, err := os.Stat(filepath.Join(run.Dir(), "..", "out")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("something was written outside files/: %v", err)
	}
}

func TestSaveCopyFallback(t *testing.T) {
	old := linkFuncs
	fail := func(string, string) error { return errors.New("no links here") }
	linkFuncs = []func(string, string) error{fail, fail}
	t.Cleanup(func() { linkFuncs = old })

	src := t.TempDir()
	t.Chdir(src)
	writeTestFile(t, filepath.Join(src, "model.bin"), "weights")
	run, warn := saveTestRun(t)
	got, err := run.Save("model.bin")
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	st, err := os.Lstat(got[0])
	if err != nil || st.Mode()&fs.ModeSymlink != 0 {
		t.Fatalf("want a plain copy: %v %v", st, err)
	}
	if b, _ := os.ReadFile(got[0]); string(b) != "weights" {
		t.Fatalf("copy holds %q", b)
	}
	if !strings.Contains(warn.String(), "copied") {
		t.Fatalf("no downgrade warning: %q", warn)
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	if p := filePolicies(t, run.LogPath())["model.bin"]; p != recordpb.FilesItem_NOW {
		t.Fatalf("policy %v, want NOW (live downgraded)", p)
	}
}

func TestSaveCloudURLIsNoop(t *testing.T) {
	run, warn := saveTestRun(t)
	got, err := run.Save("s3://bucket/key")
	if err != nil || got != nil || !strings.Contains(warn.String(), "cloud storage") {
		t.Fatalf("%v %v %q", got, err, warn)
	}
}

func TestRestoreBeforeInitNeedsRunPath(t *testing.T) {
	if currentRun() != nil {
		t.Skip("a run is active")
	}
	_, err := Restore(context.Background(), "model.bin")
	if !errors.Is(err, ErrRunPathRequired) || !strings.Contains(err.Error(), "run_path required when calling wandb.restore before wandb.init") {
		t.Fatalf("%v", err)
	}
}

// finishedRunWithFile makes a finished offline run under a temp WANDB_DIR
// with files/<name> saved.
func finishedRunWithFile(t *testing.T, name, content string) (root, id string) {
	t.Helper()
	root = t.TempDir()
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, name), content)
	run, _ := saveTestRun(t, WithDir(root))
	if _, err := run.Save(filepath.Join(src, name), BasePath(src), Policy(SaveNow)); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	return root, run.ID()
}

func TestRestoreFromLocalRun(t *testing.T) {
	root, id := finishedRunWithFile(t, "sub/model.bin", "weights v1")
	t.Setenv("WANDB_DIR", root)
	dest := t.TempDir()
	for _, path := range []string{id, "proj/" + id, "me/proj/" + id, "me/proj/runs/" + id} {
		f, err := Restore(context.Background(), "sub/model.bin", RunPath(path), Root(dest), Replace(true))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != "weights v1" || f.Name() != filepath.Join(dest, "sub", "model.bin") {
			t.Fatalf("%s: %s holds %q", path, f.Name(), b)
		}
	}

	// Replace false keeps an existing file.
	writeTestFile(t, filepath.Join(dest, "sub", "model.bin"), "mine")
	f, err := Restore(context.Background(), "sub/model.bin", RunPath(id), Root(dest))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "mine" {
		t.Fatalf("existing file replaced: %q", b)
	}

	_, err = Restore(context.Background(), "nope.bin", RunPath("me/proj/"+id), Root(dest))
	var fnf *FileNotFoundError
	if !errors.As(err, &fnf) || fnf.Name != "nope.bin" || fnf.Run != "me/proj/"+id || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%v", err)
	}

	_, err = Restore(context.Background(), "other.bin", RunPath("me/proj/nosuchrun"), Root(dest))
	var rnf *RunNotFoundError
	if !errors.As(err, &rnf) || rnf.Path != "me/proj/nosuchrun" || !errors.Is(err, ErrRunNotFound) {
		t.Fatalf("%v", err)
	}

	if _, err := Restore(context.Background(), "../escape", RunPath(id), Root(dest)); !errors.Is(err, ErrPathEscape) {
		t.Fatalf("%v", err)
	}
}

func TestRestoreCurrentRunDefaults(t *testing.T) {
	src := t.TempDir()
	writeTestFile(t, filepath.Join(src, "cfg.json"), "{}")
	run, _ := saveTestRun(t)
	if currentRun() != run {
		t.Skip("the run is not current")
	}
	if _, err := run.Save(filepath.Join(src, "cfg.json"), BasePath(src)); err != nil {
		t.Fatal(err)
	}
	f, err := Restore(context.Background(), "cfg.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if want := filepath.Join(run.Dir(), "cfg.json"); f.Name() != want {
		t.Fatalf("restored to %s, want %s", f.Name(), want)
	}
}

func ExampleRun_Save() {
	dir, _ := os.MkdirTemp("", "save-example")
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755)
	os.WriteFile(filepath.Join(dir, "checkpoints", "epoch1.pt"), []byte("weights"), 0o644)

	run, err := Init(context.Background(), WithDir(dir), WithMode(ModeOffline), WithSignalHandler(false), WithWarnings(io.Discard))
	if err != nil {
		panic(err)
	}
	defer run.Finish(0)
	paths, err := run.Save(filepath.Join(dir, "checkpoints", "*.pt"), BasePath(dir), Policy(SaveEnd))
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		rel, _ := filepath.Rel(run.Dir(), p)
		fmt.Println(filepath.ToSlash(rel))
	}
	// Output: checkpoints/epoch1.pt
}
