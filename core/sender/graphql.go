package sender

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Client is a GraphQL client for <base>/graphql. Build its HTTP client with
// NewAuthTransport so that credentials go only to the base URL.
type Client struct {
	BaseURL string       // e.g. "https://api.wandb.ai"
	HTTP    *http.Client // nil = http.DefaultClient
	Retrier Retrier      // e.g. GraphQLRetrier()
	Header  http.Header  // extra headers (X-WANDB-USERNAME, x_extra_http_headers)
}

type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

type gqlResponse struct {
	Data   json.RawMessage     `json:"data"`
	Errors []GraphQLErrorEntry `json:"errors"`
}

// Do runs one operation: POST {query, variables, operationName}. A non-empty
// errors array is a *GraphQLError; data is decoded into out. policy nil
// means the Retrier's.
func (c *Client) Do(ctx context.Context, op, query string, vars map[string]any, out any, policy RetryPolicy) error {
	body, err := json.Marshal(gqlRequest{Query: query, Variables: vars, OperationName: op})
	if err != nil {
		return fmt.Errorf("sender: graphql %s: %w", op, err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	h := http.Header{}
	for k, v := range c.Header {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	r := c.Retrier
	if policy != nil {
		r.Policy = policy
	}
	resp, err := r.Do(ctx, hc, http.MethodPost, strings.TrimSuffix(c.BaseURL, "/")+"/graphql", h, body)
	if err != nil {
		return fmt.Errorf("sender: graphql %s: %w", op, err)
	}
	defer resp.Body.Close()
	var gr gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&gr); err != nil {
		return fmt.Errorf("sender: graphql %s: decoding response: %w", op, err)
	}
	if len(gr.Errors) > 0 {
		return &GraphQLError{Op: op, Errors: gr.Errors}
	}
	if out != nil && len(gr.Data) > 0 {
		if err := json.Unmarshal(gr.Data, out); err != nil {
			return fmt.Errorf("sender: graphql %s: decoding data: %w", op, err)
		}
	}
	return nil
}

// Viewer is the logged-in user.
type Viewer struct {
	ID       string
	Entity   string // default entity
	Username string
	Email    string
	Teams    []string
}

const viewerQuery = `query Viewer {
  viewer { id entity username email flags teams { edges { node { name } } } }
}`

// Viewer checks the credentials and returns the user and default entity.
func (c *Client) Viewer(ctx context.Context) (Viewer, error) {
	var out struct {
		Viewer *struct {
			ID       string `json:"id"`
			Entity   string `json:"entity"`
			Username string `json:"username"`
			Email    string `json:"email"`
			Teams    struct {
				Edges []struct {
					Node struct {
						Name string `json:"name"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"teams"`
		} `json:"viewer"`
	}
	if err := c.Do(ctx, "Viewer", viewerQuery, map[string]any{}, &out, nil); err != nil {
		return Viewer{}, err
	}
	if out.Viewer == nil {
		return Viewer{}, fmt.Errorf("sender: graphql Viewer: no viewer (bad API key?)")
	}
	v := Viewer{ID: out.Viewer.ID, Entity: out.Viewer.Entity, Username: out.Viewer.Username, Email: out.Viewer.Email}
	for _, e := range out.Viewer.Teams.Edges {
		v.Teams = append(v.Teams, e.Node.Name)
	}
	return v, nil
}

const serverFeaturesQuery = `query ServerFeaturesQuery {
  serverInfo { features { name isEnabled } }
}`

// ServerFeatures returns the server's feature flags by name
// (e.g. "STRUCTURED_CONSOLE_LOGS", "FILESTREAM_GZIP").
func (c *Client) ServerFeatures(ctx context.Context) (map[string]bool, error) {
	var out struct {
		ServerInfo *struct {
			Features []struct {
				Name      string `json:"name"`
				IsEnabled bool   `json:"isEnabled"`
			} `json:"features"`
		} `json:"serverInfo"`
	}
	if err := c.Do(ctx, "ServerFeaturesQuery", serverFeaturesQuery, map[string]any{}, &out, nil); err != nil {
		return nil, err
	}
	m := map[string]bool{}
	if out.ServerInfo != nil {
		for _, f := range out.ServerInfo.Features {
			m[f.Name] = f.IsEnabled
		}
	}
	return m, nil
}

// BucketInput is what UpsertBucket sends ("bucket" = run, "model" =
// project). Empty fields are left out, so an update sends only what it
// sets; StorageID is set only once known; state, summaryMetrics and debug
// are never sent.
type BucketInput struct {
	StorageID   string // input.id
	Name        string // run id
	Project     string // modelName
	Entity      string // entityName
	Group       string // groupName
	DisplayName string
	Notes       string
	Config      map[string]any // plain values; sent as {"key":{"value":v}}
	Commit      string
	Host        string
	Program     string // jobProgram
	Repo        string // jobRepo
	JobType     string
	Sweep       string
	Tags        []string // nil = not sent; empty non-nil = clear
}

// Bucket is UpsertBucket's answer.
type Bucket struct {
	StorageID        string
	Name             string
	DisplayName      string
	SweepName        string
	Project          string
	Entity           string
	HistoryLineCount int64
	Inserted         bool
}

const upsertBucketQuery = `mutation UpsertBucket($id: String, $name: String, $project: String, $entity: String, $groupName: String, $description: String, $displayName: String, $notes: String, $commit: String, $config: JSONString, $host: String, $debug: Boolean, $program: String, $repo: String, $jobType: String, $state: String, $sweep: String, $tags: [String!], $summaryMetrics: JSONString) {
  upsertBucket(input: {id: $id, name: $name, groupName: $groupName, modelName: $project, entityName: $entity, description: $description, displayName: $displayName, notes: $notes, config: $config, commit: $commit, host: $host, debug: $debug, jobProgram: $program, jobRepo: $repo, jobType: $jobType, state: $state, sweep: $sweep, tags: $tags, summaryMetrics: $summaryMetrics}) {
    bucket { id name displayName description config sweepName project { id name entity { id name } } historyLineCount }
    inserted
  }
}`

// ConfigJSON encodes a config in W&B's {"key":{"value":v}} form.
func ConfigJSON(cfg map[string]any) (string, error) {
	w := make(map[string]map[string]any, len(cfg))
	for k, v := range cfg {
		w[k] = map[string]any{"value": v}
	}
	b, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("sender: config: %w", err)
	}
	return string(b), nil
}

// Vars returns the GraphQL variables for in.
func (in BucketInput) Vars() (map[string]any, error) {
	v := map[string]any{}
	set := func(k, s string) {
		if s != "" {
			v[k] = s
		}
	}
	set("id", in.StorageID)
	set("name", in.Name)
	set("project", in.Project)
	set("entity", in.Entity)
	set("groupName", in.Group)
	set("displayName", in.DisplayName)
	set("notes", in.Notes)
	set("commit", in.Commit)
	set("host", in.Host)
	set("program", in.Program)
	set("repo", in.Repo)
	set("jobType", in.JobType)
	set("sweep", in.Sweep)
	if in.Tags != nil {
		v["tags"] = in.Tags
	}
	if in.Config != nil {
		s, err := ConfigJSON(in.Config)
		if err != nil {
			return nil, err
		}
		v["config"] = s
	}
	return v, nil
}

// UpsertBucket creates or updates a run, with UpsertBucket's retry policy.
func (c *Client) UpsertBucket(ctx context.Context, in BucketInput) (Bucket, error) {
	vars, err := in.Vars()
	if err != nil {
		return Bucket{}, err
	}
	var out struct {
		UpsertBucket *struct {
			Bucket *struct {
				ID               string     `json:"id"`
				Name             string     `json:"name"`
				DisplayName      string     `json:"displayName"`
				SweepName        string     `json:"sweepName"`
				HistoryLineCount *int64     `json:"historyLineCount"`
				Project          *namedNode `json:"project"`
			} `json:"bucket"`
			Inserted bool `json:"inserted"`
		} `json:"upsertBucket"`
	}
	if err := c.Do(ctx, "UpsertBucket", upsertBucketQuery, vars, &out, RetryUpsertBucket); err != nil {
		return Bucket{}, err
	}
	if out.UpsertBucket == nil || out.UpsertBucket.Bucket == nil {
		return Bucket{}, fmt.Errorf("sender: graphql UpsertBucket: no bucket in response")
	}
	b := out.UpsertBucket.Bucket
	r := Bucket{StorageID: b.ID, Name: b.Name, DisplayName: b.DisplayName, SweepName: b.SweepName,
		Inserted: out.UpsertBucket.Inserted}
	if b.HistoryLineCount != nil {
		r.HistoryLineCount = *b.HistoryLineCount
	}
	if b.Project != nil {
		r.Project = b.Project.Name
		if b.Project.Entity != nil {
			r.Entity = b.Project.Entity.Name
		}
	}
	return r, nil
}

type namedNode struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Entity *namedNode `json:"entity"`
}

// ResumeStatus is what the server knows of a run being resumed.
type ResumeStatus struct {
	StorageID        string
	Name             string
	DisplayName      string
	SummaryMetrics   string // JSON object
	Config           string // JSON, W&B form
	Tags             []string
	Notes            string
	LogLineCount     int64
	HistoryLineCount int64
	EventsLineCount  int64
	HistoryTail      []string // last history lines (JSON)
	EventsTail       []string
	WandbConfig      string
}

const runResumeStatusQuery = `query RunResumeStatus($project: String, $entity: String, $name: String!) {
  model(name: $project, entityName: $entity) {
    id name entity { id name }
    bucket(name: $name, missingOk: true) {
      id name summaryMetrics displayName logLineCount historyLineCount eventsLineCount
      historyTail eventsTail config tags notes wandbConfig(keys: ["t"])
    }
  }
}`

// RunResumeStatus returns the server's state of entity/project/run, or nil
// if the run does not exist.
func (c *Client) RunResumeStatus(ctx context.Context, entity, project, run string) (*ResumeStatus, error) {
	var out struct {
		Model *struct {
			Bucket *struct {
				ID               string   `json:"id"`
				Name             string   `json:"name"`
				DisplayName      string   `json:"displayName"`
				SummaryMetrics   *string  `json:"summaryMetrics"`
				Config           *string  `json:"config"`
				Tags             []string `json:"tags"`
				Notes            *string  `json:"notes"`
				LogLineCount     *int64   `json:"logLineCount"`
				HistoryLineCount *int64   `json:"historyLineCount"`
				EventsLineCount  *int64   `json:"eventsLineCount"`
				HistoryTail      *string  `json:"historyTail"`
				EventsTail       *string  `json:"eventsTail"`
				WandbConfig      *string  `json:"wandbConfig"`
			} `json:"bucket"`
		} `json:"model"`
	}
	vars := map[string]any{"project": project, "entity": entity, "name": run}
	if err := c.Do(ctx, "RunResumeStatus", runResumeStatusQuery, vars, &out, nil); err != nil {
		return nil, err
	}
	if out.Model == nil || out.Model.Bucket == nil {
		return nil, nil
	}
	b := out.Model.Bucket
	s := &ResumeStatus{StorageID: b.ID, Name: b.Name, DisplayName: b.DisplayName, Tags: b.Tags,
		SummaryMetrics: deref(b.SummaryMetrics), Config: deref(b.Config), Notes: deref(b.Notes),
		WandbConfig: deref(b.WandbConfig), LogLineCount: derefInt(b.LogLineCount),
		HistoryLineCount: derefInt(b.HistoryLineCount), EventsLineCount: derefInt(b.EventsLineCount)}
	var err error
	if s.HistoryTail, err = parseTail(b.HistoryTail); err != nil {
		return nil, fmt.Errorf("sender: graphql RunResumeStatus: historyTail: %w", err)
	}
	if s.EventsTail, err = parseTail(b.EventsTail); err != nil {
		return nil, fmt.Errorf("sender: graphql RunResumeStatus: eventsTail: %w", err)
	}
	return s, nil
}

// Offsets are the file_stream offsets to resume from.
func (s *ResumeStatus) Offsets() Offsets {
	return Offsets{History: s.HistoryLineCount, Events: s.EventsLineCount, Output: s.LogLineCount}
}

// parseTail decodes a tail: a JSON string holding a list of JSON lines.
func parseTail(p *string) ([]string, error) {
	if p == nil || *p == "" {
		return nil, nil
	}
	var lines []string
	if err := json.Unmarshal([]byte(*p), &lines); err != nil {
		return nil, err
	}
	return lines, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// UploadTarget is one file's upload URL; URL "" means skip (null URL).
type UploadTarget struct {
	Name string
	URL  string
}

// RunFiles is CreateRunFiles's answer.
type RunFiles struct {
	RunID   string
	Header  http.Header // parsed uploadHeaders ("Key:Value")
	Targets []UploadTarget
}

const createRunFilesQuery = `mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
  createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) {
    runID uploadHeaders files { name uploadUrl }
  }
}`

// CreateRunFiles asks for upload URLs for files (paths relative to the run's
// files directory, with "/").
func (c *Client) CreateRunFiles(ctx context.Context, entity, project, run string, files []string) (RunFiles, error) {
	var out struct {
		CreateRunFiles *struct {
			RunID         string   `json:"runID"`
			UploadHeaders []string `json:"uploadHeaders"`
			Files         []struct {
				Name      string  `json:"name"`
				UploadURL *string `json:"uploadUrl"`
			} `json:"files"`
		} `json:"createRunFiles"`
	}
	vars := map[string]any{"entity": entity, "project": project, "run": run, "files": files}
	if err := c.Do(ctx, "CreateRunFiles", createRunFilesQuery, vars, &out, nil); err != nil {
		return RunFiles{}, err
	}
	if out.CreateRunFiles == nil {
		return RunFiles{}, fmt.Errorf("sender: graphql CreateRunFiles: empty response")
	}
	r := RunFiles{RunID: out.CreateRunFiles.RunID, Header: ParseUploadHeaders(out.CreateRunFiles.UploadHeaders)}
	for _, f := range out.CreateRunFiles.Files {
		r.Targets = append(r.Targets, UploadTarget{Name: f.Name, URL: deref(f.UploadURL)})
	}
	return r, nil
}

// ParseUploadHeaders parses "Key:Value" strings.
func ParseUploadHeaders(hs []string) http.Header {
	h := http.Header{}
	for _, s := range hs {
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			continue
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h
}

const stopRunQuery = `mutation StopRun($id: ID!) {
  stopRun(input: {id: $id}) { success }
}`

// StopRun asks the server to stop the run with this storage id (what the
// UI's stop button does); the run learns of it via file_stream "stopped".
func (c *Client) StopRun(ctx context.Context, storageID string) error {
	var out struct {
		StopRun *struct {
			Success bool `json:"success"`
		} `json:"stopRun"`
	}
	if err := c.Do(ctx, "StopRun", stopRunQuery, map[string]any{"id": storageID}, &out, nil); err != nil {
		return err
	}
	if out.StopRun == nil || !out.StopRun.Success {
		return fmt.Errorf("sender: graphql StopRun: not stopped")
	}
	return nil
}

// FileStreamURL is <base>/files/<entity>/<project>/<run>/file_stream.
func FileStreamURL(base, entity, project, run string) string {
	return strings.TrimSuffix(base, "/") + "/files/" + url.PathEscape(entity) + "/" +
		url.PathEscape(project) + "/" + url.PathEscape(run) + "/file_stream"
}
