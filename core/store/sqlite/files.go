package sqlite

import (
	"context"
	"fmt"

	"github.com/gowandb/wandb/core/store"
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
	_, err := s.w.ExecContext(ctx, `INSERT OR REPLACE INTO files(run_id, name, size, md5, updated_at) VALUES (?, ?, ?, ?, ?)`,
		f.RunID, f.Name, f.Size, f.MD5, nanos(at))
	if err != nil {
		if isFK(err) {
			return fmt.Errorf("%w: run %d", store.ErrNotFound, f.RunID)
		}
		return fmt.Errorf("store: put file %q of run %d: %w", f.Name, f.RunID, err)
	}
	return nil
}

// File implements store.Files.
func (s *Store) File(ctx context.Context, runID int64, name string) (store.File, error) {
	f := store.File{RunID: runID, Name: name}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT size, md5, updated_at FROM files WHERE run_id = ? AND name = ?`, runID, name).Scan(&f.Size, &f.MD5, &at)
	if err != nil {
		return store.File{}, notFound(err, "file %q of run %d", name, runID)
	}
	f.UpdatedAt = fromNanos(at)
	return f, nil
}

// ListFiles implements store.Files.
func (s *Store) ListFiles(ctx context.Context, runID int64) ([]store.File, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, size, md5, updated_at FROM files WHERE run_id = ? ORDER BY name`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: files of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []store.File
	for rows.Next() {
		f := store.File{RunID: runID}
		var at int64
		if err := rows.Scan(&f.Name, &f.Size, &f.MD5, &at); err != nil {
			return nil, fmt.Errorf("store: files of run %d: %w", runID, err)
		}
		f.UpdatedAt = fromNanos(at)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: files of run %d: %w", runID, err)
	}
	return out, nil
}
