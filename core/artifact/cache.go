package artifact

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// ErrDigestMismatch reports content whose MD5 is not the digest expected.
var ErrDigestMismatch = errors.New("artifact: digest mismatch")

// Cache is the content-addressed artifact cache of wandb-behaviour.md §6.6:
// stored objects at artifacts/obj/md5/<hex[:2]>/<hex[2:]>, reference
// objects at artifacts/obj/etag/<h[:2]>/<h[2:]>, partial files under
// artifacts/tmp/. It is shared by every run and process of the user:
// objects appear by an atomic rename of a complete, verified temporary
// file, so readers never see a partial object, and a reader verifies an
// object before trusting it. A Cache is safe for concurrent use.
type Cache struct {
	root string // <cache dir>/artifacts
	now  func() time.Time
}

// DefaultCacheDir is $WANDB_CACHE_DIR, else the OS user cache directory
// followed by "wandb".
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("WANDB_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("artifact: cache dir: %w (set WANDB_CACHE_DIR)", err)
	}
	return filepath.Join(d, "wandb"), nil
}

// OpenCache opens (creating it when needed) the cache under dir, W&B's
// cache directory (the artifacts live in dir/artifacts). An empty dir means
// DefaultCacheDir.
func OpenCache(dir string) (*Cache, error) {
	if dir == "" {
		d, err := DefaultCacheDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	root := filepath.Join(dir, "artifacts")
	for _, sub := range []string{"obj/md5", "obj/etag", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.FromSlash(sub)), 0o755); err != nil {
			return nil, fmt.Errorf("artifact: cache: %w", err)
		}
	}
	return &Cache{root: root, now: time.Now}, nil
}

// Dir is the cache's artifacts directory.
func (c *Cache) Dir() string { return c.root }

// ObjectPath is where the object with a base64 MD5 digest lies (whether
// or not it is there).
func (c *Cache) ObjectPath(digest string) (string, error) {
	h, ok := B64ToHex(digest)
	if !ok {
		return "", fmt.Errorf("%w digest %q: not a base64 MD5", ErrInvalid, digest)
	}
	return filepath.Join(c.root, "obj", "md5", h[:2], h[2:]), nil
}

// refPath is where a reference's object with an ETag lies:
// obj/etag/<h[:2]>/<h[2:]> with h = hex(sha256(sha256(ref) || sha256(etag))).
func (c *Cache) refPath(ref, etag string) string {
	a, b := sha256.Sum256([]byte(ref)), sha256.Sum256([]byte(etag))
	h := sha256.Sum256(append(a[:], b[:]...))
	s := hex.EncodeToString(h[:])
	return filepath.Join(c.root, "obj", "etag", s[:2], s[2:])
}

// Lookup returns the path of the cached object with digest and size when
// it is there and intact. The object is read to verify its MD5; a
// corrupted object is removed (and ok is false, so the caller fetches it
// again). A hit counts as a use for Cleanup.
func (c *Cache) Lookup(ctx context.Context, digest string, size int64) (path string, ok bool, err error) {
	p, err := c.ObjectPath(digest)
	if err != nil {
		return "", false, err
	}
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("artifact: cache: %w", err)
	}
	if st.Size() != size {
		os.Remove(p)
		return "", false, nil
	}
	got, _, err := HashFile(ctx, p)
	if err != nil {
		if ctx.Err() != nil {
			return "", false, err
		}
		return "", false, nil // vanished under us (a cleanup): a miss
	}
	if got != digest {
		os.Remove(p)
		return "", false, nil
	}
	c.touch(p)
	return p, true, nil
}

// Has reports whether an object of that digest and size is present,
// without reading it.
func (c *Cache) Has(digest string, size int64) bool {
	p, err := c.ObjectPath(digest)
	if err != nil {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && st.Size() == size
}

// Put stores the bytes of r as the object with digest (or computes the
// digest when it is empty) and returns the digest, size and path. The
// content is streamed through a temporary file and renamed into place only
// when its MD5 matches, so a short or corrupted stream leaves nothing
// behind and wraps ErrDigestMismatch.
func (c *Cache) Put(ctx context.Context, r io.Reader, digest string) (gotDigest string, size int64, path string, err error) {
	tmp, err := os.CreateTemp(filepath.Join(c.root, "tmp"), "obj-*")
	if err != nil {
		return "", 0, "", fmt.Errorf("artifact: cache: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	hw := newHashingWriter(tmp)
	size, err = copyCtx(ctx, hw, r)
	if err != nil {
		return "", 0, "", fmt.Errorf("artifact: cache: %w", err)
	}
	gotDigest = hw.digest()
	if digest != "" && gotDigest != digest {
		return "", 0, "", fmt.Errorf("%w: content has MD5 %s, want %s", ErrDigestMismatch, gotDigest, digest)
	}
	if err = tmp.Close(); err != nil {
		return "", 0, "", fmt.Errorf("artifact: cache: %w", err)
	}
	path, err = c.install(tmp.Name(), gotDigest)
	return gotDigest, size, path, err
}

// PutFile stores the file at src as the object with digest. With move the
// file is renamed into the cache when it can be (a staged copy that no one
// else uses) and its content is trusted; otherwise it is copied and
// verified.
func (c *Cache) PutFile(ctx context.Context, src, digest string, size int64, move bool) (string, error) {
	if c.Has(digest, size) {
		p, _ := c.ObjectPath(digest)
		c.touch(p)
		if move {
			os.Remove(src)
		}
		return p, nil
	}
	if move {
		p, err := c.ObjectPath(digest)
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("artifact: cache: %w", err)
		}
		if err := os.Rename(src, p); err == nil {
			c.touch(p)
			return p, nil
		}
	}
	f, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("artifact: %w", err)
	}
	defer f.Close()
	_, _, p, err := c.Put(ctx, f, digest)
	if err != nil {
		return "", fmt.Errorf("artifact: %s: %w", src, err)
	}
	if move {
		os.Remove(src)
	}
	return p, nil
}

// install renames a complete temporary file into the object path for
// digest. Another process may have installed the same object meanwhile:
// the rename replaces it with identical bytes.
func (c *Cache) install(tmp, digest string) (string, error) {
	p, err := c.ObjectPath(digest)
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("artifact: cache: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("artifact: cache: %w", err)
	}
	return p, nil
}

// LookupRef returns the cached copy of a reference with an ETag when it is
// there with the expected size (a reference's ETag cannot be checked
// against the bytes; size < 0 skips the size check).
func (c *Cache) LookupRef(ref, etag string, size int64) (string, bool) {
	p := c.refPath(ref, etag)
	st, err := os.Stat(p)
	if err != nil || (size >= 0 && st.Size() != size) {
		return "", false
	}
	c.touch(p)
	return p, true
}

// PutRef stores a reference's bytes under its ETag key.
func (c *Cache) PutRef(ctx context.Context, r io.Reader, ref, etag string, size int64) (string, error) {
	tmp, err := os.CreateTemp(filepath.Join(c.root, "tmp"), "ref-*")
	if err != nil {
		return "", fmt.Errorf("artifact: cache: %w", err)
	}
	n, err := copyCtx(ctx, tmp, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("%w: reference %s: got %d bytes, want %d", ErrDigestMismatch, ref, n, size)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("artifact: cache: %w", err)
	}
	p := c.refPath(ref, etag)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("artifact: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("artifact: cache: %w", err)
	}
	return p, nil
}

// touch marks an object as used now, for Cleanup's least-recently-used
// order (modification time: access times are often not kept).
func (c *Cache) touch(p string) {
	t := c.now()
	os.Chtimes(p, t, t)
}

// CleanupResult says what Cleanup did.
type CleanupResult struct {
	Removed      int   // objects removed
	FreedBytes   int64 // their bytes
	Remaining    int   // objects left (pinned ones included)
	BytesInCache int64 // their bytes
	Pinned       int   // objects kept because an artifact not yet committed needs them
}

// Cleanup removes the least recently used objects until the cache holds at
// most maxSize bytes, and temporary files left over for more than a day by
// processes that died. Objects pinned by an artifact logged but not yet
// committed (pin.go) are kept whatever the size. Objects being read by others survive on systems
// that keep open files after unlink; a later reader misses and refetches.
func (c *Cache) Cleanup(ctx context.Context, maxSize int64) (CleanupResult, error) {
	if maxSize < 0 {
		return CleanupResult{}, fmt.Errorf("%w max size %d: negative", ErrInvalid, maxSize)
	}
	type obj struct {
		path  string
		size  int64
		mtime time.Time
	}
	var objs []obj
	var total int64
	var res0 CleanupResult
	err := filepath.WalkDir(filepath.Join(c.root, "obj"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		total += info.Size()
		if pinned(info) {
			res0.Pinned++
			return nil // an artifact not yet committed needs it (pin.go)
		}
		objs = append(objs, obj{p, info.Size(), info.ModTime()})
		return nil
	})
	if err != nil {
		return CleanupResult{}, fmt.Errorf("artifact: cache cleanup: %w", err)
	}
	sort.Slice(objs, func(i, j int) bool {
		if !objs[i].mtime.Equal(objs[j].mtime) {
			return objs[i].mtime.Before(objs[j].mtime)
		}
		return objs[i].path < objs[j].path
	})
	res := res0
	for _, o := range objs {
		if total <= maxSize {
			break
		}
		if err := os.Remove(o.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("artifact: cache cleanup: %w", err)
		}
		total -= o.size
		res.Removed++
		res.FreedBytes += o.size
	}
	res.Remaining = len(objs) - res.Removed + res.Pinned
	res.BytesInCache = total
	// Temporary files of writers that died.
	if ents, err := os.ReadDir(filepath.Join(c.root, "tmp")); err == nil {
		for _, e := range ents {
			if info, err := e.Info(); err == nil && c.now().Sub(info.ModTime()) > 24*time.Hour {
				os.Remove(filepath.Join(c.root, "tmp", e.Name()))
			}
		}
	}
	return res, nil
}
