package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/wire"
)

// ArtifactRun names a run in an artifact's lineage.
type ArtifactRun struct {
	Entity, Project, ID string
}

// Artifact is a logged artifact version with its lineage (W&B's
// artifact.logged_by() and artifact.used_by()).
type Artifact struct {
	Entity, Project string
	Name            string // the collection name, without ":vN"
	Type            string
	Version         int // N of "vN"
	Aliases         []string
	Digest          string
	// LoggedBy is the run that logged the version; nil for one saved
	// outside a run.
	LoggedBy *ArtifactRun
	// UsedBy are the runs that used it, in order of use.
	UsedBy []ArtifactRun
}

// QualifiedName is "entity/project/name:vN".
func (a *Artifact) QualifiedName() string {
	return fmt.Sprintf("%s/%s/%s:v%d", a.Entity, a.Project, a.Name, a.Version)
}

// Artifact resolves an artifact version by any name form
// ("entity/project/name:alias", "project/name:vN", "project/name:<digest>";
// without a version, "latest"; without an entity, the key's default
// entity) and returns it with its lineage. A name the server does not
// have is ErrNotFound (and artifact.ErrNotFound).
func (c *Client) Artifact(ctx context.Context, path string) (*Artifact, error) {
	p, err := artifact.ParsePath(path)
	if err != nil {
		return nil, fmt.Errorf("%w: artifact %q: %w", ErrInvalid, path, err)
	}
	if p.Project == "" {
		return nil, fmt.Errorf("%w: artifact %q: no project (write project/name or entity/project/name)", ErrInvalid, path)
	}
	l, err := wire.FromClient(c.gql).Lineage(ctx, p, artifact.Scope{})
	if errors.Is(err, artifact.ErrNotFound) {
		return nil, fmt.Errorf("%w: artifact %q: %w", ErrNotFound, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("query: artifact %q: %w", path, err)
	}
	v := l.Version
	out := &Artifact{Entity: v.Entity, Project: v.Project, Name: v.Name, Type: v.Type, Version: v.Index,
		Aliases: v.Aliases, Digest: v.Digest}
	if v.LoggedBy.Run != "" {
		out.LoggedBy = &ArtifactRun{Entity: v.LoggedBy.Entity, Project: v.LoggedBy.Project, ID: v.LoggedBy.Run}
	}
	for _, u := range l.UsedBy {
		out.UsedBy = append(out.UsedBy, ArtifactRun{Entity: u.Entity, Project: u.Project, ID: u.Run})
	}
	return out, nil
}
