package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gowandb/wandb/core/store"
)

var _ store.Artifacts = (*Store)(nil)

// artCols selects an artifact version with its names; latest is the
// collection's newest committed index.
const artCols = `a.id, a.collection_id, e.name, p.name, c.name, t.name, a.version_index, a.digest, a.state,
	a.description, a.metadata, a.manifest_digest, a.size, a.file_count, a.created_by_run, a.history_step,
	a.created_at, a.committed_at,
	(SELECT MAX(version_index) FROM artifacts m WHERE m.collection_id = a.collection_id)
	FROM artifacts a JOIN artifact_collections c ON c.id = a.collection_id JOIN artifact_types t ON t.id = c.type_id
	JOIN projects p ON p.id = c.project_id JOIN entities e ON e.id = p.entity_id`

func scanArtifact(sc scanner) (store.Artifact, error) {
	var a store.Artifact
	var idx, run, step, latest sql.NullInt64
	var meta, state string
	var ca, cm int64
	err := sc.Scan(&a.ID, &a.CollectionID, &a.Entity, &a.Project, &a.Collection, &a.Type, &idx, &a.Digest, &state,
		&a.Description, &meta, &a.ManifestDigest, &a.Size, &a.FileCount, &run, &step, &ca, &cm, &latest)
	if err != nil {
		return store.Artifact{}, err
	}
	a.Version = -1
	if idx.Valid {
		a.Version = int(idx.Int64)
		if latest.Valid && latest.Int64 == idx.Int64 {
			a.Aliases = []string{"latest"}
		}
	}
	if step.Valid {
		v := step.Int64
		a.HistoryStep = &v
	}
	a.State, a.Metadata, a.CreatedByRunID = store.ArtifactState(state), json.RawMessage(meta), run.Int64
	a.CreatedAt, a.CommittedAt = fromNanos(ca), fromNanos(cm)
	return a, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// artifact reads one version with its aliases through q.
func (s *Store) artifact(ctx context.Context, q querier, where string, args ...any) (store.Artifact, error) {
	a, err := scanArtifact(q.QueryRowContext(ctx, `SELECT `+artCols+` WHERE `+where, args...))
	if err != nil {
		return store.Artifact{}, err
	}
	if err := s.loadAliases(ctx, q, &a); err != nil {
		return store.Artifact{}, err
	}
	return a, nil
}

func (s *Store) loadAliases(ctx context.Context, q querier, a *store.Artifact) error {
	rows, err := q.QueryContext(ctx, `SELECT alias FROM artifact_aliases WHERE artifact_id = ?`, a.ID)
	if err != nil {
		return fmt.Errorf("store: aliases of artifact %d: %w", a.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var al string
		if err := rows.Scan(&al); err != nil {
			return fmt.Errorf("store: aliases of artifact %d: %w", a.ID, err)
		}
		a.Aliases = append(a.Aliases, al)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: aliases of artifact %d: %w", a.ID, err)
	}
	sort.Strings(a.Aliases)
	return nil
}

func (s *Store) artifacts(ctx context.Context, what, q string, args ...any) ([]store.Artifact, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+artCols+` `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	var out []store.Artifact
	for rows.Next() {
		a, err := scanArtifact(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	for i := range out {
		if err := s.loadAliases(ctx, s.r, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func validAliases(aliases []string) ([]string, error) {
	var out []string
	for _, al := range aliases {
		if al == "latest" {
			continue
		}
		if err := store.ValidAlias(al); err != nil {
			return nil, err
		}
		out = append(out, al)
	}
	return out, nil
}

// CreateArtifact implements store.Artifacts.
func (s *Store) CreateArtifact(ctx context.Context, in store.ArtifactInput) (store.Artifact, bool, error) {
	if err := store.ValidArtifactName(in.Collection); err != nil {
		return store.Artifact{}, false, err
	}
	if err := store.ValidArtifactType(in.Type); err != nil {
		return store.Artifact{}, false, err
	}
	if !store.IsHexDigest(in.Digest) {
		return store.Artifact{}, false, fmt.Errorf("%w: artifact digest %q is not a hex MD5", store.ErrInvalid, in.Digest)
	}
	aliases, err := validAliases(in.Aliases)
	if err != nil {
		return store.Artifact{}, false, err
	}
	meta := "{}"
	if len(in.Metadata) > 0 && string(in.Metadata) != "null" {
		if meta, err = jsonObject("artifact metadata", in.Metadata); err != nil {
			return store.Artifact{}, false, err
		}
	}
	var id int64
	var created bool
	err = s.tx(ctx, func(tx *sql.Tx) error {
		p, err := s.upsertProject(ctx, tx, in.Entity, in.Project)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("artifact %s/%s/%s", in.Entity, in.Project, in.Collection)
		if in.RunID != 0 {
			var rp int64
			if err := tx.QueryRowContext(ctx, `SELECT project_id FROM runs WHERE id = ?`, in.RunID).Scan(&rp); err != nil {
				return notFound(err, "run %d", in.RunID)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO artifact_types(project_id, name) VALUES (?, ?)`, p.ID, in.Type); err != nil {
			return fmt.Errorf("store: %s: %w", name, err)
		}
		var typeID int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM artifact_types WHERE project_id = ? AND name = ?`, p.ID, in.Type).Scan(&typeID); err != nil {
			return fmt.Errorf("store: %s: %w", name, err)
		}
		var collID, collType int64
		err = tx.QueryRowContext(ctx, `SELECT id, type_id FROM artifact_collections WHERE project_id = ? AND name = ?`, p.ID, in.Collection).Scan(&collID, &collType)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err := tx.ExecContext(ctx, `INSERT INTO artifact_collections(project_id, type_id, name, description, created_at) VALUES (?, ?, ?, ?, ?)`,
				p.ID, typeID, in.Collection, in.Description, nanos(s.now()))
			if err != nil {
				return fmt.Errorf("store: %s: %w", name, err)
			}
			collID, _ = res.LastInsertId()
		case err != nil:
			return fmt.Errorf("store: %s: %w", name, err)
		case collType != typeID:
			var have string
			_ = tx.QueryRowContext(ctx, `SELECT name FROM artifact_types WHERE id = ?`, collType).Scan(&have)
			return fmt.Errorf("%w: %s has type %q, not %q", store.ErrConflict, name, have, in.Type)
		}
		var state, pending string
		err = tx.QueryRowContext(ctx, `SELECT id, state, pending_aliases FROM artifacts WHERE collection_id = ? AND digest = ?
			ORDER BY state = 'COMMITTED' DESC, id LIMIT 1`, collID, in.Digest).Scan(&id, &state, &pending)
		switch {
		case err == nil && state == string(store.ArtifactCommitted):
			return setAliases(ctx, tx, collID, id, aliases)
		case err == nil:
			var have []string
			_ = json.Unmarshal([]byte(pending), &have)
			b, _ := json.Marshal(union(have, aliases))
			_, err := tx.ExecContext(ctx, `UPDATE artifacts SET pending_aliases = ? WHERE id = ?`, string(b), id)
			return err
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: %s: %w", name, err)
		}
		if aliases == nil {
			aliases = []string{}
		}
		b, _ := json.Marshal(aliases)
		var run, step any
		if in.RunID != 0 {
			run = in.RunID
		}
		if in.HistoryStep != nil {
			step = *in.HistoryStep
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO artifacts(collection_id, digest, state, description, metadata, pending_aliases,
			created_by_run, history_step, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			collID, in.Digest, string(store.ArtifactPending), in.Description, meta, string(b), run, step, nanos(s.now()))
		if err != nil {
			return fmt.Errorf("store: %s: %w", name, err)
		}
		id, _ = res.LastInsertId()
		created = true
		return nil
	})
	if err != nil {
		return store.Artifact{}, false, err
	}
	a, err := s.Artifact(ctx, id)
	return a, created, err
}

func union(a, b []string) []string {
	out := append([]string{}, a...)
	for _, x := range b {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// setAliases points each alias of the collection at artifact id.
func setAliases(ctx context.Context, tx *sql.Tx, collID, id int64, aliases []string) error {
	for _, al := range aliases {
		if _, err := tx.ExecContext(ctx, `INSERT INTO artifact_aliases(collection_id, alias, artifact_id) VALUES (?, ?, ?)
			ON CONFLICT(collection_id, alias) DO UPDATE SET artifact_id = excluded.artifact_id`, collID, al, id); err != nil {
			return fmt.Errorf("store: alias %q of artifact %d: %w", al, id, err)
		}
	}
	return nil
}

// Artifact implements store.Artifacts.
func (s *Store) Artifact(ctx context.Context, id int64) (store.Artifact, error) {
	a, err := s.artifact(ctx, s.r, `a.id = ?`, id)
	if err != nil {
		return store.Artifact{}, notFound(err, "artifact %d", id)
	}
	return a, nil
}

// SetArtifactManifest implements store.Artifacts.
func (s *Store) SetArtifactManifest(ctx context.Context, id int64, manifestDigest string) error {
	if _, err := store.MD5Hex(manifestDigest); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var state, have string
		if err := tx.QueryRowContext(ctx, `SELECT state, manifest_digest FROM artifacts WHERE id = ?`, id).Scan(&state, &have); err != nil {
			return notFound(err, "artifact %d", id)
		}
		if state == string(store.ArtifactCommitted) {
			if have == manifestDigest {
				return nil
			}
			return fmt.Errorf("%w: artifact %d is committed with another manifest", store.ErrConflict, id)
		}
		_, err := tx.ExecContext(ctx, `UPDATE artifacts SET manifest_digest = ? WHERE id = ?`, manifestDigest, id)
		return err
	})
}

// CommitArtifact implements store.Artifacts.
func (s *Store) CommitArtifact(ctx context.Context, id int64, entries []store.ArtifactEntry) (store.Artifact, error) {
	seen := make(map[string]bool, len(entries))
	var size int64
	for _, e := range entries {
		if err := store.ValidEntryPath(e.Path); err != nil {
			return store.Artifact{}, err
		}
		if seen[e.Path] {
			return store.Artifact{}, fmt.Errorf("%w: artifact entry path %q twice", store.ErrInvalid, e.Path)
		}
		seen[e.Path] = true
		if e.Size < 0 || e.Digest == "" {
			return store.Artifact{}, fmt.Errorf("%w: artifact entry %q: size %d, digest %q", store.ErrInvalid, e.Path, e.Size, e.Digest)
		}
		if len(e.Extra) > 0 {
			if _, err := jsonObject("artifact entry extra", e.Extra); err != nil {
				return store.Artifact{}, err
			}
		}
		size += e.Size
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var state, digest, pending string
		var collID int64
		if err := tx.QueryRowContext(ctx, `SELECT state, digest, pending_aliases, collection_id FROM artifacts WHERE id = ?`, id).
			Scan(&state, &digest, &pending, &collID); err != nil {
			return notFound(err, "artifact %d", id)
		}
		if state == string(store.ArtifactCommitted) {
			return nil
		}
		if got := store.ArtifactDigest(entries); got != digest {
			return fmt.Errorf("%w: artifact %d: the manifest's digest is %s, the artifact was created with %s", store.ErrInvalid, id, got, digest)
		}
		var next int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_index), -1) + 1 FROM artifacts WHERE collection_id = ?`, collID).Scan(&next); err != nil {
			return fmt.Errorf("store: commit artifact %d: %w", id, err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO artifact_entries(artifact_id, path, digest, size, ref, birth_artifact_id, extra) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("store: commit artifact %d: %w", id, err)
		}
		defer st.Close()
		for _, e := range entries {
			if _, err := st.ExecContext(ctx, id, e.Path, e.Digest, e.Size, e.Ref, e.BirthArtifactID, string(e.Extra)); err != nil {
				return fmt.Errorf("store: commit artifact %d: entry %q: %w", id, e.Path, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE artifacts SET state = ?, version_index = ?, size = ?, file_count = ?, committed_at = ?,
			pending_aliases = '[]' WHERE id = ?`, string(store.ArtifactCommitted), next, size, len(entries), nanos(s.now()), id); err != nil {
			return fmt.Errorf("store: commit artifact %d: %w", id, err)
		}
		var aliases []string
		_ = json.Unmarshal([]byte(pending), &aliases)
		return setAliases(ctx, tx, collID, id, aliases)
	})
	if err != nil {
		return store.Artifact{}, err
	}
	return s.Artifact(ctx, id)
}

// ResolveArtifact implements store.Artifacts.
func (s *Store) ResolveArtifact(ctx context.Context, entity, project, collection, ref string) (store.Artifact, error) {
	base := `e.name = ? AND p.name = ? AND c.name = ? AND a.state = 'COMMITTED'`
	args := []any{entity, project, collection}
	var a store.Artifact
	err := sql.ErrNoRows
	switch {
	case ref == "" || ref == "latest":
		a, err = s.artifact(ctx, s.r, base+` ORDER BY a.version_index DESC LIMIT 1`, args...)
	case store.IsVersionRef(ref):
		n, perr := strconv.Atoi(ref[1:])
		if perr == nil {
			a, err = s.artifact(ctx, s.r, base+` AND a.version_index = ?`, append(args, n)...)
		}
	default:
		a, err = s.artifact(ctx, s.r, base+` AND a.id = (SELECT artifact_id FROM artifact_aliases WHERE collection_id = c.id AND alias = ?)`, append(args, ref)...)
		if errors.Is(err, sql.ErrNoRows) && store.IsHexDigest(ref) {
			a, err = s.artifact(ctx, s.r, base+` AND a.digest = ?`, append(args, ref)...)
		}
	}
	if err != nil {
		if ref == "" {
			ref = "latest"
		}
		return store.Artifact{}, notFound(err, "artifact %s/%s/%s:%s", entity, project, collection, ref)
	}
	return a, nil
}

// ArtifactVersions implements store.Artifacts.
func (s *Store) ArtifactVersions(ctx context.Context, entity, project, collection string) ([]store.Artifact, error) {
	return s.artifacts(ctx, "artifact versions", `WHERE e.name = ? AND p.name = ? AND c.name = ? AND a.state = 'COMMITTED'
		ORDER BY a.version_index`, entity, project, collection)
}

const collCols = `c.id, e.name, p.name, c.name, t.name, c.description, c.created_at,
	(SELECT COUNT(*) FROM artifacts a WHERE a.collection_id = c.id AND a.state = 'COMMITTED')
	FROM artifact_collections c JOIN artifact_types t ON t.id = c.type_id
	JOIN projects p ON p.id = c.project_id JOIN entities e ON e.id = p.entity_id`

func scanCollection(sc scanner) (store.ArtifactCollection, error) {
	var c store.ArtifactCollection
	var at int64
	err := sc.Scan(&c.ID, &c.Entity, &c.Project, &c.Name, &c.Type, &c.Description, &at, &c.Versions)
	c.CreatedAt = fromNanos(at)
	return c, err
}

// ArtifactCollection implements store.Artifacts.
func (s *Store) ArtifactCollection(ctx context.Context, entity, project, name string) (store.ArtifactCollection, error) {
	c, err := scanCollection(s.r.QueryRowContext(ctx, `SELECT `+collCols+` WHERE e.name = ? AND p.name = ? AND c.name = ?`, entity, project, name))
	if err != nil {
		return store.ArtifactCollection{}, notFound(err, "artifact collection %s/%s/%s", entity, project, name)
	}
	return c, nil
}

// ArtifactCollections implements store.Artifacts.
func (s *Store) ArtifactCollections(ctx context.Context, entity, project, typ string) ([]store.ArtifactCollection, error) {
	q := `SELECT ` + collCols + ` WHERE e.name = ? AND p.name = ?`
	args := []any{entity, project}
	if typ != "" {
		q += ` AND t.name = ?`
		args = append(args, typ)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY c.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: artifact collections of %s/%s: %w", entity, project, err)
	}
	defer rows.Close()
	var out []store.ArtifactCollection
	for rows.Next() {
		c, err := scanCollection(rows)
		if err != nil {
			return nil, fmt.Errorf("store: artifact collections of %s/%s: %w", entity, project, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: artifact collections of %s/%s: %w", entity, project, err)
	}
	return out, nil
}

// ArtifactTypes implements store.Artifacts.
func (s *Store) ArtifactTypes(ctx context.Context, entity, project string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT t.name FROM artifact_types t JOIN projects p ON p.id = t.project_id
		JOIN entities e ON e.id = p.entity_id WHERE e.name = ? AND p.name = ? ORDER BY t.name`, entity, project)
	if err != nil {
		return nil, fmt.Errorf("store: artifact types of %s/%s: %w", entity, project, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: artifact types of %s/%s: %w", entity, project, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: artifact types of %s/%s: %w", entity, project, err)
	}
	return out, nil
}

const entryCols = `path, digest, size, ref, birth_artifact_id, extra FROM artifact_entries`

func scanEntry(sc scanner) (store.ArtifactEntry, error) {
	var e store.ArtifactEntry
	var extra string
	err := sc.Scan(&e.Path, &e.Digest, &e.Size, &e.Ref, &e.BirthArtifactID, &extra)
	if extra != "" {
		e.Extra = json.RawMessage(extra)
	}
	return e, err
}

// ArtifactEntries implements store.Artifacts.
func (s *Store) ArtifactEntries(ctx context.Context, id int64) ([]store.ArtifactEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+entryCols+` WHERE artifact_id = ? ORDER BY path`, id)
	if err != nil {
		return nil, fmt.Errorf("store: entries of artifact %d: %w", id, err)
	}
	defer rows.Close()
	var out []store.ArtifactEntry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("store: entries of artifact %d: %w", id, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: entries of artifact %d: %w", id, err)
	}
	return out, nil
}

// ArtifactEntry implements store.Artifacts.
func (s *Store) ArtifactEntry(ctx context.Context, id int64, path string) (store.ArtifactEntry, error) {
	e, err := scanEntry(s.r.QueryRowContext(ctx, `SELECT `+entryCols+` WHERE artifact_id = ? AND path = ?`, id, path))
	if err != nil {
		return store.ArtifactEntry{}, notFound(err, "entry %q of artifact %d", path, id)
	}
	return e, nil
}

// AddArtifactAliases implements store.Artifacts.
func (s *Store) AddArtifactAliases(ctx context.Context, id int64, aliases []string) (store.Artifact, error) {
	al, err := validAliases(aliases)
	if err != nil {
		return store.Artifact{}, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var state string
		var collID int64
		if err := tx.QueryRowContext(ctx, `SELECT state, collection_id FROM artifacts WHERE id = ?`, id).Scan(&state, &collID); err != nil {
			return notFound(err, "artifact %d", id)
		}
		if state != string(store.ArtifactCommitted) {
			return fmt.Errorf("%w: artifact %d is not committed", store.ErrConflict, id)
		}
		return setAliases(ctx, tx, collID, id, al)
	})
	if err != nil {
		return store.Artifact{}, err
	}
	return s.Artifact(ctx, id)
}

// UseArtifact implements store.Artifacts.
func (s *Store) UseArtifact(ctx context.Context, id, runID int64) error {
	_, err := s.w.ExecContext(ctx, `INSERT OR IGNORE INTO artifact_usage(artifact_id, run_id, created_at) VALUES (?, ?, ?)`, id, runID, nanos(s.now()))
	if err != nil {
		if isFK(err) {
			return fmt.Errorf("%w: artifact %d or run %d", store.ErrNotFound, id, runID)
		}
		return fmt.Errorf("store: use artifact %d by run %d: %w", id, runID, err)
	}
	return nil
}

// ArtifactUsers implements store.Artifacts.
func (s *Store) ArtifactUsers(ctx context.Context, id int64) ([]store.Run, error) {
	q := `SELECT ` + strings.Replace(runCols, "FROM runs r", "FROM artifact_usage u JOIN runs r ON r.id = u.run_id", 1) +
		` WHERE u.artifact_id = ? ORDER BY u.created_at, u.run_id`
	rows, err := s.r.QueryContext(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("store: users of artifact %d: %w", id, err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: users of artifact %d: %w", id, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users of artifact %d: %w", id, err)
	}
	return out, nil
}

// ArtifactsLoggedBy implements store.Artifacts.
func (s *Store) ArtifactsLoggedBy(ctx context.Context, runID int64) ([]store.Artifact, error) {
	return s.artifacts(ctx, "artifacts logged by run", `WHERE a.created_by_run = ? ORDER BY a.id`, runID)
}

// ArtifactsUsedBy implements store.Artifacts.
func (s *Store) ArtifactsUsedBy(ctx context.Context, runID int64) ([]store.Artifact, error) {
	q := strings.Replace(artCols, "FROM artifacts a", "FROM artifact_usage u JOIN artifacts a ON a.id = u.artifact_id", 1)
	rows, err := s.r.QueryContext(ctx, `SELECT `+q+` WHERE u.run_id = ? ORDER BY u.created_at, u.artifact_id`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: artifacts used by run %d: %w", runID, err)
	}
	var out []store.Artifact
	for rows.Next() {
		a, err := scanArtifact(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: artifacts used by run %d: %w", runID, err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: artifacts used by run %d: %w", runID, err)
	}
	for i := range out {
		if err := s.loadAliases(ctx, s.r, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
