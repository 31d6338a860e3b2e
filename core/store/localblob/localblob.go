// Package localblob is the default store.Blobs: file contents kept under a
// directory on the local disk, one file per key.
//
// Layout: DIR/objects/<key> holds the blobs, DIR/tmp holds uploads in
// progress. A Put writes a temporary file, fsyncs it and renames it over the
// key, so readers see the old or the new content and a crash leaves at
// worst a stray temporary file (removed at New). Keys are slash paths
// checked against traversal before they touch the file system.
package localblob

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/store"
)

// Dir is a store.Blobs on a directory. Safe for concurrent use.
type Dir struct {
	objects, tmp string
}

var _ store.Blobs = (*Dir)(nil)

// New creates (if needed) and opens the blob directory root.
func New(root string) (*Dir, error) {
	d := &Dir{objects: filepath.Join(root, "objects"), tmp: filepath.Join(root, "tmp")}
	for _, p := range []string{d.objects, d.tmp} {
		if err := os.MkdirAll(p, 0o750); err != nil {
			return nil, fmt.Errorf("store: blob dir: %w", err)
		}
	}
	// Uploads interrupted by a crash are garbage.
	if ents, err := os.ReadDir(d.tmp); err == nil {
		for _, e := range ents {
			os.Remove(filepath.Join(d.tmp, e.Name()))
		}
	}
	return d, nil
}

// ValidKey checks a blob key: a relative slash path of at most 1024 bytes,
// valid UTF-8, no empty, "." or ".." segment, no backslash, NUL or other
// control character.
func ValidKey(key string) error {
	if key == "" || len(key) > 1024 || !utf8.ValidString(key) || strings.ContainsRune(key, '\\') {
		return fmt.Errorf("%w: blob key %q", store.ErrInvalid, key)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: blob key %q has a control character", store.ErrInvalid, key)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: blob key %q has an empty, \".\" or \"..\" segment", store.ErrInvalid, key)
		}
	}
	return nil
}

func (d *Dir) path(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.objects, filepath.FromSlash(key)), nil
}

// Put implements store.Blobs.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (int64, string, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, "", err
	}
	f, err := os.CreateTemp(d.tmp, "put-*")
	if err != nil {
		return 0, "", fmt.Errorf("store: put %q: %w", key, err)
	}
	tmp := f.Name()
	fail := func(err error) (int64, string, error) {
		f.Close()
		os.Remove(tmp)
		return 0, "", fmt.Errorf("store: put %q: %w", key, err)
	}
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		os.Remove(tmp)
		return 0, "", fmt.Errorf("store: put %q: %w", key, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return 0, "", fmt.Errorf("store: put %q: %w", key, err)
	}
	return n, base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func notFound(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: blob %q", store.ErrNotFound, key)
	}
	return fmt.Errorf("store: blob %q: %w", key, err)
}

// Get implements store.Blobs.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: get %q: %w", key, err)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notFound(key, err)
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		f.Close()
		return nil, notFound(key, fs.ErrNotExist)
	}
	return f, nil
}

// Stat implements store.Blobs.
func (d *Dir) Stat(ctx context.Context, key string) (store.BlobInfo, error) {
	p, err := d.path(key)
	if err != nil {
		return store.BlobInfo{}, err
	}
	st, err := os.Stat(p)
	if err == nil && st.IsDir() {
		err = fs.ErrNotExist
	}
	if err != nil {
		return store.BlobInfo{}, notFound(key, err)
	}
	return store.BlobInfo{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete implements store.Blobs.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && st.IsDir()) {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: delete %q: %w", key, err)
	}
	return nil
}

// List implements store.Blobs.
func (d *Dir) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	// Walk only the deepest directory the prefix names.
	start := d.objects
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		dir := prefix[:i]
		if err := ValidKey(dir); err != nil {
			return nil, err
		}
		start = filepath.Join(d.objects, filepath.FromSlash(dir))
	}
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(d.objects, p)
		if err != nil {
			return err
		}
		if k := filepath.ToSlash(rel); strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list %q: %w", prefix, err)
	}
	sort.Strings(keys)
	return keys, nil
}
