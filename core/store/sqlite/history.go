package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gowandb/wandb/core/store"
)

func (s *Store) rows(ctx context.Context, runID int64, q string, args ...any) ([]store.HistoryRow, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: history of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []store.HistoryRow
	for rows.Next() {
		var h store.HistoryRow
		if err := rows.Scan(&h.Offset, &h.Step, &h.JSON); err != nil {
			return nil, fmt.Errorf("store: history of run %d: %w", runID, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: history of run %d: %w", runID, err)
	}
	return out, nil
}

// HistoryRows implements store.History.
func (s *Store) HistoryRows(ctx context.Context, runID int64, offset, limit int) ([]store.HistoryRow, error) {
	if limit <= 0 {
		limit = -1
	}
	return s.rows(ctx, runID, `SELECT line, step, json FROM history WHERE run_id = ? AND line >= ? ORDER BY line LIMIT ?`, runID, offset, limit)
}

// HistoryTail implements store.History.
func (s *Store) HistoryTail(ctx context.Context, runID int64, n int) ([]store.HistoryRow, error) {
	if n <= 0 {
		return nil, nil
	}
	out, err := s.rows(ctx, runID, `SELECT line, step, json FROM history WHERE run_id = ? ORDER BY line DESC LIMIT ?`, runID, n)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// Keys implements store.History.
func (s *Store) Keys(ctx context.Context, runID int64) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM history_keys WHERE run_id = ? ORDER BY name`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: history keys of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: history keys of run %d: %w", runID, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: history keys of run %d: %w", runID, err)
	}
	return out, nil
}

// SampledHistory implements store.History. Chunks that lie inside one
// bucket come back without their point blobs (the CASE in the query), so
// only chunks cut by a bucket edge or the range ends are decoded.
func (s *Store) SampledHistory(ctx context.Context, runID int64, key, xKey string, minStep, maxStep int64, buckets int) ([]store.Bucket, error) {
	out, err := s.sample(ctx, runID, key, minStep, maxStep, buckets)
	if err != nil || xKey == "" || xKey == "_step" || len(out) == 0 {
		return out, err
	}
	xs, err := s.sample(ctx, runID, xKey, minStep, maxStep, buckets)
	if err != nil {
		return nil, err
	}
	store.SetX(out, xs)
	return out, nil
}

func (s *Store) sample(ctx context.Context, runID int64, key string, minStep, maxStep int64, buckets int) ([]store.Bucket, error) {
	sm, err := store.NewSampler(minStep, maxStep, buckets)
	if err != nil {
		return nil, err
	}
	var keyID int64
	err = s.r.QueryRowContext(ctx, `SELECT id FROM history_keys WHERE run_id = ? AND name = ?`, runID, key).Scan(&keyID)
	if errors.Is(err, sql.ErrNoRows) {
		return []store.Bucket{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: sampled history of run %d key %q: %w", runID, key, err)
	}
	w := sm.Width()
	whole := `first_step >= ? AND last_step <= ? AND (first_step - ?) / ? = (last_step - ?) / ?`
	rows, err := s.r.QueryContext(ctx, `SELECT seq, first_step, last_step, n, min, max, last,
		CASE WHEN `+whole+` THEN NULL ELSE steps END, CASE WHEN `+whole+` THEN NULL ELSE vals END
		FROM history_chunks WHERE key_id = ? AND last_step >= ? AND first_step <= ? AND seq BETWEEN
			(SELECT seq FROM history_chunks INDEXED BY history_chunks_last WHERE key_id = ? AND last_step >= ? ORDER BY last_step LIMIT 1) AND
			(SELECT seq FROM history_chunks INDEXED BY history_chunks_first WHERE key_id = ? AND first_step <= ? ORDER BY first_step DESC LIMIT 1)
		ORDER BY seq`,
		minStep, maxStep, minStep, w, minStep, w, minStep, maxStep, minStep, w, minStep, w,
		keyID, minStep, maxStep, keyID, minStep, keyID, maxStep)
	if err != nil {
		return nil, fmt.Errorf("store: sampled history of run %d key %q: %w", runID, key, err)
	}
	defer rows.Close()
	var c store.Chunk
	for rows.Next() {
		if err := rows.Scan(&c.Seq, &c.FirstStep, &c.LastStep, &c.Count, &c.Min, &c.Max, &c.Last, &c.Steps, &c.Values); err != nil {
			return nil, fmt.Errorf("store: sampled history of run %d key %q: %w", runID, key, err)
		}
		if err := sm.AddChunk(&c); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sampled history of run %d key %q: %w", runID, key, err)
	}
	return sm.Result(), nil
}
