package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// runsChangedSince is implemented by stores that can list only the runs of
// a project that changed since a time (core/store/sqlite). With it, the
// query API keeps each project's run list in memory and reads only what
// changed; without it every request lists the project.
type runsChangedSince interface {
	RunsChangedSince(ctx context.Context, entity, project string, since time.Time) ([]store.Run, time.Time, error)
}

// maxCachedRuns bounds the runs kept across projects; past it the cache
// is emptied and fills again.
const maxCachedRuns = 200_000

// runLists keeps projects' run lists, newest first (ListRuns' order).
type runLists struct {
	mu       sync.Mutex
	projects map[string]*runList
	total    int
}

type runList struct {
	mu    sync.Mutex
	runs  []store.Run   // newest first
	index map[int64]int // run id → position in runs
	next  time.Time     // since of the next refresh
}

// list returns a copy of the project's runs, newest first, refreshed from
// the store.
func (l *runLists) list(ctx context.Context, st store.Store, p store.Project) ([]store.Run, error) {
	rs, ok := st.(runsChangedSince)
	if !ok {
		runs, err := st.ListRuns(ctx, store.RunFilter{Entity: p.Entity, Project: p.Name})
		if err != nil {
			return nil, fmt.Errorf("runs of %s/%s: %w", p.Entity, p.Name, err)
		}
		return runs, nil
	}
	key := p.Entity + "/" + p.Name
	l.mu.Lock()
	if l.projects == nil || l.total > maxCachedRuns {
		l.projects, l.total = map[string]*runList{}, 0
	}
	pl := l.projects[key]
	if pl == nil {
		pl = &runList{index: map[int64]int{}}
		l.projects[key] = pl
	}
	l.mu.Unlock()

	pl.mu.Lock()
	defer pl.mu.Unlock()
	changed, next, err := rs.RunsChangedSince(ctx, p.Entity, p.Name, pl.next)
	if err != nil {
		return nil, fmt.Errorf("runs of %s/%s: %w", p.Entity, p.Name, err)
	}
	added := 0
	for _, r := range changed {
		if i, ok := pl.index[r.ID]; ok {
			pl.runs[i] = r
			continue
		}
		pl.runs = append(pl.runs, r)
		added++
	}
	if added > 0 {
		slices.SortStableFunc(pl.runs, func(a, b store.Run) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		})
		clear(pl.index)
		for i, r := range pl.runs {
			pl.index[r.ID] = i
		}
		l.mu.Lock()
		l.total += added
		l.mu.Unlock()
	}
	pl.next = next
	return slices.Clone(pl.runs), nil
}
