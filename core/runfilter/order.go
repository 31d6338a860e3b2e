package runfilter

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// DefaultOrder is W&B's default run order: newest first.
const DefaultOrder = "-created_at"

// Order is a compiled sort order. Safe for concurrent use.
type Order struct {
	keys  []orderKey
	cache *Cache
	src   string
}

type orderKey struct {
	f    field
	desc bool
}

// ParseOrder compiles an order as W&B sends it: comma-separated keys, each
// with an optional "+" (ascending, the default) or "-" (descending):
// "-created_at", "+summary_metrics.loss", "config.lr,-created_at". Keys
// are the Mongo-style filter keys (summary.X allowed). Blank means
// DefaultOrder.
func ParseOrder(src string, opts ...Option) (*Order, error) {
	o := buildOptions(opts)
	if strings.TrimSpace(src) == "" {
		src = DefaultOrder
	}
	ord := &Order{cache: o.cache, src: strings.TrimSpace(src)}
	pos := 1
	for item := range strings.SplitSeq(src, ",") {
		k := strings.TrimSpace(item)
		col := pos + strings.Index(item, k)
		pos += len(item) + 1
		if k == "" {
			return nil, &Error{Pos: col, Msg: "empty key in order"}
		}
		desc := false
		switch k[0] {
		case '-':
			desc, k = true, k[1:]
		case '+':
			k = k[1:]
		}
		f, ok := resolveField(k, false)
		if !ok {
			return nil, &Error{Pos: col, Msg: fmt.Sprintf("unknown order key %q (want %s)", k, knownKeys)}
		}
		ord.keys = append(ord.keys, orderKey{f, desc})
	}
	return ord, nil
}

// String is the order in W&B's form.
func (o *Order) String() string { return o.src }

// sortVal is one run's value of one key: rank orders kinds (numbers, then
// strings, booleans, times, others, missing last).
type sortVal struct {
	rank int
	v    any
}

const rankMissing = 5

func toSortVal(v any, ok bool) sortVal {
	if !ok || v == nil {
		return sortVal{rank: rankMissing}
	}
	switch x := v.(type) {
	case int64, float64:
		if f, _ := number(x); f != f { // NaN sorts with the missing
			return sortVal{rank: rankMissing}
		}
		return sortVal{0, v}
	case string:
		return sortVal{1, v}
	case bool:
		return sortVal{2, v}
	case time.Time:
		return sortVal{3, v}
	}
	return sortVal{rank: 4}
}

// Sort sorts rs in place, stable (equal runs keep their order).
func (o *Order) Sort(rs []store.Run) {
	if o == nil || len(o.keys) == 0 || len(rs) < 2 {
		return
	}
	nk := len(o.keys)
	vals := make([]sortVal, len(rs)*nk)
	idx := make([]int, len(rs))
	for i := range rs {
		idx[i] = i
		d := doc{run: &rs[i], cache: o.cache}
		for j, k := range o.keys {
			vals[i*nk+j] = toSortVal(d.get(k.f))
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		for j, k := range o.keys {
			va, vb := vals[a*nk+j], vals[b*nk+j]
			if va.rank != vb.rank {
				return va.rank - vb.rank // missing last in both directions
			}
			if va.rank == rankMissing || va.rank == 4 {
				continue
			}
			c, _ := compare(va.v, vb.v)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	sorted := make([]store.Run, len(rs))
	for i, j := range idx {
		sorted[i] = rs[j]
	}
	copy(rs, sorted)
}
