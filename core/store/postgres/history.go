package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/gowandb/wandb/core/store"
	"github.com/jackc/pgx/v5"
)

// point is one value of a key at a step.
type point struct {
	step int64
	v    float64
}

// keyState is a history_keys row: the key's open segments start at
// openSeq and hold openN points; nextSeq is the next free chunk seq.
type keyState struct {
	id                      int64
	openN, openSeq, nextSeq int
}

// chunkRows collects history_chunks rows column by column for one
// INSERT ... SELECT FROM unnest(...).
type chunkRows struct {
	key             []int64
	seq, n          []int32
	first, last     []int64
	min, max, lastV []float64
	steps, vals     [][]byte
}

func (c *chunkRows) add(keyID int64, ch *store.Chunk) {
	c.key = append(c.key, keyID)
	c.seq, c.n = append(c.seq, int32(ch.Seq)), append(c.n, int32(ch.Count))
	c.first, c.last = append(c.first, ch.FirstStep), append(c.last, ch.LastStep)
	c.min, c.max, c.lastV = append(c.min, ch.Min), append(c.max, ch.Max), append(c.lastV, ch.Last)
	c.steps, c.vals = append(c.steps, ch.Steps), append(c.vals, ch.Values)
}

// AppendHistory implements store.History. Lines are parsed before the
// transaction. In it, the run row is locked (appends to one run are
// serialised, other runs proceed), then a constant number of statements
// runs whatever the number of lines and keys: the raw rows, new keys and
// chunk segments are inserted from arrays (unnest), and the writes go in
// one pipelined batch. Chunking is sqlite's: small open segments per
// batch, merged into full chunks once they reach the chunk size.
func (s *Store) AppendHistory(ctx context.Context, runID int64, offset int, lines []string) (int, error) {
	if offset < 0 {
		return 0, fmt.Errorf("%w: negative history offset %d", store.ErrInvalid, offset)
	}
	parsed, err := store.ParseHistoryLines(lines, offset)
	if err != nil {
		return 0, err
	}
	if err := checkText("history", offset, lines); err != nil {
		return 0, err
	}
	var total int
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var count int
		if err := tx.QueryRow(ctx, `SELECT history_lines FROM runs WHERE id = $1 FOR UPDATE`, runID).Scan(&count); err != nil {
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
		n := len(lines) - skip
		lineNos, steps := make([]int32, n), make([]int64, n)
		byKey := map[string][]point{}
		for i := skip; i < len(lines); i++ {
			p := parsed[i]
			lineNos[i-skip], steps[i-skip] = int32(offset+i), p.Step
			for _, pt := range p.Points {
				byKey[pt.Key] = append(byKey[pt.Key], point{p.Step, pt.Value})
			}
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		states, err := s.keyStates(ctx, tx, runID, keys)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO history(run_id, line, step, json) SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[])`,
			runID, lineNos, steps, lines[skip:])
		if err := s.queueChunks(ctx, tx, b, keys, byKey, states); err != nil {
			return err
		}
		b.Queue(`UPDATE runs SET history_lines = $1, updated_at = $2 WHERE id = $3`, total, nanos(s.now()), runID)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("store: postgres: append history of run %d at %d: %w", runID, offset+skip, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// keyStates returns the history_keys rows of keys, creating the missing.
func (s *Store) keyStates(ctx context.Context, tx pgx.Tx, runID int64, keys []string) (map[string]*keyState, error) {
	states := make(map[string]*keyState, len(keys))
	rows, err := tx.Query(ctx, `SELECT name, id, open_n, open_seq, next_seq FROM history_keys WHERE run_id = $1 AND name = ANY($2)`, runID, keys)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
	}
	for rows.Next() {
		var name string
		var k keyState
		if err := rows.Scan(&name, &k.id, &k.openN, &k.openSeq, &k.nextSeq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
		}
		states[name] = &k
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
	}
	var missing []string
	for _, k := range keys {
		if states[k] == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return states, nil
	}
	rows, err = tx.Query(ctx, `INSERT INTO history_keys(run_id, name) SELECT $1, unnest($2::text[]) RETURNING name, id`, runID, missing)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
	}
	for rows.Next() {
		var name string
		k := &keyState{}
		if err := rows.Scan(&name, &k.id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
		}
		states[name] = k
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
	}
	return states, nil
}

// queueChunks queues the chunk writes of a batch's points: below the chunk
// size a new open segment per key; at or above it, the key's open segments
// (read back here) and the new points are rewritten as full chunks plus an
// open remainder, unless the batch alone fills half a chunk: then the open
// segments stay as they are and the batch makes its own chunks (see
// sqlite's appendChunks).
func (s *Store) queueChunks(ctx context.Context, tx pgx.Tx, b *pgx.Batch, keys []string, byKey map[string][]point, states map[string]*keyState) error {
	// Open segments of the keys that merge, read in one query.
	var mergeIDs []int64
	var mergeSeqs []int32
	for _, k := range keys {
		st := states[k]
		if st.openN > 0 && st.openN+len(byKey[k]) >= s.chunkSize && 2*len(byKey[k]) < s.chunkSize {
			mergeIDs, mergeSeqs = append(mergeIDs, st.id), append(mergeSeqs, int32(st.openSeq))
		}
	}
	open := map[int64][]point{}
	if len(mergeIDs) > 0 {
		rows, err := tx.Query(ctx, `SELECT c.key_id, c.seq, c.first_step, c.last_step, c.n, c.min, c.max, c.last, c.steps, c.vals
			FROM history_chunks c JOIN unnest($1::bigint[], $2::int[]) AS k(id, open_seq) ON c.key_id = k.id AND c.seq >= k.open_seq
			ORDER BY c.key_id, c.seq`, mergeIDs, mergeSeqs)
		if err != nil {
			return fmt.Errorf("store: postgres: history segments: %w", err)
		}
		for rows.Next() {
			var id int64
			var c store.Chunk
			if err := rows.Scan(&id, &c.Seq, &c.FirstStep, &c.LastStep, &c.Count, &c.Min, &c.Max, &c.Last, &c.Steps, &c.Values); err != nil {
				rows.Close()
				return fmt.Errorf("store: postgres: history segments: %w", err)
			}
			if err := c.Points(func(st int64, v float64) { open[id] = append(open[id], point{st, v}) }); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: postgres: history segments: %w", err)
		}
		b.Queue(`DELETE FROM history_chunks c USING unnest($1::bigint[], $2::int[]) AS k(id, open_seq)
			WHERE c.key_id = k.id AND c.seq >= k.open_seq`, mergeIDs, mergeSeqs)
	}
	var rows chunkRows
	ids := make([]int64, len(keys))
	openN, openSeq, nextSeq := make([]int32, len(keys)), make([]int32, len(keys)), make([]int32, len(keys))
	for i, k := range keys {
		st, pts := states[k], byKey[k]
		write := func(c *store.Chunk) {
			c.Seq = st.nextSeq
			st.nextSeq++
			rows.add(st.id, c)
		}
		if st.openN+len(pts) < s.chunkSize {
			var c store.Chunk
			for _, p := range pts {
				c.Add(p.step, p.v)
			}
			if st.openN == 0 {
				st.openSeq = st.nextSeq
			}
			write(&c)
			st.openN += len(pts)
		} else {
			var all []point
			if 2*len(pts) < s.chunkSize { // merge; else the open segments stay, closed
				all = open[st.id]
				if len(all) != st.openN {
					return fmt.Errorf("store: postgres: history key %q: %d open points stored, %d expected", k, len(all), st.openN)
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
					st.openSeq = st.nextSeq
				}
				write(&c)
			}
			st.openN = len(all) - full
		}
		ids[i], openN[i], openSeq[i], nextSeq[i] = st.id, int32(st.openN), int32(st.openSeq), int32(st.nextSeq)
	}
	b.Queue(`INSERT INTO history_chunks(key_id, seq, first_step, last_step, n, min, max, last, steps, vals)
		SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::float8[], $7::float8[], $8::float8[], $9::bytea[], $10::bytea[])`,
		rows.key, rows.seq, rows.first, rows.last, rows.n, rows.min, rows.max, rows.lastV, rows.steps, rows.vals)
	b.Queue(`UPDATE history_keys k SET open_n = u.open_n, open_seq = u.open_seq, next_seq = u.next_seq
		FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[]) AS u(id, open_n, open_seq, next_seq) WHERE k.id = u.id`,
		ids, openN, openSeq, nextSeq)
	return nil
}

func (s *Store) rows(ctx context.Context, runID int64, q string, args ...any) ([]store.HistoryRow, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: history of run %d: %w", runID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.HistoryRow, error) {
		var h store.HistoryRow
		err := r.Scan(&h.Offset, &h.Step, &h.JSON)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: postgres: history of run %d: %w", runID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// HistoryRows implements store.History.
func (s *Store) HistoryRows(ctx context.Context, runID int64, offset, limit int) ([]store.HistoryRow, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	return s.rows(ctx, runID, `SELECT line, step, json FROM history WHERE run_id = $1 AND line >= $2 ORDER BY line LIMIT $3`, runID, offset, lim)
}

// HistoryTail implements store.History.
func (s *Store) HistoryTail(ctx context.Context, runID int64, n int) ([]store.HistoryRow, error) {
	if n <= 0 {
		return nil, nil
	}
	out, err := s.rows(ctx, runID, `SELECT line, step, json FROM history WHERE run_id = $1 ORDER BY line DESC LIMIT $2`, runID, n)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// Keys implements store.History.
func (s *Store) Keys(ctx context.Context, runID int64) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT name FROM history_keys WHERE run_id = $1 ORDER BY name COLLATE "C"`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: postgres: history keys of run %d: %w", runID, err)
	}
	if len(out) == 0 {
		return nil, nil
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
	err = s.pool.QueryRow(ctx, `SELECT id FROM history_keys WHERE run_id = $1 AND name = $2`, runID, key).Scan(&keyID)
	if errors.Is(err, pgx.ErrNoRows) {
		return []store.Bucket{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: postgres: sampled history of run %d key %q: %w", runID, key, err)
	}
	const whole = `c.first_step >= $2 AND c.last_step <= $3 AND (c.first_step - $2) / $4 = (c.last_step - $2) / $4`
	rows, err := s.pool.Query(ctx, `SELECT c.seq, c.first_step, c.last_step, c.n, c.min, c.max, c.last,
		CASE WHEN `+whole+` THEN NULL ELSE c.steps END, CASE WHEN `+whole+` THEN NULL ELSE c.vals END
		FROM history_chunks c WHERE c.key_id = $1 AND c.last_step >= $2 AND c.first_step <= $3 ORDER BY c.seq`,
		keyID, minStep, maxStep, sm.Width())
	if err != nil {
		return nil, fmt.Errorf("store: postgres: sampled history of run %d key %q: %w", runID, key, err)
	}
	defer rows.Close()
	var c store.Chunk
	for rows.Next() {
		if err := rows.Scan(&c.Seq, &c.FirstStep, &c.LastStep, &c.Count, &c.Min, &c.Max, &c.Last, &c.Steps, &c.Values); err != nil {
			return nil, fmt.Errorf("store: postgres: sampled history of run %d key %q: %w", runID, key, err)
		}
		if err := sm.AddChunk(&c); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: postgres: sampled history of run %d key %q: %w", runID, key, err)
	}
	return sm.Result(), nil
}
