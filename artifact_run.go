package wandb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gowandb/wandb/core/artifact"
	_ "github.com/gowandb/wandb/core/artifact/wire" // sets artifact.DialRemote
	"github.com/gowandb/wandb/core/netrc"
	"github.com/gowandb/wandb/core/record/recordpb"
)

type artifactRunOptions struct {
	name    string
	typ     string
	aliases []string
	tags    []string
}

// ArtifactRunOption configures LogArtifact and UseArtifact.
type ArtifactRunOption func(*artifactRunOptions)

// ArtifactName names the artifact LogArtifact makes from a path (default
// "run-<run id>-<base name>"); it may be prefixed with entity/project.
func ArtifactName(name string) ArtifactRunOption {
	return func(o *artifactRunOptions) { o.name = name }
}

// ArtifactType is the type of the artifact LogArtifact makes from a path
// (default "unspecified"), or the type UseArtifact requires.
func ArtifactType(typ string) ArtifactRunOption {
	return func(o *artifactRunOptions) { o.typ = typ }
}

// ArtifactAliases are the aliases LogArtifact gives the version; "latest"
// is always added.
func ArtifactAliases(aliases ...string) ArtifactRunOption {
	return func(o *artifactRunOptions) { o.aliases = append(o.aliases, aliases...) }
}

// ArtifactTags are tags for the version.
func ArtifactTags(tags ...string) ArtifactRunOption {
	return func(o *artifactRunOptions) { o.tags = append(o.tags, tags...) }
}

// LogArtifact declares an artifact as an output of the run (W&B's
// run.log_artifact). artifactOrPath is an *Artifact, or a path: a local
// file or directory, or a reference URI (s3://…, https://…, file://…),
// which becomes an artifact "run-<run id>-<base name>" of type
// "unspecified" unless ArtifactName / ArtifactType say otherwise.
//
// The artifact is sealed: its files are put into the cache (so changing
// the sources later changes nothing) and it becomes immutable. An
// ArtifactRecord with the manifest, the aliases (with "latest") and the
// cached files' paths goes to the run log; the server gets it when the run
// log is sent (live for online runs, `wandb sync` for offline ones), which
// assigns the version. Nothing here waits for the network.
func (r *Run) LogArtifact(ctx context.Context, artifactOrPath any, opts ...ArtifactRunOption) (*Artifact, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	var o artifactRunOptions
	for _, f := range opts {
		f(&o)
	}
	scope := r.scope()
	var a *Artifact
	switch v := artifactOrPath.(type) {
	case *Artifact:
		if v == nil {
			return nil, fmt.Errorf("%w: LogArtifact: nil *Artifact", ErrArtifactInvalid)
		}
		a = v
		if o.name != "" {
			p, err := artifact.ParsePath(o.name)
			if err != nil {
				return nil, err
			}
			if p.Name != a.Name() {
				return nil, fmt.Errorf("%w: LogArtifact: name %q is not the artifact's name %q", ErrArtifactInvalid, p.Name, a.Name())
			}
			scope = scopeOf(p, scope)
		}
		if o.typ != "" && o.typ != a.Type() {
			return nil, fmt.Errorf("%w: LogArtifact: type %q is not the artifact's type %q", ErrArtifactType, o.typ, a.Type())
		}
	case string:
		var err error
		if a, scope, err = r.artifactFromPath(ctx, v, o, scope); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: LogArtifact: %T is neither an *Artifact nor a path", ErrArtifactInvalid, artifactOrPath)
	}
	if r.disabled {
		return a, nil
	}
	if err := r.logArtifact(ctx, a, o, scope, false); err != nil {
		return nil, err
	}
	return a, nil
}

func (r *Run) scope() artifact.Scope {
	return artifact.Scope{Entity: r.entity, Project: r.project, Run: r.id}
}

// logArtifact seals a and writes its ArtifactRecord.
func (r *Run) logArtifact(ctx context.Context, a *Artifact, o artifactRunOptions, scope artifact.Scope, useAfterCommit bool) error {
	if a.Logged() {
		return fmt.Errorf("wandb: log artifact %s: already logged: %w", a.Name(), ErrArtifactFinalized)
	}
	req, err := a.a.NewLogRequest(ctx, scope, o.aliases, o.tags, r.Step())
	if err != nil {
		return err
	}
	// The run log names the cached files; until the server has them, a
	// cache cleanup must not remove them.
	if err := a.a.Pin(req); err != nil {
		return err
	}
	rec, err := artifact.ToRecord(req)
	if err != nil {
		return err
	}
	rec.UseAfterCommit = useAfterCommit
	if r.finished.Load() {
		return ErrRunFinished
	}
	r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Artifact{Artifact: rec}})
	a.mu.Lock()
	a.run, a.scope = r, scope
	a.mu.Unlock()
	return nil
}

// scopeOf takes entity and project from a path that has them.
func scopeOf(p artifact.Path, s artifact.Scope) artifact.Scope {
	if p.Project != "" {
		s.Project = p.Project
	}
	if p.Entity != "" {
		s.Entity = p.Entity
	}
	return s
}

// artifactFromPath builds the artifact for LogArtifact(path).
func (r *Run) artifactFromPath(ctx context.Context, p string, o artifactRunOptions, scope artifact.Scope) (*Artifact, artifact.Scope, error) {
	if p == "" {
		return nil, scope, fmt.Errorf("%w: LogArtifact: empty path", ErrArtifactInvalid)
	}
	isRef := strings.Contains(p, "://")
	base := filepath.Base(p)
	if isRef {
		if u, err := url.Parse(p); err == nil {
			base = path.Base(strings.TrimSuffix(u.Host+u.Path, "/"))
		}
	}
	name := "run-" + r.id + "-" + base
	if o.name != "" {
		pp, err := artifact.ParsePath(o.name)
		if err != nil {
			return nil, scope, err
		}
		if pp.Version != "" {
			return nil, scope, fmt.Errorf("%w: LogArtifact: name %q has a version; the server assigns it", ErrArtifactInvalid, o.name)
		}
		name, scope = pp.Name, scopeOf(pp, scope)
	}
	typ := o.typ
	if typ == "" {
		typ = "unspecified"
	}
	a, err := NewArtifact(name, typ, ArtifactCacheDir(r.settings.CacheDir))
	if err != nil {
		return nil, scope, err
	}
	if r.disabled {
		return a, scope, nil
	}
	switch st, statErr := os.Stat(p); {
	case isRef:
		_, err = a.AddReference(ctx, p)
	case statErr != nil:
		err = fmt.Errorf("wandb: log artifact: %w", statErr)
	case st.IsDir():
		_, err = a.AddDir(ctx, p)
	default:
		_, err = a.AddFile(ctx, p)
	}
	if err != nil {
		return nil, scope, err
	}
	return a, scope, nil
}

// dialArtifactRemote reaches the run's server for UseArtifact; tests
// replace it.
var dialArtifactRemote = func(ctx context.Context, r *Run) (artifact.Remote, error) {
	if artifact.DialRemote == nil {
		return nil, errors.New("wandb: use artifact: no artifact client is linked")
	}
	key, err := netrc.KeyFor(os.Environ(), r.settings.APIKey, r.settings.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("wandb: API key: %w", err)
	}
	return artifact.DialRemote(ctx, r.settings.BaseURL, key)
}

// UseArtifact declares an artifact as an input of the run (W&B's
// run.use_artifact) and returns it, ready to Download.
//
// nameOrArtifact is a name in any form ("name", "name:alias", "name:v3",
// "name:<digest>", "project/name:alias", "entity/project/name:alias";
// without a version, "latest"), resolved on the server, or an *Artifact:
// one not yet logged is logged first (with ArtifactAliases). ArtifactType
// requires that type. The use is written to the run log as a use-artifact
// record, which the server gets with the rest of the log (it then lists the
// run as a user of the version). A name needs an online run: offline it is
// ErrArtifactOffline ("Cannot use artifact when in offline mode.").
func (r *Run) UseArtifact(ctx context.Context, nameOrArtifact any, opts ...ArtifactRunOption) (*Artifact, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	var o artifactRunOptions
	for _, f := range opts {
		f(&o)
	}
	switch v := nameOrArtifact.(type) {
	case *Artifact:
		if v == nil {
			return nil, fmt.Errorf("%w: UseArtifact: nil *Artifact", ErrArtifactInvalid)
		}
		if o.typ != "" && o.typ != v.Type() {
			return nil, typeMismatch(o.typ, v.Type(), v.Name())
		}
		if r.disabled {
			return v, nil
		}
		if !v.Logged() {
			// W&B's use_after_commit: the server records the use once the
			// version is committed.
			return v, r.logArtifact(ctx, v, artifactRunOptions{aliases: o.aliases}, r.scope(), true)
		}
		rec := &recordpb.UseArtifactRecord{Type: v.Type(), Name: v.Name()}
		if sv, ok := v.ServerVersion(); ok {
			rec.Id, rec.Name = sv.ID, sv.Name+":"+sv.VersionName()
		}
		return v, r.emitUse(rec)
	case string:
		return r.useByName(ctx, v, o)
	default:
		return nil, fmt.Errorf("%w: UseArtifact: %T is neither an *Artifact nor a name", ErrArtifactInvalid, nameOrArtifact)
	}
}

func (r *Run) useByName(ctx context.Context, name string, o artifactRunOptions) (*Artifact, error) {
	p, err := artifact.ParsePath(name)
	if err != nil {
		return nil, err
	}
	if r.disabled {
		return nil, fmt.Errorf("wandb: use artifact %s: the run is disabled", name)
	}
	if r.mode != ModeOnline {
		return nil, ErrArtifactOffline
	}
	remote, err := dialArtifactRemote(ctx, r)
	if err != nil {
		return nil, err
	}
	v, err := remote.Resolve(ctx, p, artifact.Scope{Entity: r.entity, Project: r.project})
	if err != nil {
		return nil, fmt.Errorf("wandb: use artifact %s: %w", name, err)
	}
	if o.typ != "" && o.typ != v.Type {
		return nil, typeMismatch(o.typ, v.Type, name)
	}
	a := &Artifact{a: artifact.FromVersion(v, artifact.WithRemote(remote), artifact.WithCacheDir(r.settings.CacheDir))}
	rec := &recordpb.UseArtifactRecord{Id: v.ID, Type: v.Type, Name: v.Name + ":" + v.VersionName()}
	return a, r.emitUse(rec)
}

func (r *Run) emitUse(rec *recordpb.UseArtifactRecord) error {
	if r.finished.Load() {
		return ErrRunFinished
	}
	r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_UseArtifact{UseArtifact: rec}})
	return nil
}

// typeMismatch is W&B's "Supplied type … does not match type … of
// artifact …".
func typeMismatch(want, got, name string) error {
	return fmt.Errorf("%w: supplied type %q does not match type %q of artifact %s", ErrArtifactType, want, got, name)
}

// LogArtifact logs an artifact to the default run. See Run.LogArtifact.
func LogArtifact(ctx context.Context, artifactOrPath any, opts ...ArtifactRunOption) (*Artifact, error) {
	return currentRun().LogArtifact(ctx, artifactOrPath, opts...)
}

// UseArtifact uses an artifact in the default run. See Run.UseArtifact.
func UseArtifact(ctx context.Context, nameOrArtifact any, opts ...ArtifactRunOption) (*Artifact, error) {
	return currentRun().UseArtifact(ctx, nameOrArtifact, opts...)
}
