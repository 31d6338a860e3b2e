package runstate

import (
	"errors"
	"fmt"
	"github.com/gowandb/wandb/core/wjson"
	"math"
	"slices"
	"strings"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
)

// sumEntry is the summary of one leaf key.
type sumEntry struct {
	key  string
	path []string // nil for a top-level key

	last    Value // last value seen in history
	hasLast bool

	explicit    bool // set through the summary API: history no longer updates it
	explicitVal Value

	// Numeric aggregates over history (NaN left out).
	n        int64
	sum      float64
	min, max float64
	first    Value
	hasFirst bool
}

func (e *sumEntry) dotted() string {
	if e.path == nil {
		return escapeDots(e.key)
	}
	return dottedPath(e.path)
}

// Summary is the run summary: by default the last value of every history
// key, with explicit writes taking over a key for good (wandb-behaviour.md
// §3.3) and define_metric choosing aggregates (§3.4).
type Summary struct {
	entries map[string]*sumEntry
}

func newSummary() *Summary { return &Summary{entries: map[string]*sumEntry{}} }

func (s *Summary) entry(it *item) *sumEntry {
	k := it.pathKey()
	e := s.entries[k]
	if e == nil {
		e = &sumEntry{key: it.key, path: it.path}
		s.entries[k] = e
	}
	return e
}

// observe records a history value.
func (s *Summary) observe(it *item) {
	e := s.entry(it)
	e.last, e.hasLast = it.val, true
	if f, ok := it.val.Float(); ok && it.val.Kind != KindBool && !math.IsNaN(f) {
		if e.n == 0 {
			e.min, e.max = f, f
		} else {
			e.min = min(e.min, f)
			e.max = max(e.max, f)
		}
		e.n++
		e.sum += f
	}
	if !e.hasFirst {
		e.first, e.hasFirst = it.val, true
	}
}

// valueFor renders one entry under its metric definition; ok is false when
// the metric asks for no summary.
func (s *Summary) valueFor(e *sumEntry, m *metric) (Value, bool) {
	if e.explicit {
		return e.explicitVal, true
	}
	if m == nil || !m.summarises() {
		return e.last, e.hasLast
	}
	if m.sum.none {
		return Value{}, false
	}
	var b []byte
	b = append(b, '{')
	add := func(name string, v Value) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = wjson.AppendString(b, name)
		b = append(b, ':')
		b = v.AppendJSON(b)
	}
	num := func(f float64) Value { return Value{Kind: KindFloat, F: f} }
	if m.sum.first && e.hasFirst {
		add("first", e.first)
	}
	if m.sum.last && e.hasLast {
		add("last", e.last)
	}
	if e.n > 0 {
		if m.sum.max {
			add("max", num(e.max))
		}
		if m.sum.mean {
			add("mean", num(e.sum/float64(e.n)))
		}
		if m.sum.min {
			add("min", num(e.min))
		}
		if m.sum.best {
			if m.def.Goal == GoalMaximize {
				add("best", num(e.max))
			} else {
				add("best", num(e.min))
			}
		}
	}
	b = append(b, '}')
	return Value{Kind: KindJSON, Str: string(b)}, true
}

// tree renders the summary as nested nodes.
type node struct {
	children map[string]*node
	val      *Value
}

func (n *node) child(k string) *node {
	if n.children == nil {
		n.children = map[string]*node{}
	}
	c := n.children[k]
	if c == nil {
		c = &node{}
		n.children[k] = c
	}
	return c
}

func (n *node) appendJSON(b []byte) []byte {
	if n.val != nil && len(n.children) == 0 {
		return n.val.AppendJSON(b)
	}
	keys := make([]string, 0, len(n.children))
	for k := range n.children {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = wjson.AppendString(b, k)
		b = append(b, ':')
		b = n.children[k].appendJSON(b)
	}
	return append(b, '}')
}

func (s *Summary) treeLocked(ms *Metrics) *node {
	root := &node{}
	for _, e := range s.entries {
		v, ok := s.valueFor(e, ms.metricFor(e.dotted()))
		if !ok {
			continue
		}
		n := root.child(e.key)
		for _, p := range e.pathTail() {
			n = n.child(p)
		}
		vv := v
		n.val = &vv
	}
	return root
}

func (e *sumEntry) pathTail() []string {
	if e.path == nil {
		return nil
	}
	return e.path[1:]
}

// recordLocked builds a SummaryRecord holding the whole summary, one item per
// top-level key.
func (s *Summary) recordLocked(ms *Metrics) *recordpb.SummaryRecord {
	root := s.treeLocked(ms)
	keys := make([]string, 0, len(root.children))
	for k := range root.children {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rec := &recordpb.SummaryRecord{}
	for _, k := range keys {
		rec.Update = append(rec.Update, &recordpb.SummaryItem{Key: k, ValueJson: string(root.children[k].appendJSON(nil))})
	}
	return rec
}

// SummaryView is the summary API of a run.
type SummaryView struct{ h *Handler }

// read drains the queue, so that every row logged before the call is in
// the summary, and runs fn with the summary locked.
func (v *SummaryView) read(fn func(s *Summary, ms *Metrics)) {
	h := v.h
	h.drain.mu.Lock()
	defer h.drain.mu.Unlock()
	h.drainLocked()
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(h.summary, h.metrics)
}

// JSON returns the whole summary as one JSON object (wandb-summary.json).
func (v *SummaryView) JSON() []byte {
	var b []byte
	v.read(func(s *Summary, ms *Metrics) { b = s.treeLocked(ms).appendJSON(nil) })
	return b
}

// Map returns the whole summary as a nested map.
func (v *SummaryView) Map() map[string]any {
	x, err := DecodeJSON(v.JSON())
	if err != nil {
		return map[string]any{}
	}
	m, _ := x.(map[string]any)
	return m
}

// Get returns the summary value of a top-level key.
func (v *SummaryView) Get(key string) (any, bool) {
	x, ok := v.Map()[key]
	return x, ok
}

// Keys returns the top-level summary keys, sorted.
func (v *SummaryView) Keys() []string {
	m := v.Map()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Update sets summary values explicitly. Each key set this way is no longer
// updated by log. Nested maps set their leaves. Media values (Binders, and
// lists of them) are bound in Drain like history media, with Binding.Step -1
// (file names <key>_summary_<hash>); a media value that fails to bind is
// reported through Options.Warn and left out.
func (v *SummaryView) Update(values map[string]any) error {
	h := v.h
	type set struct {
		key    string
		leaves []item
	}
	var sets []set
	var errs []error
	for k, x := range values {
		if err := checkKey(k); err != nil {
			errs = append(errs, err)
			continue
		}
		leaves, err := leavesOf(k, x)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sets = append(sets, set{k, leaves})
	}
	if len(sets) == 0 {
		return errors.Join(errs...)
	}
	slices.SortFunc(sets, func(a, b set) int { return strings.Compare(a.key, b.key) })
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosed
	}
	h.num++
	num := h.num
	h.queueFuncLocked(func(s *Summary) []byte {
		rec := &recordpb.SummaryRecord{}
		for _, st := range sets {
			leaves := make([]item, 0, len(st.leaves))
			for _, it := range st.leaves {
				if it.val.Kind == KindMedia {
					val, ok := h.bindMedia(&it, -1)
					if !ok {
						continue
					}
					it.val, it.media = val, nil
				}
				leaves = append(leaves, it)
			}
			if len(leaves) == 0 {
				continue
			}
			// Replacing a key replaces its whole subtree.
			s.removeTopLocked(st.key)
			for i := range leaves {
				e := s.entry(&leaves[i])
				e.explicit, e.explicitVal = true, leaves[i].val
			}
			rec.Update = append(rec.Update, &recordpb.SummaryItem{Key: st.key, ValueJson: string(leavesJSON(st.key, leaves))})
		}
		if len(rec.Update) == 0 {
			return nil
		}
		return mustMarshal(&recordpb.Record{Num: num, RecordType: &recordpb.Record_Summary{Summary: rec}})
	})
	return errors.Join(errs...)
}

// leavesJSON renders the leaves of one top-level key as its JSON value.
func leavesJSON(key string, leaves []item) []byte {
	if len(leaves) == 1 && leaves[0].path == nil {
		return leaves[0].val.AppendJSON(nil)
	}
	root := &node{}
	for i := range leaves {
		n := root.child(key)
		if p := leaves[i].path; p != nil {
			for _, k := range p[1:] {
				n = n.child(k)
			}
		}
		n.val = &leaves[i].val
	}
	return root.children[key].appendJSON(nil)
}

// Set sets one summary value explicitly.
func (v *SummaryView) Set(key string, value any) error {
	return v.Update(map[string]any{key: value})
}

// Delete removes a top-level key from the summary. A later log of the key
// adds it again.
func (v *SummaryView) Delete(key string) error {
	found := false
	v.read(func(s *Summary, _ *Metrics) {
		for _, e := range s.entries {
			if e.key == key {
				found = true
				return
			}
		}
	})
	if !found {
		return fmt.Errorf("summary key %q: %w", key, ErrNoSuchKey)
	}
	h := v.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosed
	}
	h.num++
	b := mustMarshal(&recordpb.Record{Num: h.num, RecordType: &recordpb.Record_Summary{Summary: &recordpb.SummaryRecord{Remove: []*recordpb.SummaryItem{{Key: key}}}}})
	h.queueFuncLocked(func(s *Summary) []byte {
		s.removeTopLocked(key)
		return b
	})
	return nil
}

// ErrNoSuchKey is returned when deleting a key that is not there.
var ErrNoSuchKey = errors.New("no such key")

func (s *Summary) removeTopLocked(key string) bool {
	found := false
	for k, e := range s.entries {
		if e.key == key {
			delete(s.entries, k)
			found = true
		}
	}
	return found
}

// Restore loads a summary (a resumed run's) as plain last values that log
// keeps updating.
func (v *SummaryView) Restore(m map[string]any) error {
	var all []item
	var errs []error
	for k, x := range m {
		leaves, err := leavesOf(k, x)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, it := range leaves {
			if it.val.Kind == KindMedia {
				errs = append(errs, fmt.Errorf("key %q: a restored summary holds JSON, not media: %w", k, ErrUnsupportedType))
				continue
			}
			all = append(all, it)
		}
	}
	h := v.h
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queueFuncLocked(func(s *Summary) []byte {
		for i := range all {
			s.observe(&all[i])
		}
		return nil
	})
	return errors.Join(errs...)
}

func mustMarshal(r *recordpb.Record) []byte {
	b, err := record.Marshal(r)
	if err != nil {
		// Records built here always marshal; a failure is a programming error.
		panic(err)
	}
	return b
}

// leavesOf converts a value into summary leaves (nested maps split).
func leavesOf(k string, x any) ([]item, error) {
	var out []item
	var walk func(path []string, x any, depth int) error
	walk = func(path []string, x any, depth int) error {
		if m, ok := x.(map[string]any); ok && len(m) > 0 && depth < maxDepth {
			keys := make([]string, 0, len(m))
			for mk := range m {
				keys = append(keys, mk)
			}
			slices.Sort(keys)
			for _, mk := range keys {
				if err := checkKey(mk); err != nil {
					return err
				}
				if err := walk(append(path[:len(path):len(path)], mk), m[mk], depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		name := strings.Join(path, ".")
		var it item
		if b, ok := x.(Binder); ok {
			// Bound in Drain, when the update is applied.
			it = item{key: path[0], val: Value{Kind: KindMedia}, media: b}
		} else if list, ok := asMediaList(x); ok {
			it = item{key: path[0], val: Value{Kind: KindMedia}, media: list}
		} else {
			val, err := Convert(name, x)
			if err != nil {
				return err
			}
			it = item{key: path[0], val: val}
		}
		if len(path) > 1 {
			it.path = path
		}
		out = append(out, it)
		return nil
	}
	if err := walk([]string{k}, x, 0); err != nil {
		return nil, err
	}
	return out, nil
}
