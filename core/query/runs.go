package query

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/runfilter"
	"github.com/gowandb/wandb/core/wjson"
)

// Entities returns the viewer's entities: its own first, then its teams.
func (c *Client) Entities(ctx context.Context) ([]string, error) {
	var out struct {
		Viewer *struct {
			Entity string `json:"entity"`
			Teams  struct {
				Edges []struct {
					Node struct {
						Name string `json:"name"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"teams"`
		} `json:"viewer"`
	}
	if err := c.do(ctx, "Viewer", `query Viewer { viewer { entity teams { edges { node { name } } } } }`, map[string]any{}, &out); err != nil {
		return nil, err
	}
	if out.Viewer == nil {
		return nil, fmt.Errorf("query: no viewer: %w", ErrForbidden)
	}
	ents := []string{out.Viewer.Entity}
	for _, e := range out.Viewer.Teams.Edges {
		ents = append(ents, e.Node.Name)
	}
	return ents, nil
}

type pageInfo struct {
	EndCursor   *string `json:"endCursor"`
	HasNextPage bool    `json:"hasNextPage"`
}

const projectsQuery = `query Projects($entity: String, $first: Int, $after: String) {
  projects(entityName: $entity, first: $first, after: $after) {
    edges { node { name entityName createdAt } }
    pageInfo { endCursor hasNextPage }
  }
}`

// Projects returns the entity's projects by name ("" : the viewer's
// entity).
func (c *Client) Projects(ctx context.Context, entity string) ([]Project, error) {
	var all []Project
	var after any
	for {
		var out struct {
			Projects *struct {
				Edges []struct {
					Node struct {
						Name       string    `json:"name"`
						EntityName string    `json:"entityName"`
						CreatedAt  time.Time `json:"createdAt"`
					} `json:"node"`
				} `json:"edges"`
				PageInfo pageInfo `json:"pageInfo"`
			} `json:"projects"`
		}
		vars := map[string]any{"entity": optional(entity), "first": 500, "after": after}
		if err := c.do(ctx, "Projects", projectsQuery, vars, &out); err != nil {
			return nil, err
		}
		if out.Projects == nil {
			return nil, fmt.Errorf("query: entity %q: %w", entity, ErrNotFound)
		}
		for _, e := range out.Projects.Edges {
			all = append(all, Project{Entity: e.Node.EntityName, Name: e.Node.Name, CreatedAt: e.Node.CreatedAt})
		}
		if !out.Projects.PageInfo.HasNextPage || out.Projects.PageInfo.EndCursor == nil {
			return all, nil
		}
		after = *out.Projects.PageInfo.EndCursor
	}
}

const runFields = `id name displayName state group jobType notes tags config summaryMetrics createdAt heartbeatAt historyLineCount project { name entityName }`

// wireRun is a Run as the server sends it.
type wireRun struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	DisplayName      *string   `json:"displayName"`
	State            *string   `json:"state"`
	Group            *string   `json:"group"`
	JobType          *string   `json:"jobType"`
	Notes            *string   `json:"notes"`
	Tags             []string  `json:"tags"`
	Config           *string   `json:"config"`
	SummaryMetrics   *string   `json:"summaryMetrics"`
	CreatedAt        time.Time `json:"createdAt"`
	HeartbeatAt      time.Time `json:"heartbeatAt"`
	HistoryLineCount int       `json:"historyLineCount"`
	Project          *struct {
		Name       string `json:"name"`
		EntityName string `json:"entityName"`
	} `json:"project"`
}

func (c *Client) toRun(w *wireRun) (*Run, error) {
	r := &Run{ID: w.Name, StorageID: w.ID, DisplayName: deref(w.DisplayName), State: deref(w.State),
		Group: deref(w.Group), JobType: deref(w.JobType), Notes: deref(w.Notes), Tags: w.Tags,
		CreatedAt: w.CreatedAt, HeartbeatAt: w.HeartbeatAt, HistoryLineCount: w.HistoryLineCount, c: c}
	if w.Project != nil {
		r.Entity, r.Project = w.Project.EntityName, w.Project.Name
	}
	cfg, err := jsonObject(w.Config)
	if err != nil {
		return nil, fmt.Errorf("query: run %s config: %w", r.Path(), err)
	}
	r.Config = map[string]any{}
	for k, v := range cfg {
		if strings.HasPrefix(k, "_wandb") {
			continue
		}
		if m, ok := v.(map[string]any); ok {
			if inner, ok := m["value"]; ok {
				v = inner
			}
		}
		r.Config[k] = v
	}
	if r.Summary, err = jsonObject(w.SummaryMetrics); err != nil {
		return nil, fmt.Errorf("query: run %s summary: %w", r.Path(), err)
	}
	return r, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// jsonObject decodes a JSONString holding an object (W&B's NaN allowed).
func jsonObject(s *string) (map[string]any, error) {
	if s == nil || *s == "" {
		return map[string]any{}, nil
	}
	v, err := wjson.Decode([]byte(*s))
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

const runsQuery = `query Runs($project: String!, $entity: String, $filters: JSONString, $order: String, $first: Int, $after: String) {
  project(name: $project, entityName: $entity) {
    runs(filters: $filters, order: $order, first: $first, after: $after) {
      edges { node { ` + runFields + ` } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}`

// compileFilters turns RunsQuery.Filters into W&B's wire JSON (nil when
// empty).
func compileFilters(s string) (any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	f, err := runfilter.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("query: filters: %w: %w", ErrInvalid, err)
	}
	if f.MatchAll() {
		return nil, nil
	}
	return f.String(), nil
}

// Runs returns the runs of "entity/project" that pass q.Filters in
// q.Order, fetching a page at a time as the loop goes on. A bad path,
// filter or order is the first (and only) error yielded.
func (c *Client) Runs(ctx context.Context, path string, q RunsQuery) iter.Seq2[*Run, error] {
	return func(yield func(*Run, error) bool) {
		parts, err := splitPath(path, 2)
		if err != nil {
			yield(nil, err)
			return
		}
		filters, err := compileFilters(q.Filters)
		if err != nil {
			yield(nil, err)
			return
		}
		if q.Order != "" {
			if _, err := runfilter.ParseOrder(q.Order); err != nil {
				yield(nil, fmt.Errorf("query: order: %w: %w", ErrInvalid, err))
				return
			}
		}
		per := q.PerPage
		if per <= 0 {
			per = 50
		}
		per = min(per, 1000)
		var after any
		n := 0
		for {
			var out struct {
				Project *struct {
					Runs *struct {
						Edges []struct {
							Node wireRun `json:"node"`
						} `json:"edges"`
						PageInfo pageInfo `json:"pageInfo"`
					} `json:"runs"`
				} `json:"project"`
			}
			vars := map[string]any{"project": parts[1], "entity": optional(parts[0]), "filters": filters,
				"order": optional(q.Order), "first": per, "after": after}
			if err := c.do(ctx, "Runs", runsQuery, vars, &out); err != nil {
				yield(nil, err)
				return
			}
			if out.Project == nil || out.Project.Runs == nil {
				yield(nil, fmt.Errorf("query: project %s: %w", path, ErrNotFound))
				return
			}
			for i := range out.Project.Runs.Edges {
				r, err := c.toRun(&out.Project.Runs.Edges[i].Node)
				if !yield(r, err) || err != nil {
					return
				}
				if n++; q.Limit > 0 && n >= q.Limit {
					return
				}
			}
			pi := out.Project.Runs.PageInfo
			if !pi.HasNextPage || pi.EndCursor == nil {
				return
			}
			after = *pi.EndCursor
		}
	}
}

const runCountQuery = `query RunCount($project: String!, $entity: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) { runCount(filters: $filters) }
}`

// RunCount returns how many runs of "entity/project" pass filters.
func (c *Client) RunCount(ctx context.Context, path, filters string) (int, error) {
	parts, err := splitPath(path, 2)
	if err != nil {
		return 0, err
	}
	f, err := compileFilters(filters)
	if err != nil {
		return 0, err
	}
	var out struct {
		Project *struct {
			RunCount int `json:"runCount"`
		} `json:"project"`
	}
	vars := map[string]any{"project": parts[1], "entity": optional(parts[0]), "filters": f}
	if err := c.do(ctx, "RunCount", runCountQuery, vars, &out); err != nil {
		return 0, err
	}
	if out.Project == nil {
		return 0, fmt.Errorf("query: project %s: %w", path, ErrNotFound)
	}
	return out.Project.RunCount, nil
}

const runQuery = `query Run($project: String!, $entity: String, $name: String!) {
  project(name: $project, entityName: $entity) { run(name: $name) { ` + runFields + ` } }
}`

// Run returns the run at "entity/project/run" (or
// "entity/project/runs/run").
func (c *Client) Run(ctx context.Context, path string) (*Run, error) {
	parts, err := splitPath(path, 3)
	if err != nil {
		return nil, err
	}
	var out struct {
		Project *struct {
			Run *wireRun `json:"run"`
		} `json:"project"`
	}
	vars := map[string]any{"project": parts[1], "entity": optional(parts[0]), "name": parts[2]}
	if err := c.do(ctx, "Run", runQuery, vars, &out); err != nil {
		return nil, err
	}
	if out.Project == nil || out.Project.Run == nil {
		return nil, fmt.Errorf("query: run %s: %w", path, ErrNotFound)
	}
	return c.toRun(out.Project.Run)
}
