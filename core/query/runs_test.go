package query_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gowandb/wandb/core/query"
	"github.com/gowandb/wandb/core/store"
)

// threeRuns stores runs a, b, c in alice/p (created in that order).
func threeRuns(t *testing.T, e *env) {
	e.seedRun(t, "alice", "p", "a", map[string]any{"lr": 0.1, "opt": map[string]any{"name": "adam"}},
		`{"loss":0.3,"acc":0.9}`, store.StateFinished, []string{"baseline"}, historyRows(3))
	e.seedRun(t, "alice", "p", "b", map[string]any{"lr": 0.001, "opt": map[string]any{"name": "sgd"}},
		`{"loss":0.8}`, store.StateRunning, nil, nil)
	e.seedRun(t, "alice", "p", "c", map[string]any{"lr": 0.05},
		`{}`, store.StateCrashed, []string{"baseline", "x"}, nil)
}

func ids(t *testing.T, c *query.Client, path string, q query.RunsQuery) []string {
	t.Helper()
	var out []string
	for r, err := range c.Runs(context.Background(), path, q) {
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		out = append(out, r.ID)
	}
	return out
}

func TestRunsFilterOrderAndPages(t *testing.T) {
	e := startServer(t)
	threeRuns(t, e)
	c := e.client(t, aliceKey)
	for _, tc := range []struct {
		q    query.RunsQuery
		want []string
	}{
		{query.RunsQuery{}, []string{"c", "b", "a"}}, // newest first
		{query.RunsQuery{Order: "+created_at"}, []string{"a", "b", "c"}},
		{query.RunsQuery{Filters: "config.lr > 0.01 and state = finished"}, []string{"a"}},
		{query.RunsQuery{Filters: `{"$and":[{"config.lr.value":{"$gt":0.01}},{"state":"finished"}]}`}, []string{"a"}},
		{query.RunsQuery{Filters: "summary.loss < 0.5 or tags contains x"}, []string{"c", "a"}},
		{query.RunsQuery{Filters: `name ~ "^disp-[ab]$"`, Order: "-summary_metrics.loss"}, []string{"b", "a"}},
		{query.RunsQuery{Order: "+summary_metrics.loss"}, []string{"a", "b", "c"}}, // c has none: last
		{query.RunsQuery{Order: "config.opt.name"}, []string{"a", "b", "c"}},
		{query.RunsQuery{PerPage: 1}, []string{"c", "b", "a"}}, // three pages
		{query.RunsQuery{PerPage: 2, Limit: 2}, []string{"c", "b"}},
		{query.RunsQuery{Filters: "state = killed"}, nil},
	} {
		if got := ids(t, c, "alice/p", tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.q, got, tc.want)
		}
	}
	// The viewer's entity is the default.
	if got := ids(t, c, "p", query.RunsQuery{Order: "name"}); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("project alone: %v", got)
	}
	n, err := c.RunCount(t.Context(), "alice/p", "tags contains baseline")
	if err != nil || n != 2 {
		t.Errorf("RunCount = %d, %v; want 2", n, err)
	}
}

func TestRunFields(t *testing.T) {
	e := startServer(t)
	threeRuns(t, e)
	c := e.client(t, aliceKey)
	r, err := c.Run(t.Context(), "alice/p/runs/a")
	if err != nil {
		t.Fatal(err)
	}
	if r.Path() != "alice/p/a" || r.DisplayName != "disp-a" || r.State != "finished" ||
		!slices.Equal(r.Tags, []string{"baseline"}) || r.HistoryLineCount != 3 || r.CreatedAt.IsZero() {
		t.Errorf("run %+v", r)
	}
	if r.Config["lr"] != 0.1 || r.Config["opt"].(map[string]any)["name"] != "adam" {
		t.Errorf("config %v (want plain values)", r.Config)
	}
	if _, ok := r.Config["_wandb"]; ok {
		t.Errorf("config keeps _wandb: %v", r.Config)
	}
	if r.Summary["loss"] != 0.3 {
		t.Errorf("summary %v", r.Summary)
	}
}

func TestRefusals(t *testing.T) {
	e := startServer(t)
	threeRuns(t, e)
	alice, bob := e.client(t, aliceKey), e.client(t, bobKey)
	ctx := t.Context()
	if _, err := bob.Run(ctx, "alice/p/a"); !errors.Is(err, query.ErrForbidden) {
		t.Errorf("bob reads alice's run: %v", err)
	}
	for _, err := range bob.Runs(ctx, "alice/p", query.RunsQuery{}) {
		if !errors.Is(err, query.ErrForbidden) {
			t.Errorf("bob lists alice's runs: %v", err)
		}
		break
	}
	if _, err := bob.Projects(ctx, "lab"); !errors.Is(err, query.ErrForbidden) {
		t.Errorf("bob lists lab's projects: %v", err)
	}
	if _, err := alice.Run(ctx, "alice/p/nope"); !errors.Is(err, query.ErrNotFound) {
		t.Errorf("missing run: %v", err)
	}
	if _, err := alice.Run(ctx, "alice/nope/a"); !errors.Is(err, query.ErrNotFound) {
		t.Errorf("missing project: %v", err)
	}
	if _, err := alice.Run(ctx, "a/b/c/d"); !errors.Is(err, query.ErrInvalid) {
		t.Errorf("bad path: %v", err)
	}
	for _, q := range []query.RunsQuery{{Filters: "config.lr >"}, {Filters: `{"x":1}`}, {Order: "-bogus"}} {
		for _, err := range alice.Runs(ctx, "alice/p", q) {
			if !errors.Is(err, query.ErrInvalid) {
				t.Errorf("%+v: %v", q, err)
			}
			break
		}
	}
	if _, err := e.client(t, "not-a-key-0123456789abcdef0123456789").Entities(ctx); err == nil {
		t.Error("unknown key accepted")
	}
}

func TestEntitiesAndProjects(t *testing.T) {
	e := startServer(t)
	threeRuns(t, e)
	e.seedRun(t, "alice", "q", "z", nil, `{}`, store.StateFinished, nil, nil)
	e.seedRun(t, "lab", "shared", "y", nil, `{}`, store.StateFinished, nil, nil)
	c := e.client(t, aliceKey)
	ents, err := c.Entities(t.Context())
	if err != nil || !slices.Equal(ents, []string{"alice", "lab"}) {
		t.Fatalf("entities %v, %v", ents, err)
	}
	ps, err := c.Projects(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Entity+"/"+p.Name)
	}
	if !slices.Equal(names, []string{"alice/p", "alice/q"}) {
		t.Errorf("projects %v", names)
	}
	if ps, err := c.Projects(t.Context(), "lab"); err != nil || len(ps) != 1 || ps[0].Name != "shared" {
		t.Errorf("team projects %v, %v", ps, err)
	}
}
