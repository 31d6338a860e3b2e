package artifact

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// ErrFinalized reports a change to an artifact that was logged or comes
// from a server: those are immutable.
var ErrFinalized = errors.New("artifact: finalized: an artifact cannot be changed after it is logged")

// ErrNoEntry reports an entry path the artifact does not have.
var ErrNoEntry = errors.New("artifact: no such entry")

// Artifact is a versioned set of files. A new one is a draft: entries are
// added (AddFile, AddDir, AddReference, NewFile), removed and read until it
// is logged, which finalizes it. One resolved from a server (FromVersion)
// is finalized and can be downloaded. Methods are safe for concurrent use.
type Artifact struct {
	cfg config

	mu          sync.Mutex
	name        string
	typ         string
	description string
	metadata    map[string]any
	incremental bool
	manifest    *Manifest
	staged      map[string]bool // entry paths whose LocalPath is our own staging copy
	final       bool
	version     *Version
}

type config struct {
	description string
	metadata    map[string]any
	incremental bool
	cache       *Cache
	cacheDir    string
	stagingDir  string
	workers     int
	httpClient  *http.Client
	remote      Remote
	refs        map[string]ReferenceHandler
}

// Option configures New and FromVersion.
type Option func(*config)

// WithDescription sets the artifact's description.
func WithDescription(d string) Option { return func(c *config) { c.description = d } }

// WithMetadata sets the artifact's metadata (at most 100 keys, JSON-able).
func WithMetadata(md map[string]any) Option {
	return func(c *config) { c.metadata = maps.Clone(md) }
}

// WithIncremental marks the artifact incremental (W&B's incremental=True):
// its manifest is merged with the collection's latest on the server.
func WithIncremental(inc bool) Option { return func(c *config) { c.incremental = inc } }

// WithCache uses c as the cache instead of the default one.
func WithCache(c *Cache) Option { return func(cfg *config) { cfg.cache = c } }

// WithCacheDir opens the cache under dir (W&B's cache directory; objects
// go to dir/artifacts) on first use, instead of DefaultCacheDir.
func WithCacheDir(dir string) Option { return func(c *config) { c.cacheDir = dir } }

// WithStagingDir sets where copies of "mutable" files are kept until the
// artifact is logged (default: $WANDB_DATA_DIR/artifacts/staging).
func WithStagingDir(dir string) Option { return func(c *config) { c.stagingDir = dir } }

// WithWorkers sets how many files are hashed, copied or downloaded at once
// (default 8, as W&B).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithHTTPClient sets the client used for http(s) references.
func WithHTTPClient(h *http.Client) Option { return func(c *config) { c.httpClient = h } }

// WithRemote sets the server an artifact downloads its entries from.
func WithRemote(r Remote) Option { return func(c *config) { c.remote = r } }

// WithReferenceHandler handles references of h's schemes with h, instead
// of the built-in handler (file, http, https, s3) or the URI-digest
// fallback.
func WithReferenceHandler(h ReferenceHandler) Option {
	return func(c *config) {
		if c.refs == nil {
			c.refs = map[string]ReferenceHandler{}
		}
		for _, s := range h.Schemes() {
			c.refs[s] = h
		}
	}
}

// DefaultDataDir is $WANDB_DATA_DIR, else $XDG_DATA_HOME/wandb, else
// ~/.local/share/wandb (W&B's default data directory).
func DefaultDataDir() (string, error) {
	if d := os.Getenv("WANDB_DATA_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "wandb"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("artifact: data dir: %w (set WANDB_DATA_DIR)", err)
	}
	return filepath.Join(home, ".local", "share", "wandb"), nil
}

func newConfig(opts []Option) config {
	c := config{workers: 8}
	for _, o := range opts {
		o(&c)
	}
	if c.workers < 1 {
		c.workers = 1
	}
	if c.httpClient == nil {
		c.httpClient = http.DefaultClient
	}
	return c
}

// New starts a draft artifact, validating its name, type and metadata as
// W&B does (§6.1).
func New(name, typ string, opts ...Option) (*Artifact, error) {
	if err := ValidateNameForType(name, typ); err != nil {
		return nil, err
	}
	c := newConfig(opts)
	if err := ValidateMetadata(c.metadata); err != nil {
		return nil, err
	}
	return &Artifact{
		cfg:         c,
		name:        name,
		typ:         typ,
		description: c.description,
		metadata:    c.metadata,
		incremental: c.incremental,
		manifest:    NewManifest(),
		staged:      map[string]bool{},
	}, nil
}

// FromVersion is a finalized artifact for a version a server reported;
// Download fetches through the remote given with WithRemote.
func FromVersion(v Version, opts ...Option) *Artifact {
	c := newConfig(opts)
	m := v.Manifest
	if m == nil {
		m = NewManifest()
	}
	return &Artifact{
		cfg:         c,
		name:        v.Name,
		typ:         v.Type,
		description: v.Description,
		metadata:    maps.Clone(v.Metadata),
		manifest:    m.Clone(),
		staged:      map[string]bool{},
		final:       true,
		version:     &v,
	}
}

// Name is the collection name (without version).
func (a *Artifact) Name() string { return a.name }

// Type is the artifact type.
func (a *Artifact) Type() string { return a.typ }

// Description is the artifact's description.
func (a *Artifact) Description() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.description
}

// SetDescription changes the description of a draft.
func (a *Artifact) SetDescription(d string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.final {
		return ErrFinalized
	}
	a.description = d
	return nil
}

// Metadata returns a copy of the metadata.
func (a *Artifact) Metadata() map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.metadata)
}

// SetMetadata replaces the metadata of a draft.
func (a *Artifact) SetMetadata(md map[string]any) error {
	if err := ValidateMetadata(md); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.final {
		return ErrFinalized
	}
	a.metadata = maps.Clone(md)
	return nil
}

// Incremental reports whether the artifact was made incremental.
func (a *Artifact) Incremental() bool { return a.incremental }

// Finalized reports whether the artifact can no longer change.
func (a *Artifact) Finalized() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.final
}

// Version is the server version once known (after Resolve, or after a
// logged artifact was committed and SetVersion called).
func (a *Artifact) Version() (Version, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.version == nil {
		return Version{}, false
	}
	return *a.version, true
}

// SetVersion records the version a server committed for this artifact.
func (a *Artifact) SetVersion(v Version) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.version = &v
}

// SetRemote sets the server Download fetches from.
func (a *Artifact) SetRemote(r Remote) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cfg.remote = r
}

// Manifest returns a copy of the manifest.
func (a *Artifact) Manifest() *Manifest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.manifest.Clone()
}

// Digest is the artifact digest of the current entries (§6.3).
func (a *Artifact) Digest() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.manifest.Digest()
}

// Entries returns the entries sorted by path.
func (a *Artifact) Entries() []Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.manifest.Entries()
}

// GetEntry returns the entry at a logical path.
func (a *Artifact) GetEntry(name string) (Entry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.manifest.Get(name)
	if !ok {
		return Entry{}, fmt.Errorf("%w: %q in artifact %s", ErrNoEntry, name, a.name)
	}
	return e, nil
}

// Remove removes the entry at path, or every entry under path when it
// names a directory of the artifact. Staged copies are deleted.
func (a *Artifact) Remove(path string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.final {
		return ErrFinalized
	}
	if path == "" {
		return fmt.Errorf("%w: empty path in artifact %s", ErrNoEntry, a.name)
	}
	removed := 0
	for p, e := range a.manifest.Contents {
		if p == path || (len(p) > len(path) && p[:len(path)] == path && (p[len(path)] == '/' || path[len(path)-1] == '/')) {
			if a.staged[p] {
				os.Remove(e.LocalPath)
				delete(a.staged, p)
			}
			delete(a.manifest.Contents, p)
			removed++
		}
	}
	if removed == 0 {
		return fmt.Errorf("%w: %q in artifact %s", ErrNoEntry, path, a.name)
	}
	return nil
}

// Finalize makes the artifact immutable.
func (a *Artifact) Finalize() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.final = true
}

// cache returns the configured cache, opening the default one on first
// use.
func (a *Artifact) cache() (*Cache, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfg.cache == nil {
		c, err := OpenCache(a.cfg.cacheDir)
		if err != nil {
			return nil, err
		}
		a.cfg.cache = c
	}
	return a.cfg.cache, nil
}

// stagingDir returns (creating it) the directory for mutable copies.
func (a *Artifact) stagingDir() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cfg.stagingDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return "", err
		}
		a.cfg.stagingDir = filepath.Join(d, "artifacts", "staging")
	}
	if err := os.MkdirAll(a.cfg.stagingDir, 0o755); err != nil {
		return "", fmt.Errorf("artifact: staging: %w", err)
	}
	return a.cfg.stagingDir, nil
}

// NewLogRequest seals the artifact (see Seal) and describes it for
// Remote.Log or for the run log: aliases are validated and "latest" added,
// tags validated.
func (a *Artifact) NewLogRequest(ctx context.Context, scope Scope, aliases, tags []string, historyStep int64) (LogRequest, error) {
	al, err := Aliases(aliases)
	if err != nil {
		return LogRequest{}, err
	}
	for _, t := range tags {
		if err := ValidateTag(t); err != nil {
			return LogRequest{}, err
		}
	}
	m, err := a.Seal(ctx)
	if err != nil {
		return LogRequest{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return LogRequest{
		Scope:       scope,
		Name:        a.name,
		Type:        a.typ,
		Description: a.description,
		Metadata:    maps.Clone(a.metadata),
		Aliases:     al,
		Tags:        slices.Clone(tags),
		Manifest:    m,
		Digest:      m.Digest(),
		HistoryStep: historyStep,
		ClientID:    randHex() + randHex(),
		Incremental: a.incremental,
	}, nil
}

// LogTo logs the artifact to a server now (as `wandb artifact put` does):
// NewLogRequest, Remote.Log, then the artifact knows its version and
// downloads from that server.
func (a *Artifact) LogTo(ctx context.Context, r Remote, scope Scope, aliases, tags []string, progress func(done, total int64)) (LogResult, error) {
	req, err := a.NewLogRequest(ctx, scope, aliases, tags, -1)
	if err != nil {
		return LogResult{}, err
	}
	req.Progress = progress
	res, err := r.Log(ctx, req)
	if err != nil {
		return LogResult{}, err
	}
	a.SetVersion(res.Version)
	a.SetRemote(r)
	return res, nil
}
