package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// changedMargin is how far back RunsChangedSince's next reading is set: a
// write that took its timestamp up to this long before it committed is
// still seen by the next call.
const changedMargin = 10 * time.Second

// RunsChangedSince returns the runs of entity/project whose row changed
// (updated_at or heartbeat_at) at or after since — every run when since is
// zero — newest first, and the since to pass next time (the store's clock
// before the query, less a margin, so that a write in flight is not
// missed; a run may then come back twice). It lets the tracking server
// keep a project's run list and read only what changed. Not part of
// store.Store: the server finds it by type assertion.
func (s *Store) RunsChangedSince(ctx context.Context, entity, project string, since time.Time) ([]store.Run, time.Time, error) {
	next := s.now().Add(-changedMargin)
	q := `SELECT ` + runCols + ` WHERE e.name = ? AND p.name = ?`
	args := []any{entity, project}
	if !since.IsZero() {
		q += ` AND (r.updated_at >= ? OR r.heartbeat_at >= ?)`
		args = append(args, nanos(since), nanos(since))
	}
	q += ` ORDER BY r.created_at DESC, r.id DESC`
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: runs of %s/%s changed since %s: %w", entity, project, since, err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("store: runs of %s/%s: %w", entity, project, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, fmt.Errorf("store: runs of %s/%s: %w", entity, project, err)
	}
	return out, next, nil
}
