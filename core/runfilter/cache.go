package runfilter

import (
	"sync"
	"time"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/wjson"
)

// parsedRun is a run's config and summary decoded with wjson (numbers as
// int64 or float64). Read-only once built: shared between goroutines.
type parsedRun struct {
	updatedAt time.Time
	config    map[string]any
	summary   map[string]any
}

// DefaultCacheSize is the number of runs a [NewCache] cache keeps when
// given a size <= 0.
const DefaultCacheSize = 100_000

// Cache keeps parsed config and summary JSON by run id and UpdatedAt, so
// that filtering and sorting the same runs again parses nothing. A run
// whose UpdatedAt changed is parsed again. Safe for concurrent use. When
// full, it is emptied and fills again (bounded memory, no bookkeeping on
// the hot path). A nil *Cache parses every time.
type Cache struct {
	mu   sync.Mutex
	max  int
	runs map[int64]*parsedRun
}

// NewCache returns a cache for up to size runs (DefaultCacheSize if
// size <= 0).
func NewCache(size int) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	return &Cache{max: size, runs: make(map[int64]*parsedRun)}
}

// Len returns the number of runs cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.runs)
}

func (c *Cache) get(r *store.Run) *parsedRun {
	if c == nil || r.ID == 0 {
		return parse(r)
	}
	c.mu.Lock()
	p, ok := c.runs[r.ID]
	c.mu.Unlock()
	if ok && p.updatedAt.Equal(r.UpdatedAt) {
		return p
	}
	p = parse(r)
	c.mu.Lock()
	if len(c.runs) >= c.max {
		clear(c.runs)
	}
	c.runs[r.ID] = p
	c.mu.Unlock()
	return p
}

// parse decodes a run's config and summary; malformed JSON reads as empty
// (the store only keeps JSON objects, so this is defensive).
func parse(r *store.Run) *parsedRun {
	return &parsedRun{updatedAt: r.UpdatedAt, config: object(r.Config), summary: object(r.Summary)}
}

func object(b []byte) map[string]any {
	if len(b) == 0 {
		return nil
	}
	v, err := wjson.Decode(b)
	if err != nil {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}
