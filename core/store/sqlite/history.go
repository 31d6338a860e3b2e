package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"github.com/gowandb/wandb/core/store"
)

type parsedLine struct {
	step int64
	pts  []store.Point
}

// AppendHistory implements store.History. Lines are parsed before the write
// transaction so the writer connection is held only for the inserts: the
// raw rows through one prepared statement, then for each key its last open
// chunk is extended (one read and one write per key and batch) and full
// chunks are closed.
func (s *Store) AppendHistory(ctx context.Context, runID int64, offset int, lines []string) (int, error) {
	if offset < 0 {
		return 0, fmt.Errorf("%w: negative history offset %d", store.ErrInvalid, offset)
	}
	parsed, err := parseLines(lines, offset)
	if err != nil {
		return 0, err
	}
	var total int
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var count int
		if err := tx.StmtContext(ctx, s.stmts.lineCount).QueryRowContext(ctx, runID).Scan(&count); err != nil {
			return notFound(err, "run %d", runID)
		}
		if offset > count {
			return &store.OffsetError{Stream: "history", Expected: count, Got: offset}
		}
		skip := count - offset
		total = max(count, offset+len(lines))
		if skip >= len(lines) {
			return nil // all resent
		}
		ins := tx.StmtContext(ctx, s.stmts.insertHistory)
		byKey := map[string][]point{}
		for i := skip; i < len(lines); i++ {
			p := parsed[i]
			if _, err := ins.ExecContext(ctx, runID, offset+i, p.step, lines[i]); err != nil {
				return fmt.Errorf("store: append history of run %d at %d: %w", runID, offset+i, err)
			}
			for _, pt := range p.pts {
				byKey[pt.Key] = append(byKey[pt.Key], point{p.step, pt.Value})
			}
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := s.appendChunks(ctx, tx, runID, k, byKey[k]); err != nil {
				return err
			}
		}
		if _, err := tx.StmtContext(ctx, s.stmts.setLineCount).ExecContext(ctx, total, nanos(s.now()), runID); err != nil {
			return fmt.Errorf("store: append history of run %d: %w", runID, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

type point struct {
	step int64
	v    float64
}

// appendChunks adds a batch's points of one key. Below the chunk size the
// points go into a new open segment (a small chunk row: no rewrite of what
// is stored, so small file_stream batches cost no write amplification);
// once the open segments and the new points reach the chunk size, the
// segments are read back, deleted, and rewritten as full chunks plus one
// open remainder. Every point is written at most twice. Queries need not
// know: a segment is a chunk with fewer points.
func (s *Store) appendChunks(ctx context.Context, tx *sql.Tx, runID int64, key string, pts []point) error {
	var keyID int64
	var openN, openSeq, nextSeq int
	err := tx.StmtContext(ctx, s.stmts.keyID).QueryRowContext(ctx, runID, key).Scan(&keyID, &openN, &openSeq, &nextSeq)
	if errors.Is(err, sql.ErrNoRows) {
		res, err := tx.StmtContext(ctx, s.stmts.insertKey).ExecContext(ctx, runID, key)
		if err != nil {
			return fmt.Errorf("store: history key %q: %w", key, err)
		}
		keyID, _ = res.LastInsertId()
	} else if err != nil {
		return fmt.Errorf("store: history key %q: %w", key, err)
	}
	ins := tx.StmtContext(ctx, s.stmts.insertChunk)
	write := func(c *store.Chunk) error {
		c.Seq = nextSeq
		nextSeq++
		if _, err := ins.ExecContext(ctx, keyID, c.Seq, c.FirstStep, c.LastStep, c.Count, c.Min, c.Max, c.Last, c.Steps, c.Values); err != nil {
			return fmt.Errorf("store: history key %q chunk %d: %w", key, c.Seq, err)
		}
		return nil
	}
	if openN+len(pts) < s.chunkSize {
		var c store.Chunk
		for _, p := range pts {
			c.Add(p.step, p.v)
		}
		if openN == 0 {
			openSeq = nextSeq
		}
		if err := write(&c); err != nil {
			return err
		}
		openN += len(pts)
	} else {
		// Merge: the open segments' points, then the new ones.
		all := make([]point, 0, openN+len(pts))
		if openN > 0 {
			rows, err := tx.StmtContext(ctx, s.stmts.openChunks).QueryContext(ctx, keyID, openSeq)
			if err != nil {
				return fmt.Errorf("store: history key %q segments: %w", key, err)
			}
			var c store.Chunk
			for rows.Next() {
				if err := rows.Scan(&c.Seq, &c.FirstStep, &c.LastStep, &c.Count, &c.Min, &c.Max, &c.Last, &c.Steps, &c.Values); err != nil {
					rows.Close()
					return fmt.Errorf("store: history key %q segments: %w", key, err)
				}
				if err := c.Points(func(st int64, v float64) { all = append(all, point{st, v}) }); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: history key %q segments: %w", key, err)
			}
			if len(all) != openN {
				return fmt.Errorf("store: history key %q: %d open points stored, %d expected", key, len(all), openN)
			}
			if _, err := tx.StmtContext(ctx, s.stmts.deleteOpen).ExecContext(ctx, keyID, openSeq); err != nil {
				return fmt.Errorf("store: history key %q segments: %w", key, err)
			}
		}
		all = append(all, pts...)
		full := len(all) / s.chunkSize * s.chunkSize
		for lo := 0; lo < len(all); lo += s.chunkSize {
			var c store.Chunk
			for _, p := range all[lo:min(lo+s.chunkSize, len(all))] {
				c.Add(p.step, p.v)
			}
			if lo == full {
				openSeq = nextSeq
			}
			if err := write(&c); err != nil {
				return err
			}
		}
		openN = len(all) - full
	}
	if _, err := tx.StmtContext(ctx, s.stmts.setKey).ExecContext(ctx, openN, openSeq, nextSeq, keyID); err != nil {
		return fmt.Errorf("store: history key %q: %w", key, err)
	}
	return nil
}

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

// parseLines parses a batch, split over the CPUs when it is large: parsing
// is about half the cost of an append and needs no lock.
func parseLines(lines []string, offset int) ([]parsedLine, error) {
	parsed := make([]parsedLine, len(lines))
	parse := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			step, pts, err := store.ParseHistoryLine(lines[i], offset+i)
			if err != nil {
				return err
			}
			parsed[i] = parsedLine{step, pts}
		}
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(lines)/256)
	if workers <= 1 {
		return parsed, parse(0, len(lines))
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(lines) + workers - 1) / workers
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = parse(w*per, min((w+1)*per, len(lines)))
		}()
	}
	wg.Wait()
	for _, err := range errs { // the first bad line in order
		if err != nil {
			return nil, err
		}
	}
	return parsed, nil
}
