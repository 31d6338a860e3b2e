// Package sendertest is a fake W&B server for tests of package sender and
// of code built on it: it answers the GraphQL operations, file_stream and
// upload PUTs, records every request, and plays scripted responses (429,
// 500, Retry-After, ...) before its defaults.
//
// Serve it over the network with httptest (NewHTTPServer) or in process
// with Transport, which also works inside testing/synctest bubbles.
package sendertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Routes for Script.
const (
	RouteGraphQL    = "graphql"
	RouteFileStream = "file_stream"
	RouteUpload     = "upload"
)

// Request is one recorded request.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	Route        string
	Op           string         // GraphQL operationName
	Vars         map[string]any // GraphQL variables
}

// Response is a scripted response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// FileStreamRequest is a decoded file_stream body.
type FileStreamRequest struct {
	Files map[string]struct {
		Offset  int64    `json:"offset"`
		Content []string `json:"content"`
	} `json:"files"`
	Uploaded   []string `json:"uploaded"`
	Preempting bool     `json:"preempting"`
	Complete   bool     `json:"complete"`
	ExitCode   *int     `json:"exitcode"`
}

// IsHeartbeat reports whether the request was "{}".
func (r FileStreamRequest) IsHeartbeat() bool {
	return len(r.Files) == 0 && len(r.Uploaded) == 0 && !r.Preempting && !r.Complete && r.ExitCode == nil
}

// Server is the fake. Set its exported fields before use.
type Server struct {
	// URL is the base URL that upload URLs are built on (set by
	// NewHTTPServer; "http://fake.test" by default).
	URL string
	// GraphQL overrides the answer ("data") of an operation by name.
	GraphQL map[string]func(vars map[string]any) (data any, errs []string)
	// Stopped makes file_stream answer "stopped": true (see SetStopped).
	Stopped bool
	// HistoryLineCount is returned by UpsertBucket and RunResumeStatus.
	HistoryLineCount int64
	// Features is ServerFeaturesQuery's answer.
	Features map[string]bool
	// NullUploads lists file names whose uploadUrl is null.
	NullUploads map[string]bool
	// DiscardBodies keeps file_stream bodies out of Requests (benchmarks).
	DiscardBodies bool

	mu         sync.Mutex
	requests   []Request
	fileStream []FileStreamRequest
	uploads    map[string][]byte
	script     map[string][]Response
}

// New returns a fake server.
func New() *Server {
	return &Server{URL: "http://fake.test", uploads: map[string][]byte{}, script: map[string][]Response{}}
}

// NewHTTPServer serves s with httptest; close it when done.
func NewHTTPServer(s *Server) *httptest.Server {
	ts := httptest.NewServer(s)
	s.mu.Lock()
	s.URL = ts.URL
	s.mu.Unlock()
	return ts
}

// Transport serves requests in process, whatever their host.
func (s *Server) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Server }

func (t transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	rec := httptest.NewRecorder()
	t.s.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Script queues responses for route; they are played, in order, before the
// default handling.
func (s *Server) Script(route string, rs ...Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script[route] = append(s.script[route], rs...)
}

// SetStopped sets Stopped while the server is in use.
func (s *Server) SetStopped(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Stopped = v
}

// Requests returns the recorded requests.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// FileStream returns the file_stream requests that got a 200.
func (s *Server) FileStream() []FileStreamRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]FileStreamRequest(nil), s.fileStream...)
}

// Upload returns the body uploaded for name.
func (s *Server) Upload(name string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.uploads[name]
	return b, ok
}

func route(path string) string {
	switch {
	case path == "/graphql":
		return RouteGraphQL
	case strings.HasPrefix(path, "/files/") && strings.HasSuffix(path, "/file_stream"):
		return RouteFileStream
	case strings.HasPrefix(path, "/upload/"):
		return RouteUpload
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rq := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Route: route(r.URL.Path), Body: body}
	if rq.Route == RouteGraphQL {
		var g struct {
			OperationName string         `json:"operationName"`
			Variables     map[string]any `json:"variables"`
		}
		_ = json.Unmarshal(body, &g)
		rq.Op, rq.Vars = g.OperationName, g.Variables
	}
	s.mu.Lock()
	if s.DiscardBodies && rq.Route == RouteFileStream {
		rq.Body = nil
	}
	s.requests = append(s.requests, rq)
	if q := s.script[rq.Route]; len(q) > 0 {
		resp := q[0]
		s.script[rq.Route] = q[1:]
		s.mu.Unlock()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.Status)
		io.WriteString(w, resp.Body)
		return
	}
	s.mu.Unlock()
	switch rq.Route {
	case RouteGraphQL:
		s.graphql(w, rq)
	case RouteFileStream:
		s.fileStreamReq(w, body)
	case RouteUpload:
		if r.Method != http.MethodPut {
			http.Error(w, "PUT only", http.StatusMethodNotAllowed)
			return
		}
		s.mu.Lock()
		s.uploads[strings.TrimPrefix(r.URL.Path, "/upload/")] = body
		s.mu.Unlock()
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) fileStreamReq(w http.ResponseWriter, body []byte) {
	var fr FileStreamRequest
	if err := json.Unmarshal(body, &fr); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if s.DiscardBodies {
		for k, f := range fr.Files {
			f.Content = make([]string, len(f.Content)) // keep counts only
			fr.Files[k] = f
		}
	}
	s.fileStream = append(s.fileStream, fr)
	stopped := s.Stopped
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"exitcode":null,"limits":{},"stopped":%t}`, stopped)
}

func str(v any) string { s, _ := v.(string); return s }

func (s *Server) graphql(w http.ResponseWriter, rq Request) {
	var data any
	var errs []string
	if h := s.GraphQL[rq.Op]; h != nil {
		data, errs = h(rq.Vars)
	} else {
		data, errs = s.defaultOp(rq.Op, rq.Vars)
	}
	out := map[string]any{"data": data}
	if len(errs) > 0 {
		var es []map[string]any
		for _, e := range errs {
			es = append(es, map[string]any{"message": e})
		}
		out["errors"] = es
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (s *Server) defaultOp(op string, vars map[string]any) (any, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "Viewer":
		return map[string]any{"viewer": map[string]any{"id": "VXNlcjox", "entity": "alice", "username": "alice",
			"email": "alice@example.com", "flags": "{}",
			"teams": map[string]any{"edges": []any{map[string]any{"node": map[string]any{"name": "team-a"}}}}}}, nil
	case "ServerFeaturesQuery":
		var fs []any
		for n, on := range s.Features {
			fs = append(fs, map[string]any{"name": n, "isEnabled": on})
		}
		return map[string]any{"serverInfo": map[string]any{"features": fs}}, nil
	case "UpsertBucket":
		entity := str(vars["entity"])
		if entity == "" {
			entity = "alice"
		}
		project := str(vars["project"])
		if project == "" {
			project = "uncategorized"
		}
		return map[string]any{"upsertBucket": map[string]any{"inserted": true, "bucket": map[string]any{
			"id": "UnVuOjE=", "name": str(vars["name"]), "displayName": "fake-run-1", "description": nil,
			"config": vars["config"], "sweepName": nil, "historyLineCount": s.HistoryLineCount,
			"project": map[string]any{"id": "UHJvamVjdDox", "name": project,
				"entity": map[string]any{"id": "RW50aXR5OjE=", "name": entity}}}}}, nil
	case "RunResumeStatus":
		return map[string]any{"model": map[string]any{"id": "UHJvamVjdDox", "name": str(vars["project"]),
			"entity": map[string]any{"id": "RW50aXR5OjE=", "name": str(vars["entity"])},
			"bucket": map[string]any{"id": "UnVuOjE=", "name": str(vars["name"]), "displayName": "fake-run-1",
				"summaryMetrics": `{"loss":0.5}`, "logLineCount": 3, "historyLineCount": s.HistoryLineCount,
				"eventsLineCount": 2, "historyTail": `["{\"_step\":9}"]`, "eventsTail": "[]",
				"config": `{"lr":{"value":0.1}}`, "tags": []string{"a"}, "notes": nil, "wandbConfig": `{"t":{}}`}}}, nil
	case "CreateRunFiles":
		var files []any
		fl, _ := vars["files"].([]any)
		for _, f := range fl {
			name := str(f)
			var u any = s.URL + "/upload/" + name
			if s.NullUploads[name] {
				u = nil
			}
			files = append(files, map[string]any{"name": name, "uploadUrl": u})
		}
		return map[string]any{"createRunFiles": map[string]any{"runID": "UnVuOjE=",
			"uploadHeaders": []string{"Content-Type:application/octet-stream", "X-Upload-Token: tok"},
			"files":         files}}, nil
	case "StopRun":
		return map[string]any{"stopRun": map[string]any{"success": true}}, nil
	}
	return nil, []string{"unknown operation " + op}
}
