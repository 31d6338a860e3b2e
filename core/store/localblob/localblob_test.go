package localblob_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
)

func newDir(t *testing.T) (*localblob.Dir, string) {
	root := t.TempDir()
	d, err := localblob.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return d, root
}

func TestPutGetStatDeleteList(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t)
	content := "hello blob"
	sum := md5.Sum([]byte(content))
	n, m, err := d.Put(ctx, "alice/p/run1/media/x.txt", strings.NewReader(content))
	if err != nil || n != int64(len(content)) || m != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("Put = %d %q %v", n, m, err)
	}
	rc, err := d.Get(ctx, "alice/p/run1/media/x.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != content {
		t.Fatalf("Get = %q", b)
	}
	// Replace.
	if _, _, err := d.Put(ctx, "alice/p/run1/media/x.txt", strings.NewReader("v2")); err != nil {
		t.Fatal(err)
	}
	if st, err := d.Stat(ctx, "alice/p/run1/media/x.txt"); err != nil || st.Size != 2 || st.Key != "alice/p/run1/media/x.txt" {
		t.Fatalf("Stat = %+v %v", st, err)
	}
	for _, k := range []string{"alice/p/run1/output.log", "alice/p/run2/output.log", "bob/q/r/a"} {
		if _, _, err := d.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	for prefix, want := range map[string][]string{
		"alice/p/run1/": {"alice/p/run1/media/x.txt", "alice/p/run1/output.log"},
		"alice/p/run":   {"alice/p/run1/media/x.txt", "alice/p/run1/output.log", "alice/p/run2/output.log"},
		"":              {"alice/p/run1/media/x.txt", "alice/p/run1/output.log", "alice/p/run2/output.log", "bob/q/r/a"},
		"carol/":        nil,
	} {
		got, err := d.List(ctx, prefix)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("List(%q) = %q, %v; want %q", prefix, got, err, want)
		}
	}
	for range 2 { // idempotent
		if err := d.Delete(ctx, "alice/p/run1/output.log"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Get(ctx, "alice/p/run1/output.log"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if _, err := d.Stat(ctx, "alice/p"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Stat of a directory: %v", err)
	}
}

func TestKeysValidated(t *testing.T) {
	ctx := context.Background()
	d, root := newDir(t)
	for _, k := range []string{"", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a\\b", "a/", "x\x00y", "bad\xff", ".."} {
		if _, _, err := d.Put(ctx, k, strings.NewReader("x")); !errors.Is(err, store.ErrInvalid) || !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("Put(%q) = %v, want ErrInvalid", k, err)
		}
		if _, err := d.Get(ctx, k); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Get(%q) = %v, want ErrInvalid", k, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(root), "x")); err == nil {
		t.Fatal("a key escaped the directory")
	}
}

type failReader struct{ n int }

func (f *failReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("connection reset")
	}
	f.n--
	return copy(p, "partial"), nil
}

func TestFailedPutLeavesOldContent(t *testing.T) {
	ctx := context.Background()
	d, root := newDir(t)
	if _, _, err := d.Put(ctx, "k", strings.NewReader("old")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Put(ctx, "k", &failReader{n: 3}); err == nil {
		t.Fatal("failed upload reported success")
	}
	rc, _ := d.Get(ctx, "k")
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "old" {
		t.Fatalf("content = %q, want old", b)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "tmp")); len(ents) != 0 {
		t.Fatalf("temporary files left: %v", ents)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := d.Put(cctx, "k2", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with cancelled ctx: %v", err)
	}
}

func TestConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	d, _ := newDir(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := strings.Repeat(string(rune('a'+i)), 1<<16)
			if _, _, err := d.Put(ctx, "same/key", strings.NewReader(body)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	rc, err := d.Get(ctx, "same/key")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if len(b) != 1<<16 || strings.Count(string(b), string(b[0])) != len(b) {
		t.Fatal("torn write")
	}
}

// FuzzValidKey: a key ValidKey accepts never leaves the directory.
func FuzzValidKey(f *testing.F) {
	for _, k := range []string{"a/b", "../x", "a/../b", "a//b", "/x", "x/..", "..."} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if localblob.ValidKey(key) != nil {
			return
		}
		root := "/srv/blobs/objects"
		p := filepath.Join(root, filepath.FromSlash(key))
		if !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Fatalf("key %q escapes to %q", key, p)
		}
	})
}
