package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// errNoArtifacts: the store keeps no artifacts (store.Artifacts is an
// optional role, found by type assertion).
var errNoArtifacts = fmt.Errorf("dashboard: this server's store keeps no artifacts: %w", store.ErrNotFound)

func (d *dash) artifactStore() (store.Artifacts, error) {
	as, ok := d.st.(store.Artifacts)
	if !ok {
		return nil, errNoArtifacts
	}
	return as, nil
}

type collectionJSON struct {
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Description string    `json:"description"`
	Versions    int       `json:"versions"`
	CreatedAt   time.Time `json:"createdAt"`
}

// artifacts lists a project's artifact collections.
func (d *dash) artifacts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	entity, project := r.PathValue("entity"), r.PathValue("project")
	if err := d.checkEntity(ctx, entity); err != nil {
		d.fail(w, err)
		return
	}
	out := []collectionJSON{}
	as, err := d.artifactStore()
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"collections": out, "supported": false})
		return
	}
	cs, err := as.ArtifactCollections(ctx, entity, project, "")
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: artifacts of %s/%s: %w", entity, project, err))
		return
	}
	for _, c := range cs {
		out = append(out, collectionJSON{c.Name, c.Type, c.Description, c.Versions, c.CreatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"collections": out, "supported": true})
}

type runRefJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Project     string `json:"project"`
	State       string `json:"state"`
}

type versionJSON struct {
	ID          int64          `json:"id"`
	Collection  string         `json:"collection"`
	Type        string         `json:"type"`
	Version     string         `json:"version"`
	Aliases     []string       `json:"aliases"`
	Digest      string         `json:"digest"`
	Description string         `json:"description"`
	Metadata    map[string]any `json:"metadata"`
	Size        int64          `json:"size"`
	Files       int            `json:"files"`
	CreatedAt   time.Time      `json:"createdAt"`
	CreatedBy   *runRefJSON    `json:"createdBy"`
}

func (d *dash) versionJSON(ctx context.Context, a store.Artifact) versionJSON {
	v := versionJSON{ID: a.ID, Collection: a.Collection, Type: a.Type, Version: a.VersionName(), Aliases: a.Aliases,
		Digest: a.Digest, Description: a.Description, Size: a.Size, Files: a.FileCount, CreatedAt: a.CreatedAt,
		Metadata: map[string]any{}}
	if v.Aliases == nil {
		v.Aliases = []string{}
	}
	if m, ok := jsonSafe(decodeObject(a.Metadata)).(map[string]any); ok {
		v.Metadata = m
	}
	if a.CreatedByRunID != 0 {
		if run, err := d.st.RunByID(ctx, a.CreatedByRunID); err == nil {
			v.CreatedBy = &runRefJSON{run.Name, run.DisplayName, run.Project, string(run.State)}
		}
	}
	return v
}

// artifactVersions lists a collection's committed versions, newest first.
func (d *dash) artifactVersions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	entity, project, coll := r.PathValue("entity"), r.PathValue("project"), r.PathValue("collection")
	if err := d.checkEntity(ctx, entity); err != nil {
		d.fail(w, err)
		return
	}
	as, err := d.artifactStore()
	if err != nil {
		d.fail(w, err)
		return
	}
	c, err := as.ArtifactCollection(ctx, entity, project, coll)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: artifact %s/%s/%s: %w", entity, project, coll, err))
		return
	}
	vs, err := as.ArtifactVersions(ctx, entity, project, coll)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: versions of %s: %w", coll, err))
		return
	}
	out := make([]versionJSON, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		out = append(out, d.versionJSON(ctx, vs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"collection": collectionJSON{c.Name, c.Type, c.Description, c.Versions, c.CreatedAt},
		"versions": out})
}

type entryJSON struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Digest string `json:"digest"`
	Ref    string `json:"ref,omitempty"`
}

// theVersion resolves {collection}/{version} (vN, an alias or "latest").
func (d *dash) theVersion(ctx context.Context, r *http.Request) (store.Artifacts, store.Artifact, error) {
	entity, project, coll, ref := r.PathValue("entity"), r.PathValue("project"), r.PathValue("collection"), r.PathValue("version")
	if err := d.checkEntity(ctx, entity); err != nil {
		return nil, store.Artifact{}, err
	}
	as, err := d.artifactStore()
	if err != nil {
		return nil, store.Artifact{}, err
	}
	a, err := as.ResolveArtifact(ctx, entity, project, coll, ref)
	if err != nil {
		return nil, store.Artifact{}, fmt.Errorf("dashboard: artifact %s/%s/%s:%s: %w", entity, project, coll, ref, err)
	}
	return as, a, nil
}

// artifactVersion is one version: files, metadata and lineage (the run
// that logged it and the runs that used it).
func (d *dash) artifactVersion(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	as, a, err := d.theVersion(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	entries, err := as.ArtifactEntries(ctx, a.ID)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: files of artifact %d: %w", a.ID, err))
		return
	}
	users, err := as.ArtifactUsers(ctx, a.ID)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: users of artifact %d: %w", a.ID, err))
		return
	}
	files := make([]entryJSON, 0, len(entries))
	for _, e := range entries {
		files = append(files, entryJSON{e.Path, e.Size, e.Digest, e.Ref})
	}
	usedBy := make([]runRefJSON, 0, len(users))
	for _, u := range users {
		usedBy = append(usedBy, runRefJSON{u.Name, u.DisplayName, u.Project, string(u.State)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": d.versionJSON(ctx, a), "files": files, "usedBy": usedBy})
}

// artifactFile serves a file of a version from its content blob, with the
// same sandbox CSP as run files.
func (d *dash) artifactFile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	as, a, err := d.theVersion(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	name := r.PathValue("path")
	e, err := as.ArtifactEntry(ctx, a.ID, name)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: file %q of artifact %s:%s: %w", name, a.Collection, a.VersionName(), err))
		return
	}
	if e.Ref != "" {
		d.fail(w, badRequestf("file %q is a reference to %s: its content is not stored here", name, e.Ref))
		return
	}
	key, err := store.ArtifactBlobKey(e.Digest)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: file %q: %w", name, err))
		return
	}
	rc, err := d.blobs.Get(ctx, key)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("dashboard: the content of %q was never uploaded: %w", name, err)
		}
		d.fail(w, err)
		return
	}
	defer rc.Close()
	serveContent(w, r, name, rc)
}

// serveContent writes a file with a type from its extension, a sandbox
// CSP (html or svg opened directly runs in an opaque origin), and, with
// ?download=1, as an attachment.
func serveContent(w http.ResponseWriter, r *http.Request, name string, rc io.Reader) {
	ct := mime.TypeByExtension(path.Ext(name))
	switch {
	case ct == "":
		ct = "application/octet-stream"
		if isText(name) {
			ct = "text/plain; charset=utf-8"
		}
	case len(ct) > 5 && ct[:5] == "text/" && !containsCharset(ct):
		ct += "; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", "sandbox allow-scripts; default-src 'self' 'unsafe-inline' data: blob:")
	h.Set("Cache-Control", "private, no-cache")
	if r.URL.Query().Get("download") != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(name)}))
	}
	_, _ = io.Copy(w, rc)
}

func containsCharset(ct string) bool {
	_, params, err := mime.ParseMediaType(ct)
	return err == nil && params["charset"] != ""
}

// runArtifacts lists the versions a run logged and used.
func (d *dash) runArtifacts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	run, err := d.theRun(ctx, r)
	if err != nil {
		d.fail(w, err)
		return
	}
	logged, used := []versionJSON{}, []versionJSON{}
	as, err := d.artifactStore()
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"logged": logged, "used": used})
		return
	}
	l, err := as.ArtifactsLoggedBy(ctx, run.ID)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: artifacts logged by %s: %w", run.Name, err))
		return
	}
	u, err := as.ArtifactsUsedBy(ctx, run.ID)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: artifacts used by %s: %w", run.Name, err))
		return
	}
	for _, a := range l {
		logged = append(logged, d.versionJSON(ctx, a))
	}
	for _, a := range u {
		used = append(used, d.versionJSON(ctx, a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"logged": logged, "used": used})
}
