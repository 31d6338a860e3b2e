package artifact

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A logged artifact's cached files survive a cleanup until it is
// committed: the run log names them as the files to upload.
func TestPinKeepsUncommittedFilesThroughCleanup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("link counts are not read on Windows")
	}
	ctx := context.Background()
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, err := New("data", "dataset", WithCache(c), WithStagingDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddFile(ctx, writeFile(t, filepath.Join(t.TempDir(), "x.txt"), "hello")); err != nil {
		t.Fatal(err)
	}
	req, err := a.NewLogRequest(ctx, Scope{Entity: "e", Project: "p", Run: "r"}, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Pin(req); err != nil {
		t.Fatal(err)
	}
	// Another object, not pinned, in the same cache.
	other, err := New("other", "dataset", WithCache(c), WithStagingDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.AddFile(ctx, writeFile(t, filepath.Join(t.TempDir(), "y.txt"), "bye")); err != nil {
		t.Fatal(err)
	}
	oreq, err := other.NewLogRequest(ctx, Scope{Project: "p"}, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := req.Manifest.Entries()[0]
	oe := oreq.Manifest.Entries()[0]

	res, err := c.Cleanup(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pinned != 1 || res.Removed != 1 {
		t.Fatalf("cleanup %+v, want 1 pinned kept and 1 removed", res)
	}
	if b, err := os.ReadFile(e.LocalPath); err != nil || string(b) != "hello" {
		t.Fatalf("the pinned file: %q %v", b, err)
	}
	if _, err := os.Stat(oe.LocalPath); !os.IsNotExist(err) {
		t.Fatalf("the unpinned file: %v, want removed", err)
	}

	// Committed: the pin goes, and the next cleanup may remove the file.
	if err := UnpinCommitted(req); err != nil {
		t.Fatal(err)
	}
	if res, err := c.Cleanup(ctx, 0); err != nil || res.Removed != 1 || res.Pinned != 0 {
		t.Fatalf("cleanup after commit: %+v %v", res, err)
	}
	if _, err := os.Stat(e.LocalPath); !os.IsNotExist(err) {
		t.Fatalf("after commit and cleanup: %v", err)
	}
	if err := c.Unpin("../x"); err == nil {
		t.Error("a pin name with a path was accepted")
	}
}
