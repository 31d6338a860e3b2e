package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each in its own transaction together
// with the schema_version update. Append only: never edit a released one.
var migrations = []string{
	// 1: users, entities, keys, projects, runs, history, files.
	`
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL,
	admin INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE entities (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	is_team INTEGER NOT NULL,
	user_id INTEGER REFERENCES users(id),
	created_at INTEGER NOT NULL
);
CREATE TABLE members (
	entity_id INTEGER NOT NULL REFERENCES entities(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (entity_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user ON members(user_id);
CREATE TABLE api_keys (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	hash BLOB NOT NULL UNIQUE,
	description TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE projects (
	id INTEGER PRIMARY KEY,
	entity_id INTEGER NOT NULL REFERENCES entities(id),
	name TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (entity_id, name)
);
CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES projects(id),
	name TEXT NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	tags TEXT NOT NULL DEFAULT '[]',
	grp TEXT NOT NULL DEFAULT '',
	job_type TEXT NOT NULL DEFAULT '',
	config TEXT NOT NULL DEFAULT '{}',
	summary TEXT NOT NULL DEFAULT '{}',
	state TEXT NOT NULL,
	exit_code INTEGER,
	heartbeat_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	history_lines INTEGER NOT NULL DEFAULT 0,
	events_lines INTEGER NOT NULL DEFAULT 0,
	log_lines INTEGER NOT NULL DEFAULT 0,
	stopped INTEGER NOT NULL DEFAULT 0,
	UNIQUE (project_id, name)
);
CREATE INDEX runs_state ON runs(state, heartbeat_at);
CREATE TABLE history (
	run_id INTEGER NOT NULL,
	line INTEGER NOT NULL,
	step INTEGER NOT NULL,
	json TEXT NOT NULL,
	PRIMARY KEY (run_id, line)
) WITHOUT ROWID;
CREATE TABLE history_keys (
	id INTEGER PRIMARY KEY,
	run_id INTEGER NOT NULL,
	name TEXT NOT NULL,
	UNIQUE (run_id, name)
);
CREATE TABLE history_chunks (
	key_id INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	first_step INTEGER NOT NULL,
	last_step INTEGER NOT NULL,
	n INTEGER NOT NULL,
	min REAL NOT NULL,
	max REAL NOT NULL,
	last REAL NOT NULL,
	steps BLOB NOT NULL,
	vals BLOB NOT NULL,
	UNIQUE (key_id, seq)
);
CREATE TABLE files (
	run_id INTEGER NOT NULL REFERENCES runs(id),
	name TEXT NOT NULL,
	size INTEGER NOT NULL,
	md5 TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
`,
	// 2: find the chunks of a step range in O(log n): SampledHistory
	// bounds its scan by seq through these two indexes.
	`
CREATE INDEX history_chunks_last ON history_chunks(key_id, last_step);
CREATE INDEX history_chunks_first ON history_chunks(key_id, first_step);
`,
	// 3: appends add small open segments instead of rewriting the last
	// chunk; a key's segments from open_seq on (open_n points) are merged
	// into full chunks once they reach the chunk size. next_seq is the
	// next free seq.
	`
ALTER TABLE history_keys ADD COLUMN open_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE history_keys ADD COLUMN open_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE history_keys ADD COLUMN next_seq INTEGER NOT NULL DEFAULT 0;
`,
	// 4: the events and output.log streams.
	`
CREATE TABLE run_lines (
	run_id INTEGER NOT NULL,
	stream TEXT NOT NULL,
	line INTEGER NOT NULL,
	text TEXT NOT NULL,
	PRIMARY KEY (run_id, stream, line)
) WITHOUT ROWID;
`,
	// 5: artifacts (types, collections, versions, aliases, manifest
	// entries, usage). Contents are blobs keyed by MD5, not rows.
	`
CREATE TABLE artifact_types (
	id INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES projects(id),
	name TEXT NOT NULL,
	UNIQUE (project_id, name)
);
CREATE TABLE artifact_collections (
	id INTEGER PRIMARY KEY,
	project_id INTEGER NOT NULL REFERENCES projects(id),
	type_id INTEGER NOT NULL REFERENCES artifact_types(id),
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	UNIQUE (project_id, name)
);
CREATE TABLE artifacts (
	id INTEGER PRIMARY KEY,
	collection_id INTEGER NOT NULL REFERENCES artifact_collections(id),
	version_index INTEGER,
	digest TEXT NOT NULL,
	state TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	metadata TEXT NOT NULL DEFAULT '{}',
	pending_aliases TEXT NOT NULL DEFAULT '[]',
	manifest_digest TEXT NOT NULL DEFAULT '',
	size INTEGER NOT NULL DEFAULT 0,
	file_count INTEGER NOT NULL DEFAULT 0,
	created_by_run INTEGER REFERENCES runs(id),
	history_step INTEGER,
	created_at INTEGER NOT NULL,
	committed_at INTEGER NOT NULL DEFAULT 0,
	UNIQUE (collection_id, version_index)
);
CREATE INDEX artifacts_digest ON artifacts(collection_id, digest);
CREATE INDEX artifacts_run ON artifacts(created_by_run);
CREATE TABLE artifact_aliases (
	collection_id INTEGER NOT NULL,
	alias TEXT NOT NULL,
	artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
	PRIMARY KEY (collection_id, alias)
) WITHOUT ROWID;
CREATE INDEX artifact_aliases_artifact ON artifact_aliases(artifact_id);
CREATE TABLE artifact_entries (
	artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
	path TEXT NOT NULL,
	digest TEXT NOT NULL,
	size INTEGER NOT NULL,
	ref TEXT NOT NULL DEFAULT '',
	birth_artifact_id TEXT NOT NULL DEFAULT '',
	extra TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (artifact_id, path)
) WITHOUT ROWID;
CREATE TABLE artifact_usage (
	artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
	run_id INTEGER NOT NULL REFERENCES runs(id),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (artifact_id, run_id)
) WITHOUT ROWID;
CREATE INDEX artifact_usage_run ON artifact_usage(run_id);
`,
}

// SchemaVersion is the schema version this binary writes.
var SchemaVersion = len(migrations)

// migrate checks the stored schema version, refuses a newer one, and
// applies the pending migrations, one transaction each.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: schema_version: %w", err)
	}
	var v int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case err == sql.ErrNoRows:
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_version(version) VALUES (0)`); err != nil {
			return fmt.Errorf("store: schema_version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("store: schema_version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("store: database schema version %d is newer than this binary's %d: upgrade wandb", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, i+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %d: %w", i+1, err)
		}
	}
	return nil
}
