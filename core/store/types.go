package store

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// User is a person who logs in with an API key. Every user owns a personal
// entity of the same name.
type User struct {
	ID        int64
	Name      string
	Email     string
	Admin     bool
	CreatedAt time.Time
}

// APIKey is a credential of a user. The secret itself is never stored: only
// its SHA-256, so a key is shown once, at creation.
type APIKey struct {
	ID          int64
	UserID      int64
	Description string
	CreatedAt   time.Time
}

// Entity is the owner of projects: a user's personal entity or a team.
type Entity struct {
	ID        int64
	Name      string
	IsTeam    bool
	CreatedAt time.Time
}

// Project groups runs under an entity.
type Project struct {
	ID        int64
	Entity    string
	Name      string
	CreatedAt time.Time
}

// RunState is the lifecycle state of a run.
type RunState string

// Run states, as W&B names them.
const (
	StateRunning  RunState = "running"
	StateFinished RunState = "finished"
	StateFailed   RunState = "failed"
	StateCrashed  RunState = "crashed"
	StateKilled   RunState = "killed"
	// StatePreempting: the client said its machine is being preempted
	// (file_stream "preempting"); the run may be resumed. Silent, it
	// becomes StatePreempted instead of crashed.
	StatePreempting RunState = "preempting"
	StatePreempted  RunState = "preempted"
)

// Valid reports whether s is one of the known states.
func (s RunState) Valid() bool {
	switch s {
	case StateRunning, StateFinished, StateFailed, StateCrashed, StateKilled, StatePreempting, StatePreempted:
		return true
	}
	return false
}

// Run is one run of a project. ID is the storage id; Name is the run id the
// client chose (W&B's "name", the 8-character id in URLs).
type Run struct {
	ID               int64
	Name             string
	Entity           string
	Project          string
	DisplayName      string
	Notes            string
	Tags             []string
	Group            string
	JobType          string
	Config           json.RawMessage // JSON object; "{}" when empty
	Summary          json.RawMessage // JSON object; "{}" when empty
	State            RunState
	ExitCode         *int
	HeartbeatAt      time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
	HistoryLineCount int
	EventsLineCount  int
	LogLineCount     int
	Stopped          bool // a stop was requested from the server
}

// RunUpsert creates a run or updates the fields that are set (non-nil).
// Entity, Project and Name identify the run; the project is created when
// missing.
type RunUpsert struct {
	Entity      string
	Project     string
	Name        string
	DisplayName *string
	Notes       *string
	Tags        *[]string
	Group       *string
	JobType     *string
	Config      json.RawMessage // replaces the config when non-nil
	Summary     json.RawMessage // replaces the summary when non-nil
	State       *RunState
	ExitCode    *int
}

// RunFilter selects runs for ListRuns. Zero fields do not filter.
type RunFilter struct {
	Entity  string
	Project string
	State   RunState
	Tag     string
	Group   string
	Limit   int // 0: no limit
	Offset  int
}

// HistoryRow is one raw history line: its file_stream offset, its step
// (_step, or the offset when the line has none) and the JSON text exactly as
// received.
type HistoryRow struct {
	Offset int
	Step   int64
	JSON   string
}

// Bucket is one bucket of a sampled history query: the points of a key whose
// steps fall in [Start, End]. FirstStep and LastStep are the steps of the
// first and last points seen, X the x-axis value of the last point (its step
// when the x key is "_step"), Last the value of the last point.
type Bucket struct {
	Start, End          int64
	FirstStep, LastStep int64
	Count               int
	Min, Max, Last, X   float64
}

// File is the metadata of a file of a run; its contents are in Blobs.
type File struct {
	RunID     int64
	Name      string // slash path inside the run, e.g. "media/images/x.png"
	Size      int64
	MD5       string // base64 of the MD5 digest, as W&B sends it
	UpdatedAt time.Time
}

// RunFileKey is where the content of a run file lives in Blobs:
// "<entity>/<project>/<run>/<name>".
func RunFileKey(r Run, name string) string {
	return r.Entity + "/" + r.Project + "/" + r.Name + "/" + name
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }
