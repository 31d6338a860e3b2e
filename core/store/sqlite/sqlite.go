// Package sqlite is the embedded default implementation of store.Store on
// SQLite through the pure-Go driver modernc.org/sqlite (no cgo).
//
// One database file in WAL mode. SQLite has a single writer, so the store
// keeps one dedicated writer connection (every write transaction queues on
// it, no SQLITE_BUSY between our own writers) and a separate pool of
// query-only reader connections that WAL lets run beside the writer. Schema
// changes are ordered migrations applied at Open, one transaction each; a
// database written by a newer binary is refused (see migrations.go).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/gowandb/wandb/core/store"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is a store.Store on one SQLite file. Safe for concurrent use.
type Store struct {
	w, r      *sql.DB
	chunkSize int
	now       func() time.Time
	stmts     stmts
	hist      histWriter // group commit of AppendHistory (history.go)
}

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*config)

type config struct {
	chunkSize int
	readers   int
	now       func() time.Time
}

// WithChunkSize sets the points per history key chunk (default
// store.DefaultChunkSize). Small sizes exercise chunk edges in tests.
func WithChunkSize(n int) Option { return func(c *config) { c.chunkSize = n } }

// WithReaders sets the size of the reader pool (default 4).
func WithReaders(n int) Option { return func(c *config) { c.readers = n } }

// WithClock sets the clock used for created/updated times (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Open opens or creates the database at path, applies pending migrations
// and prepares statements. It fails if the file's schema is newer than this
// binary knows.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	c := config{chunkSize: store.DefaultChunkSize, readers: 4, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	if c.chunkSize < 1 || c.chunkSize > 1<<16 {
		return nil, fmt.Errorf("store: chunk size %d out of range 1..65536", c.chunkSize)
	}
	if c.readers < 1 {
		return nil, fmt.Errorf("store: %d readers, want at least 1", c.readers)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
	w, err := sql.Open("sqlite", base)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, chunkSize: c.chunkSize, now: c.now}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(c.readers)
	r.SetMaxIdleConns(c.readers)
	s.r = r
	if err := s.stmts.prepare(ctx, w); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes both pools. Safe to call twice.
func (s *Store) Close() error {
	s.stmts.close()
	s.hist.close()
	return errors.Join(s.w.Close(), s.r.Close())
}

// stmts are the writer's prepared statements for the hot paths.
type stmts struct {
	lineCount, setLineCount *sql.Stmt
	insertKey               *sql.Stmt
	openChunks, deleteOpen  *sql.Stmt
}

func (p *stmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, x := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&p.lineCount, `SELECT history_lines FROM runs WHERE id = ?`},
		{&p.setLineCount, `UPDATE runs SET history_lines = ?, updated_at = ? WHERE id = ?`},
		{&p.insertKey, `INSERT INTO history_keys(run_id, name) VALUES (?, ?)`},
		{&p.openChunks, `SELECT seq, first_step, last_step, n, min, max, last, steps, vals FROM history_chunks WHERE key_id = ? AND seq >= ? ORDER BY seq`},
		{&p.deleteOpen, `DELETE FROM history_chunks WHERE key_id = ? AND seq >= ?`},
	} {
		st, err := db.PrepareContext(ctx, x.q)
		if err != nil {
			return fmt.Errorf("store: prepare %q: %w", x.q, err)
		}
		*x.dst = st
	}
	return nil
}

func (p *stmts) close() {
	for _, st := range []*sql.Stmt{p.lineCount, p.setLineCount, p.insertKey, p.openChunks, p.deleteOpen} {
		if st != nil {
			st.Close()
		}
	}
}

// tx runs fn in a write transaction on the writer connection.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
