package artifact

import (
	"context"
	"crypto/md5"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCacheLayoutAndEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("WANDB_CACHE_DIR", dir)
	c, err := OpenCache("")
	if err != nil {
		t.Fatal(err)
	}
	_, _, p, err := c.Put(context.Background(), strings.NewReader("hello"), helloMD5)
	if err != nil {
		t.Fatal(err)
	}
	// hex MD5 of "hello" = 5d41402abc4b2a76b9719d911017c592
	want := filepath.Join(dir, "artifacts", "obj", "md5", "5d", "41402abc4b2a76b9719d911017c592")
	if p != want {
		t.Errorf("object at %s, want %s", p, want)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "artifacts", "tmp")); len(ents) != 0 {
		t.Errorf("tmp/ not empty after Put: %d files", len(ents))
	}
	// The reference key of §6.6.
	rp := c.refPath("s3://b/k", "etag")
	if !strings.HasPrefix(rp, filepath.Join(dir, "artifacts", "obj", "etag")+string(filepath.Separator)) || len(filepath.Base(rp)) != 62 {
		t.Errorf("ref path = %s", rp)
	}
}

func TestCachePutRejectsWrongContent(t *testing.T) {
	c, _ := OpenCache(t.TempDir())
	_, _, _, err := c.Put(context.Background(), strings.NewReader("hellO"), helloMD5)
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("Put of other bytes = %v", err)
	}
	if c.Has(helloMD5, 5) {
		t.Error("a mismatching object was installed")
	}
	if ents, _ := os.ReadDir(filepath.Join(c.Dir(), "tmp")); len(ents) != 0 {
		t.Error("temporary file left behind")
	}
}

func TestCacheLookupDetectsCorruption(t *testing.T) {
	ctx := context.Background()
	c, _ := OpenCache(t.TempDir())
	_, _, p, err := c.Put(ctx, strings.NewReader("hello"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Lookup(ctx, helloMD5, 5); !ok {
		t.Fatal("intact object missed")
	}
	os.WriteFile(p, []byte("jello"), 0o644) // same size, other bytes
	if _, ok, err := c.Lookup(ctx, helloMD5, 5); ok || err != nil {
		t.Fatalf("corrupted object trusted: ok=%v err=%v", ok, err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Error("corrupted object not removed")
	}
}

func TestCacheConcurrentWritersShareOneObject(t *testing.T) {
	dir := t.TempDir()
	// Two Cache values on one directory behave as two processes would.
	c1, _ := OpenCache(dir)
	c2, _ := OpenCache(dir)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _, err := c.Put(context.Background(), strings.NewReader(strings.Repeat("hello", 100000)), "")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	filepath.WalkDir(filepath.Join(dir, "artifacts", "obj"), func(p string, d os.DirEntry, err error) error {
		if d != nil && !d.IsDir() {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Errorf("%d objects, want 1", n)
	}
}

func TestCacheCleanupRemovesLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	c, _ := OpenCache(t.TempDir())
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	var digests []string
	for i, s := range []string{"aaaa", "bbbb", "cccc"} {
		now = now.Add(time.Hour)
		d, _, _, err := c.Put(ctx, strings.NewReader(s), "")
		if err != nil {
			t.Fatal(err)
		}
		p, _ := c.ObjectPath(d)
		c.touch(p)
		digests = append(digests, d)
		_ = i
	}
	// Using the oldest makes the second the least recently used.
	now = now.Add(time.Hour)
	if _, ok, _ := c.Lookup(ctx, digests[0], 4); !ok {
		t.Fatal("miss")
	}
	res, err := c.Cleanup(ctx, 8)
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 1 || res.FreedBytes != 4 || res.Remaining != 2 || res.BytesInCache != 8 {
		t.Errorf("cleanup = %+v", res)
	}
	if c.Has(digests[1], 4) || !c.Has(digests[0], 4) || !c.Has(digests[2], 4) {
		t.Error("removed the wrong object")
	}
	if res, _ := c.Cleanup(ctx, 0); res.Remaining != 0 || res.BytesInCache != 0 {
		t.Errorf("cleanup to 0 = %+v", res)
	}
	if _, err := c.Cleanup(ctx, -1); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative size: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"10GB": 10e9, "1GiB": 1 << 30, "512": 512, "1.5MB": 1.5e6, "0": 0, "2kib": 2048, "3 TB": 3e12} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "GB", "-1GB", "10XB", "1e400"} {
		if _, err := ParseSize(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSize(%q) accepted: %v", bad, err)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"10GB", "1.5GiB", "0", "512", "3 TB", "-1", "GB", "1e9", "9999999999999TB", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d, negative", s, n)
		}
	})
}

// TestCacheHelperProcess is a child of TestCacheAcrossProcesses: it puts
// shared and own content into the cache named by the environment.
func TestCacheHelperProcess(t *testing.T) {
	dir := os.Getenv("ARTIFACT_CACHE_CHILD_DIR")
	if dir == "" {
		t.Skip("only run as a child process")
	}
	c, err := OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 20 {
		if _, _, _, err := c.Put(ctx, strings.NewReader(strings.Repeat("shared", 200000+i)), ""); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := c.Lookup(ctx, sharedDigest(i), int64(len("shared")*(200000+i))); !ok || err != nil {
			t.Fatalf("object %d missing or corrupt after Put: %v", i, err)
		}
	}
}

func sharedDigest(i int) string {
	s := md5.Sum([]byte(strings.Repeat("shared", 200000+i)))
	return B64MD5(s[:])
}

// Processes filling one cache at once each see every object intact, and
// leave exactly one copy of each.
func TestCacheAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCacheHelperProcess$")
		cmd.Env = append(os.Environ(), "ARTIFACT_CACHE_CHILD_DIR="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	c, _ := OpenCache(dir)
	for i := range 20 {
		if _, ok, _ := c.Lookup(context.Background(), sharedDigest(i), int64(len("shared")*(200000+i))); !ok {
			t.Errorf("object %d missing", i)
		}
	}
	if res, _ := c.Cleanup(context.Background(), 1<<40); res.Remaining != 20 {
		t.Errorf("%d objects, want 20", res.Remaining)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "artifacts", "tmp")); len(ents) != 0 {
		t.Errorf("temporary files left: %d", len(ents))
	}
}
