package query_test

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/query"
	"github.com/gowandb/wandb/core/store"
)

func TestFilesDownload(t *testing.T) {
	e := startServer(t)
	sr := e.seedRun(t, "alice", "p", "f", nil, `{}`, store.StateFinished, nil, nil)
	e.seedFile(t, sr, "model.txt", "weights v1")
	e.seedFile(t, sr, "media/images/x.png", "\x89PNG fake")
	c := e.client(t, aliceKey)
	ctx := t.Context()
	r, err := c.Run(ctx, "alice/p/f")
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Files(ctx)
	if err != nil || len(files) != 2 || files[0].Name != "media/images/x.png" || files[1].Name != "model.txt" ||
		files[1].Size != 10 || files[1].MD5 == "" || !strings.Contains(files[1].URL, "/files/download/") {
		t.Fatalf("files %+v %v", files, err)
	}
	root := t.TempDir()
	for _, f := range files {
		p, err := f.Download(ctx, root, false)
		if err != nil {
			t.Fatal(err)
		}
		if p != filepath.Join(root, filepath.FromSlash(f.Name)) {
			t.Errorf("downloaded to %s", p)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, "model.txt")); string(b) != "weights v1" {
		t.Errorf("content %q", b)
	}
	// Existing files are kept unless replace.
	e.seedFile(t, sr, "model.txt", "weights v2")
	f, err := r.File(ctx, "model.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Download(ctx, root, false); !errors.Is(err, query.ErrFileExists) || !errors.Is(err, fs.ErrExist) {
		t.Errorf("no replace: %v", err)
	}
	if _, err := f.Download(ctx, root, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "model.txt")); string(b) != "weights v2" {
		t.Errorf("replaced content %q", b)
	}
	if _, err := r.File(ctx, "nope.txt"); !errors.Is(err, query.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}

	// The URL needs no credentials and serves ranges.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	req.Header.Set("Range", "bytes=8-9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(b) != "v2" {
		t.Errorf("range: %d %q", resp.StatusCode, b)
	}
	// A tampered token, an upload-style token and an expired token are refused.
	for _, u := range []string{f.URL + "x", strings.Replace(f.URL, "/files/download/", "/files/download/e", 1)} {
		if code := get(t, u); code != http.StatusForbidden {
			t.Errorf("%s: %d", u, code)
		}
	}
	e.clock.Add(int64(2 * time.Hour / time.Second))
	if code := get(t, f.URL); code != http.StatusForbidden {
		t.Errorf("expired: %d", code)
	}
	if _, err := f.Download(ctx, root, true); !errors.Is(err, query.ErrForbidden) {
		t.Errorf("expired download: %v", err)
	}
	// Names that would escape the root are refused before any request.
	bad := *f
	bad.Name = "../evil"
	if _, err := bad.Download(ctx, root, true); !errors.Is(err, query.ErrInvalid) {
		t.Errorf("escaping name: %v", err)
	}
}

func get(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
