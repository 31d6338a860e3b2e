package wandb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/runstate"
)

// Artifact is a versioned set of files (wandb.Artifact): a dataset, a
// model, evaluation results. Build one with NewArtifact and AddFile,
// AddDir, AddReference, NewFile or Add, log it with Run.LogArtifact (which
// makes it immutable), and get one back with Run.UseArtifact, then
// Download, Checkout, Verify or File. Methods are safe for concurrent use.
type Artifact struct {
	a *artifact.Artifact

	mu    sync.Mutex
	run   *Run           // the run that logged it; nil before
	scope artifact.Scope // where it was logged
}

// ArtifactEntry is one file of an artifact: logical path, digest (base64
// MD5, or a reference's ETag), size, and for references the URI.
type ArtifactEntry = artifact.Entry

// ArtifactVersion is a committed version as the server reports it.
type ArtifactVersion = artifact.Version

// Errors of artifacts; all are wrapped, test them with errors.Is.
var (
	// ErrArtifactInvalid is wrapped by errors for a name, type, alias,
	// tag, metadata or entry path that breaks W&B's rules.
	ErrArtifactInvalid = artifact.ErrInvalid
	// ErrArtifactFinalized is returned when a logged artifact is changed.
	ErrArtifactFinalized = artifact.ErrFinalized
	// ErrArtifactNotFound is wrapped when the server has no such artifact.
	ErrArtifactNotFound = artifact.ErrNotFound
	// ErrArtifactNoEntry is wrapped when an artifact has no such entry.
	ErrArtifactNoEntry = artifact.ErrNoEntry
	// ErrArtifactOffline is returned by UseArtifact with a name in an
	// offline run (W&B's message).
	ErrArtifactOffline = errors.New("Cannot use artifact when in offline mode.")
	// ErrArtifactType is wrapped when an artifact's type is not the one
	// asked for.
	ErrArtifactType = errors.New("wandb: artifact type mismatch")
)

type artifactOptions struct {
	core []artifact.Option
}

// ArtifactOption configures NewArtifact.
type ArtifactOption func(*artifactOptions)

// ArtifactDescription sets the description.
func ArtifactDescription(d string) ArtifactOption {
	return func(o *artifactOptions) { o.core = append(o.core, artifact.WithDescription(d)) }
}

// ArtifactMetadata sets the metadata (at most 100 keys, JSON-able).
func ArtifactMetadata(md map[string]any) ArtifactOption {
	return func(o *artifactOptions) { o.core = append(o.core, artifact.WithMetadata(md)) }
}

// ArtifactIncremental marks the artifact incremental (W&B's incremental).
func ArtifactIncremental(inc bool) ArtifactOption {
	return func(o *artifactOptions) { o.core = append(o.core, artifact.WithIncremental(inc)) }
}

// ArtifactCacheDir sets the cache directory (default $WANDB_CACHE_DIR, or
// the user cache directory + "/wandb").
func ArtifactCacheDir(dir string) ArtifactOption {
	return func(o *artifactOptions) { o.core = append(o.core, artifact.WithCacheDir(dir)) }
}

// ArtifactStagingDir sets where copies of mutable files wait until the
// artifact is logged (default $WANDB_DATA_DIR/artifacts/staging).
func ArtifactStagingDir(dir string) ArtifactOption {
	return func(o *artifactOptions) { o.core = append(o.core, artifact.WithStagingDir(dir)) }
}

// NewArtifact starts an artifact, validating name, type and metadata as
// W&B does: names of letters, digits, '-', '_', '.' (at most 128), types
// without '/' or ':' and not starting "wandb-", names reserved per type.
func NewArtifact(name, typ string, opts ...ArtifactOption) (*Artifact, error) {
	var o artifactOptions
	for _, f := range opts {
		f(&o)
	}
	a, err := artifact.New(name, typ, o.core...)
	if err != nil {
		return nil, err
	}
	return &Artifact{a: a}, nil
}

// EntryOption configures how a file, directory or reference is added.
type EntryOption = artifact.AddOption

// ArtifactPolicy says whether an added file may change before logging.
type ArtifactPolicy = artifact.Policy

// File policies.
const (
	// PolicyMutable (the default) copies a file when it is added.
	PolicyMutable = artifact.Mutable
	// PolicyImmutable only hashes the file; it must not change before the
	// artifact is logged (which copies it into the cache).
	PolicyImmutable = artifact.Immutable
)

// EntryName sets the logical path (AddFile, NewFile, one reference) or
// the prefix (AddDir, a directory or prefix reference).
func EntryName(name string) EntryOption { return artifact.Name(name) }

// EntryPolicy sets the file policy.
func EntryPolicy(p ArtifactPolicy) EntryOption { return artifact.WithPolicy(p) }

// EntryIsTmp names the file after its digest (W&B's is_tmp).
func EntryIsTmp(tmp bool) EntryOption { return artifact.IsTmp(tmp) }

// EntryOverwrite lets an entry replace one with other content.
func EntryOverwrite(ow bool) EntryOption { return artifact.Overwrite(ow) }

// EntrySkipCache keeps the file out of the cache.
func EntrySkipCache(skip bool) EntryOption { return artifact.SkipCache(skip) }

// EntryChecksum(false) makes a reference's digest the hash of its URI.
func EntryChecksum(c bool) EntryOption { return artifact.Checksum(c) }

// EntryMaxObjects bounds a directory or prefix reference (default 10,000).
func EntryMaxObjects(n int) EntryOption { return artifact.MaxObjects(n) }

// Name is the artifact (collection) name, without version.
func (a *Artifact) Name() string { return a.a.Name() }

// Type is the artifact type.
func (a *Artifact) Type() string { return a.a.Type() }

// Description is the description.
func (a *Artifact) Description() string { return a.a.Description() }

// SetDescription changes the description before logging.
func (a *Artifact) SetDescription(d string) error { return a.a.SetDescription(d) }

// Metadata is a copy of the metadata.
func (a *Artifact) Metadata() map[string]any { return a.a.Metadata() }

// SetMetadata replaces the metadata before logging.
func (a *Artifact) SetMetadata(md map[string]any) error { return a.a.SetMetadata(md) }

// Digest is the artifact digest of the current entries (hex MD5 over the
// sorted path:digest pairs, W&B's).
func (a *Artifact) Digest() string { return a.a.Digest() }

// Entries are the entries sorted by path.
func (a *Artifact) Entries() []ArtifactEntry { return a.a.Entries() }

// Manifest is the W&B v1 manifest JSON of the artifact.
func (a *Artifact) Manifest() ([]byte, error) {
	b, err := json.Marshal(a.a.Manifest())
	if err != nil {
		return nil, fmt.Errorf("wandb: artifact manifest: %w", err)
	}
	return b, nil
}

// Logged reports whether the artifact was logged (it is then immutable).
func (a *Artifact) Logged() bool { return a.a.Finalized() }

// Version is the server's version ("v3") once known, else "".
func (a *Artifact) Version() string {
	if v, ok := a.a.Version(); ok {
		return v.VersionName()
	}
	return ""
}

// Wait waits until the server has committed an artifact this process
// logged with an online run, and then knows its version (W&B's
// artifact.wait): the run log is sent now rather than at the next upload
// tick, and the version is found by the artifact's digest. It returns at
// once when the version is known; offline runs get their versions at
// `wandb sync`, so Wait is an error for them.
func (a *Artifact) Wait(ctx context.Context) error {
	if _, ok := a.a.Version(); ok {
		return nil
	}
	a.mu.Lock()
	r, scope := a.run, a.scope
	a.mu.Unlock()
	switch {
	case r == nil:
		return fmt.Errorf("wandb: artifact %s: wait: not logged by a run", a.Name())
	case r.mode != ModeOnline:
		return fmt.Errorf("wandb: artifact %s: wait: the run is offline; the server assigns the version at `wandb sync`", a.Name())
	}
	if !r.finished.Load() {
		if err := r.uploadNow(ctx); err != nil {
			return fmt.Errorf("wandb: artifact %s: wait: %w", a.Name(), err)
		}
	}
	remote, err := dialArtifactRemote(ctx, r)
	if err != nil {
		return err
	}
	p := artifact.Path{Entity: scope.Entity, Project: scope.Project, Name: a.Name(), Version: a.Digest()}
	v, err := remote.Resolve(ctx, p, scope)
	if err != nil {
		return fmt.Errorf("wandb: artifact %s: wait: %w", a.Name(), err)
	}
	a.a.SetVersion(v)
	a.a.SetRemote(remote)
	return nil
}

// ServerVersion is the version as the server reported it.
func (a *Artifact) ServerVersion() (ArtifactVersion, bool) { return a.a.Version() }

// AddFile adds a local file (default logical path: its base name).
func (a *Artifact) AddFile(ctx context.Context, localPath string, opts ...EntryOption) (ArtifactEntry, error) {
	return a.a.AddFile(ctx, localPath, opts...)
}

// AddDir adds every file under a directory (following links), hashing in
// parallel; EntryName sets a prefix.
func (a *Artifact) AddDir(ctx context.Context, dir string, opts ...EntryOption) ([]ArtifactEntry, error) {
	return a.a.AddDir(ctx, dir, opts...)
}

// AddReference adds entries that point outside the artifact: file://
// (hashed in place), http(s):// (ETag and Content-Length), s3:// (object
// metadata; endpoint and credentials from AWS_ENDPOINT_URL and AWS_*),
// other schemes by the hash of the URI.
func (a *Artifact) AddReference(ctx context.Context, uri string, opts ...EntryOption) ([]ArtifactEntry, error) {
	return a.a.AddReference(ctx, uri, opts...)
}

// NewFile returns a writer whose bytes become the entry name on Close.
func (a *Artifact) NewFile(name string, opts ...EntryOption) (io.WriteCloser, error) {
	return a.a.NewFile(name, opts...)
}

// Remove removes an entry, or every entry under a directory path.
func (a *Artifact) Remove(name string) error { return a.a.Remove(name) }

// GetEntry returns the entry at a logical path.
func (a *Artifact) GetEntry(name string) (ArtifactEntry, error) { return a.a.GetEntry(name) }

// Download writes the artifact under root (default
// $WANDB_ARTIFACT_DIR/<name>:<version>, WANDB_ARTIFACT_DIR defaulting to
// ./artifacts) from the cache or the server, verified, and returns root.
func (a *Artifact) Download(ctx context.Context, root string) (string, error) {
	return a.a.Download(ctx, root)
}

// Checkout downloads and removes the files of root not in the artifact.
func (a *Artifact) Checkout(ctx context.Context, root string) (string, error) {
	return a.a.Checkout(ctx, root)
}

// Verify checks root holds exactly the artifact; the error names the first
// missing, changed or extra file.
func (a *Artifact) Verify(ctx context.Context, root string) error { return a.a.Verify(ctx, root) }

// File downloads one entry and returns its local path.
func (a *Artifact) File(ctx context.Context, name, root string) (string, error) {
	return a.a.File(ctx, name, root)
}

// Open streams one entry's verified bytes.
func (a *Artifact) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	return a.a.Open(ctx, name)
}

// Add adds a media value or Table (anything Log accepts as media) as
// W&B does: its JSON as "<name>.<type>.json" (a Table's own JSON as
// "<name>.table.json") and the files it writes at their media paths.
func (a *Artifact) Add(obj any, name string) ([]ArtifactEntry, error) {
	b, ok := obj.(runstate.Binder)
	if !ok {
		return nil, fmt.Errorf("%w: Add: %T is not a media value or Table", ErrArtifactInvalid, obj)
	}
	name = strings.TrimSuffix(filepath.ToSlash(name), "/")
	if err := artifact.ValidateEntryPath(name); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "wandb-artifact-add-*")
	if err != nil {
		return nil, fmt.Errorf("wandb: artifact add: %w", err)
	}
	defer os.RemoveAll(tmp)
	js, files, err := b.BindToRun(runstate.Binding{FilesDir: tmp, Key: path.Base(name), Step: -1})
	if err != nil {
		return nil, fmt.Errorf("wandb: artifact add %s: %w", name, err)
	}
	var head struct {
		Type string `json:"_type"`
		Path string `json:"path"`
	}
	if err := json.Unmarshal(js, &head); err != nil || head.Type == "" {
		return nil, fmt.Errorf("wandb: artifact add %s: value has no _type", name)
	}
	typ, body := head.Type, js
	ctx := context.Background()
	var out []ArtifactEntry
	for _, f := range files {
		if typ == "table-file" && f == head.Path {
			// A table is stored as its own JSON, not as a pointer to it.
			if body, err = os.ReadFile(filepath.Join(tmp, filepath.FromSlash(f))); err != nil {
				return out, fmt.Errorf("wandb: artifact add %s: %w", name, err)
			}
			continue
		}
		e, err := a.a.AddFile(ctx, filepath.Join(tmp, filepath.FromSlash(f)), artifact.Name(f), artifact.Overwrite(true))
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	if typ == "table-file" {
		typ = "table"
	}
	w, err := a.a.NewFile(name+"."+typ+".json", artifact.Overwrite(true))
	if err != nil {
		return out, err
	}
	if _, err := w.Write(body); err != nil {
		w.Close()
		return out, fmt.Errorf("wandb: artifact add %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return out, err
	}
	e, err := a.a.GetEntry(name + "." + typ + ".json")
	return append(out, e), err
}
