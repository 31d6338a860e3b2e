package runfilter

import (
	"strings"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// fieldKind is what a key reads from a run.
type fieldKind int

const (
	fRunID fieldKind = iota
	fDisplayName
	fState
	fGroup
	fJobType
	fNotes
	fTags
	fEntity
	fProject
	fCreatedAt
	fHeartbeatAt
	fUpdatedAt
	fHistoryLineCount
	fConfig
	fSummary
)

// field is a resolved key: a run field, or a path into config or summary.
type field struct {
	kind fieldKind
	path []string // config/summary path, split at "."
}

// mongoName is the field's key in Mongo-style JSON.
func (f field) mongoName() string {
	switch f.kind {
	case fConfig:
		return "config." + strings.Join(f.path, ".")
	case fSummary:
		return "summary_metrics." + strings.Join(f.path, ".")
	}
	return runFieldNames[f.kind]
}

// runFieldNames are the canonical (Mongo-style) names of run fields.
var runFieldNames = map[fieldKind]string{
	fRunID: "name", fDisplayName: "display_name", fState: "state", fGroup: "group",
	fJobType: "job_type", fNotes: "notes", fTags: "tags", fEntity: "entity", fProject: "project",
	fCreatedAt: "created_at", fHeartbeatAt: "heartbeat_at", fUpdatedAt: "updated_at",
	fHistoryLineCount: "history_line_count",
}

// commonFields are the run-field keys both syntaxes accept.
var commonFields = map[string]fieldKind{
	"display_name": fDisplayName, "displayName": fDisplayName,
	"id": fRunID, "state": fState, "group": fGroup,
	"job_type": fJobType, "jobType": fJobType, "notes": fNotes, "tags": fTags,
	"entity": fEntity, "project": fProject,
	"created_at": fCreatedAt, "createdAt": fCreatedAt,
	"heartbeat_at": fHeartbeatAt, "heartbeatAt": fHeartbeatAt,
	"updated_at": fUpdatedAt, "updatedAt": fUpdatedAt,
	"history_line_count": fHistoryLineCount, "historyLineCount": fHistoryLineCount,
}

// knownKeys is the list shown when a key is unknown.
const knownKeys = "config.X, summary_metrics.X, state, tags, group, job_type, notes, display_name, name, id, " +
	"created_at, heartbeat_at, updated_at, entity, project, history_line_count"

// resolveField maps a key to a field. expr selects the expression syntax's
// meaning of "name" (display name; Mongo-style: run id) and allows
// "summary.X". ok is false for an unknown key.
func resolveField(key string, expr bool) (field, bool) {
	if k, ok := commonFields[key]; ok {
		return field{kind: k}, true
	}
	if key == "name" {
		if expr {
			return field{kind: fDisplayName}, true
		}
		return field{kind: fRunID}, true
	}
	head, rest, ok := strings.Cut(key, ".")
	if !ok || rest == "" {
		return field{}, false
	}
	parts := strings.Split(rest, ".")
	for _, p := range parts {
		if p == "" {
			return field{}, false
		}
	}
	switch head {
	case "config":
		return field{kind: fConfig, path: parts}, true
	case "summary_metrics", "summaryMetrics", "summary":
		return field{kind: fSummary, path: parts}, true
	}
	return field{}, false
}

// get reads the field of d's run. ok is false when the key is missing (an
// empty group, job type or notes counts as present: "").
func (d *doc) get(f field) (any, bool) {
	r := d.run
	switch f.kind {
	case fRunID:
		return r.Name, true
	case fDisplayName:
		return r.DisplayName, true
	case fState:
		return string(r.State), true
	case fGroup:
		return r.Group, true
	case fJobType:
		return r.JobType, true
	case fNotes:
		return r.Notes, true
	case fTags:
		tags := make([]any, len(r.Tags))
		for i, t := range r.Tags {
			tags[i] = t
		}
		return tags, true
	case fEntity:
		return r.Entity, true
	case fProject:
		return r.Project, true
	case fCreatedAt:
		return timeOrMissing(r.CreatedAt)
	case fHeartbeatAt:
		return timeOrMissing(r.HeartbeatAt)
	case fUpdatedAt:
		return timeOrMissing(r.UpdatedAt)
	case fHistoryLineCount:
		return int64(r.HistoryLineCount), true
	case fConfig:
		return lookupConfig(d.parsed().config, f.path)
	case fSummary:
		return lookup(d.parsed().summary, f.path)
	}
	return nil, false
}

func timeOrMissing(t time.Time) (any, bool) {
	if t.IsZero() {
		return nil, false
	}
	return t, true
}

// lookupConfig reads a config path. W&B keeps each top-level config value
// as {"value": v, "desc": ...}: "config.lr" and "config.lr.value" both
// reach v; deeper keys go into v.
func lookupConfig(m map[string]any, path []string) (any, bool) {
	for i := len(path); i >= 1; i-- {
		v, ok := m[strings.Join(path[:i], ".")]
		if !ok {
			continue
		}
		rest := path[i:]
		if w, ok := v.(map[string]any); ok {
			if inner, ok := w["value"]; ok {
				if len(rest) > 0 && rest[0] == "value" {
					rest = rest[1:]
				}
				v = inner
			}
		}
		if len(rest) == 0 {
			return v, true
		}
		if sub, ok := v.(map[string]any); ok {
			if x, ok := lookup(sub, rest); ok {
				return x, true
			}
		}
	}
	return nil, false
}

// lookup reads a nested path from m. A key may itself hold dots
// ("a.b" as one key): the longest key that exists wins at each level.
func lookup(m map[string]any, path []string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if len(path) == 1 {
		v, ok := m[path[0]]
		return v, ok
	}
	for i := len(path); i >= 1; i-- {
		v, ok := m[strings.Join(path[:i], ".")]
		if !ok {
			continue
		}
		if i == len(path) {
			return v, true
		}
		if sub, ok := v.(map[string]any); ok {
			if x, ok := lookup(sub, path[i:]); ok {
				return x, true
			}
		}
	}
	return nil, false
}

// doc is one run being matched or sorted, with its config and summary
// parsed on first use.
type doc struct {
	run   *store.Run
	cache *Cache
	p     *parsedRun
}

func (d *doc) parsed() *parsedRun {
	if d.p == nil {
		d.p = d.cache.get(d.run)
	}
	return d.p
}
