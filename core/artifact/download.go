package artifact

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// progress adds up bytes from the downloading goroutines and reports each
// new total to f, one call at a time (nil: no reporting).
type progress struct {
	mu          sync.Mutex
	done, total int64
	f           func(done, total int64)
}

func (p *progress) add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.f(p.done, p.total)
}

// countingReader reports the bytes read through it.
type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 && c.add != nil {
		c.add(int64(n))
	}
	return n, err
}

// ErrVerify reports a download root that does not match the artifact.
var ErrVerify = errors.New("artifact: verify")

// VerifyError names the first file of a root that does not match.
type VerifyError struct {
	Path   string // entry path, or the extra file's path relative to the root
	Reason string // "missing", "extra file", "size 3, want 5", "digest …"
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("artifact: verify: %s: %s", e.Path, e.Reason)
}

// Is makes errors.Is(err, ErrVerify) true.
func (e *VerifyError) Is(target error) bool { return target == ErrVerify }

// Seal finalizes the artifact for logging: every stored entry's bytes are
// put into the cache (staged copies moved, immutable files copied and
// checked against the digest they were added with, so a file edited since
// is an error naming it), and the manifest returned points at the cached
// copies, which later edits of the sources do not change. Entries with
// SkipCache keep their paths. Seal on a sealed artifact returns its
// manifest again.
func (a *Artifact) Seal(ctx context.Context) (*Manifest, error) {
	a.mu.Lock()
	if a.final {
		m := a.manifest.Clone()
		a.mu.Unlock()
		return m, nil
	}
	a.final = true // no more changes while we stage
	entries := a.manifest.Entries()
	staged := make([]bool, len(entries))
	for i, e := range entries {
		staged[i] = a.staged[e.Path]
	}
	a.mu.Unlock()

	c, err := a.cache()
	if err != nil {
		a.unseal()
		return nil, err
	}
	paths := make([]string, len(entries))
	cached := make([]bool, len(entries))
	err = parallel(ctx, len(entries), a.cfg.workers, func(ctx context.Context, i int) error {
		e := entries[i]
		if e.IsReference() || e.LocalPath == "" || e.SkipCache {
			return nil
		}
		p, err := c.PutFile(ctx, e.LocalPath, e.Digest, e.Size, staged[i])
		if err != nil {
			if errors.Is(err, ErrDigestMismatch) {
				return fmt.Errorf("artifact: %s (entry %s) changed after it was added: %w", e.LocalPath, e.Path, err)
			}
			return err
		}
		paths[i], cached[i] = p, true
		return nil
	})
	// Entries that reached the cache point there, even when others failed
	// (their staged copies may be gone).
	a.mu.Lock()
	for i, e := range entries {
		if cached[i] {
			e.LocalPath = paths[i]
			a.manifest.Contents[e.Path] = e
			delete(a.staged, e.Path)
		}
	}
	if err != nil {
		a.final = false
		a.mu.Unlock()
		return nil, err
	}
	defer a.mu.Unlock()
	return a.manifest.Clone(), nil
}

func (a *Artifact) unseal() {
	a.mu.Lock()
	a.final = false
	a.mu.Unlock()
}

type downloadOptions struct {
	progress func(done, total int64)
}

// DownloadOption configures Download and Checkout.
type DownloadOption func(*downloadOptions)

// WithProgress reports the bytes done so far (fetched, or found in the
// cache) and the total, as they progress. Calls come from the downloading
// goroutines, one at a time, and done only grows.
func WithProgress(f func(done, total int64)) DownloadOption {
	return func(o *downloadOptions) { o.progress = f }
}

// DefaultRoot is where Download puts the artifact without a root:
// $WANDB_ARTIFACT_DIR (default "./artifacts") joined with "<name>:<version>"
// (':' becomes '-' on Windows). Before a server assigned a version, the
// version part is the digest.
func (a *Artifact) DefaultRoot() string {
	dir := os.Getenv("WANDB_ARTIFACT_DIR")
	if dir == "" {
		dir = "artifacts"
	}
	ver := a.Digest()
	if v, ok := a.Version(); ok {
		ver = v.VersionName()
	}
	sep := ":"
	if runtime.GOOS == "windows" {
		sep = "-"
	}
	return filepath.Join(dir, a.name+sep+ver)
}

// Download writes every entry under root (DefaultRoot when empty) and
// returns root. Each file comes from the cache when an intact copy is there,
// else from the server (or the referenced store) through the cache; files
// are streamed, never held in memory, verified against their digest, and
// written with a rename so a reader never sees a partial file. A file of
// the root that already has the right content is left alone; files not in
// the artifact are left too (Checkout removes them). Writes cannot leave
// root, whatever links it holds.
func (a *Artifact) Download(ctx context.Context, root string, opts ...DownloadOption) (string, error) {
	return a.download(ctx, root, a.Entries(), opts)
}

func (a *Artifact) download(ctx context.Context, root string, entries []Entry, opts []DownloadOption) (string, error) {
	var o downloadOptions
	for _, f := range opts {
		f(&o)
	}
	if root == "" {
		root = a.DefaultRoot()
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("artifact: download: %w", err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return "", fmt.Errorf("artifact: download: %w", err)
	}
	defer r.Close()
	c, err := a.cache()
	if err != nil {
		return "", err
	}
	var prog *progress
	if o.progress != nil {
		prog = &progress{f: o.progress}
		for _, e := range entries {
			prog.total += e.Size
		}
	}
	err = parallel(ctx, len(entries), a.cfg.workers, func(ctx context.Context, i int) error {
		e := entries[i]
		if err := ValidateEntryPath(e.Path); err != nil {
			return err
		}
		got := int64(0) // bytes of e reported so far
		add := func(n int64) {
			n = min(n, e.Size-got)
			if n > 0 {
				got += n
				prog.add(n)
			}
		}
		if err := a.downloadEntry(ctx, c, r, e, add); err != nil {
			return fmt.Errorf("artifact: download %s: %w", e.Path, err)
		}
		add(e.Size - got) // a cache hit, or what the fetch did not count
		return nil
	})
	if err != nil {
		return "", err
	}
	return root, nil
}

// downloadEntry puts one entry at its path in r. The cached copy is
// checked while it is copied (one read); a corrupted copy is dropped from
// the cache and fetched again once.
func (a *Artifact) downloadEntry(ctx context.Context, c *Cache, r *os.Root, e Entry, add func(int64)) error {
	name := filepath.FromSlash(e.Path)
	if ok, _ := fileMatches(ctx, r, name, e); ok {
		return nil
	}
	if err := r.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var src string
		if src, err = a.cachedSource(ctx, c, e, false, add); err != nil {
			return err
		}
		if err = copyInto(ctx, r, src, name, e); !errors.Is(err, ErrDigestMismatch) {
			return err
		}
		os.Remove(src) // corrupted cache object: fetch it again
	}
	return err
}

// copyInto copies src to name in r through a temporary file and a rename,
// checking size and digest on the way.
func copyInto(ctx context.Context, r *os.Root, src, name string, e Entry) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := filepath.Join(filepath.Dir(name), ".wandb-tmp-"+randHex())
	out, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	hw := newHashingWriter(out)
	n, err := copyCtx(ctx, hw, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != e.Size && !(e.IsReference() && e.Size == 0) {
		err = fmt.Errorf("%w: %d bytes, want %d", ErrDigestMismatch, n, e.Size)
	}
	if err == nil && checksummed(e) && hw.digest() != e.Digest {
		err = fmt.Errorf("%w: cached copy has MD5 %s, want %s", ErrDigestMismatch, hw.digest(), e.Digest)
	}
	if err != nil {
		r.Remove(tmp)
		return err
	}
	if err := r.Rename(tmp, name); err != nil {
		r.Remove(tmp)
		return err
	}
	return nil
}

// checksummed reports whether an entry's digest is the MD5 of its bytes.
func checksummed(e Entry) bool {
	if _, ok := B64ToHex(e.Digest); !ok {
		return false
	}
	return !e.IsReference() || e.Digest != URIDigest(e.Ref)
}

// cachedSource returns a cached copy of an entry's bytes, fetching it into
// the cache when needed. With verify the copy's MD5 is checked first (a
// corrupted copy is dropped and fetched again); without, only its size
// is, and the caller checks the bytes as it reads them.
func (a *Artifact) cachedSource(ctx context.Context, c *Cache, e Entry, verify bool, add func(int64)) (string, error) {
	if e.IsReference() {
		return a.cachedRef(ctx, c, e, add)
	}
	if verify {
		if p, ok, err := c.Lookup(ctx, e.Digest, e.Size); err != nil {
			return "", err
		} else if ok {
			return p, nil
		}
	} else if c.Has(e.Digest, e.Size) {
		p, _ := c.ObjectPath(e.Digest)
		c.touch(p)
		return p, nil
	}
	if e.LocalPath != "" {
		// A logged artifact's own staged copy (or an immutable source).
		if p, err := c.PutFile(ctx, e.LocalPath, e.Digest, e.Size, false); err == nil {
			return p, nil
		}
	}
	a.mu.Lock()
	remote, v := a.cfg.remote, a.version
	a.mu.Unlock()
	if remote == nil || v == nil {
		return "", fmt.Errorf("artifact: %w: %s is not in the cache and the artifact has no server to fetch it from", ErrNotFound, e.Path)
	}
	rc, err := remote.Open(ctx, *v, e)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	_, _, p, err := c.Put(ctx, countingReader{rc, add}, e.Digest)
	return p, err
}

// cachedRef fetches a reference through the cache, keyed by its ETag or
// digest.
func (a *Artifact) cachedRef(ctx context.Context, c *Cache, e Entry, add func(int64)) (string, error) {
	size := e.Size
	if size == 0 {
		size = -1 // unknown for some references
	}
	if checksummed(e) {
		if p, ok, err := c.Lookup(ctx, e.Digest, e.Size); err != nil {
			return "", err
		} else if ok {
			return p, nil
		}
	} else if p, ok := c.LookupRef(e.Ref, e.Digest, size); ok {
		return p, nil
	}
	u, err := urlScheme(e.Ref)
	if err != nil {
		return "", err
	}
	rc, err := a.refHandler(u).Open(ctx, e)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	in := countingReader{rc, add}
	if checksummed(e) {
		_, _, p, err := c.Put(ctx, in, e.Digest)
		return p, err
	}
	return c.PutRef(ctx, in, e.Ref, e.Digest, size)
}

func urlScheme(ref string) (string, error) {
	i := strings.Index(ref, "://")
	if i <= 0 {
		return "", fmt.Errorf("%w reference %q: no scheme", ErrInvalid, ref)
	}
	return ref[:i], nil
}

// fileMatches reports whether name in r already holds e's content.
func fileMatches(ctx context.Context, r *os.Root, name string, e Entry) (bool, error) {
	st, err := r.Lstat(name)
	if err != nil || !st.Mode().IsRegular() || st.Size() != e.Size || !checksummed(e) {
		return false, err
	}
	f, err := r.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	hw := newHashingWriter(io.Discard)
	if _, err := copyCtx(ctx, hw, f); err != nil {
		return false, err
	}
	return hw.digest() == e.Digest, nil
}

func randHex() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Checkout makes root hold exactly the artifact: Download, then files that
// are not entries are removed (and directories left empty by that).
func (a *Artifact) Checkout(ctx context.Context, root string, opts ...DownloadOption) (string, error) {
	root, err := a.Download(ctx, root, opts...)
	if err != nil {
		return "", err
	}
	want := map[string]bool{}
	for _, e := range a.Entries() {
		want[e.Path] = true
	}
	extra, dirs, err := listRoot(root, want)
	if err != nil {
		return "", err
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return "", fmt.Errorf("artifact: checkout: %w", err)
	}
	defer r.Close()
	for _, p := range extra {
		if err := r.Remove(filepath.FromSlash(p)); err != nil {
			return "", fmt.Errorf("artifact: checkout: %w", err)
		}
	}
	// Deepest first, so parents empty out.
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	for _, d := range dirs {
		r.Remove(filepath.FromSlash(d)) // fails, harmlessly, when not empty
	}
	return root, nil
}

// listRoot returns the files of root (slash paths, sorted) that are not in
// want, and every directory.
func listRoot(root string, want map[string]bool) (extra, dirs []string, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			dirs = append(dirs, rel)
			return nil
		}
		if !want[rel] {
			extra = append(extra, rel)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("artifact: %w", err)
	}
	sort.Strings(extra)
	return extra, dirs, nil
}

// Verify checks that root holds exactly the artifact: every entry present
// with its size and (for stored files and checksummed references) its MD5,
// and no other file. The error is a *VerifyError naming the first
// problem in path order.
func (a *Artifact) Verify(ctx context.Context, root string) error {
	if root == "" {
		root = a.DefaultRoot()
	}
	entries := a.Entries()
	want := make(map[string]bool, len(entries))
	for _, e := range entries {
		want[e.Path] = true
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("artifact: verify: %w", err)
	}
	defer r.Close()
	problems := make([]*VerifyError, len(entries))
	err = parallel(ctx, len(entries), a.cfg.workers, func(ctx context.Context, i int) error {
		e := entries[i]
		name := filepath.FromSlash(e.Path)
		st, err := r.Stat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems[i] = &VerifyError{Path: e.Path, Reason: "missing"}
			return nil
		case err != nil:
			return err
		case !st.Mode().IsRegular():
			problems[i] = &VerifyError{Path: e.Path, Reason: "not a regular file"}
			return nil
		case st.Size() != e.Size && !(e.IsReference() && e.Size == 0):
			problems[i] = &VerifyError{Path: e.Path, Reason: fmt.Sprintf("size %d, want %d", st.Size(), e.Size)}
			return nil
		}
		if !checksummed(e) {
			return nil
		}
		f, err := r.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		hw := newHashingWriter(io.Discard)
		if _, err := copyCtx(ctx, hw, f); err != nil {
			return err
		}
		if hw.digest() != e.Digest {
			problems[i] = &VerifyError{Path: e.Path, Reason: fmt.Sprintf("digest %s, want %s", hw.digest(), e.Digest)}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("artifact: verify: %w", err)
	}
	extra, _, err := listRoot(root, want)
	if err != nil {
		return err
	}
	var first *VerifyError
	for _, p := range problems {
		if p != nil && (first == nil || p.Path < first.Path) {
			first = p
		}
	}
	if len(extra) > 0 && (first == nil || extra[0] < first.Path) {
		first = &VerifyError{Path: extra[0], Reason: "extra file, not in the artifact"}
	}
	if first != nil {
		return first
	}
	return nil
}

// File downloads one entry into root (DefaultRoot when empty) and returns
// its local path (W&B's artifact.file / get_path(name).download()).
func (a *Artifact) File(ctx context.Context, name, root string) (string, error) {
	e, err := a.GetEntry(name)
	if err != nil {
		return "", err
	}
	root, err = a.download(ctx, root, []Entry{e}, nil)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, filepath.FromSlash(path.Clean(e.Path))), nil
}

// Open streams one entry's verified bytes from the cache (fetching it
// there first when needed) without writing it anywhere else.
func (a *Artifact) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	e, err := a.GetEntry(name)
	if err != nil {
		return nil, err
	}
	c, err := a.cache()
	if err != nil {
		return nil, err
	}
	p, err := a.cachedSource(ctx, c, e, true, nil)
	if err != nil {
		return nil, fmt.Errorf("artifact: open %s: %w", name, err)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("artifact: open %s: %w", name, err)
	}
	return f, nil
}
