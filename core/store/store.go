package store

import (
	"context"
	"io"
	"time"
)

// Store is everything the tracking server keeps, split by role so that a
// handler can depend on the one it needs. Implementations are safe for
// concurrent use by many goroutines; writes are serialised inside the
// implementation. Every method honours ctx cancellation.
type Store interface {
	Users
	Projects
	Runs
	History
	Lines
	Files
	// Close releases the database. Calling it twice is allowed.
	Close() error
}

// Users keeps users, their API keys and the entities (personal or team)
// they belong to.
type Users interface {
	// CreateUser creates a user and its personal entity of the same name.
	// ErrConflict if the name is taken by a user or a team.
	CreateUser(ctx context.Context, name, email string, admin bool) (User, error)
	// UserByName returns the user; ErrNotFound if none.
	UserByName(ctx context.Context, name string) (User, error)
	// CreateAPIKey stores the SHA-256 of secret for userID. The caller
	// generates the secret (at least 16 bytes of entropy). ErrConflict if
	// the same secret is already stored, ErrNotFound if the user is not.
	CreateAPIKey(ctx context.Context, userID int64, secret, description string) (APIKey, error)
	// UserByAPIKey resolves a secret to its user; ErrNotFound if unknown.
	UserByAPIKey(ctx context.Context, secret string) (User, APIKey, error)
	// DeleteAPIKey removes a key; ErrNotFound if it does not exist.
	DeleteAPIKey(ctx context.Context, keyID int64) error

	// CreateTeam creates a team entity; ErrConflict if the name is taken.
	CreateTeam(ctx context.Context, name string) (Entity, error)
	// AddMember makes userID a member of the team. Idempotent.
	AddMember(ctx context.Context, team string, userID int64) error
	// Entity returns the entity of that name; ErrNotFound if none.
	Entity(ctx context.Context, name string) (Entity, error)
	// EntitiesOf returns the user's personal entity first, then its teams
	// by name.
	EntitiesOf(ctx context.Context, userID int64) ([]Entity, error)
	// CanAccess reports whether userID may read and write entity's projects:
	// its own entity or a team it belongs to. False, nil for an unknown
	// entity.
	CanAccess(ctx context.Context, userID int64, entity string) (bool, error)
}

// Projects keeps projects. Entities must exist first.
type Projects interface {
	// UpsertProject returns the project, creating it when missing.
	// Idempotent. ErrNotFound if the entity does not exist.
	UpsertProject(ctx context.Context, entity, name string) (Project, error)
	// Project returns a project; ErrNotFound if none.
	Project(ctx context.Context, entity, name string) (Project, error)
	// ListProjects returns the entity's projects by name.
	ListProjects(ctx context.Context, entity string) ([]Project, error)
}

// Runs keeps run metadata.
type Runs interface {
	// UpsertRun creates the run (state running, creating the project when
	// missing) or updates the fields set in u. Idempotent: the same upsert
	// twice leaves the same run. ErrNotFound if the entity does not exist.
	UpsertRun(ctx context.Context, u RunUpsert) (Run, error)
	// Run returns a run by entity, project and run name; ErrNotFound if none.
	Run(ctx context.Context, entity, project, name string) (Run, error)
	// RunByID returns a run by storage id; ErrNotFound if none.
	RunByID(ctx context.Context, id int64) (Run, error)
	// ListRuns returns runs matching f, newest first.
	ListRuns(ctx context.Context, f RunFilter) ([]Run, error)
	// Heartbeat records that the run's client is alive at time at.
	Heartbeat(ctx context.Context, runID int64, at time.Time) error
	// SetRunState sets the state and, when non-nil, the exit code.
	SetRunState(ctx context.Context, runID int64, state RunState, exitCode *int) error
	// StopRun marks the run as asked to stop; the client learns it through
	// file_stream responses. Idempotent.
	StopRun(ctx context.Context, runID int64) error
	// MarkPreempting sets a running run to preempting (its client said it
	// is being preempted). A run in another state is left as it is.
	// ErrNotFound for an unknown run.
	MarkPreempting(ctx context.Context, runID int64) error
	// MarkCrashed sets every running run whose last heartbeat is older than
	// before to crashed (a preempting one to preempted), and returns how
	// many it changed.
	MarkCrashed(ctx context.Context, before time.Time) (int, error)
}

// History keeps history lines, raw and per key. See the package comment.
type History interface {
	// AppendHistory stores lines sent at file_stream offset offset.
	// Idempotent by offset: lines below the stored count are ignored (a
	// resend), the rest are appended. An offset above the stored count is an
	// *OffsetError (ErrConflict). Each line must be a JSON object (W&B's
	// NaN/Infinity allowed), else ErrInvalid and nothing is stored. The
	// lines' numeric keys (nested keys flattened with ".") are added to the
	// per-key chunks in the same transaction. Returns the new line count.
	AppendHistory(ctx context.Context, runID int64, offset int, lines []string) (int, error)
	// HistoryRows returns up to limit raw rows from offset on, in order.
	HistoryRows(ctx context.Context, runID int64, offset, limit int) ([]HistoryRow, error)
	// HistoryTail returns the last n raw rows, in order.
	HistoryTail(ctx context.Context, runID int64, n int) ([]HistoryRow, error)
	// Keys returns the run's numeric history keys, sorted.
	Keys(ctx context.Context, runID int64) ([]string, error)
	// SampledHistory splits [minStep, maxStep] into buckets equal step
	// ranges and returns, for each bucket that holds points of key, its
	// min, max and last value. xKey "" or "_step" puts the step on the x
	// axis; another numeric key puts that key's last value in the bucket
	// in Bucket.X. Buckets without points are left out.
	SampledHistory(ctx context.Context, runID int64, key, xKey string, minStep, maxStep int64, buckets int) ([]Bucket, error)
}

// Stream names a line stream of a run other than history.
type Stream string

// Line streams kept by Lines: file_stream's events (system metrics, one
// JSON object a line) and output.log (console lines, any text).
const (
	StreamEvents Stream = "events"
	StreamOutput Stream = "output"
)

// Lines keeps the events and output.log streams of a run, one row per
// file_stream offset, with the same offset rules as AppendHistory.
type Lines interface {
	// AppendLines stores lines sent at offset: idempotent by offset (lines
	// below the stored count are ignored), a gap is an *OffsetError
	// (ErrConflict), an unknown stream ErrInvalid, an unknown run
	// ErrNotFound. Events lines must be JSON objects (ErrInvalid). Returns
	// the new line count (Run.EventsLineCount or Run.LogLineCount).
	AppendLines(ctx context.Context, runID int64, stream Stream, offset int, lines []string) (int, error)
	// ReadLines returns up to limit lines (all when limit <= 0) from offset.
	ReadLines(ctx context.Context, runID int64, stream Stream, offset, limit int) ([]string, error)
}

// Files keeps the metadata of run files; contents are in Blobs.
type Files interface {
	// PutFile creates or replaces the file record (by run and name).
	PutFile(ctx context.Context, f File) error
	// File returns one file; ErrNotFound if none.
	File(ctx context.Context, runID int64, name string) (File, error)
	// ListFiles returns the run's files by name.
	ListFiles(ctx context.Context, runID int64) ([]File, error)
}

// Blobs stores file contents by key. Keys are slash-separated relative
// paths ("entity/project/run/media/x.png"); implementations reject empty
// segments, "." and "..", backslashes and NUL with ErrInvalid. Safe for
// concurrent use; a Put is atomic (readers see the old or the new content,
// never a part).
type Blobs interface {
	// Put stores r's contents under key, replacing any previous content,
	// and returns its size and base64 MD5.
	Put(ctx context.Context, key string, r io.Reader) (size int64, md5 string, err error)
	// Get opens the content; ErrNotFound if none. The caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the blob; ErrNotFound if none.
	Stat(ctx context.Context, key string) (BlobInfo, error)
	// Delete removes the blob. Idempotent: deleting a missing key is nil.
	Delete(ctx context.Context, key string) error
	// List returns the keys starting with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
}
