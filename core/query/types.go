package query

import (
	"fmt"
	"strings"
	"time"
)

// Project is a project of an entity.
type Project struct {
	Entity    string
	Name      string
	CreatedAt time.Time
}

// Run is a run as the server knows it. Config holds plain values (W&B's
// {"value": v} wrappers removed, "_wandb" left out); Summary is as logged.
// Numbers are int64 or float64 (NaN and ±Inf included).
type Run struct {
	Entity           string
	Project          string
	ID               string // the run id of its path, e.g. "3f9ab2c1"
	StorageID        string // the server's id
	DisplayName      string
	State            string // running, finished, failed, crashed, killed
	Group            string
	JobType          string
	Notes            string
	Tags             []string
	Config           map[string]any
	Summary          map[string]any
	CreatedAt        time.Time
	HeartbeatAt      time.Time
	HistoryLineCount int

	c *Client
}

// Path is "entity/project/id".
func (r *Run) Path() string { return r.Entity + "/" + r.Project + "/" + r.ID }

// RunsQuery selects and orders runs. Filters is W&B's Mongo-style JSON or
// a runfilter expression ("config.lr > 0.01 and state = finished");
// it is compiled locally, so a bad filter fails before any request. Order
// is W&B's ("-created_at", the default; "+summary_metrics.loss"). PerPage
// is the page size (default 50, at most 1000); Limit stops after that
// many runs (0: all).
type RunsQuery struct {
	Filters string
	Order   string
	PerPage int
	Limit   int
}

// HistoryQuery selects history rows. Keys: only rows that hold every key,
// with only those keys (and _step); empty: whole rows. Samples: at most
// that many rows, spread evenly over the range (0: every row). MinStep and
// MaxStep bound _step: MinStep <= _step < MaxStep (MaxStep 0: no bound).
type HistoryQuery struct {
	Keys    []string
	Samples int
	MinStep int64
	MaxStep int64
}

// HistoryRow is one history row, nested as logged (a "a/b" key stays one
// key; a logged nested object stays nested).
type HistoryRow map[string]any

// Step is the row's _step (-1 when it has none).
func (r HistoryRow) Step() int64 {
	switch s := r["_step"].(type) {
	case int64:
		return s
	case float64:
		return int64(s)
	}
	return -1
}

// BucketQuery shapes a bucketed history: [MinStep, MaxStep] (MaxStep 0:
// the run's last step) cut into Buckets equal step ranges (default 1000);
// XKey (default "_step") gives each bucket's x.
type BucketQuery struct {
	XKey    string
	MinStep int64
	MaxStep int64
	Buckets int
}

// Bucket is one bucket of a bucketed history: the points of the key with
// steps in [Start, End], their min, max and last value, the steps of the
// first and last, and X the x-key's value at the last.
type Bucket struct {
	Start, End          int64
	FirstStep, LastStep int64
	Count               int
	Min, Max, Last, X   float64
}

// File is a file of a run. URL is a signed, short-lived download URL.
type File struct {
	Run       string // the run's path
	Name      string // slash path inside the run's files
	Size      int64
	MD5       string // base64 MD5, when known
	URL       string
	UpdatedAt time.Time

	c *Client
}

// splitPath splits "entity/project[/runs]/run" style paths into want
// parts (2: entity/project, 3: entity/project/run). A path with one part
// fewer has no entity (the viewer's default is used).
func splitPath(path string, want int) ([]string, error) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if want == 3 && len(parts) == 4 && parts[2] == "runs" {
		parts = append(parts[:2], parts[3])
	}
	if len(parts) == want-1 {
		parts = append([]string{""}, parts...)
	}
	ok := len(parts) == want
	for _, p := range parts[1:] {
		ok = ok && p != ""
	}
	if !ok {
		form := "entity/project"
		if want == 3 {
			form = "entity/project/run"
		}
		return nil, fmt.Errorf("query: path %q: want %s: %w", path, form, ErrInvalid)
	}
	return parts, nil
}

func optional(s string) any {
	if s == "" {
		return nil
	}
	return s
}
