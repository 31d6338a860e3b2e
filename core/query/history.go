package query

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"

	"github.com/gowandb/wandb/core/wjson"
)

// runVars are the variables naming r.
func (r *Run) runVars() map[string]any {
	return map[string]any{"project": r.Project, "entity": r.Entity, "name": r.ID}
}

// runField runs a query of one field of the run, out receiving the run
// object.
func (r *Run) runField(ctx context.Context, op, args, field string, vars map[string]any, out any) error {
	q := fmt.Sprintf(`query %s($project: String!, $entity: String, $name: String!%s) {
  project(name: $project, entityName: $entity) { run(name: $name) { %s } }
}`, op, args, field)
	var wrap struct {
		Project *struct {
			Run json.RawMessage `json:"run"`
		} `json:"project"`
	}
	if err := r.c.do(ctx, op, q, vars, &wrap); err != nil {
		return err
	}
	if wrap.Project == nil || len(wrap.Project.Run) == 0 || string(wrap.Project.Run) == "null" {
		return fmt.Errorf("query: run %s: %w", r.Path(), ErrNotFound)
	}
	if err := json.Unmarshal(wrap.Project.Run, out); err != nil {
		return fmt.Errorf("query: %s of %s: %w", op, r.Path(), err)
	}
	return nil
}

// History returns the rows q selects. With Keys and Samples it asks the
// server for W&B's sampled history (rows holding every key, evenly
// spread); with Samples alone for a spread of whole rows; without Samples
// it reads every row in the range, page by page.
func (r *Run) History(ctx context.Context, q HistoryQuery) ([]HistoryRow, error) {
	if q.Samples < 0 || q.MinStep < 0 || q.MaxStep < 0 {
		return nil, fmt.Errorf("query: history of %s: negative samples or step: %w", r.Path(), ErrInvalid)
	}
	switch {
	case q.Samples > 0 && len(q.Keys) > 0:
		return r.sampled(ctx, q)
	case q.Samples > 0:
		vars := r.runVars()
		vars["samples"], vars["minStep"], vars["maxStep"] = q.Samples, q.MinStep, maxStepVar(q.MaxStep)
		var out struct {
			History []string `json:"history"`
		}
		err := r.runField(ctx, "RunHistory", ", $samples: Int, $minStep: Int64, $maxStep: Int64",
			"history(samples: $samples, minStep: $minStep, maxStep: $maxStep)", vars, &out)
		if err != nil {
			return nil, err
		}
		return decodeRows(out.History)
	}
	var rows []HistoryRow
	for row, err := range r.Scan(ctx, q) {
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func maxStepVar(s int64) any {
	if s == 0 {
		return nil
	}
	return s
}

// ScanPageSize is the number of rows Scan fetches per request.
const ScanPageSize = 1000

// Scan yields every row in q's step range in order (Samples is ignored),
// a page of ScanPageSize rows per request. With Keys, rows lacking a key
// are skipped and the others carry only the keys and _step.
func (r *Run) Scan(ctx context.Context, q HistoryQuery) iter.Seq2[HistoryRow, error] {
	return func(yield func(HistoryRow, error) bool) {
		from := q.MinStep
		for {
			vars := r.runVars()
			vars["first"], vars["minStep"], vars["maxStep"] = ScanPageSize, from, maxStepVar(q.MaxStep)
			var out struct {
				HistoryRows []string `json:"historyRows"`
			}
			err := r.runField(ctx, "RunHistoryRows", ", $first: Int, $minStep: Int64, $maxStep: Int64",
				"historyRows(first: $first, minStep: $minStep, maxStep: $maxStep)", vars, &out)
			if err != nil {
				yield(nil, err)
				return
			}
			rows, err := decodeRows(out.HistoryRows)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, row := range rows {
				if s := row.Step(); s >= from {
					from = s + 1
				}
				if len(q.Keys) > 0 {
					if row = project(row, q.Keys); row == nil {
						continue
					}
				}
				if !yield(row, nil) {
					return
				}
			}
			if len(out.HistoryRows) < ScanPageSize {
				return
			}
		}
	}
}

// project keeps keys (and _step) of row; nil when a key is missing.
func project(row HistoryRow, keys []string) HistoryRow {
	out := HistoryRow{}
	if s, ok := row["_step"]; ok {
		out["_step"] = s
	}
	for _, k := range keys {
		v, ok := row[k]
		if !ok {
			return nil
		}
		out[k] = v
	}
	return out
}

func decodeRows(lines []string) ([]HistoryRow, error) {
	rows := make([]HistoryRow, 0, len(lines))
	for i, l := range lines {
		v, err := wjson.Decode([]byte(l))
		if err != nil {
			return nil, fmt.Errorf("query: history row %d: %w", i, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("query: history row %d is not a JSON object", i)
		}
		rows = append(rows, HistoryRow(m))
	}
	return rows, nil
}

// sampled runs W&B's sampledHistory with one spec.
func (r *Run) sampled(ctx context.Context, q HistoryQuery) ([]HistoryRow, error) {
	keys := slices.Clone(q.Keys)
	if !slices.Contains(keys, "_step") {
		keys = append(keys, "_step")
	}
	spec := map[string]any{"keys": keys, "samples": q.Samples, "minStep": q.MinStep}
	if q.MaxStep > 0 {
		spec["maxStep"] = q.MaxStep
	}
	b, _ := json.Marshal(spec)
	vars := r.runVars()
	vars["specs"] = []string{string(b)}
	var out struct {
		SampledHistory []json.RawMessage `json:"sampledHistory"`
	}
	err := r.runField(ctx, "RunSampledHistory", ", $specs: [JSONString]!", "sampledHistory(specs: $specs)", vars, &out)
	if err != nil {
		return nil, err
	}
	if len(out.SampledHistory) != 1 {
		return nil, fmt.Errorf("query: sampled history of %s: %d results for 1 spec", r.Path(), len(out.SampledHistory))
	}
	v, err := wjson.Decode(out.SampledHistory[0])
	if err != nil {
		return nil, fmt.Errorf("query: sampled history of %s: %w", r.Path(), err)
	}
	list, _ := v.([]any)
	rows := make([]HistoryRow, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("query: sampled history of %s: a row is not an object", r.Path())
		}
		for k, x := range m { // non-finite numbers come as strings
			if s, ok := x.(string); ok && k != "_step" {
				if f, ok := nonFinite[s]; ok {
					m[k] = f
				}
			}
		}
		rows = append(rows, HistoryRow(m))
	}
	return rows, nil
}

// HistoryKeys returns the run's numeric history keys, sorted, and its last
// step (-1 without history).
func (r *Run) HistoryKeys(ctx context.Context) ([]string, int64, error) {
	var out struct {
		HistoryKeys *struct {
			LastStep int64                      `json:"lastStep"`
			Keys     map[string]json.RawMessage `json:"keys"`
		} `json:"historyKeys"`
	}
	if err := r.runField(ctx, "RunHistoryKeys", "", "historyKeys", r.runVars(), &out); err != nil {
		return nil, 0, err
	}
	if out.HistoryKeys == nil {
		return nil, -1, nil
	}
	keys := make([]string, 0, len(out.HistoryKeys.Keys))
	for k := range out.HistoryKeys.Keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, out.HistoryKeys.LastStep, nil
}

// Buckets returns key's bucketed history for charts: min, max and last
// value per step bucket, empty buckets left out.
func (r *Run) Buckets(ctx context.Context, key string, q BucketQuery) ([]Bucket, error) {
	vars := r.runVars()
	vars["key"], vars["xKey"], vars["minStep"], vars["maxStep"] = key, optional(q.XKey), q.MinStep, maxStepVar(q.MaxStep)
	if q.Buckets > 0 {
		vars["buckets"] = q.Buckets
	}
	var out struct {
		BucketedHistory []Bucket `json:"bucketedHistory"`
	}
	err := r.runField(ctx, "RunBucketedHistory", ", $key: String!, $xKey: String, $minStep: Int64, $maxStep: Int64, $buckets: Int",
		"bucketedHistory(key: $key, xKey: $xKey, minStep: $minStep, maxStep: $maxStep, buckets: $buckets) { start end firstStep lastStep count min max last x }",
		vars, &out)
	return out.BucketedHistory, err
}
