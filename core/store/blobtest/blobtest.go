// Package blobtest is the conformance suite for store.Blobs
// implementations: the local directory (package localblob) and the
// S3-compatible bucket (package s3blob) run the same tests through Run, so
// that the server behaves the same over either. Modelled on storetest.
package blobtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

// Option configures Run.
type Option func(*config)

type config struct{ largeSize int64 }

// WithLargeSize sets the size of the large streamed blob (default 24 MiB:
// above the part size of multipart uploads).
func WithLargeSize(n int64) Option { return func(c *config) { c.largeSize = n } }

// Run runs the suite. newBlobs returns an empty store; it registers its
// own cleanup with t.
func Run(t *testing.T, newBlobs func(t *testing.T) store.Blobs, opts ...Option) {
	c := config{largeSize: 24 << 20}
	for _, o := range opts {
		o(&c)
	}
	tests := []struct {
		name string
		fn   func(*testing.T, store.Blobs)
	}{
		{"PutGetStat", testPutGet},
		{"EmptyBlob", testEmpty},
		{"PutReplaces", testReplace},
		{"DeleteIsIdempotent", testDelete},
		{"ListByPrefix", testList},
		{"InvalidKeys", testInvalidKeys},
		{"CancelledPutKeepsOldContent", testCancelledPut},
		{"ConcurrentPuts", testConcurrent},
		{"LargeStreamedBlob", func(t *testing.T, b store.Blobs) { testLarge(t, b, c.largeSize) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newBlobs(t)) })
	}
}

func md5b64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func put(t *testing.T, b store.Blobs, key, content string) {
	t.Helper()
	n, sum, err := b.Put(context.Background(), key, strings.NewReader(content))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if n != int64(len(content)) || sum != md5b64([]byte(content)) {
		t.Fatalf("Put(%q) = %d, %q; want %d, %q", key, n, sum, len(content), md5b64([]byte(content)))
	}
}

func get(t *testing.T, b store.Blobs, key string) string {
	t.Helper()
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): reading: %v", key, err)
	}
	return string(data)
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
	if !strings.HasPrefix(err.Error(), "store: ") {
		t.Fatalf("%s: err %q lacks the \"store: \" prefix", what, err)
	}
}

func testPutGet(t *testing.T, b store.Blobs) {
	ctx := context.Background()
	const key, content = "alice/p/run1/media/images/x.png", "hello blob \x00\xff"
	put(t, b, key, content)
	if got := get(t, b, key); got != content {
		t.Fatalf("Get = %q, want %q", got, content)
	}
	st, err := b.Stat(ctx, key)
	if err != nil || st.Key != key || st.Size != int64(len(content)) || st.ModTime.IsZero() {
		t.Fatalf("Stat = %+v, %v", st, err)
	}
	_, err = b.Get(ctx, "alice/p/run1/nope")
	wantErr(t, "Get of a missing key", err, store.ErrNotFound)
	_, err = b.Stat(ctx, "alice/p/run1/nope")
	wantErr(t, "Stat of a missing key", err, store.ErrNotFound)
	_, err = b.Stat(ctx, "alice/p/run1/media")
	wantErr(t, "Stat of a key prefix", err, store.ErrNotFound)
	_, err = b.Get(ctx, "alice/p/run1/media")
	wantErr(t, "Get of a key prefix", err, store.ErrNotFound)
}

func testEmpty(t *testing.T, b store.Blobs) {
	put(t, b, "a/empty", "")
	if got := get(t, b, "a/empty"); got != "" {
		t.Fatalf("Get = %q", got)
	}
	if st, err := b.Stat(context.Background(), "a/empty"); err != nil || st.Size != 0 {
		t.Fatalf("Stat = %+v, %v", st, err)
	}
}

func testReplace(t *testing.T, b store.Blobs) {
	put(t, b, "a/b/output.log", "version one, longer")
	put(t, b, "a/b/output.log", "v2")
	if got := get(t, b, "a/b/output.log"); got != "v2" {
		t.Fatalf("Get after replace = %q", got)
	}
	if st, err := b.Stat(context.Background(), "a/b/output.log"); err != nil || st.Size != 2 {
		t.Fatalf("Stat after replace = %+v, %v", st, err)
	}
}

func testDelete(t *testing.T, b store.Blobs) {
	ctx := context.Background()
	put(t, b, "a/b/c", "x")
	put(t, b, "a/b/d", "y")
	for range 2 {
		if err := b.Delete(ctx, "a/b/c"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	_, err := b.Get(ctx, "a/b/c")
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	if err := b.Delete(ctx, "never/was"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if got := get(t, b, "a/b/d"); got != "y" {
		t.Fatalf("a sibling was touched: %q", got)
	}
}

func testList(t *testing.T, b store.Blobs) {
	ctx := context.Background()
	all := []string{"alice/p/run1/media/x.txt", "alice/p/run1/output.log", "alice/p/run2/output.log", "alice/p/run10/a", "bob/q/r/a"}
	for _, k := range all {
		put(t, b, k, k)
	}
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"alice/p/run1/", []string{"alice/p/run1/media/x.txt", "alice/p/run1/output.log"}},
		{"alice/p/run1", []string{"alice/p/run1/media/x.txt", "alice/p/run1/output.log", "alice/p/run10/a"}},
		{"alice/p/run", []string{"alice/p/run1/media/x.txt", "alice/p/run1/output.log", "alice/p/run10/a", "alice/p/run2/output.log"}},
		{"", []string{"alice/p/run1/media/x.txt", "alice/p/run1/output.log", "alice/p/run10/a", "alice/p/run2/output.log", "bob/q/r/a"}},
		{"carol/", nil},
		{"bob/q/r/a", []string{"bob/q/r/a"}},
	} {
		got, err := b.List(ctx, c.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", c.prefix, err)
		}
		if len(got) != 0 || len(c.want) != 0 {
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
			}
		}
	}
}

// BadKeys are keys every implementation rejects with ErrInvalid.
var BadKeys = []string{"", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../etc/passwd", `a\b`, "a\x00b", "a\nb", "\xff", strings.Repeat("k", 1025)}

func testInvalidKeys(t *testing.T, b store.Blobs) {
	ctx := context.Background()
	for _, k := range BadKeys {
		_, _, err := b.Put(ctx, k, strings.NewReader("x"))
		wantErr(t, fmt.Sprintf("Put(%q)", k), err, store.ErrInvalid)
		_, err = b.Get(ctx, k)
		wantErr(t, fmt.Sprintf("Get(%q)", k), err, store.ErrInvalid)
		_, err = b.Stat(ctx, k)
		wantErr(t, fmt.Sprintf("Stat(%q)", k), err, store.ErrInvalid)
		wantErr(t, fmt.Sprintf("Delete(%q)", k), b.Delete(ctx, k), store.ErrInvalid)
	}
	if keys, err := b.List(ctx, ""); err != nil || len(keys) != 0 {
		t.Fatalf("rejected puts stored %q (%v)", keys, err)
	}
}

// failingReader yields n bytes, then cancels the context and keeps
// yielding: a Put must stop with an error.
type cancellingReader struct {
	n      int
	cancel context.CancelFunc
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		r.cancel()
	}
	for i := range p {
		p[i] = 'z'
	}
	r.n -= len(p)
	return len(p), nil
}

func testCancelledPut(t *testing.T, b store.Blobs) {
	put(t, b, "a/f", "old")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, _, err := b.Put(ctx, "a/f", &cancellingReader{n: 64 << 10, cancel: cancel}); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	if got := get(t, b, "a/f"); got != "old" {
		t.Fatalf("a cancelled Put changed the blob: %d bytes", len(got))
	}
	if _, _, err := b.Put(ctx, "a/g", &cancellingReader{n: 0, cancel: cancel}); err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	if _, err := b.Stat(context.Background(), "a/g"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a cancelled Put created the blob: %v", err)
	}
}

func testConcurrent(t *testing.T, b store.Blobs) {
	const writers = 8
	contents := make([]string, writers)
	for i := range contents {
		contents[i] = strings.Repeat(string(rune('a'+i)), 100_000+i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for i := range writers {
		wg.Add(2)
		go func() { // all to one key
			defer wg.Done()
			if _, _, err := b.Put(context.Background(), "shared/key", strings.NewReader(contents[i])); err != nil {
				errs <- err
			}
		}()
		go func() { // each to its own
			defer wg.Done()
			if _, _, err := b.Put(context.Background(), fmt.Sprintf("own/%d", i), strings.NewReader(contents[i])); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := get(t, b, "shared/key")
	found := false
	for _, c := range contents {
		found = found || got == c
	}
	if !found {
		t.Fatalf("concurrent Puts left a mixed blob of %d bytes", len(got))
	}
	for i := range writers {
		if g := get(t, b, fmt.Sprintf("own/%d", i)); g != contents[i] {
			t.Fatalf("own/%d: %d bytes", i, len(g))
		}
	}
}

// patternReader yields n deterministic bytes without holding them.
type patternReader struct{ off, n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off)]
	for i := range p {
		x := uint64(r.off + int64(i))
		p[i] = byte(x ^ x>>8 ^ x>>17)
	}
	r.off += int64(len(p))
	return len(p), nil
}

func testLarge(t *testing.T, b store.Blobs, size int64) {
	ctx := context.Background()
	h := md5.New()
	if _, err := io.Copy(h, &patternReader{n: size}); err != nil {
		t.Fatal(err)
	}
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	n, sum, err := b.Put(ctx, "big/blob.bin", &patternReader{n: size})
	if err != nil || n != size || sum != want {
		t.Fatalf("Put = %d, %q, %v; want %d, %q", n, sum, err, size, want)
	}
	rc, err := b.Get(ctx, "big/blob.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	// Compare as a stream, a buffer at a time.
	exp := &patternReader{n: size}
	bufA, bufB := make([]byte, 64<<10), make([]byte, 64<<10)
	var off int64
	for {
		na, errA := io.ReadFull(rc, bufA)
		nb, _ := io.ReadFull(exp, bufB[:na])
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			t.Fatalf("content differs near byte %d", off)
		}
		off += int64(na)
		if errA == io.EOF || errA == io.ErrUnexpectedEOF {
			break
		}
		if errA != nil {
			t.Fatal(errA)
		}
	}
	if off != size {
		t.Fatalf("read %d bytes, want %d", off, size)
	}
}
