package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/gowandb/wandb/plugins"
)

// Version is the plugin's version, printed by describe.
const Version = "1.0.0"

// Threshold is the plugin. Its zero value is ready; one value serves one
// run at a time.
type Threshold struct {
	mu      sync.Mutex
	emit    plugins.Emitter
	rule    rule
	armed   bool // the metric is on the safe side: the next crossing alerts
	alert   *alert
	enabled bool
}

// rule is the "alert" entry of the run config.
type rule struct {
	Metric    string
	Threshold float64
	When      string // "above" or "below"
}

// alert is the summary value "alert/<metric>".
type alert struct {
	Step      int64   `json:"step"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	When      string  `json:"when"`
	Crossings int     `json:"crossings"`
}

var _ plugins.Plugin = (*Threshold)(nil)

// Manifest describes the plugin.
func (t *Threshold) Manifest() plugins.Manifest {
	return plugins.Manifest{
		Name:        "threshold",
		Version:     Version,
		Provides:    []string{"alerts", plugins.ProvidesSummary, plugins.ProvidesLogs},
		Description: "alerts when a metric crosses the threshold in the run config's \"alert\" entry",
	}
}

// Start reads the rule from the run config. Without one the plugin says so
// in the run's log and stays idle.
func (t *Threshold) Start(_ context.Context, run plugins.RunInfo, emit plugins.Emitter) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.emit, t.alert, t.armed = emit, nil, true
	r, err := parseRule(run.Config["alert"])
	if err != nil {
		t.enabled = false
		return emit.Emit(plugins.Emission{Log: &plugins.LogLine{Level: plugins.LevelWarn, Text: "threshold: idle: " + err.Error()}})
	}
	t.rule, t.enabled = r, true
	return nil
}

func parseRule(v any) (rule, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return rule{}, fmt.Errorf(`the run config has no "alert" map (want {"metric": ..., "threshold": ..., "when": "above"|"below"})`)
	}
	r := rule{When: "above"}
	if r.Metric, ok = m["metric"].(string); !ok || r.Metric == "" {
		return rule{}, fmt.Errorf(`alert.metric must be a metric name`)
	}
	switch x := m["threshold"].(type) {
	case float64:
		r.Threshold = x
	case int64:
		r.Threshold = float64(x)
	default:
		return rule{}, fmt.Errorf("alert.threshold must be a number, not %T", m["threshold"])
	}
	if w, ok := m["when"].(string); ok {
		r.When = w
	}
	if r.When != "above" && r.When != "below" {
		return rule{}, fmt.Errorf(`alert.when must be "above" or "below", not %q`, r.When)
	}
	return r, nil
}

func (r rule) crossed(v float64) bool {
	if r.When == "below" {
		return v < r.Threshold
	}
	return v > r.Threshold
}

// Observe checks each scalar of the metric in order.
func (t *Threshold) Observe(_ context.Context, batch []plugins.Observation) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.enabled {
		return nil
	}
	for _, o := range batch {
		if o.Kind != plugins.KindScalar || o.Key != t.rule.Metric {
			continue
		}
		if !t.rule.crossed(o.Scalar) {
			t.armed = true
			continue
		}
		if !t.armed {
			continue
		}
		t.armed = false
		if err := t.fire(o.Step, o.Scalar); err != nil {
			return err
		}
	}
	return nil
}

// fire emits the summary key and the log line of a crossing.
func (t *Threshold) fire(step int64, v float64) error {
	if t.alert == nil {
		t.alert = &alert{Step: step, Value: v, Threshold: t.rule.Threshold, When: t.rule.When}
	}
	t.alert.Crossings++
	summary, err := plugins.Values(map[string]any{"alert/" + t.rule.Metric: t.alert})
	if err != nil {
		return err
	}
	return t.emit.Emit(plugins.Emission{
		Summary: summary,
		Log: &plugins.LogLine{Level: plugins.LevelWarn, Text: fmt.Sprintf("threshold: %s went %s %g at step %d (%g)",
			t.rule.Metric, t.rule.When, t.rule.Threshold, step, v)},
	})
}

// Flush has nothing to do: alerts are emitted as they happen.
func (t *Threshold) Flush(context.Context) error { return nil }

// Finish has nothing to do either.
func (t *Threshold) Finish(context.Context) error { return nil }
