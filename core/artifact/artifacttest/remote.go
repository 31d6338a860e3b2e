// Package artifacttest is an in-memory artifact.Remote for unit tests:
// blobs by MD5, versions per collection with W&B's rules (v0, v1, … in
// commit order, "latest" moves to the newest, an identical digest creates
// no version, a collection keeps its type). End-to-end tests use the real
// server (core/server) through core/artifact/wire instead.
package artifacttest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/artifact"
)

// Remote is an in-memory artifact store. It is safe for concurrent use.
type Remote struct {
	mu       sync.Mutex
	blobs    map[string][]byte // hex MD5 → bytes
	versions map[string][]*artifact.Version
	uses     []string
	opens    int
	uploads  int
}

var (
	_ artifact.Remote = (*Remote)(nil)
	_ artifact.Lister = (*Remote)(nil)
)

// New returns an empty store.
func New() *Remote {
	return &Remote{blobs: map[string][]byte{}, versions: map[string][]*artifact.Version{}}
}

func collKey(entity, project, name string) string { return entity + "/" + project + "/" + name }

// Log commits a version, reading the entries' bytes from their LocalPath.
func (m *Remote) Log(ctx context.Context, req artifact.LogRequest) (artifact.LogResult, error) {
	if err := ctx.Err(); err != nil {
		return artifact.LogResult{}, err
	}
	aliases, err := artifact.Aliases(req.Aliases)
	if err != nil {
		return artifact.LogResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := collKey(req.Scope.Entity, req.Scope.Project, req.Name)
	vs := m.versions[key]
	if len(vs) > 0 && vs[0].Type != req.Type {
		return artifact.LogResult{}, fmt.Errorf("artifacttest: %s has type %q, not %q", req.Name, vs[0].Type, req.Type)
	}
	for _, v := range vs {
		if v.Digest == req.Digest {
			moveAliases(vs, v, aliases)
			return artifact.LogResult{Version: clone(v), Existing: true}, nil
		}
	}
	var total, done int64
	for _, e := range req.Manifest.Entries() {
		total += e.Size
	}
	for _, e := range req.Manifest.Entries() {
		if e.IsReference() {
			continue
		}
		h, ok := e.HexDigest()
		if !ok {
			return artifact.LogResult{}, fmt.Errorf("artifacttest: entry %s: digest %q is not an MD5", e.Path, e.Digest)
		}
		if _, ok := m.blobs[h]; !ok {
			b, err := os.ReadFile(e.LocalPath)
			if err != nil {
				return artifact.LogResult{}, fmt.Errorf("artifacttest: entry %s: %w", e.Path, err)
			}
			m.blobs[h] = b
			m.uploads++
		}
		done += e.Size
		if req.Progress != nil {
			req.Progress(done, total)
		}
	}
	v := &artifact.Version{
		ID: fmt.Sprintf("%s-%s-%d", req.Scope.Project, req.Name, len(vs)), Entity: req.Scope.Entity, Project: req.Scope.Project,
		Name: req.Name, Type: req.Type, Index: len(vs), Digest: req.Digest, Manifest: req.Manifest.Clone(),
		Description: req.Description, Metadata: req.Metadata, Tags: slices.Clone(req.Tags),
		CreatedAt: time.Unix(int64(len(vs)), 0).UTC(), LoggedBy: req.Scope, HistoryStep: req.HistoryStep,
	}
	for p, e := range v.Manifest.Contents {
		e.LocalPath = ""
		v.Manifest.Contents[p] = e
	}
	m.versions[key] = append(vs, v)
	moveAliases(m.versions[key], v, aliases)
	return artifact.LogResult{Version: clone(v)}, nil
}

func moveAliases(vs []*artifact.Version, to *artifact.Version, aliases []string) {
	for _, a := range aliases {
		for _, v := range vs {
			v.Aliases = slices.DeleteFunc(v.Aliases, func(x string) bool { return x == a })
		}
		to.Aliases = append(to.Aliases, a)
	}
}

func clone(v *artifact.Version) artifact.Version {
	c := *v
	c.Aliases = slices.Clone(v.Aliases)
	c.Manifest = v.Manifest.Clone()
	return c
}

// Resolve finds a version by alias, vN or digest.
func (m *Remote) Resolve(ctx context.Context, p artifact.Path, d artifact.Scope) (artifact.Version, error) {
	p = p.WithDefaults(d)
	m.mu.Lock()
	defer m.mu.Unlock()
	n, isIndex := p.Index()
	for _, v := range m.versions[collKey(p.Entity, p.Project, p.Name)] {
		if (isIndex && v.Index == n) || (p.IsDigest() && v.Digest == p.Version) || slices.Contains(v.Aliases, p.Alias()) {
			return clone(v), nil
		}
	}
	return artifact.Version{}, fmt.Errorf("artifacttest: %w: %s", artifact.ErrNotFound, p)
}

// Use records the use; Uses lists them.
func (m *Remote) Use(ctx context.Context, v artifact.Version, run artifact.Scope) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.uses = append(m.uses, run.Run+" used "+v.QualifiedName())
	return nil
}

// Open returns a blob.
func (m *Remote) Open(ctx context.Context, v artifact.Version, e artifact.Entry) (io.ReadCloser, error) {
	h, _ := e.HexDigest()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.opens++
	b, ok := m.blobs[h]
	if !ok {
		return nil, fmt.Errorf("artifacttest: %w: blob %s", artifact.ErrNotFound, h)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// List returns the latest version of each collection of the project.
func (m *Remote) List(ctx context.Context, s artifact.Scope, typ string) ([]artifact.Version, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []artifact.Version
	for _, vs := range m.versions {
		last := vs[len(vs)-1]
		if last.Entity == s.Entity && last.Project == s.Project && (typ == "" || last.Type == typ) {
			out = append(out, clone(last))
		}
	}
	slices.SortFunc(out, func(a, b artifact.Version) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Uses lists "<run> used <entity/project/name:vN>" in order.
func (m *Remote) Uses() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.uses)
}

// Opens counts Open calls (downloads that missed the cache).
func (m *Remote) Opens() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.opens
}

// Uploads counts blobs stored (deduplicated by MD5).
func (m *Remote) Uploads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.uploads
}

// Corrupt replaces the stored bytes of a blob (by hex MD5), to test that
// clients verify what they download.
func (m *Remote) Corrupt(hexMD5 string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[hexMD5] = b
}
