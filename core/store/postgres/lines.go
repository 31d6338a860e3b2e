package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gowandb/wandb/core/store"
	"github.com/jackc/pgx/v5"
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
	if err := checkText(string(stream), offset, lines); err != nil {
		return 0, err
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
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var count int
		if err := tx.QueryRow(ctx, `SELECT `+col+` FROM runs WHERE id = $1 FOR UPDATE`, runID).Scan(&count); err != nil {
			return notFound(err, "run %d", runID)
		}
		if offset > count {
			return &store.OffsetError{Stream: string(stream), Expected: count, Got: offset}
		}
		total = max(count, offset+len(lines))
		skip := count - offset
		if skip >= len(lines) {
			return nil
		}
		nos := make([]int32, 0, len(lines)-skip)
		for i := skip; i < len(lines); i++ {
			nos = append(nos, int32(offset+i))
		}
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO run_lines(run_id, stream, line, text) SELECT $1, $2, * FROM unnest($3::int[], $4::text[])`,
			runID, string(stream), nos, lines[skip:])
		b.Queue(`UPDATE runs SET `+col+` = $1, updated_at = $2 WHERE id = $3`, total, nanos(s.now()), runID)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("store: postgres: append %s of run %d: %w", stream, runID, err)
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
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT text FROM run_lines WHERE run_id = $1 AND stream = $2 AND line >= $3 ORDER BY line LIMIT $4`,
		runID, string(stream), offset, lim)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: read %s of run %d: %w", stream, runID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: postgres: read %s of run %d: %w", stream, runID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
