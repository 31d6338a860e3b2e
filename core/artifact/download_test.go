package artifact_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/artifacttest"
)

// logged builds and logs an artifact with a.txt=hello and d/b.txt=world to
// a memRemote, and returns the remote and the version.
func logged(t *testing.T) (*artifacttest.Remote, artifact.Version) {
	t.Helper()
	ctx := context.Background()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "a.txt"), "hello")
	writeFile(t, filepath.Join(src, "d", "b.txt"), "world")
	a := newTest(t)
	if _, err := a.AddDir(ctx, src); err != nil {
		t.Fatal(err)
	}
	r := artifacttest.New()
	res, err := a.LogTo(ctx, r, artifact.Scope{Entity: "e", Project: "p", Run: "r1"}, []string{"best"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Existing || res.Version.Index != 0 || !a.Finalized() {
		t.Fatalf("LogTo = %+v", res)
	}
	return r, res.Version
}

func resolved(t *testing.T, r *artifacttest.Remote, path string) *artifact.Artifact {
	t.Helper()
	p, err := artifact.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.Resolve(context.Background(), p, artifact.Scope{Entity: "e", Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	a := artifact.FromVersion(v, testOpts(t, artifact.WithRemote(r))...)
	caches[a] = lastCache
	return a
}

func TestDownloadFromServerThenCache(t *testing.T) {
	ctx := context.Background()
	r, _ := logged(t)
	a := resolved(t, r, "data:best")
	root := filepath.Join(t.TempDir(), "out")
	var last, total int64
	got, err := a.Download(ctx, root, artifact.WithProgress(func(d, tot int64) { last, total = d, tot }))
	if err != nil {
		t.Fatal(err)
	}
	if got != root || last != 10 || total != 10 {
		t.Errorf("root %s, progress %d/%d", got, last, total)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "d", "b.txt")); string(b) != "world" {
		t.Errorf("d/b.txt = %q", b)
	}
	if r.Opens() != 2 {
		t.Errorf("server opens = %d, want 2", r.Opens())
	}
	// A second root comes from the cache alone.
	if _, err := a.Download(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if r.Opens() != 2 {
		t.Errorf("server opens after a cached download = %d, want 2", r.Opens())
	}
	if err := a.Verify(ctx, root); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestDownloadRefetchesCorruptedCacheObject(t *testing.T) {
	ctx := context.Background()
	r, _ := logged(t)
	a := resolved(t, r, "data:v0")
	if _, err := a.Download(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	p := cacheObject(t, a)
	if err := os.WriteFile(p, []byte("jello"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if _, err := a.Download(ctx, root); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "a.txt")); string(b) != "hello" {
		t.Errorf("a.txt = %q after a corrupted cache", b)
	}
	if r.Opens() != 3 {
		t.Errorf("server opens = %d, want 3 (one refetch)", r.Opens())
	}
	if b, _ := os.ReadFile(p); string(b) != "hello" {
		t.Errorf("cache object not repaired: %q", b)
	}
}

func TestDownloadWithoutServerUsesLoggedCopies(t *testing.T) {
	ctx := context.Background()
	src := writeFile(t, filepath.Join(t.TempDir(), "x.txt"), "hello")
	a := newTest(t)
	a.AddFile(ctx, src)
	if _, err := a.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if _, err := a.Download(ctx, root); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "x.txt")); string(b) != "hello" {
		t.Errorf("x.txt = %q", b)
	}
	// Nothing cached, no server: an error naming the entry.
	b := artifact.FromVersion(artifact.Version{Name: "data", Manifest: noLocal(a.Manifest())}, testOpts(t)...)
	if _, err := b.Download(ctx, t.TempDir()); !errors.Is(err, artifact.ErrNotFound) || !strings.Contains(err.Error(), "x.txt") {
		t.Errorf("Download with nothing to fetch from = %v", err)
	}
}

func TestCheckoutAndVerify(t *testing.T) {
	ctx := context.Background()
	r, _ := logged(t)
	a := resolved(t, r, "e/p/data:latest")
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "stray.txt"), "x")
	writeFile(t, filepath.Join(root, "junk", "deep", "y"), "y")
	writeFile(t, filepath.Join(root, "a.txt"), "stale content")
	if _, err := a.Download(ctx, root); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "a.txt")); string(b) != "hello" {
		t.Errorf("Download did not replace a stale file: %q", b)
	}
	var ve *artifact.VerifyError
	if err := a.Verify(ctx, root); !errors.As(err, &ve) || ve.Path != "junk/deep/y" || !strings.Contains(ve.Reason, "extra") {
		t.Errorf("Verify with extra files = %v", err)
	}
	if _, err := a.Checkout(ctx, root); err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(ctx, root); err != nil {
		t.Errorf("Verify after Checkout: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "junk")); !errors.Is(err, os.ErrNotExist) {
		t.Error("Checkout left an emptied directory")
	}
	writeFile(t, filepath.Join(root, "d", "b.txt"), "WORLD")
	if err := a.Verify(ctx, root); !errors.As(err, &ve) || ve.Path != "d/b.txt" || !strings.Contains(ve.Reason, "digest") {
		t.Errorf("Verify of a changed file = %v", err)
	}
	os.Remove(filepath.Join(root, "a.txt"))
	if err := a.Verify(ctx, root); !errors.Is(err, artifact.ErrVerify) || !strings.Contains(err.Error(), "a.txt: missing") {
		t.Errorf("Verify of a missing file = %v", err)
	}
}

func TestDownloadCannotWriteThroughLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	ctx := context.Background()
	r, _ := logged(t)
	a := resolved(t, r, "data")
	root, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "d")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Download(ctx, root); err == nil {
		t.Error("Download wrote through a link that leaves the root")
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("files written outside the root: %v", ents)
	}
}

func TestFileAndOpen(t *testing.T) {
	ctx := context.Background()
	r, _ := logged(t)
	a := resolved(t, r, "data")
	root := t.TempDir()
	p, err := a.File(ctx, "d/b.txt", root)
	if err != nil || p != filepath.Join(root, "d", "b.txt") {
		t.Fatalf("File = %s, %v", p, err)
	}
	if _, err := os.Stat(filepath.Join(root, "a.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Error("File downloaded other entries")
	}
	rc, err := a.Open(ctx, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 10)
	n, _ := rc.Read(buf)
	if string(buf[:n]) != "hello" {
		t.Errorf("Open read %q", buf[:n])
	}
	if _, err := a.File(ctx, "nope", root); !errors.Is(err, artifact.ErrNoEntry) {
		t.Errorf("File(nope) = %v", err)
	}
}

func TestDefaultRoot(t *testing.T) {
	_, v := logged(t)
	a := artifact.FromVersion(v)
	t.Setenv("WANDB_ARTIFACT_DIR", "")
	sep := ":"
	if runtime.GOOS == "windows" {
		sep = "-"
	}
	if got := a.DefaultRoot(); got != filepath.Join("artifacts", "data"+sep+"v0") {
		t.Errorf("DefaultRoot = %s", got)
	}
	t.Setenv("WANDB_ARTIFACT_DIR", "/x")
	if got := a.DefaultRoot(); got != filepath.Join("/x", "data"+sep+"v0") {
		t.Errorf("DefaultRoot with WANDB_ARTIFACT_DIR = %s", got)
	}
}

const helloMD5 = "XUFAKrxLKna5cZ2REBfFkg==" // base64 MD5 of "hello"

var caches = map[*artifact.Artifact]*artifact.Cache{}

// testOpts gives an artifact its own cache and staging directory.
func testOpts(t *testing.T, more ...artifact.Option) []artifact.Option {
	t.Helper()
	c, err := artifact.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lastCache = c
	return append([]artifact.Option{artifact.WithCache(c), artifact.WithStagingDir(t.TempDir())}, more...)
}

var lastCache *artifact.Cache

func newTest(t *testing.T) *artifact.Artifact {
	t.Helper()
	a, err := artifact.New("data", "dataset", testOpts(t)...)
	if err != nil {
		t.Fatal(err)
	}
	caches[a] = lastCache
	return a
}

// cacheObject is the cache path of "hello" in a's cache.
func cacheObject(t *testing.T, a *artifact.Artifact) string {
	t.Helper()
	p, err := caches[a].ObjectPath(helloMD5)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func noLocal(m *artifact.Manifest) *artifact.Manifest {
	for p, e := range m.Contents {
		e.LocalPath = ""
		m.Contents[p] = e
	}
	return m
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

// A manifest from a hostile server cannot make Download write outside
// the root.
func TestDownloadRefusesEscapingEntryPaths(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []string{"../evil", "/etc/evil", `a\..\..\evil`, "a/../../evil"} {
		m := artifact.NewManifest()
		m.Contents[bad] = artifact.Entry{Digest: helloMD5, Size: 5}
		a := artifact.FromVersion(artifact.Version{Name: "x", Manifest: m}, testOpts(t)...)
		parent := t.TempDir()
		root := filepath.Join(parent, "root")
		if _, err := a.Download(ctx, root); !errors.Is(err, artifact.ErrInvalid) {
			t.Errorf("entry %q: Download = %v, want ErrInvalid", bad, err)
		}
		if ents, _ := os.ReadDir(parent); len(ents) != 1 {
			t.Errorf("entry %q: wrote beside the root: %v", bad, ents)
		}
	}
}
