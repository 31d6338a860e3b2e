package postgres

import (
	"context"
	"fmt"

	"github.com/gowandb/wandb/core/store"
	"github.com/jackc/pgx/v5"
)

// PutFile implements store.Files.
func (s *Store) PutFile(ctx context.Context, f store.File) error {
	if f.Name == "" {
		return fmt.Errorf("%w: empty file name", store.ErrInvalid)
	}
	at := f.UpdatedAt
	if at.IsZero() {
		at = s.now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO files(run_id, name, size, md5, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (run_id, name) DO UPDATE SET size = EXCLUDED.size, md5 = EXCLUDED.md5, updated_at = EXCLUDED.updated_at`,
		f.RunID, f.Name, f.Size, f.MD5, nanos(at))
	if pgCode(err) == codeForeignKey {
		return fmt.Errorf("%w: run %d", store.ErrNotFound, f.RunID)
	}
	if err != nil {
		return fmt.Errorf("store: postgres: put file %q of run %d: %w", f.Name, f.RunID, err)
	}
	return nil
}

// File implements store.Files.
func (s *Store) File(ctx context.Context, runID int64, name string) (store.File, error) {
	f := store.File{RunID: runID, Name: name}
	var at int64
	err := s.pool.QueryRow(ctx, `SELECT size, md5, updated_at FROM files WHERE run_id = $1 AND name = $2`, runID, name).Scan(&f.Size, &f.MD5, &at)
	if err != nil {
		return store.File{}, notFound(err, "file %q of run %d", name, runID)
	}
	f.UpdatedAt = fromNanos(at)
	return f, nil
}

// ListFiles implements store.Files.
func (s *Store) ListFiles(ctx context.Context, runID int64) ([]store.File, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, size, md5, updated_at FROM files WHERE run_id = $1 ORDER BY name COLLATE "C"`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: files of run %d: %w", runID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.File, error) {
		f := store.File{RunID: runID}
		var at int64
		err := r.Scan(&f.Name, &f.Size, &f.MD5, &at)
		f.UpdatedAt = fromNanos(at)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: postgres: files of run %d: %w", runID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
