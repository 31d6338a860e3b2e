package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/wjson"

	"github.com/gowandb/wandb/core/store"
)

// UpsertProject implements store.Projects.
func (s *Store) UpsertProject(ctx context.Context, entity, name string) (store.Project, error) {
	var p store.Project
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = s.upsertProject(ctx, tx, entity, name)
		return err
	})
	return p, err
}

func (s *Store) upsertProject(ctx context.Context, tx *sql.Tx, entity, name string) (store.Project, error) {
	if err := store.ValidName("project", name); err != nil {
		return store.Project{}, err
	}
	var eid int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM entities WHERE name = ?`, entity).Scan(&eid); err != nil {
		return store.Project{}, notFound(err, "entity %q", entity)
	}
	now := nanos(s.now())
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO projects(entity_id, name, created_at) VALUES (?, ?, ?)`, eid, name, now); err != nil {
		return store.Project{}, fmt.Errorf("store: upsert project %s/%s: %w", entity, name, err)
	}
	p := store.Project{Entity: entity, Name: name}
	var at int64
	if err := tx.QueryRowContext(ctx, `SELECT id, created_at FROM projects WHERE entity_id = ? AND name = ?`, eid, name).Scan(&p.ID, &at); err != nil {
		return store.Project{}, fmt.Errorf("store: upsert project %s/%s: %w", entity, name, err)
	}
	p.CreatedAt = fromNanos(at)
	return p, nil
}

// Project implements store.Projects.
func (s *Store) Project(ctx context.Context, entity, name string) (store.Project, error) {
	p := store.Project{Entity: entity, Name: name}
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT p.id, p.created_at FROM projects p JOIN entities e ON e.id = p.entity_id
		WHERE e.name = ? AND p.name = ?`, entity, name).Scan(&p.ID, &at)
	if err != nil {
		return store.Project{}, notFound(err, "project %s/%s", entity, name)
	}
	p.CreatedAt = fromNanos(at)
	return p, nil
}

// ListProjects implements store.Projects.
func (s *Store) ListProjects(ctx context.Context, entity string) ([]store.Project, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT p.id, p.name, p.created_at FROM projects p JOIN entities e ON e.id = p.entity_id
		WHERE e.name = ? ORDER BY p.name`, entity)
	if err != nil {
		return nil, fmt.Errorf("store: list projects of %q: %w", entity, err)
	}
	defer rows.Close()
	var out []store.Project
	for rows.Next() {
		p := store.Project{Entity: entity}
		var at int64
		if err := rows.Scan(&p.ID, &p.Name, &at); err != nil {
			return nil, fmt.Errorf("store: list projects of %q: %w", entity, err)
		}
		p.CreatedAt = fromNanos(at)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list projects of %q: %w", entity, err)
	}
	return out, nil
}

// jsonObject checks that b is a JSON object, allowing W&B's bare NaN and
// ±Infinity tokens (summaries hold them).
func jsonObject(what string, b json.RawMessage) (string, error) {
	v, err := wjson.Decode(b)
	if _, ok := v.(map[string]any); err != nil || !ok {
		return "", fmt.Errorf("%w: %s is not a JSON object", store.ErrInvalid, what)
	}
	return string(b), nil
}

// UpsertRun implements store.Runs.
func (s *Store) UpsertRun(ctx context.Context, u store.RunUpsert) (store.Run, error) {
	if err := store.ValidName("run", u.Name); err != nil {
		return store.Run{}, err
	}
	if u.State != nil && !u.State.Valid() {
		return store.Run{}, fmt.Errorf("%w: run state %q", store.ErrInvalid, *u.State)
	}
	set := []string{}
	args := []any{}
	add := func(col string, v any) { set = append(set, col+" = ?"); args = append(args, v) }
	if u.DisplayName != nil {
		add("display_name", *u.DisplayName)
	}
	if u.Notes != nil {
		add("notes", *u.Notes)
	}
	if u.Tags != nil {
		tags := *u.Tags
		if tags == nil {
			tags = []string{}
		}
		b, _ := json.Marshal(tags)
		add("tags", string(b))
	}
	if u.Group != nil {
		add("grp", *u.Group)
	}
	if u.JobType != nil {
		add("job_type", *u.JobType)
	}
	for _, x := range []struct {
		col string
		v   json.RawMessage
	}{{"config", u.Config}, {"summary", u.Summary}} {
		if x.v != nil {
			j, err := jsonObject(x.col, x.v)
			if err != nil {
				return store.Run{}, err
			}
			add(x.col, j)
		}
	}
	if u.State != nil {
		add("state", string(*u.State))
	}
	if u.ExitCode != nil {
		add("exit_code", *u.ExitCode)
	}
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		p, err := s.upsertProject(ctx, tx, u.Entity, u.Project)
		if err != nil {
			return err
		}
		now := nanos(s.now())
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO runs(project_id, name, state, heartbeat_at, created_at, updated_at)
			VALUES (?, ?, 'running', ?, ?, ?)`, p.ID, u.Name, now, now, now); err != nil {
			return fmt.Errorf("store: upsert run %s: %w", u.Name, err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE project_id = ? AND name = ?`, p.ID, u.Name).Scan(&id); err != nil {
			return fmt.Errorf("store: upsert run %s: %w", u.Name, err)
		}
		if len(set) > 0 {
			q := `UPDATE runs SET ` + strings.Join(set, ", ") + `, updated_at = ? WHERE id = ?`
			if _, err := tx.ExecContext(ctx, q, append(args, now, id)...); err != nil {
				return fmt.Errorf("store: upsert run %s: %w", u.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return store.Run{}, err
	}
	return s.RunByID(ctx, id)
}

const runCols = `r.id, r.name, e.name, p.name, r.display_name, r.notes, r.tags, r.grp, r.job_type, r.config, r.summary,
	r.state, r.exit_code, r.heartbeat_at, r.created_at, r.updated_at, r.history_lines, r.events_lines, r.log_lines, r.stopped
	FROM runs r JOIN projects p ON p.id = r.project_id JOIN entities e ON e.id = p.entity_id`

type scanner interface{ Scan(...any) error }

func scanRun(sc scanner) (store.Run, error) {
	var r store.Run
	var tags, config, summary, state string
	var exit sql.NullInt64
	var hb, ca, ua int64
	err := sc.Scan(&r.ID, &r.Name, &r.Entity, &r.Project, &r.DisplayName, &r.Notes, &tags, &r.Group, &r.JobType,
		&config, &summary, &state, &exit, &hb, &ca, &ua, &r.HistoryLineCount, &r.EventsLineCount, &r.LogLineCount, &r.Stopped)
	if err != nil {
		return store.Run{}, err
	}
	if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
		return store.Run{}, fmt.Errorf("store: run %d tags: %w", r.ID, err)
	}
	r.Config, r.Summary, r.State = json.RawMessage(config), json.RawMessage(summary), store.RunState(state)
	if exit.Valid {
		c := int(exit.Int64)
		r.ExitCode = &c
	}
	r.HeartbeatAt, r.CreatedAt, r.UpdatedAt = fromNanos(hb), fromNanos(ca), fromNanos(ua)
	return r, nil
}

// Run implements store.Runs.
func (s *Store) Run(ctx context.Context, entity, project, name string) (store.Run, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runCols+` WHERE e.name = ? AND p.name = ? AND r.name = ?`, entity, project, name))
	if err != nil {
		return store.Run{}, notFound(err, "run %s/%s/%s", entity, project, name)
	}
	return r, nil
}

// RunByID implements store.Runs.
func (s *Store) RunByID(ctx context.Context, id int64) (store.Run, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runCols+` WHERE r.id = ?`, id))
	if err != nil {
		return store.Run{}, notFound(err, "run %d", id)
	}
	return r, nil
}

// ListRuns implements store.Runs.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error) {
	q := `SELECT ` + runCols + ` WHERE 1`
	var args []any
	for _, c := range []struct{ cond, v string }{
		{" AND e.name = ?", f.Entity}, {" AND p.name = ?", f.Project}, {" AND r.state = ?", string(f.State)},
		{" AND r.grp = ?", f.Group}, {" AND EXISTS (SELECT 1 FROM json_each(r.tags) WHERE value = ?)", f.Tag},
	} {
		if c.v != "" {
			q += c.cond
			args = append(args, c.v)
		}
	}
	q += ` ORDER BY r.created_at DESC, r.id DESC`
	if f.Limit > 0 || f.Offset > 0 {
		lim := f.Limit
		if lim <= 0 {
			lim = -1
		}
		q += ` LIMIT ? OFFSET ?`
		args = append(args, lim, f.Offset)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	defer rows.Close()
	var out []store.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	return out, nil
}

func (s *Store) updateRun(ctx context.Context, id int64, what, set string, args ...any) error {
	res, err := s.w.ExecContext(ctx, `UPDATE runs SET `+set+` WHERE id = ?`, append(args, id)...)
	if err != nil {
		return fmt.Errorf("store: %s run %d: %w", what, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: run %d", store.ErrNotFound, id)
	}
	return nil
}

// Heartbeat implements store.Runs.
func (s *Store) Heartbeat(ctx context.Context, runID int64, at time.Time) error {
	return s.updateRun(ctx, runID, "heartbeat", `heartbeat_at = ?`, nanos(at))
}

// SetRunState implements store.Runs.
func (s *Store) SetRunState(ctx context.Context, runID int64, state store.RunState, exitCode *int) error {
	if !state.Valid() {
		return fmt.Errorf("%w: run state %q", store.ErrInvalid, state)
	}
	if exitCode != nil {
		return s.updateRun(ctx, runID, "set state of", `state = ?, exit_code = ?, updated_at = ?`, string(state), *exitCode, nanos(s.now()))
	}
	return s.updateRun(ctx, runID, "set state of", `state = ?, updated_at = ?`, string(state), nanos(s.now()))
}

// StopRun implements store.Runs.
func (s *Store) StopRun(ctx context.Context, runID int64) error {
	return s.updateRun(ctx, runID, "stop", `stopped = 1, updated_at = ?`, nanos(s.now()))
}

// MarkPreempting implements store.Runs.
func (s *Store) MarkPreempting(ctx context.Context, runID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM runs WHERE id = ?`, runID).Scan(&state); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: run %d: %w", runID, store.ErrNotFound)
			}
			return fmt.Errorf("store: mark preempting: %w", err)
		}
		if state != string(store.StateRunning) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = 'preempting', updated_at = ? WHERE id = ?`, nanos(s.now()), runID); err != nil {
			return fmt.Errorf("store: mark preempting: %w", err)
		}
		return nil
	})
}

// MarkCrashed implements store.Runs.
func (s *Store) MarkCrashed(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE runs SET state = CASE state WHEN 'preempting' THEN 'preempted' ELSE 'crashed' END,
		updated_at = ? WHERE state IN ('running', 'preempting') AND heartbeat_at < ?`,
		nanos(s.now()), nanos(before))
	if err != nil {
		return 0, fmt.Errorf("store: mark crashed: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
