package runfilter_test

import (
	"encoding/json"
	"time"

	"github.com/gowandb/wandb/core/store"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixture is three runs covering the value kinds filters meet: config in
// W&B's {"value": v} form (nested, a list, a dotted key, a numeric string),
// summaries with nested and missing keys, tags, groups and times.
func fixture() []store.Run {
	return []store.Run{
		{ID: 1, Name: "a1", DisplayName: "sweep-1", State: store.StateFinished, Tags: []string{"baseline", "x"},
			Group: "g1", JobType: "train", Entity: "alice", Project: "p",
			Config:    json.RawMessage(`{"lr":{"value":0.1},"opt":{"value":{"name":"adam","beta":0.9}},"layers":{"value":[1,2]},"a.b":{"value":3},"big":{"value":9007199254740993}}`),
			Summary:   json.RawMessage(`{"loss":0.3,"acc":0.9,"nested":{"x":1},"label":"s","flag":true}`),
			CreatedAt: day("2024-01-01"), UpdatedAt: day("2024-01-02"), HistoryLineCount: 10},
		{ID: 2, Name: "b2", DisplayName: "run-b", State: store.StateRunning, Tags: nil,
			Group: "", JobType: "eval", Entity: "alice", Project: "p",
			Config:    json.RawMessage(`{"lr":{"value":0.001},"opt":{"value":{"name":"sgd"}}}`),
			Summary:   json.RawMessage(`{"loss":0.8,"acc":NaN}`),
			CreatedAt: day("2024-02-01"), UpdatedAt: day("2024-02-02"), HistoryLineCount: 5},
		{ID: 3, Name: "c3", DisplayName: "sweep-3", State: store.StateCrashed, Tags: []string{"baseline"},
			Group: "g1", JobType: "train", Entity: "alice", Project: "p",
			Config:    json.RawMessage(`{"lr":{"value":"0.05"},"big":{"value":9007199254740992}}`),
			Summary:   json.RawMessage(`{}`),
			CreatedAt: day("2024-03-01"), UpdatedAt: day("2024-03-02")},
	}
}
