package runlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/core/wal"
)

// Run states, as W&B names them.
const (
	StateRunning  = "running"
	StateFinished = "finished"
	StateFailed   = "failed"
	StateCrashed  = "crashed"
)

// Item is one leaf of a history row: its path (one element for a top-level
// key) and its JSON value.
type Item struct {
	Path      []string
	ValueJSON string
}

// Row is one history row as logged.
type Row struct {
	Step  int64
	Items []Item
}

// Map rebuilds the row as a nested map (values decoded; NaN and ±Inf kept).
func (r Row) Map() map[string]any {
	m := map[string]any{}
	for _, it := range r.Items {
		v, err := runstate.DecodeJSON([]byte(it.ValueJSON))
		if err != nil {
			v = it.ValueJSON
		}
		SetPath(m, it.Path, v)
	}
	return m
}

// Info is what a run log says about its run.
type Info struct {
	Path         string
	ID           string
	Entity       string
	Project      string
	Name         string
	Notes        string
	Group        string
	JobType      string
	SweepID      string
	Host         string
	Tags         []string
	StartTime    time.Time
	StartingStep int64
	Resumed      bool
	// Config is the merged config (run record and config updates).
	Config map[string]any
	// Summary is the final summary, or for a run without one (crashed) the
	// last value of every history key with explicit summary updates applied.
	Summary map[string]any
	Metrics []*recordpb.MetricRecord
	Files   []string
	// Rows counts history rows; LastStep is the last row's step (-1 when none).
	Rows     int64
	LastStep int64
	// LastRuntime is the last _runtime seen, in seconds.
	LastRuntime float64
	// LastTimestamp is the last _timestamp seen (Unix seconds).
	LastTimestamp float64
	// StatsSamples counts the system metrics samples (stats records);
	// LastStats is the last one (zero when there is none).
	StatsSamples int
	LastStats    StatsSample
	// Exited says whether an exit record was found, and with which code.
	Exited   bool
	ExitCode int32
	// InUse says whether a live process holds the log.
	InUse bool
	// Damage lists unreadable stretches of the log.
	Damage []wal.Damage
	// Records counts the records read; Unknown those that did not decode.
	Records int
	Unknown int
}

// StatsSample is one system metrics sample (package sysmon): when it was
// taken and its values by W&B's bare key ("cpu", "gpu.0.temp"; the events
// stream prefixes them with "system.").
type StatsSample struct {
	Time   time.Time
	Values map[string]any
}

// State derives the run state: finished or failed from the exit record;
// running while a live process holds the log; crashed otherwise.
func (i *Info) State() string {
	switch {
	case i.Exited && i.ExitCode == 0:
		return StateFinished
	case i.Exited:
		return StateFailed
	case i.InUse:
		return StateRunning
	}
	return StateCrashed
}

// Replay reads the run log at path, calling onRow (if not nil) for every
// history row in order. Damaged stretches are skipped and listed in
// Info.Damage; a damaged log is not an error. onRow may stop the replay by
// returning an error, which Replay returns.
func Replay(path string, onRow func(Row) error) (*Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	defer f.Close()
	rd, err := wal.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("runlog: %s: %w", path, err)
	}
	info := &Info{Path: path, Config: map[string]any{}, LastStep: -1}
	summary := map[string]any{}
	var final map[string]any
	var lastStats *recordpb.StatsRecord
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("runlog: %s: %w", path, err)
		}
		info.Records++
		rec, err := record.Unmarshal(b)
		if err != nil {
			info.Unknown++
			continue
		}
		switch r := rec.RecordType.(type) {
		case *recordpb.Record_Run:
			applyRun(info, r.Run)
		case *recordpb.Record_Config:
			ApplyConfig(info.Config, r.Config)
		case *recordpb.Record_History:
			row := historyRow(r.History)
			info.Rows++
			info.LastStep = row.Step
			for _, it := range row.Items {
				v, err := runstate.DecodeJSON([]byte(it.ValueJSON))
				if err != nil {
					continue
				}
				SetPath(summary, it.Path, v)
				if len(it.Path) == 1 {
					switch it.Path[0] {
					case "_runtime":
						info.LastRuntime, _ = toFloat(v)
					case "_timestamp":
						info.LastTimestamp, _ = toFloat(v)
					}
				}
			}
			if onRow != nil {
				if err := onRow(row); err != nil {
					return info, err
				}
			}
		case *recordpb.Record_Summary:
			ApplySummary(summary, r.Summary)
			if isFullSummary(r.Summary) {
				final = map[string]any{}
				ApplySummary(final, r.Summary)
			}
		case *recordpb.Record_Metric:
			info.Metrics = append(info.Metrics, r.Metric)
		case *recordpb.Record_Files:
			for _, fi := range r.Files.Files {
				if !slices.Contains(info.Files, fi.Path) {
					info.Files = append(info.Files, fi.Path)
				}
			}
		case *recordpb.Record_Stats:
			info.StatsSamples++
			lastStats = r.Stats
		case *recordpb.Record_Exit:
			info.Exited, info.ExitCode = true, r.Exit.ExitCode
		}
	}
	if lastStats != nil {
		info.LastStats = statsSample(lastStats)
	}
	info.Damage = rd.Damage()
	info.Summary = summary
	if final != nil && info.Exited {
		info.Summary = final
	}
	if inUse, err := InUse(path); err == nil {
		info.InUse = inUse
	}
	return info, nil
}

// isFullSummary tells the summary record written at finish: it is the last
// summary record before the exit record. Replay cannot know that in advance,
// so every summary record is treated as a candidate and the last one before
// an exit record wins (explicit updates are also merged into the running
// summary above, so a crashed run keeps them).
func isFullSummary(s *recordpb.SummaryRecord) bool { return len(s.Remove) == 0 }

func statsSample(r *recordpb.StatsRecord) StatsSample {
	s := StatsSample{Values: make(map[string]any, len(r.Item))}
	if r.Timestamp != nil {
		s.Time = r.Timestamp.AsTime()
	}
	for _, it := range r.Item {
		if v, err := runstate.DecodeJSON([]byte(it.ValueJson)); err == nil {
			s.Values[it.Key] = v
		}
	}
	return s
}

func applyRun(info *Info, r *recordpb.RunRecord) {
	info.ID, info.Entity, info.Project = r.RunId, r.Entity, r.Project
	info.Name, info.Notes, info.Group, info.JobType = r.DisplayName, r.Notes, r.RunGroup, r.JobType
	info.SweepID, info.Host, info.Tags = r.SweepId, r.Host, r.Tags
	info.StartingStep, info.Resumed = r.StartingStep, r.Resumed
	if r.StartTime != nil {
		info.StartTime = r.StartTime.AsTime()
	}
	if r.Config != nil {
		ApplyConfig(info.Config, r.Config)
	}
}

// ApplyConfig applies a config record (updates and removals, nested keys
// kept nested) to cfg.
func ApplyConfig(cfg map[string]any, c *recordpb.ConfigRecord) {
	for _, it := range c.Update {
		v, err := runstate.DecodeJSON([]byte(it.ValueJson))
		if err != nil {
			continue
		}
		SetPath(cfg, ItemPath(it.Key, it.NestedKey), v)
	}
	for _, it := range c.Remove {
		DeletePath(cfg, ItemPath(it.Key, it.NestedKey))
	}
}

// ApplySummary applies a summary record to sum the same way.
func ApplySummary(sum map[string]any, s *recordpb.SummaryRecord) {
	for _, it := range s.Update {
		v, err := runstate.DecodeJSON([]byte(it.ValueJson))
		if err != nil {
			continue
		}
		SetPath(sum, ItemPath(it.Key, it.NestedKey), v)
	}
	for _, it := range s.Remove {
		DeletePath(sum, ItemPath(it.Key, it.NestedKey))
	}
}

func historyRow(h *recordpb.HistoryRecord) Row {
	row := Row{Items: make([]Item, 0, len(h.Item))}
	if h.Step != nil {
		row.Step = h.Step.Num
	}
	for _, it := range h.Item {
		p := ItemPath(it.Key, it.NestedKey)
		row.Items = append(row.Items, Item{Path: p, ValueJSON: record.ItemJSON(it)})
		if len(p) == 1 && p[0] == "_step" {
			if v, err := runstate.DecodeJSON([]byte(row.Items[len(row.Items)-1].ValueJSON)); err == nil {
				if f, ok := toFloat(v); ok {
					row.Step = int64(f)
				}
			}
		}
	}
	return row
}

// ItemPath is the path of a record item: its nested key, else its key.
func ItemPath(key string, nested []string) []string {
	if len(nested) > 0 {
		return nested
	}
	// W&B's legacy writers put nested keys in key joined by "."; ours never
	// do, so a key is taken as one component.
	return []string{key}
}

// SetPath sets v at path in m, making the maps on the way.
func SetPath(m map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// DeletePath deletes path from m.
func DeletePath(m map[string]any, path []string) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, path[len(path)-1])
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int64:
		return float64(t), true
	}
	return 0, false
}

// FindLog returns the run log (run-<id>.wandb) inside a run directory.
func FindLog(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("runlog: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasPrefix(e.Name(), "run-") && strings.HasSuffix(e.Name(), ".wandb") {
			return dir + string(os.PathSeparator) + e.Name(), nil
		}
	}
	return "", fmt.Errorf("runlog: no run log (run-<id>.wandb) in %s", dir)
}
