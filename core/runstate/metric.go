package runstate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gowandb/wandb/core/record/recordpb"
)

// Goals of a metric.
const (
	GoalMinimize = "minimize"
	GoalMaximize = "maximize"
)

// MetricDef is a define_metric call (wandb-behaviour.md §3.4).
type MetricDef struct {
	// Name is the metric; nested keys joined with "." ("\." for a literal
	// dot). A trailing "*" makes it a glob that matches by prefix.
	Name string
	// StepMetric is the metric to plot this one against.
	StepMetric string
	// StepSync inserts the step metric's last value into rows that lack it.
	// It defaults to true when StepMetric is set.
	StepSync *bool
	// Hidden hides the metric in charts.
	Hidden bool
	// Summary lists aggregates: min, max, mean, last, first, best, copy, none.
	Summary []string
	// Goal is minimize or maximize (only the first 3 letters count).
	Goal string
	// Overwrite replaces an earlier definition instead of merging into it.
	Overwrite bool
}

// ErrInvalidMetric is wrapped by errors for bad define_metric calls.
var ErrInvalidMetric = errors.New("invalid metric definition")

type summaryFlags struct {
	min, max, mean, last, first, best, copy, none bool
}

type metric struct {
	def      MetricDef
	glob     bool
	prefix   string
	stepSync bool
	sum      summaryFlags
	// stepPathKey is the pathKey of the step metric.
	stepPathKey string
	stepKey     string
	stepPath    []string
}

func (m *metric) summarises() bool {
	s := m.sum
	return s.min || s.max || s.mean || s.last || s.first || s.best || s.none
}

// Metrics holds the define_metric definitions of a run.
type Metrics struct {
	defined map[string]*metric
	globs   []*metric
	// cache maps a leaf's pathKey to its metric (nil: none) for rows.
	cache map[string]*metric
	// stepKeys are the pathKeys of step metrics, whose last values the
	// handler keeps for step_sync.
	stepKeys map[string]bool
}

func newMetrics() *Metrics {
	return &Metrics{defined: map[string]*metric{}, cache: map[string]*metric{}, stepKeys: map[string]bool{}}
}

func (ms *Metrics) active() bool { return len(ms.defined) > 0 || len(ms.globs) > 0 }

// metricFor returns the definition that applies to a dotted key.
func (ms *Metrics) metricFor(dotted string) *metric {
	if m := ms.defined[dotted]; m != nil {
		return m
	}
	if strings.HasPrefix(dotted, "_") {
		return nil
	}
	for _, g := range ms.globs {
		if strings.HasPrefix(dotted, g.prefix) {
			return g
		}
	}
	return nil
}

func parseMetric(d MetricDef) (*metric, error) {
	if d.Name == "" {
		return nil, fmt.Errorf("define_metric: name must not be empty: %w", ErrInvalidMetric)
	}
	m := &metric{def: d}
	if i := strings.IndexByte(d.Name, '*'); i >= 0 {
		if i != len(d.Name)-1 {
			return nil, fmt.Errorf("define_metric %q: '*' is only allowed as the last character: %w", d.Name, ErrInvalidMetric)
		}
		m.glob, m.prefix = true, d.Name[:i]
	}
	if strings.Contains(d.StepMetric, "*") {
		return nil, fmt.Errorf("define_metric %q: step_metric %q must not be a glob: %w", d.Name, d.StepMetric, ErrInvalidMetric)
	}
	for _, s := range d.Summary {
		for _, part := range strings.Split(s, ",") {
			switch strings.TrimSpace(part) {
			case "min":
				m.sum.min = true
			case "max":
				m.sum.max = true
			case "mean":
				m.sum.mean = true
			case "last":
				m.sum.last = true
			case "first":
				m.sum.first = true
			case "best":
				m.sum.best = true
			case "copy":
				m.sum.copy = true
			case "none":
				m.sum.none = true
			case "":
			default:
				return nil, fmt.Errorf("define_metric %q: summary %q: must be one of min, max, mean, last, first, best, copy, none: %w", d.Name, part, ErrInvalidMetric)
			}
		}
	}
	if d.Goal != "" {
		g := strings.ToLower(d.Goal)
		switch {
		case strings.HasPrefix(g, "min"):
			m.def.Goal = GoalMinimize
		case strings.HasPrefix(g, "max"):
			m.def.Goal = GoalMaximize
		default:
			return nil, fmt.Errorf("define_metric %q: goal %q: must be minimize or maximize: %w", d.Name, d.Goal, ErrInvalidMetric)
		}
	}
	if m.sum.best && m.def.Goal == "" {
		return nil, fmt.Errorf("define_metric %q: summary \"best\" needs a goal: %w", d.Name, ErrInvalidMetric)
	}
	if d.StepMetric != "" {
		m.stepSync = true
		m.stepPath = splitDotted(d.StepMetric)
		m.stepKey = m.stepPath[0]
		if len(m.stepPath) == 1 {
			m.stepPath = nil
			m.stepPathKey = m.stepKey
		} else {
			m.stepPathKey = strings.Join(m.stepPath, "\x00")
		}
	}
	if d.StepSync != nil {
		m.stepSync = *d.StepSync
	}
	return m, nil
}

// merge applies a later definition on top of an earlier one.
func merge(old *metric, d MetricDef) MetricDef {
	o := old.def
	if d.StepMetric != "" {
		o.StepMetric = d.StepMetric
	}
	if d.StepSync != nil {
		o.StepSync = d.StepSync
	}
	if d.Hidden {
		o.Hidden = true
	}
	if len(d.Summary) > 0 {
		o.Summary = append(slices.Clone(o.Summary), d.Summary...)
	}
	if d.Goal != "" {
		o.Goal = d.Goal
	}
	return o
}

// DefineMetric adds or updates a metric definition and emits its record.
func (h *Handler) DefineMetric(d MetricDef) error {
	m, err := parseMetric(d)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosed
	}
	ms := h.metrics
	if !d.Overwrite {
		var old *metric
		if m.glob {
			for _, g := range ms.globs {
				if g.def.Name == d.Name {
					old = g
				}
			}
		} else {
			old = ms.defined[d.Name]
		}
		if old != nil {
			if m, err = parseMetric(merge(old, d)); err != nil {
				return err
			}
		}
	}
	if m.glob {
		ms.globs = slices.DeleteFunc(ms.globs, func(g *metric) bool { return g.def.Name == d.Name })
		ms.globs = append(ms.globs, m)
	} else {
		ms.defined[d.Name] = m
	}
	clear(ms.cache)
	if m.stepPathKey != "" {
		ms.stepKeys[m.stepPathKey] = true
	}
	h.emitLocked(&recordpb.Record{RecordType: &recordpb.Record_Metric{Metric: m.record(true, false)}})
	if d.StepMetric != "" && ms.defined[d.StepMetric] == nil {
		sm, _ := parseMetric(MetricDef{Name: d.StepMetric})
		ms.defined[d.StepMetric] = sm
		h.emitLocked(&recordpb.Record{RecordType: &recordpb.Record_Metric{Metric: sm.record(false, false)}})
	}
	return nil
}

func (m *metric) record(defined, expanded bool) *recordpb.MetricRecord {
	r := &recordpb.MetricRecord{StepMetric: m.def.StepMetric, ExpandedFromGlob: expanded}
	if m.glob && !expanded {
		r.GlobName = m.def.Name
	} else {
		r.Name = m.def.Name
	}
	r.Options = &recordpb.MetricOptions{StepSync: m.stepSync && m.def.StepMetric != "", Hidden: m.def.Hidden, Defined: defined}
	if m.summarises() || m.sum.copy {
		s := m.sum
		r.Summary = &recordpb.MetricSummary{Min: s.min, Max: s.max, Mean: s.mean, Best: s.best, Last: s.last, None: s.none, Copy: s.copy, First: s.first}
	}
	switch m.def.Goal {
	case GoalMinimize:
		r.Goal = recordpb.MetricRecord_GOAL_MINIMIZE
	case GoalMaximize:
		r.Goal = recordpb.MetricRecord_GOAL_MAXIMIZE
	}
	r.XControl = &recordpb.MetricControl{Overwrite: m.def.Overwrite}
	return r
}

// applyLocked expands globs for the pending row's keys and inserts step
// metrics for step_sync.
func (ms *Metrics) applyLocked(h *Handler) {
	n := len(h.pending.items)
	for i := 0; i < n; i++ {
		if pk := h.pending.items[i].pathKey(); ms.stepKeys[pk] {
			h.lastStep[pk] = h.pending.items[i].val
		}
	}
	for i := 0; i < n; i++ {
		it := &h.pending.items[i]
		pk := it.pathKey()
		m, seen := ms.cache[pk]
		if !seen {
			dotted := escapeDots(it.key)
			if it.path != nil {
				dotted = dottedPath(it.path)
			}
			m = ms.defined[dotted]
			if m == nil && !strings.HasPrefix(dotted, "_") {
				for _, g := range ms.globs {
					if strings.HasPrefix(dotted, g.prefix) {
						d := g.def
						d.Name = dotted
						cm, err := parseMetric(d)
						if err == nil {
							ms.defined[dotted] = cm
							h.emitLocked(&recordpb.Record{RecordType: &recordpb.Record_Metric{Metric: cm.record(false, true)}})
							m = cm
						}
						break
					}
				}
			}
			ms.cache[pk] = m
		}
		if m == nil || !m.stepSync || m.def.StepMetric == "" {
			continue
		}
		if h.pending.has(m.stepPathKey) {
			continue
		}
		if v, ok := h.lastStep[m.stepPathKey]; ok {
			h.pending.items = append(h.pending.items, item{key: m.stepKey, path: m.stepPath, val: v})
		}
	}
}

// escapeDots escapes literal dots of one key component.
func escapeDots(k string) string {
	if !strings.Contains(k, ".") {
		return k
	}
	return strings.ReplaceAll(k, ".", `\.`)
}

func dottedPath(path []string) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = escapeDots(p)
	}
	return strings.Join(parts, ".")
}

// splitDotted splits a metric name on unescaped dots.
func splitDotted(name string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(name); i++ {
		switch {
		case name[i] == '\\' && i+1 < len(name) && name[i+1] == '.':
			cur.WriteByte('.')
			i++
		case name[i] == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(name[i])
		}
	}
	return append(parts, cur.String())
}
