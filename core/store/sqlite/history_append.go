package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gowandb/wandb/core/store"
)

// groupMaxLines bounds the lines written by one group transaction.
const groupMaxLines = 50_000

// histWriter batches concurrent AppendHistory calls into one write
// transaction (group commit): SQLite has one writer, and a commit costs
// page writes whatever its size, so while one transaction runs the calls
// that arrive queue up, and the next leader writes them all at once.
type histWriter struct {
	mu      sync.Mutex
	queue   []*appendReq
	leading bool

	prep    sync.Once
	prepErr error

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // multi-row statements by kind and rows (see multi)
	wanted []string             // statements to prepare before the next group
}

// close closes the prepared statements.
func (h *histWriter) close() {
	h.stmtMu.Lock()
	defer h.stmtMu.Unlock()
	for _, st := range h.stmts {
		st.Close()
	}
	h.stmts = nil
}

// appendReq is one AppendHistory call waiting for its group.
type appendReq struct {
	ctx    context.Context
	runID  int64
	offset int
	lines  []string
	parsed []store.ParsedLine
	total  int
	err    error
	wake   chan bool // true: lead the next group; false: done
}

// AppendHistory implements store.History. Lines are parsed before the
// write transaction (in parallel for large batches), so the writer is
// held only for the inserts: the raw rows through a multi-row prepared
// statement, then for each key its last open chunk is extended (one read
// and one write per key and batch) and full chunks are closed. Concurrent
// calls share transactions (see histWriter).
func (s *Store) AppendHistory(ctx context.Context, runID int64, offset int, lines []string) (int, error) {
	if offset < 0 {
		return 0, fmt.Errorf("%w: negative history offset %d", store.ErrInvalid, offset)
	}
	parsed, err := store.ParseHistoryLines(lines, offset)
	if err != nil {
		return 0, err
	}
	req := &appendReq{ctx: ctx, runID: runID, offset: offset, lines: lines, parsed: parsed, wake: make(chan bool, 1)}
	h := &s.hist
	h.mu.Lock()
	h.queue = append(h.queue, req)
	if !h.leading {
		h.leading = true
		h.mu.Unlock()
		s.leadGroup()
	} else {
		h.mu.Unlock()
	}
	for <-req.wake {
		s.leadGroup()
	}
	return req.total, req.err
}

// leadGroup writes the queued calls (up to groupMaxLines lines, at least
// one call) in one transaction, wakes them, and hands the lead to the
// first call still queued, if any.
func (s *Store) leadGroup() {
	h := &s.hist
	h.mu.Lock()
	n, lines := 0, 0
	for n < len(h.queue) && (n == 0 || lines+len(h.queue[n].lines) <= groupMaxLines) {
		lines += len(h.queue[n].lines)
		n++
	}
	group := slices.Clone(h.queue[:n])
	h.queue = slices.Delete(h.queue, 0, n)
	h.mu.Unlock()

	s.writeGroup(group)
	for _, r := range group {
		r.wake <- false
	}

	h.mu.Lock()
	if len(h.queue) > 0 {
		h.queue[0].wake <- true
	} else {
		h.leading = false
	}
	h.mu.Unlock()
}

// writeGroup runs the calls of a group in one transaction and sets their
// results.
func (s *Store) writeGroup(group []*appendReq) {
	live := group[:0:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = fmt.Errorf("store: append history of run %d: %w", r.runID, err)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	h := &s.hist
	h.prep.Do(func() { h.prepErr = s.prepareHist(context.WithoutCancel(live[0].ctx)) })
	if h.prepErr == nil {
		s.prepareWanted(context.WithoutCancel(live[0].ctx))
	}
	if h.prepErr != nil {
		for _, r := range live {
			r.err = fmt.Errorf("store: prepare history insert: %w", h.prepErr)
		}
		return
	}
	// The transaction serves several callers: it ends when its work does,
	// not when the first caller's context does. A call refused by its
	// checks (unknown run, offset gap) has written nothing, so it fails
	// alone; an error while writing (I/O, a full disk) fails the group,
	// whose callers retry as for any failed request.
	ctx := context.WithoutCancel(live[0].ctx)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range live {
			var written bool
			r.total, written, r.err = s.appendTx(ctx, tx, r)
			if r.err != nil && (written || len(live) == 1) {
				return r.err
			}
		}
		return nil
	})
	if err != nil {
		for _, r := range live {
			if r.err == nil {
				r.total, r.err = 0, err
			}
		}
	}
}

// appendTx is one call's writes inside the group's transaction. written
// reports whether it wrote anything before an error.
func (s *Store) appendTx(ctx context.Context, tx *sql.Tx, r *appendReq) (total int, written bool, err error) {
	runID, offset, lines, parsed := r.runID, r.offset, r.lines, r.parsed
	var count int
	if err := tx.StmtContext(ctx, s.stmts.lineCount).QueryRowContext(ctx, runID).Scan(&count); err != nil {
		return 0, false, notFound(err, "run %d", runID)
	}
	if offset > count {
		return 0, false, &store.OffsetError{Stream: "history", Expected: count, Got: offset}
	}
	skip := count - offset
	total = max(count, offset+len(lines))
	if skip >= len(lines) {
		return total, false, nil // all resent
	}
	for i := skip; i < len(lines); {
		st, n := s.multi(ctx, tx, "history", len(lines)-i)
		args := make([]any, 0, 4*n)
		for j := i; j < i+n; j++ {
			args = append(args, runID, offset+j, parsed[j].Step, lines[j])
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return 0, true, fmt.Errorf("store: append history of run %d at %d: %w", runID, offset+i, err)
		}
		i += n
	}
	byKey := make(map[string][]point, 16)
	for _, p := range parsed[skip:] {
		for _, pt := range p.Points {
			pts := byKey[pt.Key]
			if pts == nil {
				pts = make([]point, 0, len(lines)-skip)
			}
			byKey[pt.Key] = append(pts, point{p.Step, pt.Value})
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if err := s.appendKeys(ctx, tx, runID, keys, byKey); err != nil {
		return 0, true, err
	}
	if _, err := tx.StmtContext(ctx, s.stmts.setLineCount).ExecContext(ctx, total, nanos(s.now()), runID); err != nil {
		return 0, true, fmt.Errorf("store: append history of run %d: %w", runID, err)
	}
	return total, true, nil
}

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

// batchRows is the most rows of one multi-row statement of appendKeys.
const batchRows = 64

// appendKeys adds a batch's points to the per-key chunks with a constant
// number of statements per batchRows keys: one SELECT of the keys' states,
// one multi-row INSERT of the new chunks, one UPDATE ... FROM VALUES of
// the states (plus an INSERT per key seen for the first time, and the
// reads of a merge). See planChunks for the chunking.
func (s *Store) appendKeys(ctx context.Context, tx *sql.Tx, runID int64, keys []string, byKey map[string][]point) error {
	for lo := 0; lo < len(keys); lo += batchRows {
		part := keys[lo:min(lo+batchRows, len(keys))]
		states, err := s.keyStates(ctx, tx, runID, part)
		if err != nil {
			return err
		}
		var chunks []keyChunk
		for i, k := range part {
			if chunks, err = s.planChunks(ctx, tx, k, &states[i], byKey[k], chunks); err != nil {
				return err
			}
		}
		if err := s.insertChunks(ctx, tx, chunks); err != nil {
			return err
		}
		if err := s.updateKeys(ctx, tx, states); err != nil {
			return err
		}
	}
	return nil
}

// shapes are the row counts of the multi-row statements prepared at
// first use; other counts up to batchRows are prepared when first needed
// (between transactions: the writer has one connection, which a
// transaction holds) and meanwhile run as a sum of shapes.
var shapes = [...]int{batchRows, 16, 4, 1}

// multiStmts builds the multi-row statements by kind.
var multiStmts = map[string]func(n int) string{
	"history": func(n int) string {
		return `INSERT INTO history(run_id, line, step, json) VALUES ` + placeholders(n, "(?, ?, ?, ?)")
	},
	"keys": func(n int) string {
		return `SELECT name, id, open_n, open_seq, next_seq FROM history_keys WHERE run_id = ? AND name IN (` + placeholders(n, "?") + `)`
	},
	"chunks": func(n int) string {
		return `INSERT INTO history_chunks(key_id, seq, first_step, last_step, n, min, max, last, steps, vals) VALUES ` +
			placeholders(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	},
	"setkeys": func(n int) string {
		return `UPDATE history_keys SET open_n = v.column2, open_seq = v.column3, next_seq = v.column4
			FROM (VALUES ` + placeholders(n, "(?, ?, ?, ?)") + `) AS v WHERE history_keys.id = v.column1`
	},
}

func stmtKey(kind string, n int) string { return kind + "/" + strconv.Itoa(n) }

// prepareHist prepares the shapes of every kind.
func (s *Store) prepareHist(ctx context.Context) error {
	h := &s.hist
	h.stmtMu.Lock()
	defer h.stmtMu.Unlock()
	h.stmts = map[string]*sql.Stmt{}
	for kind, build := range multiStmts {
		for _, n := range shapes {
			st, err := s.w.PrepareContext(ctx, build(n))
			if err != nil {
				return fmt.Errorf("prepare %s of %d rows: %w", kind, n, err)
			}
			h.stmts[stmtKey(kind, n)] = st
		}
	}
	return nil
}

// prepareWanted prepares the statements multi asked for. It is an
// optimisation: a statement that fails to prepare is left out, and multi
// goes on using the shapes.
func (s *Store) prepareWanted(ctx context.Context) {
	h := &s.hist
	h.stmtMu.Lock()
	defer h.stmtMu.Unlock()
	for _, key := range h.wanted {
		if h.stmts[key] != nil {
			continue
		}
		kind, num, _ := strings.Cut(key, "/")
		n, _ := strconv.Atoi(num)
		if st, err := s.w.PrepareContext(ctx, multiStmts[kind](n)); err == nil {
			h.stmts[key] = st
		}
	}
	h.wanted = h.wanted[:0]
}

// multi returns the statement of kind for the most rows up to n (at most
// batchRows) that is prepared, and its row count: exactly n once it has
// been prepared.
func (s *Store) multi(ctx context.Context, tx *sql.Tx, kind string, n int) (*sql.Stmt, int) {
	n = min(n, batchRows)
	h := &s.hist
	h.stmtMu.Lock()
	defer h.stmtMu.Unlock()
	if st := h.stmts[stmtKey(kind, n)]; st != nil {
		return tx.StmtContext(ctx, st), n
	}
	h.wanted = append(h.wanted, stmtKey(kind, n))
	for _, sz := range shapes {
		if sz <= n {
			return tx.StmtContext(ctx, h.stmts[stmtKey(kind, sz)]), sz
		}
	}
	panic("unreachable: shapes end with 1")
}

func placeholders(n int, tuple string) string {
	return strings.Repeat(tuple+", ", n-1) + tuple
}

// keyStates reads the states of keys, creating the keys not stored yet.
func (s *Store) keyStates(ctx context.Context, tx *sql.Tx, runID int64, keys []string) ([]keyState, error) {
	found := make(map[string]keyState, len(keys))
	for lo := 0; lo < len(keys); {
		st, n := s.multi(ctx, tx, "keys", len(keys)-lo)
		args := make([]any, 0, 1+n)
		args = append(args, runID)
		for _, k := range keys[lo : lo+n] {
			args = append(args, k)
		}
		lo += n
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("store: history keys of run %d: %w", runID, err)
		}
		for rows.Next() {
			var name string
			var k keyState
			if err := rows.Scan(&name, &k.id, &k.openN, &k.openSeq, &k.nextSeq); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: history keys of run %d: %w", runID, err)
			}
			found[name] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: history keys of run %d: %w", runID, err)
		}
	}
	out := make([]keyState, len(keys))
	for i, k := range keys {
		ks, ok := found[k]
		if !ok {
			res, err := tx.StmtContext(ctx, s.stmts.insertKey).ExecContext(ctx, runID, k)
			if err != nil {
				return nil, fmt.Errorf("store: history key %q: %w", k, err)
			}
			ks.id, _ = res.LastInsertId()
		}
		out[i] = ks
	}
	return out, nil
}

// keyChunk is a chunk to insert for a key.
type keyChunk struct {
	keyID int64
	c     store.Chunk
}

// planChunks adds a batch's points of one key to chunks and updates st.
// Below the chunk size the points go into a new open segment (a small
// chunk row: no rewrite of what is stored, so small file_stream batches
// cost no write amplification); once the open segments and the new points
// reach the chunk size, the segments are read back, deleted, and
// rewritten as full chunks plus one open remainder, unless the batch alone
// fills half a chunk: then the open segments are left as they are
// (closed) and the batch makes its own chunks, so large batches are
// written once. Every point is written at most twice. Queries need not
// know: a segment is a chunk with fewer points.
func (s *Store) planChunks(ctx context.Context, tx *sql.Tx, key string, st *keyState, pts []point, chunks []keyChunk) ([]keyChunk, error) {
	add := func(from []point) {
		kc := keyChunk{keyID: st.id}
		for _, p := range from {
			kc.c.Add(p.step, p.v)
		}
		kc.c.Seq = st.nextSeq
		st.nextSeq++
		chunks = append(chunks, kc)
	}
	if st.openN+len(pts) < s.chunkSize {
		if st.openN == 0 {
			st.openSeq = st.nextSeq
		}
		add(pts)
		st.openN += len(pts)
		return chunks, nil
	}
	all := make([]point, 0, st.openN+len(pts))
	if st.openN > 0 && 2*len(pts) < s.chunkSize { // merge the open segments
		rows, err := tx.StmtContext(ctx, s.stmts.openChunks).QueryContext(ctx, st.id, st.openSeq)
		if err != nil {
			return nil, fmt.Errorf("store: history key %q segments: %w", key, err)
		}
		var c store.Chunk
		for rows.Next() {
			if err := rows.Scan(&c.Seq, &c.FirstStep, &c.LastStep, &c.Count, &c.Min, &c.Max, &c.Last, &c.Steps, &c.Values); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: history key %q segments: %w", key, err)
			}
			if err := c.Points(func(step int64, v float64) { all = append(all, point{step, v}) }); err != nil {
				rows.Close()
				return nil, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: history key %q segments: %w", key, err)
		}
		if len(all) != st.openN {
			return nil, fmt.Errorf("store: history key %q: %d open points stored, %d expected", key, len(all), st.openN)
		}
		if _, err := tx.StmtContext(ctx, s.stmts.deleteOpen).ExecContext(ctx, st.id, st.openSeq); err != nil {
			return nil, fmt.Errorf("store: history key %q segments: %w", key, err)
		}
	}
	all = append(all, pts...)
	full := len(all) / s.chunkSize * s.chunkSize
	for lo := 0; lo < len(all); lo += s.chunkSize {
		if lo == full {
			st.openSeq = st.nextSeq
		}
		add(all[lo:min(lo+s.chunkSize, len(all))])
	}
	st.openN = len(all) - full
	return chunks, nil
}

// insertChunks inserts chunks, batchRows a statement at most.
func (s *Store) insertChunks(ctx context.Context, tx *sql.Tx, chunks []keyChunk) error {
	for len(chunks) > 0 {
		st, n := s.multi(ctx, tx, "chunks", len(chunks))
		args := make([]any, 0, 10*n)
		for _, k := range chunks[:n] {
			c := &k.c
			args = append(args, k.keyID, c.Seq, c.FirstStep, c.LastStep, c.Count, c.Min, c.Max, c.Last, c.Steps, c.Values)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store: history chunks: %w", err)
		}
		chunks = chunks[n:]
	}
	return nil
}

// updateKeys stores the keys' states, batchRows a statement at most.
func (s *Store) updateKeys(ctx context.Context, tx *sql.Tx, states []keyState) error {
	for len(states) > 0 {
		st, n := s.multi(ctx, tx, "setkeys", len(states))
		args := make([]any, 0, 4*n)
		for _, k := range states[:n] {
			args = append(args, k.id, k.openN, k.openSeq, k.nextSeq)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store: history keys: %w", err)
		}
		states = states[n:]
	}
	return nil
}
