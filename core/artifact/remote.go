package artifact

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// ErrNotFound reports an artifact, version or entry the server does not
// have. Remote implementations wrap it.
var ErrNotFound = errors.New("artifact: not found")

// Version is one committed version of an artifact collection, as a
// tracking server reports it.
type Version struct {
	ID          string // server id
	Entity      string
	Project     string
	Name        string // collection name, without ":vN"
	Type        string
	Index       int      // N of "vN"
	Aliases     []string // always includes "latest" for the newest version
	Digest      string   // hex artifact digest (§6.3)
	Manifest    *Manifest
	Description string
	Metadata    map[string]any
	Tags        []string
	CreatedAt   time.Time
	LoggedBy    Scope // the run that logged it (Entity, Project, Run id)
	HistoryStep int64 // the logging run's step at log time; -1 when unknown
}

// VersionName is "vN".
func (v Version) VersionName() string { return "v" + strconv.Itoa(v.Index) }

// QualifiedName is "entity/project/name:vN".
func (v Version) QualifiedName() string {
	return Path{Entity: v.Entity, Project: v.Project, Name: v.Name, Version: v.VersionName()}.String()
}

// LogRequest asks a Remote to commit a version.
type LogRequest struct {
	// Scope is the entity and project of the collection and the run that
	// logs it (Run may be empty for a version created outside a run, e.g.
	// `wandb artifact put`).
	Scope       Scope
	Name        string
	Type        string
	Description string
	Metadata    map[string]any
	// Aliases to set; the Remote always adds "latest".
	Aliases []string
	Tags    []string
	// Manifest with every entry; entries that are not references carry the
	// path of their bytes on this machine in LocalPath (a staged copy that
	// does not change).
	Manifest *Manifest
	// Digest is Manifest.Digest(), computed by the caller.
	Digest string
	// HistoryStep is the run's step when the artifact was logged (-1: none).
	HistoryStep int64
	// ClientID identifies this logging attempt across retries (a random id,
	// W&B's client_id); the Remote may use it to make Log idempotent.
	ClientID string
	// Incremental asks the Remote to merge the manifest with the
	// collection's latest version (W&B's incremental artifacts).
	Incremental bool
	// Progress, when not nil, is called from the uploading goroutines with
	// the bytes of file content uploaded so far and the total to upload.
	Progress func(done, total int64)
}

// LogResult is what Log committed.
type LogResult struct {
	Version Version
	// Existing is true when a version with the same digest already
	// existed: nothing was uploaded and no version was created (W&B prints
	// "Artifact <name> already exists with the same content. No new
	// version will be created.").
	Existing bool
}

// Remote is a tracking server's artifact store. Implementations are safe
// for concurrent use; every method honours its context and wraps
// [ErrNotFound] for what does not exist.
type Remote interface {
	// Log commits a version of a collection for the run. When a version
	// with the same digest exists it is returned with Existing set and
	// nothing is uploaded (its aliases are still added); otherwise the
	// entries' files the server lacks (by MD5) are uploaded and the
	// version committed as the collection's next vN. Aliases always
	// include "latest", which moves to the new version. Log is idempotent
	// for a repeated ClientID.
	Log(ctx context.Context, req LogRequest) (LogResult, error)
	// Resolve finds a version by any name form; an empty entity or project
	// in p is taken from defaults. The returned Version carries its
	// manifest.
	Resolve(ctx context.Context, p Path, defaults Scope) (Version, error)
	// Use records that the run in run (Entity, Project, Run) used v.
	Use(ctx context.Context, v Version, run Scope) error
	// Open streams one entry's stored bytes. The caller verifies the
	// digest; Open does not buffer the file.
	Open(ctx context.Context, v Version, e Entry) (io.ReadCloser, error)
}

// Lister is an optional capability of a Remote: listing the latest
// version of each collection in a project (`wandb artifact ls`).
type Lister interface {
	// List returns the latest version of every collection in the project
	// of scope (of type typ when not empty), sorted by type then name.
	List(ctx context.Context, scope Scope, typ string) ([]Version, error)
}

// Dialer connects to a tracking server's artifact store.
type Dialer func(ctx context.Context, baseURL, apiKey string) (Remote, error)

// DialRemote is set by the package that implements the wire protocol
// (core/artifact/wire, from its init) and used by the CLI and the root
// package to reach a server. It is nil when no implementation is linked.
var DialRemote Dialer
