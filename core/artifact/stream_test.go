package artifact

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// diskRemote serves entries from files on disk, so that what a download
// allocates is the client's own.
type diskRemote struct{ files map[string]string } // digest → path

func (d diskRemote) Log(context.Context, LogRequest) (LogResult, error) { return LogResult{}, nil }
func (d diskRemote) Resolve(context.Context, Path, Scope) (Version, error) {
	return Version{}, ErrNotFound
}
func (d diskRemote) Use(context.Context, Version, Scope) error { return nil }
func (d diskRemote) Open(_ context.Context, _ Version, e Entry) (io.ReadCloser, error) {
	return os.Open(d.files[e.Digest])
}

// A large file goes through add, seal, download from the server and
// verify in bounded memory: allocations stay far below the file's size.
func TestLargeFileStreamsInBoundedMemory(t *testing.T) {
	size := int64(64 << 20)
	if testing.Short() {
		size = 16 << 20
	}
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	a := newTest(t)
	e, err := a.AddFile(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	m, err := a.Seal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := m.Get("big.bin")
	// Another machine: an empty cache, the bytes come from the "server".
	b := FromVersion(Version{Name: "data", Index: 0, Manifest: m}, testOpts(t, WithRemote(diskRemote{map[string]string{e.Digest: sealed.LocalPath}}))...)
	bm := b.manifest
	be := bm.Contents["big.bin"]
	be.LocalPath = ""
	bm.Contents["big.bin"] = be
	root := t.TempDir()
	if _, err := b.Download(ctx, root); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(ctx, root); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(size)/4 {
		t.Errorf("allocated %d bytes for a %d-byte file", alloc, size)
	} else {
		t.Logf("allocated %d bytes for a %d-byte file", alloc, size)
	}
	if st, err := os.Stat(filepath.Join(root, "big.bin")); err != nil || st.Size() != size {
		t.Errorf("downloaded: %v", err)
	}
}

// Two runs logging the same content at once share one cache object.
func TestConcurrentSealsShareTheCache(t *testing.T) {
	ctx := context.Background()
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for i := range 20 {
		writeFile(t, filepath.Join(src, "f", string(rune('a'+i))), string(rune('a'+i))+"content")
	}
	var wg sync.WaitGroup
	digests := make([]string, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := []AddOption{}
			if i%2 == 1 {
				opts = append(opts, WithPolicy(Immutable))
			}
			a, err := New("data", "dataset", WithCache(c), WithStagingDir(t.TempDir()))
			if err == nil {
				_, err = a.AddDir(ctx, src, opts...)
			}
			if err == nil {
				_, err = a.Seal(ctx)
			}
			if err == nil {
				_, err = a.Download(ctx, t.TempDir())
			}
			digests[i], errs[i] = a.Digest(), err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if digests[i] != digests[0] {
			t.Errorf("digests differ: %v", digests)
		}
	}
	res, err := c.Cleanup(ctx, 1<<40)
	if err != nil || res.Remaining != 20 {
		t.Errorf("cache holds %d objects, want 20 (%v)", res.Remaining, err)
	}
}
