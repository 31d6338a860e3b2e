package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are applied in order, each in its own transaction together
// with the schema_version update. Append only: never edit a released one.
var migrations = []string{
	// 1: the schema of sqlite's migrations 1-4 in one step. The hot
	// history tables carry no foreign keys: AppendHistory checks the run.
	`
CREATE TABLE users (
	id bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE,
	email text NOT NULL,
	admin boolean NOT NULL,
	created_at bigint NOT NULL
);
CREATE TABLE entities (
	id bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE,
	is_team boolean NOT NULL,
	user_id bigint REFERENCES users(id),
	created_at bigint NOT NULL
);
CREATE INDEX entities_user ON entities(user_id);
CREATE TABLE members (
	entity_id bigint NOT NULL REFERENCES entities(id),
	user_id bigint NOT NULL REFERENCES users(id),
	PRIMARY KEY (entity_id, user_id)
);
CREATE INDEX members_user ON members(user_id);
CREATE TABLE api_keys (
	id bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users(id),
	hash bytea NOT NULL UNIQUE,
	description text NOT NULL,
	created_at bigint NOT NULL
);
CREATE TABLE projects (
	id bigserial PRIMARY KEY,
	entity_id bigint NOT NULL REFERENCES entities(id),
	name text NOT NULL,
	created_at bigint NOT NULL,
	UNIQUE (entity_id, name)
);
CREATE TABLE runs (
	id bigserial PRIMARY KEY,
	project_id bigint NOT NULL REFERENCES projects(id),
	name text NOT NULL,
	display_name text NOT NULL DEFAULT '',
	notes text NOT NULL DEFAULT '',
	tags text[] NOT NULL DEFAULT '{}',
	grp text NOT NULL DEFAULT '',
	job_type text NOT NULL DEFAULT '',
	config text NOT NULL DEFAULT '{}',
	summary text NOT NULL DEFAULT '{}',
	state text NOT NULL,
	exit_code integer,
	heartbeat_at bigint NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	history_lines integer NOT NULL DEFAULT 0,
	events_lines integer NOT NULL DEFAULT 0,
	log_lines integer NOT NULL DEFAULT 0,
	stopped boolean NOT NULL DEFAULT false,
	UNIQUE (project_id, name)
);
CREATE INDEX runs_state ON runs(state, heartbeat_at);
CREATE TABLE history (
	run_id bigint NOT NULL,
	line integer NOT NULL,
	step bigint NOT NULL,
	json text NOT NULL,
	PRIMARY KEY (run_id, line)
);
CREATE TABLE history_keys (
	id bigserial PRIMARY KEY,
	run_id bigint NOT NULL REFERENCES runs(id),
	name text NOT NULL,
	open_n integer NOT NULL DEFAULT 0,
	open_seq integer NOT NULL DEFAULT 0,
	next_seq integer NOT NULL DEFAULT 0,
	UNIQUE (run_id, name)
);
CREATE TABLE history_chunks (
	key_id bigint NOT NULL,
	seq integer NOT NULL,
	first_step bigint NOT NULL,
	last_step bigint NOT NULL,
	n integer NOT NULL,
	min double precision NOT NULL,
	max double precision NOT NULL,
	last double precision NOT NULL,
	steps bytea NOT NULL,
	vals bytea NOT NULL,
	PRIMARY KEY (key_id, seq)
);
CREATE INDEX history_chunks_last ON history_chunks(key_id, last_step);
CREATE INDEX history_chunks_first ON history_chunks(key_id, first_step);
CREATE TABLE run_lines (
	run_id bigint NOT NULL REFERENCES runs(id),
	stream text NOT NULL,
	line integer NOT NULL,
	text text NOT NULL,
	PRIMARY KEY (run_id, stream, line)
);
CREATE TABLE files (
	run_id bigint NOT NULL REFERENCES runs(id),
	name text NOT NULL,
	size bigint NOT NULL,
	md5 text NOT NULL,
	updated_at bigint NOT NULL,
	PRIMARY KEY (run_id, name)
);
`,
}

// SchemaVersion is the schema version this binary writes.
var SchemaVersion = len(migrations)

// migrateLock is the advisory lock key held while migrating ("wandbmig").
const migrateLock = 0x77616e64626d6967

// migrate checks the stored schema version, refuses a newer one, and
// applies the pending migrations, one transaction each, holding an
// advisory lock so that concurrent Opens migrate once.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("store: postgres: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
		return fmt.Errorf("store: postgres: schema_version: %w", err)
	}
	var v int
	err = conn.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if _, err := conn.Exec(ctx, `INSERT INTO schema_version(version) VALUES (0)`); err != nil {
			return fmt.Errorf("store: postgres: schema_version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("store: postgres: schema_version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("store: postgres: database schema version %d is newer than this binary's %d: upgrade wandb", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE schema_version SET version = $1`, i+1)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: postgres: migration %d: %w", i+1, err)
		}
	}
	return nil
}
