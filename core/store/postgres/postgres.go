// Package postgres is store.Store on PostgreSQL through pgx (pgxpool), for
// tracking servers that outgrow the embedded SQLite default or want the
// database on another machine.
//
// Same model and semantics as package sqlite: ordered migrations applied
// at Open, one transaction each, under an advisory lock so that several
// servers starting at once do not race, and a database written by a newer
// binary is refused; history kept as raw rows plus per-key chunks with
// min/max/last summaries; appends idempotent by offset. Writers of one run
// are serialised by a row lock on the run (SELECT ... FOR UPDATE), so
// appends to different runs proceed in parallel. Times are stored as Unix
// nanoseconds (bigint) so that they round-trip exactly.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is a store.Store on a PostgreSQL database. Safe for concurrent use.
type Store struct {
	pool      *pgxpool.Pool
	chunkSize int
	now       func() time.Time
}

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*config)

type config struct {
	chunkSize int
	maxConns  int32
	now       func() time.Time
}

// WithChunkSize sets the points per history key chunk (default
// store.DefaultChunkSize). Small sizes exercise chunk edges in tests.
func WithChunkSize(n int) Option { return func(c *config) { c.chunkSize = n } }

// WithMaxConns sets the size of the connection pool (default: pgxpool's,
// or pool_max_conns in the DSN).
func WithMaxConns(n int) Option { return func(c *config) { c.maxConns = int32(n) } }

// WithClock sets the clock used for created/updated times (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, see pgx), applies pending migrations and returns the
// store. It fails if the schema is newer than this binary knows.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	c := config{chunkSize: store.DefaultChunkSize, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	if c.chunkSize < 1 || c.chunkSize > 1<<16 {
		return nil, fmt.Errorf("store: postgres: chunk size %d out of range 1..65536", c.chunkSize)
	}
	if c.maxConns < 0 {
		return nil, fmt.Errorf("store: postgres: %d connections, want at least 1", c.maxConns)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	if c.maxConns > 0 {
		pc.MaxConns = c.maxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: connect: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, chunkSize: c.chunkSize, now: c.now}, nil
}

// Close closes the pool. Safe to call twice.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// tx runs fn in a read-committed transaction.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: postgres: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback(ctx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: postgres: commit: %w", err)
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

// PostgreSQL error codes we map to store sentinels.
const (
	codeUnique     = "23505"
	codeForeignKey = "23503"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// checkText refuses lines PostgreSQL text cannot hold (a NUL byte,
// invalid UTF-8), naming the first; SQLite would store them.
func checkText(what string, offset int, lines []string) error {
	for i, l := range lines {
		if strings.IndexByte(l, 0) >= 0 || !utf8.ValidString(l) {
			return fmt.Errorf("%w: %s line %d holds a NUL byte or invalid UTF-8, which PostgreSQL cannot store", store.ErrInvalid, what, offset+i)
		}
	}
	return nil
}

// notFound maps pgx.ErrNoRows to store.ErrNotFound and wraps the rest.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: "+format, append([]any{store.ErrNotFound}, args...)...)
	}
	return fmt.Errorf("store: postgres: "+format+": %w", append(args, err)...)
}
