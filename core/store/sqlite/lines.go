package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/gowandb/wandb/core/store"
)

func countColumn(stream store.Stream) (string, error) {
	switch stream {
	case store.StreamEvents:
		return "events_lines", nil
	case store.StreamOutput:
		return "log_lines", nil
	}
	return "", fmt.Errorf("%w: unknown line stream %q", store.ErrInvalid, stream)
}

// AppendLines implements store.Lines.
func (s *Store) AppendLines(ctx context.Context, runID int64, stream store.Stream, offset int, lines []string) (int, error) {
	col, err := countColumn(stream)
	if err != nil {
		return 0, err
	}
	if offset < 0 {
		return 0, fmt.Errorf("%w: negative %s offset %d", store.ErrInvalid, stream, offset)
	}
	if stream == store.StreamEvents {
		for i, l := range lines {
			var m map[string]json.RawMessage
			if json.Unmarshal([]byte(l), &m) != nil || m == nil {
				if _, _, err := store.ParseHistoryLine(l, offset+i); err != nil { // NaN/Infinity allowed
					return 0, fmt.Errorf("%w: events line %d is not a JSON object", store.ErrInvalid, offset+i)
				}
			}
		}
	}
	var total int
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT `+col+` FROM runs WHERE id = ?`, runID).Scan(&count); err != nil {
			return notFound(err, "run %d", runID)
		}
		if offset > count {
			return &store.OffsetError{Stream: string(stream), Expected: count, Got: offset}
		}
		total = max(count, offset+len(lines))
		if count-offset >= len(lines) {
			return nil
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO run_lines(run_id, stream, line, text) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("store: append %s of run %d: %w", stream, runID, err)
		}
		defer ins.Close()
		for i := count - offset; i < len(lines); i++ {
			if _, err := ins.ExecContext(ctx, runID, string(stream), offset+i, lines[i]); err != nil {
				return fmt.Errorf("store: append %s of run %d at %d: %w", stream, runID, offset+i, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET `+col+` = ?, updated_at = ? WHERE id = ?`, total, nanos(s.now()), runID); err != nil {
			return fmt.Errorf("store: append %s of run %d: %w", stream, runID, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// ReadLines implements store.Lines.
func (s *Store) ReadLines(ctx context.Context, runID int64, stream store.Stream, offset, limit int) ([]string, error) {
	if _, err := countColumn(stream); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.r.QueryContext(ctx, `SELECT text FROM run_lines WHERE run_id = ? AND stream = ? AND line >= ? ORDER BY line LIMIT ?`,
		runID, string(stream), offset, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read %s of run %d: %w", stream, runID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, fmt.Errorf("store: read %s of run %d: %w", stream, runID, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read %s of run %d: %w", stream, runID, err)
	}
	return out, nil
}
