package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/wjson"
	"github.com/jackc/pgx/v5"
)

// UpsertProject implements store.Projects.
func (s *Store) UpsertProject(ctx context.Context, entity, name string) (store.Project, error) {
	var p store.Project
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = s.upsertProject(ctx, tx, entity, name)
		return err
	})
	return p, err
}

func (s *Store) upsertProject(ctx context.Context, tx pgx.Tx, entity, name string) (store.Project, error) {
	if err := store.ValidName("project", name); err != nil {
		return store.Project{}, err
	}
	var eid int64
	if err := tx.QueryRow(ctx, `SELECT id FROM entities WHERE name = $1`, entity).Scan(&eid); err != nil {
		return store.Project{}, notFound(err, "entity %q", entity)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO projects(entity_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		eid, name, nanos(s.now())); err != nil {
		return store.Project{}, fmt.Errorf("store: postgres: upsert project %s/%s: %w", entity, name, err)
	}
	p := store.Project{Entity: entity, Name: name}
	var at int64
	if err := tx.QueryRow(ctx, `SELECT id, created_at FROM projects WHERE entity_id = $1 AND name = $2`, eid, name).Scan(&p.ID, &at); err != nil {
		return store.Project{}, fmt.Errorf("store: postgres: upsert project %s/%s: %w", entity, name, err)
	}
	p.CreatedAt = fromNanos(at)
	return p, nil
}

// Project implements store.Projects.
func (s *Store) Project(ctx context.Context, entity, name string) (store.Project, error) {
	p := store.Project{Entity: entity, Name: name}
	var at int64
	err := s.pool.QueryRow(ctx, `SELECT p.id, p.created_at FROM projects p JOIN entities e ON e.id = p.entity_id
		WHERE e.name = $1 AND p.name = $2`, entity, name).Scan(&p.ID, &at)
	if err != nil {
		return store.Project{}, notFound(err, "project %s/%s", entity, name)
	}
	p.CreatedAt = fromNanos(at)
	return p, nil
}

// ListProjects implements store.Projects.
func (s *Store) ListProjects(ctx context.Context, entity string) ([]store.Project, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.name, p.created_at FROM projects p JOIN entities e ON e.id = p.entity_id
		WHERE e.name = $1 ORDER BY p.name COLLATE "C"`, entity)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: list projects of %q: %w", entity, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Project, error) {
		p := store.Project{Entity: entity}
		var at int64
		err := r.Scan(&p.ID, &p.Name, &at)
		p.CreatedAt = fromNanos(at)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: postgres: list projects of %q: %w", entity, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// jsonObject checks that b is a JSON object, allowing W&B's bare NaN and
// ±Infinity tokens (summaries hold them). It is stored as text, unchanged.
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
	var set []string
	var args []any
	add := func(col string, v any) {
		args = append(args, v)
		set = append(set, col+" = $"+strconv.Itoa(len(args)))
	}
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
		add("tags", tags)
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
	err := s.tx(ctx, func(tx pgx.Tx) error {
		p, err := s.upsertProject(ctx, tx, u.Entity, u.Project)
		if err != nil {
			return err
		}
		now := nanos(s.now())
		err = tx.QueryRow(ctx, `INSERT INTO runs(project_id, name, state, heartbeat_at, created_at, updated_at)
			VALUES ($1, $2, 'running', $3, $3, $3) ON CONFLICT (project_id, name) DO UPDATE SET project_id = EXCLUDED.project_id RETURNING id`,
			p.ID, u.Name, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: postgres: upsert run %s: %w", u.Name, err)
		}
		if len(set) > 0 {
			args = append(args, now, id)
			q := `UPDATE runs SET ` + strings.Join(set, ", ") + `, updated_at = $` + strconv.Itoa(len(args)-1) +
				` WHERE id = $` + strconv.Itoa(len(args))
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("store: postgres: upsert run %s: %w", u.Name, err)
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

func scanRun(row pgx.Row) (store.Run, error) {
	var r store.Run
	var config, summary, state string
	var exit *int
	var hb, ca, ua int64
	err := row.Scan(&r.ID, &r.Name, &r.Entity, &r.Project, &r.DisplayName, &r.Notes, &r.Tags, &r.Group, &r.JobType,
		&config, &summary, &state, &exit, &hb, &ca, &ua, &r.HistoryLineCount, &r.EventsLineCount, &r.LogLineCount, &r.Stopped)
	if err != nil {
		return store.Run{}, err
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	r.Config, r.Summary, r.State, r.ExitCode = json.RawMessage(config), json.RawMessage(summary), store.RunState(state), exit
	r.HeartbeatAt, r.CreatedAt, r.UpdatedAt = fromNanos(hb), fromNanos(ca), fromNanos(ua)
	return r, nil
}

// Run implements store.Runs.
func (s *Store) Run(ctx context.Context, entity, project, name string) (store.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runCols+` WHERE e.name = $1 AND p.name = $2 AND r.name = $3`, entity, project, name))
	if err != nil {
		return store.Run{}, notFound(err, "run %s/%s/%s", entity, project, name)
	}
	return r, nil
}

// RunByID implements store.Runs.
func (s *Store) RunByID(ctx context.Context, id int64) (store.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runCols+` WHERE r.id = $1`, id))
	if err != nil {
		return store.Run{}, notFound(err, "run %d", id)
	}
	return r, nil
}

// ListRuns implements store.Runs.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error) {
	q := `SELECT ` + runCols + ` WHERE true`
	var args []any
	for _, c := range []struct{ cond, v string }{
		{" AND e.name = $", f.Entity}, {" AND p.name = $", f.Project}, {" AND r.state = $", string(f.State)},
		{" AND r.grp = $", f.Group}, {" AND $ = ANY(r.tags)", f.Tag},
	} {
		if c.v != "" {
			args = append(args, c.v)
			q += strings.Replace(c.cond, "$", "$"+strconv.Itoa(len(args)), 1)
		}
	}
	q += ` ORDER BY r.created_at DESC, r.id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	if f.Offset > 0 {
		args = append(args, f.Offset)
		q += ` OFFSET $` + strconv.Itoa(len(args))
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: list runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Run, error) { return scanRun(r) })
	if err != nil {
		return nil, fmt.Errorf("store: postgres: list runs: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (s *Store) updateRun(ctx context.Context, id int64, what, set string, args ...any) error {
	args = append(args, id)
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET `+set+` WHERE id = $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return fmt.Errorf("store: postgres: %s run %d: %w", what, id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: run %d", store.ErrNotFound, id)
	}
	return nil
}

// Heartbeat implements store.Runs.
func (s *Store) Heartbeat(ctx context.Context, runID int64, at time.Time) error {
	return s.updateRun(ctx, runID, "heartbeat", `heartbeat_at = $1`, nanos(at))
}

// SetRunState implements store.Runs.
func (s *Store) SetRunState(ctx context.Context, runID int64, state store.RunState, exitCode *int) error {
	if !state.Valid() {
		return fmt.Errorf("%w: run state %q", store.ErrInvalid, state)
	}
	if exitCode != nil {
		return s.updateRun(ctx, runID, "set state of", `state = $1, exit_code = $2, updated_at = $3`, string(state), *exitCode, nanos(s.now()))
	}
	return s.updateRun(ctx, runID, "set state of", `state = $1, updated_at = $2`, string(state), nanos(s.now()))
}

// StopRun implements store.Runs.
func (s *Store) StopRun(ctx context.Context, runID int64) error {
	return s.updateRun(ctx, runID, "stop", `stopped = true, updated_at = $1`, nanos(s.now()))
}

// MarkPreempting implements store.Runs.
func (s *Store) MarkPreempting(ctx context.Context, runID int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET state = 'preempting', updated_at = $1 WHERE id = $2 AND state = 'running'`,
		nanos(s.now()), runID)
	if err != nil {
		return fmt.Errorf("store: postgres: mark preempting: %w", err)
	}
	if tag.RowsAffected() == 0 {
		var one int
		if err := s.pool.QueryRow(ctx, `SELECT 1 FROM runs WHERE id = $1`, runID).Scan(&one); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("store: postgres: run %d: %w", runID, store.ErrNotFound)
			}
			return fmt.Errorf("store: postgres: mark preempting: %w", err)
		}
	}
	return nil
}

// MarkCrashed implements store.Runs.
func (s *Store) MarkCrashed(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET state = CASE state WHEN 'preempting' THEN 'preempted' ELSE 'crashed' END,
		updated_at = $1 WHERE state IN ('running', 'preempting') AND heartbeat_at < $2`,
		nanos(s.now()), nanos(before))
	if err != nil {
		return 0, fmt.Errorf("store: postgres: mark crashed: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
