package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/gowandb/wandb/core/wjson"

	"github.com/gowandb/wandb/core/store"
)

// File names of the file_stream streams (W&B behaviour §7.3).
const (
	historyFile = "wandb-history.jsonl"
	eventsFile  = "wandb-events.jsonl"
	summaryFile = "wandb-summary.json"
	outputFile  = "output.log"
)

// fsRequest is a file_stream body; "{}" is a heartbeat.
type fsRequest struct {
	Files      map[string]fsFile `json:"files"`
	Uploaded   []string          `json:"uploaded"`
	Preempting bool              `json:"preempting"`
	Complete   bool              `json:"complete"`
	ExitCode   *int              `json:"exitcode"`
}

type fsFile struct {
	Offset  *int     `json:"offset"`
	Content []string `json:"content"`
}

func (s *Server) fileStream(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	entity, project, name := r.PathValue("entity"), r.PathValue("project"), r.PathValue("run")
	if err := s.checkEntity(ctx, entity); err != nil {
		s.fail(w, err)
		return
	}
	var req fsRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody)).Decode(&req); err != nil {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("malformed file_stream request: %v", err))
		return
	}
	run, err := s.store.Run(ctx, entity, project, name)
	if err != nil {
		s.fail(w, fmt.Errorf("file_stream: run %s/%s/%s: %w", entity, project, name, err))
		return
	}
	if err := s.applyFileStream(r, run, req); err != nil {
		s.fail(w, fmt.Errorf("file_stream %s/%s/%s: %w", entity, project, name, err))
		return
	}
	if run, err = s.store.RunByID(ctx, run.ID); err != nil {
		s.fail(w, fmt.Errorf("file_stream: run %s/%s/%s: %w", entity, project, name, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"exitcode": nil, "limits": map[string]any{}, "stopped": run.Stopped})
}

// applyFileStream stores one request: the streams in a fixed order, then
// the heartbeat, then completion.
func (s *Server) applyFileStream(r *http.Request, run store.Run, req fsRequest) error {
	ctx := r.Context()
	names := make([]string, 0, len(req.Files))
	for n := range req.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := req.Files[n]
		if f.Offset == nil && n != summaryFile {
			return badRequestf("%s: missing offset", n)
		}
		var err error
		switch n {
		case historyFile:
			_, err = s.store.AppendHistory(ctx, run.ID, *f.Offset, f.Content)
		case eventsFile:
			_, err = s.store.AppendLines(ctx, run.ID, store.StreamEvents, *f.Offset, f.Content)
		case outputFile:
			_, err = s.store.AppendLines(ctx, run.ID, store.StreamOutput, *f.Offset, f.Content)
		case summaryFile:
			err = s.replaceSummary(r, run, f.Content)
		default:
			err = badRequestf("unknown file_stream file %q", n)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	if err := s.store.Heartbeat(ctx, run.ID, s.now()); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	if req.Complete || req.ExitCode != nil {
		state := store.StateFinished
		if req.ExitCode != nil && *req.ExitCode != 0 {
			state = store.StateFailed
		}
		if err := s.store.SetRunState(ctx, run.ID, state, req.ExitCode); err != nil {
			return fmt.Errorf("finishing run: %w", err)
		}
	}
	return nil
}

// replaceSummary stores the last summary line, which must be a JSON object.
func (s *Server) replaceSummary(r *http.Request, run store.Run, content []string) error {
	if len(content) == 0 {
		return nil
	}
	last := content[len(content)-1]
	// W&B's summaries may hold the bare tokens NaN and ±Infinity.
	if v, err := wjson.Decode([]byte(last)); err != nil {
		return badRequestf("summary is not a JSON object: %v", err)
	} else if _, ok := v.(map[string]any); !ok {
		return badRequestf("summary is not a JSON object")
	}
	_, err := s.store.UpsertRun(r.Context(), store.RunUpsert{Entity: run.Entity, Project: run.Project,
		Name: run.Name, Summary: json.RawMessage(last)})
	if err != nil {
		return fmt.Errorf("storing summary: %w", err)
	}
	return nil
}
