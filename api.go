package wandb

import (
	"net/http"

	"github.com/gowandb/wandb/core/query"
)

// API reads what a tracking server stores: entities, projects, runs
// (filtered, ordered, paged), their config, summary, history and files —
// W&B's public API (wandb.Api()). Create it with [NewAPI]. Safe for
// concurrent use.
//
//	api, err := wandb.NewAPI()
//	for run, err := range api.Runs(ctx, "alice/mnist", wandb.RunsQuery{Filters: "config.lr > 0.01"}) { ... }
//	run, err := api.Run(ctx, "alice/mnist/3f9ab2c1")
//	rows, err := run.History(ctx, wandb.HistoryQuery{Keys: []string{"loss"}, Samples: 500})
//	files, err := run.Files(ctx); files[0].Download(ctx, ".", false)
type API = query.Client

// APIOption configures [NewAPI].
type APIOption = query.Option

// APIRun is a run read through the [API]: its metadata, config (plain
// values), summary, and methods to read its history and files.
type APIRun = query.Run

// APIFile is a file of an [APIRun]; Download fetches it through a signed
// URL.
type APIFile = query.File

// APIProject is a project read through the [API].
type APIProject = query.Project

// RunsQuery selects, orders and pages runs for [API.Runs]: Filters in
// W&B's Mongo-style JSON or as an expression ("config.lr > 0.01 and state
// = finished", see core/runfilter), Order like "-created_at" or
// "+summary_metrics.loss".
type RunsQuery = query.RunsQuery

// HistoryQuery selects history rows for [APIRun.History] and
// [APIRun.Scan]: keys, a number of samples, a step range.
type HistoryQuery = query.HistoryQuery

// HistoryRow is one history row, nested as logged.
type HistoryRow = query.HistoryRow

// BucketQuery and HistoryBucket are the bucketed (chart) history of
// [APIRun.Buckets]: min, max and last value per step bucket.
type (
	BucketQuery   = query.BucketQuery
	HistoryBucket = query.Bucket
)

// Errors of the API, for errors.Is.
var (
	ErrAPINoKey      = query.ErrNoAPIKey
	ErrAPINotFound   = query.ErrNotFound
	ErrAPIForbidden  = query.ErrForbidden
	ErrAPIInvalid    = query.ErrInvalid
	ErrAPIFileExists = query.ErrFileExists
)

// NewAPI returns an API client. The server and key are found as the SDK
// finds them: WANDB_BASE_URL and WANDB_API_KEY, the settings files, then
// the netrc entry of the server's host; the options below override them.
// ErrAPINoKey when no key is found.
func NewAPI(opts ...APIOption) (*API, error) { return query.New(opts...) }

// WithAPIBaseURL sets the server ("http://localhost:8080").
func WithAPIBaseURL(u string) APIOption { return query.WithBaseURL(u) }

// WithAPIKey sets the API key.
func WithAPIKey(key string) APIOption { return query.WithAPIKey(key) }

// WithAPIEnv makes NewAPI read env ("KEY=value") instead of the process
// environment.
func WithAPIEnv(env []string) APIOption { return query.WithEnv(env) }

// WithAPIHTTPClient sets the HTTP client whose transport carries the
// requests.
func WithAPIHTTPClient(hc *http.Client) APIOption { return query.WithHTTPClient(hc) }
