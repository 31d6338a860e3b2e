package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Policy says whether a file may change after it is added.
type Policy string

const (
	// Mutable files are copied into the staging directory when added, so
	// later edits do not change what is logged (W&B's default).
	Mutable Policy = "mutable"
	// Immutable files are hashed in place; they are copied into the cache
	// when the artifact is logged, and must not change until then.
	Immutable Policy = "immutable"
)

type addOptions struct {
	name       string
	policy     Policy
	isTmp      bool
	overwrite  bool
	skipCache  bool
	checksum   bool
	maxObjects int
}

// AddOption configures AddFile, AddDir, AddReference and NewFile.
type AddOption func(*addOptions)

// Name sets the logical path of the entry (AddFile, NewFile, a single
// reference) or the prefix of the entries (AddDir, a reference to a
// directory or prefix).
func Name(name string) AddOption { return func(o *addOptions) { o.name = name } }

// WithPolicy sets the file policy (default Mutable).
func WithPolicy(p Policy) AddOption { return func(o *addOptions) { o.policy = p } }

// IsTmp renames the entry's file stem to the first 20 hex digits of its
// digest (W&B's is_tmp).
func IsTmp(tmp bool) AddOption { return func(o *addOptions) { o.isTmp = tmp } }

// Overwrite lets an entry replace an existing one with other content.
func Overwrite(ow bool) AddOption { return func(o *addOptions) { o.overwrite = ow } }

// SkipCache asks the uploader not to keep the file in the cache.
func SkipCache(skip bool) AddOption { return func(o *addOptions) { o.skipCache = skip } }

// Checksum(false) makes a reference's digest the hash of its URI instead
// of what the referenced store reports (default true).
func Checksum(c bool) AddOption { return func(o *addOptions) { o.checksum = c } }

// MaxObjects bounds how many objects a reference to a directory or prefix
// may expand to (default 10,000, as W&B); more is an error.
func MaxObjects(n int) AddOption { return func(o *addOptions) { o.maxObjects = n } }

// DefaultMaxObjects is W&B's default bound on a reference's objects.
const DefaultMaxObjects = 10000

func newAddOptions(opts []AddOption) addOptions {
	o := addOptions{policy: Mutable, checksum: true, maxObjects: DefaultMaxObjects}
	for _, f := range opts {
		f(&o)
	}
	return o
}

func (o addOptions) validate() error {
	if o.policy != Mutable && o.policy != Immutable {
		return fmt.Errorf("%w policy %q: must be %q or %q", ErrInvalid, o.policy, Mutable, Immutable)
	}
	if o.maxObjects < 1 {
		return fmt.Errorf("%w max objects %d: must be at least 1", ErrInvalid, o.maxObjects)
	}
	return nil
}

// AddFile adds the file at localPath (default logical path: its base
// name). A Mutable file is copied into the staging directory while it is
// hashed; an Immutable one is only hashed. Adding the same content at the
// same path again is a no-op; other content there needs Overwrite(true).
func (a *Artifact) AddFile(ctx context.Context, localPath string, opts ...AddOption) (Entry, error) {
	o := newAddOptions(opts)
	if err := o.validate(); err != nil {
		return Entry{}, err
	}
	if a.Finalized() {
		return Entry{}, ErrFinalized
	}
	st, err := os.Stat(localPath)
	if err != nil {
		return Entry{}, fmt.Errorf("artifact: add file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return Entry{}, fmt.Errorf("%w file %s: not a regular file (use AddDir for a directory)", ErrInvalid, localPath)
	}
	name := o.name
	if name == "" {
		name = filepath.Base(localPath)
	}
	name = filepath.ToSlash(name)
	if err := ValidateEntryPath(name); err != nil {
		return Entry{}, err
	}
	e, staged, err := a.hashOrStage(ctx, localPath, o)
	if err != nil {
		return Entry{}, err
	}
	e.Path = name
	if o.isTmp {
		e.Path = tmpName(e)
	}
	return e, a.put(e, staged, o.overwrite)
}

// tmpName replaces the stem of e.Path by the first 20 hex digits of its
// digest.
func tmpName(e Entry) string {
	h, _ := B64ToHex(e.Digest)
	dir, base := path.Split(e.Path)
	ext := path.Ext(base)
	return dir + h[:20] + ext
}

// hashOrStage hashes a file, copying it into the staging directory first
// for the Mutable policy (in one read).
func (a *Artifact) hashOrStage(ctx context.Context, localPath string, o addOptions) (Entry, bool, error) {
	abs, err := filepath.Abs(localPath)
	if err != nil {
		return Entry{}, false, fmt.Errorf("artifact: %w", err)
	}
	if o.policy == Immutable {
		d, n, err := HashFile(ctx, abs)
		if err != nil {
			return Entry{}, false, err
		}
		return Entry{Digest: d, Size: n, LocalPath: abs, SkipCache: o.skipCache}, false, nil
	}
	dir, err := a.stagingDir()
	if err != nil {
		return Entry{}, false, err
	}
	src, err := os.Open(abs)
	if err != nil {
		return Entry{}, false, fmt.Errorf("artifact: %w", err)
	}
	defer src.Close()
	dst, err := os.CreateTemp(dir, "staged-*")
	if err != nil {
		return Entry{}, false, fmt.Errorf("artifact: staging: %w", err)
	}
	hw := newHashingWriter(dst)
	n, err := copyCtx(ctx, hw, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst.Name())
		return Entry{}, false, fmt.Errorf("artifact: staging %s: %w", localPath, err)
	}
	return Entry{Digest: hw.digest(), Size: n, LocalPath: dst.Name(), SkipCache: o.skipCache}, true, nil
}

// put adds an entry under the lock, applying the overwrite rule.
func (a *Artifact) put(e Entry, staged, overwrite bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.final {
		if staged {
			os.Remove(e.LocalPath)
		}
		return ErrFinalized
	}
	if old, ok := a.manifest.Contents[e.Path]; ok {
		if old.Digest == e.Digest && old.Ref == e.Ref {
			if staged {
				os.Remove(e.LocalPath)
			}
			return nil
		}
		if !overwrite {
			if staged {
				os.Remove(e.LocalPath)
			}
			return fmt.Errorf("%w entry %q: already in the artifact with other content (use Overwrite(true))", ErrInvalid, e.Path)
		}
		if a.staged[e.Path] {
			os.Remove(old.LocalPath)
		}
	}
	if err := a.manifest.Put(e); err != nil {
		if staged {
			os.Remove(e.LocalPath)
		}
		return err
	}
	if staged {
		a.staged[e.Path] = true
	} else {
		delete(a.staged, e.Path)
	}
	return nil
}

// AddDir adds every file under dir (following symbolic links, with cycles
// refused) as Name()/relative path, hashing (and for Mutable, copying) on
// WithWorkers goroutines. It returns the entries added.
func (a *Artifact) AddDir(ctx context.Context, dir string, opts ...AddOption) ([]Entry, error) {
	o := newAddOptions(opts)
	if err := o.validate(); err != nil {
		return nil, err
	}
	if a.Finalized() {
		return nil, ErrFinalized
	}
	prefix := strings.Trim(filepath.ToSlash(o.name), "/")
	if prefix != "" {
		if err := ValidateEntryPath(prefix); err != nil {
			return nil, err
		}
	}
	files, err := walkFollow(ctx, dir)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, len(files))
	staged := make([]bool, len(files))
	err = parallel(ctx, len(files), a.cfg.workers, func(ctx context.Context, i int) error {
		e, s, err := a.hashOrStage(ctx, files[i].abs, o)
		if err != nil {
			return err
		}
		e.Path = files[i].rel
		if prefix != "" {
			e.Path = prefix + "/" + e.Path
		}
		if o.isTmp {
			e.Path = tmpName(e)
		}
		entries[i], staged[i] = e, s
		return nil
	})
	if err != nil {
		for i, s := range staged {
			if s {
				os.Remove(entries[i].LocalPath)
			}
		}
		return nil, fmt.Errorf("artifact: add dir %s: %w", dir, err)
	}
	for i, e := range entries {
		if err := a.put(e, staged[i], o.overwrite); err != nil {
			for j := i + 1; j < len(entries); j++ {
				if staged[j] {
					os.Remove(entries[j].LocalPath)
				}
			}
			return entries[:i], err
		}
	}
	return entries, nil
}

type walkedFile struct{ abs, rel string }

// walkFollow lists the regular files under root, following symbolic links
// to files and directories; a link back to a directory being walked is an
// error naming it. rel paths use '/'.
func walkFollow(ctx context.Context, root string) ([]walkedFile, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("artifact: add dir: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w dir %s: not a directory", ErrInvalid, root)
	}
	var out []walkedFile
	var walk func(dir, rel string, ancestors []os.FileInfo) error
	walk = func(dir, rel string, ancestors []os.FileInfo) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("artifact: add dir: %w", err)
		}
		for _, d := range ents {
			p := filepath.Join(dir, d.Name())
			r := d.Name()
			if rel != "" {
				r = rel + "/" + d.Name()
			}
			mode := d.Type()
			var info os.FileInfo
			if mode&fs.ModeSymlink != 0 {
				info, err = os.Stat(p)
				if errors.Is(err, fs.ErrNotExist) {
					continue // dangling link: nothing to add
				}
				if err != nil {
					return fmt.Errorf("artifact: add dir: %w", err)
				}
				mode = info.Mode().Type()
			}
			switch {
			case mode.IsDir():
				if info == nil {
					if info, err = os.Stat(p); err != nil {
						return fmt.Errorf("artifact: add dir: %w", err)
					}
				}
				for _, anc := range ancestors {
					if os.SameFile(anc, info) {
						return fmt.Errorf("%w dir %s: symbolic link cycle at %s", ErrInvalid, root, p)
					}
				}
				if err := walk(p, r, append(ancestors[:len(ancestors):len(ancestors)], info)); err != nil {
					return err
				}
			case mode.IsRegular():
				if strings.ContainsRune(r, '\\') {
					return fmt.Errorf("%w file %s: a backslash in a name cannot be an entry path", ErrInvalid, p)
				}
				out = append(out, walkedFile{abs: p, rel: r})
			}
		}
		return nil
	}
	if err := walk(abs, "", []os.FileInfo{st}); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, nil
}

// NewFile returns a writer whose bytes become the entry name when it is
// closed (W&B's new_file). The bytes go to the staging directory, not
// memory.
func (a *Artifact) NewFile(name string, opts ...AddOption) (io.WriteCloser, error) {
	o := newAddOptions(opts)
	name = filepath.ToSlash(name)
	if err := ValidateEntryPath(name); err != nil {
		return nil, err
	}
	if a.Finalized() {
		return nil, ErrFinalized
	}
	a.mu.Lock()
	_, exists := a.manifest.Contents[name]
	a.mu.Unlock()
	if exists && !o.overwrite {
		return nil, fmt.Errorf("%w entry %q: already in the artifact (use Overwrite(true))", ErrInvalid, name)
	}
	dir, err := a.stagingDir()
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "new-*")
	if err != nil {
		return nil, fmt.Errorf("artifact: new file: %w", err)
	}
	return &newFile{a: a, f: f, hw: newHashingWriter(f), name: name, o: o}, nil
}

type newFile struct {
	a      *Artifact
	f      *os.File
	hw     *hashingWriter
	n      int64
	name   string
	o      addOptions
	closed bool
}

func (w *newFile) Write(p []byte) (int, error) {
	if w.closed {
		return 0, fmt.Errorf("artifact: new file %s: write after close", w.name)
	}
	n, err := w.hw.Write(p)
	w.n += int64(n)
	return n, err
}

// Close adds the entry.
func (w *newFile) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("artifact: new file %s: %w", w.name, err)
	}
	e := Entry{Path: w.name, Digest: w.hw.digest(), Size: w.n, LocalPath: w.f.Name(), SkipCache: w.o.skipCache}
	return w.a.put(e, true, w.o.overwrite)
}
