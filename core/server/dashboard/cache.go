package dashboard

import (
	"container/list"
	"sync"
)

// seriesKey names one sampled series: a run at a history length (so a run
// that logs more is sampled anew), a key, an x key, a step range and a
// bucket count.
type seriesKey struct {
	run      int64
	lines    int
	key, x   string
	from, to int64
	buckets  int
}

type seriesVal struct {
	x, y, min, max []float64
	count          int
}

// seriesCache keeps the most recently used sampled series (LRU), so that a
// page seen again, or the same chart in another view, costs no store
// query. Safe for concurrent use.
type seriesCache struct {
	mu  sync.Mutex
	max int
	ll  *list.List
	m   map[seriesKey]*list.Element
}

type cacheEntry struct {
	k seriesKey
	v seriesVal
}

func newSeriesCache(max int) *seriesCache {
	return &seriesCache{max: max, ll: list.New(), m: map[seriesKey]*list.Element{}}
}

func (c *seriesCache) get(k seriesKey) (seriesVal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok {
		return seriesVal{}, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cacheEntry).v, true
}

func (c *seriesCache) put(k seriesKey, v seriesVal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		e.Value.(*cacheEntry).v = v
		c.ll.MoveToFront(e)
		return
	}
	c.m[k] = c.ll.PushFront(&cacheEntry{k, v})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*cacheEntry).k)
	}
}
