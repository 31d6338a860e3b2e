package artifact

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testOpts gives an artifact its own cache and staging directory.
func testOpts(t *testing.T, more ...Option) []Option {
	t.Helper()
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return append([]Option{WithCache(c), WithStagingDir(t.TempDir())}, more...)
}

func newTest(t *testing.T, more ...Option) *Artifact {
	t.Helper()
	a, err := New("data", "dataset", testOpts(t, more...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const helloMD5 = "XUFAKrxLKna5cZ2REBfFkg==" // base64 MD5 of "hello"

func TestNewValidates(t *testing.T) {
	if _, err := New("a/b", "dataset"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := New("a", "wandb-x"); !errors.Is(err, ErrInvalid) {
		t.Errorf("reserved type: %v", err)
	}
	md := map[string]any{}
	for i := range 101 {
		md[string(rune('a'+i%26))+strings.Repeat("x", i)] = i
	}
	if _, err := New("a", "t", WithMetadata(md)); !errors.Is(err, ErrInvalid) {
		t.Errorf("101 metadata keys: %v", err)
	}
}

func TestAddFileMutableIsCopiedImmutableIsNot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := writeFile(t, filepath.Join(dir, "x.txt"), "hello")
	a := newTest(t)
	e, err := a.AddFile(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if e.Path != "x.txt" || e.Digest != helloMD5 || e.Size != 5 || e.LocalPath == src {
		t.Fatalf("mutable entry = %+v: want a staged copy of hello", e)
	}
	writeFile(t, src, "changed")
	if got, _ := os.ReadFile(e.LocalPath); string(got) != "hello" {
		t.Errorf("staged copy changed with the source: %q", got)
	}

	b := newTest(t)
	writeFile(t, src, "hello")
	ie, err := b.AddFile(ctx, src, WithPolicy(Immutable), Name("sub/y.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if ie.LocalPath != src || ie.Path != "sub/y.txt" {
		t.Errorf("immutable entry = %+v", ie)
	}
	// Edited before logging: sealing detects it and names the file.
	writeFile(t, src, "HELLO")
	if _, err := b.Seal(ctx); !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "changed after it was added") {
		t.Errorf("Seal after edit = %v", err)
	}
	// A failed seal leaves a draft: put the content back and seal again.
	if b.Finalized() {
		t.Error("a failed Seal finalized the artifact")
	}
	writeFile(t, src, "hello")
	if _, err := b.Seal(ctx); err != nil {
		t.Errorf("Seal after restoring the file: %v", err)
	}
}

func TestSealStagesIntoCacheAndFinalizes(t *testing.T) {
	ctx := context.Background()
	src := writeFile(t, filepath.Join(t.TempDir(), "x.txt"), "hello")
	a := newTest(t)
	if _, err := a.AddFile(ctx, src); err != nil {
		t.Fatal(err)
	}
	m, err := a.Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := m.Get("x.txt")
	if want, _ := a.cfg.cache.ObjectPath(helloMD5); e.LocalPath != want {
		t.Errorf("LocalPath = %s, want the cache object %s", e.LocalPath, want)
	}
	writeFile(t, src, "changed")
	if got, _ := os.ReadFile(e.LocalPath); string(got) != "hello" {
		t.Errorf("cached copy = %q", got)
	}
	if _, err := a.AddFile(ctx, src, Name("y")); !errors.Is(err, ErrFinalized) {
		t.Errorf("AddFile after Seal = %v", err)
	}
	if err := a.Remove("x.txt"); !errors.Is(err, ErrFinalized) {
		t.Errorf("Remove after Seal = %v", err)
	}
}

func TestAddFileRules(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := newTest(t)
	h := writeFile(t, filepath.Join(dir, "h"), "hello")
	w := writeFile(t, filepath.Join(dir, "w"), "world")
	if _, err := a.AddFile(ctx, h, Name("f")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddFile(ctx, h, Name("f")); err != nil {
		t.Errorf("same content again: %v", err)
	}
	if _, err := a.AddFile(ctx, w, Name("f")); !errors.Is(err, ErrInvalid) {
		t.Errorf("other content without overwrite: %v", err)
	}
	if e, err := a.AddFile(ctx, w, Name("f"), Overwrite(true)); err != nil || e.Digest == helloMD5 {
		t.Errorf("overwrite: %+v %v", e, err)
	}
	tmp, err := a.AddFile(ctx, h, Name("d/model.bin"), IsTmp(true))
	if err != nil || tmp.Path != "d/5d41402abc4b2a76b971.bin" {
		t.Errorf("is_tmp entry = %q, %v", tmp.Path, err)
	}
	for _, bad := range []string{"/abs", "../up", "a/../../b", `a\b`, "a\x00b", "a//b", "."} {
		if _, err := a.AddFile(ctx, h, Name(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Name(%q) accepted: %v", bad, err)
		}
	}
	if _, err := a.AddFile(ctx, dir); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddFile(dir) = %v", err)
	}
	if _, err := a.AddFile(ctx, h, WithPolicy("sometimes")); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad policy = %v", err)
	}
	if _, err := a.AddFile(ctx, filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file = %v", err)
	}
}

func TestAddDirFollowsLinksAndRefusesCycles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	ctx := context.Background()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.txt"), "hello")
	writeFile(t, filepath.Join(root, "sub", "b.txt"), "world")
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "c.txt"), "hello")
	if err := os.Symlink(other, filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a.txt"), filepath.Join(root, "alink.txt")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "dangling"))

	a := newTest(t, WithWorkers(3))
	ents, err := a.AddDir(ctx, root, Name("pre"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range a.Entries() {
		paths = append(paths, e.Path)
	}
	want := "pre/a.txt pre/alink.txt pre/linked/c.txt pre/sub/b.txt"
	if strings.Join(paths, " ") != want || len(ents) != 4 {
		t.Errorf("entries = %v, want %s", paths, want)
	}
	if e, _ := a.GetEntry("pre/linked/c.txt"); e.Digest != helloMD5 {
		t.Errorf("linked file digest = %s", e.Digest)
	}

	if err := os.Symlink(root, filepath.Join(root, "sub", "loop")); err != nil {
		t.Fatal(err)
	}
	b := newTest(t)
	if _, err := b.AddDir(ctx, root); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
	if len(b.Entries()) != 0 {
		t.Error("a failed AddDir left entries")
	}
}

func TestNewFileRemoveGetEntry(t *testing.T) {
	ctx := context.Background()
	a := newTest(t)
	w, err := a.NewFile("notes/readme.md")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "hel")
	io.WriteString(w, "lo")
	if _, err := a.GetEntry("notes/readme.md"); !errors.Is(err, ErrNoEntry) {
		t.Errorf("entry before Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	e, err := a.GetEntry("notes/readme.md")
	if err != nil || e.Digest != helloMD5 || e.Size != 5 {
		t.Fatalf("GetEntry = %+v, %v", e, err)
	}
	if _, err := a.NewFile("../escape"); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewFile(../escape) = %v", err)
	}
	if _, err := a.NewFile("notes/readme.md"); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewFile over an entry = %v", err)
	}
	w2, _ := a.NewFile("notes/other.md")
	io.WriteString(w2, "x")
	w2.Close()
	src := writeFile(t, filepath.Join(t.TempDir(), "top"), "world")
	a.AddFile(ctx, src)
	if err := a.Remove("notes"); err != nil {
		t.Fatal(err)
	}
	if n := len(a.Entries()); n != 1 {
		t.Errorf("after Remove(notes): %d entries, want 1", n)
	}
	if _, err := os.Stat(e.LocalPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staged copy of a removed entry kept: %v", err)
	}
	if err := a.Remove(""); !errors.Is(err, ErrNoEntry) {
		t.Errorf("Remove(\"\") = %v", err)
	}
	if err := a.Remove("nope"); !errors.Is(err, ErrNoEntry) {
		t.Errorf("Remove(nope) = %v", err)
	}
}
