package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/wjson"
)

// File names of the file_stream streams (W&B behaviour §7.3).
const (
	historyFile = "wandb-history.jsonl"
	eventsFile  = "wandb-events.jsonl"
	summaryFile = "wandb-summary.json"
	outputFile  = "output.log"
)

// MaxLineBytes is the largest file_stream line accepted: W&B's clients
// split requests at 10 MiB and drop longer lines, so a longer one is a
// client bug and gets 413 naming it.
const MaxLineBytes = 10 << 20

// fsRequest is a file_stream body; "{}" is a heartbeat. Legacy clients'
// "dropped" and "failed" are accepted and ignored.
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

// streamFile is the file_stream file of a store stream (OffsetError.Stream).
var streamFile = map[string]string{"history": historyFile, string(store.StreamEvents): eventsFile,
	string(store.StreamOutput): outputFile}

// fsError is a file_stream error with its HTTP status and, for an offset
// gap, the offset the server expects for that file.
type fsError struct {
	code     int
	msg      string
	file     string
	expected *int
}

func (e *fsError) Error() string { return e.msg }

func (s *Server) fileStream(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	entity, project, name := r.PathValue("entity"), r.PathValue("project"), r.PathValue("run")
	for _, f := range []struct{ kind, v string }{{"entity", entity}, {"project", project}, {"run", name}} {
		if err := store.ValidName(f.kind, f.v); err != nil {
			httpError(w, http.StatusBadRequest, fmt.Sprintf("file_stream: bad %s name in the URL: %v", f.kind, err))
			return
		}
	}
	if err := s.checkEntity(ctx, entity); err != nil {
		s.fail(w, err)
		return
	}
	req, ferr := s.decodeFileStream(w, r)
	if ferr != nil {
		s.failFileStream(w, ferr)
		return
	}
	run, err := s.store.Run(ctx, entity, project, name)
	if err != nil {
		s.fail(w, fmt.Errorf("file_stream: run %s/%s/%s: %w", entity, project, name, err))
		return
	}
	if err := s.applyFileStream(ctx, run, req); err != nil {
		var oe *store.OffsetError
		if errors.As(err, &oe) {
			exp := oe.Expected
			s.failFileStream(w, &fsError{code: http.StatusConflict, file: streamFile[oe.Stream], expected: &exp,
				msg: fmt.Sprintf("file_stream %s/%s/%s: %v", entity, project, name, err)})
			return
		}
		s.fail(w, fmt.Errorf("file_stream %s/%s/%s: %w", entity, project, name, err))
		return
	}
	// run.Stopped is as read before the append: a stop requested meanwhile
	// is answered on the next request (an idle run heartbeats every 10 s).
	writeJSON(w, http.StatusOK, map[string]any{"exitcode": nil, "limits": map[string]any{}, "stopped": run.Stopped})
}

// heartbeatEvery is how often a run's heartbeat is written: requests in
// between only prove what the last write said. Runs are marked crashed
// after minutes of silence (DefaultCrashAfter), so seconds do not matter,
// and busy runs save a write transaction per request.
const heartbeatEvery = 5 * time.Second

// heartbeatDue reports whether run's heartbeat should be written at now,
// and if so notes it as written.
func (s *Server) heartbeatDue(run int64, now time.Time) bool {
	s.beatMu.Lock()
	defer s.beatMu.Unlock()
	if last, ok := s.beats[run]; ok && now.Sub(last) < heartbeatEvery && !now.Before(last) {
		return false
	}
	if s.beats == nil || len(s.beats) > 100000 {
		s.beats = map[int64]time.Time{}
	}
	s.beats[run] = now
	return true
}

func (s *Server) failFileStream(w http.ResponseWriter, e *fsError) {
	body := map[string]any{"error": e.msg}
	if e.file != "" {
		body["file"] = e.file
	}
	if e.expected != nil {
		body["expected_offset"] = *e.expected
	}
	writeJSON(w, e.code, body)
}

// decodeFileStream reads and checks a request body: one JSON object within
// the body limit, known file names, offsets present and not negative, no
// line over MaxLineBytes, uploaded names that are valid run file paths.
func (s *Server) decodeFileStream(w http.ResponseWriter, r *http.Request) (fsRequest, *fsError) {
	var req fsRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.maxBody))
	err := dec.Decode(&req)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("data after the JSON object")
		}
	}
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return req, &fsError{code: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("file_stream: request body over %d bytes; send smaller batches", mb.Limit)}
		}
		return req, &fsError{code: http.StatusBadRequest, msg: fmt.Sprintf("file_stream: malformed request: %v", err)}
	}
	for n, f := range req.Files {
		switch n {
		case historyFile, eventsFile, outputFile, summaryFile:
		default:
			return req, &fsError{code: http.StatusBadRequest, file: n,
				msg: fmt.Sprintf("file_stream: unknown file %q: the streams are %s, %s, %s and %s", n, historyFile, eventsFile, summaryFile, outputFile)}
		}
		if f.Offset == nil && n != summaryFile {
			return req, &fsError{code: http.StatusBadRequest, file: n, msg: fmt.Sprintf("file_stream: %s: missing offset", n)}
		}
		if f.Offset != nil && *f.Offset < 0 {
			return req, &fsError{code: http.StatusBadRequest, file: n, msg: fmt.Sprintf("file_stream: %s: negative offset %d", n, *f.Offset)}
		}
		for i, l := range f.Content {
			if len(l) > MaxLineBytes {
				at := i
				if f.Offset != nil {
					at += *f.Offset
				}
				return req, &fsError{code: http.StatusRequestEntityTooLarge, file: n,
					msg: fmt.Sprintf("file_stream: %s line %d (content[%d]) is %d bytes, over the %d-byte line limit", n, at, i, len(l), MaxLineBytes)}
			}
		}
	}
	for i, u := range req.Uploaded {
		if err := validFileName(u); err != nil {
			return req, &fsError{code: http.StatusBadRequest, msg: fmt.Sprintf("file_stream: uploaded[%d]: %v", i, err)}
		}
	}
	return req, nil
}

// validFileName checks a run file path: UTF-8, "/"-separated, no empty,
// "." or ".." segment, no backslash or control character.
func validFileName(name string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("file name %q is not UTF-8", name)
	}
	if err := localblob.ValidKey(name); err != nil {
		return fmt.Errorf("file name %q: must be a relative path without \"..\", empty segments, backslashes or control characters", name)
	}
	return nil
}

// applyFileStream stores one request: the streams in a fixed order, then
// the uploaded files, the heartbeat, preempting and completion.
func (s *Server) applyFileStream(ctx context.Context, run store.Run, req fsRequest) error {
	names := make([]string, 0, len(req.Files))
	for n := range req.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := req.Files[n]
		var err error
		switch n {
		case historyFile:
			_, err = s.store.AppendHistory(ctx, run.ID, *f.Offset, f.Content)
		case eventsFile:
			_, err = s.store.AppendLines(ctx, run.ID, store.StreamEvents, *f.Offset, f.Content)
		case outputFile:
			_, err = s.store.AppendLines(ctx, run.ID, store.StreamOutput, *f.Offset, f.Content)
		case summaryFile:
			err = s.replaceSummary(ctx, run, f.Content)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	for _, name := range req.Uploaded {
		if err := s.recordUploaded(ctx, run, name); err != nil {
			return fmt.Errorf("uploaded %q: %w", name, err)
		}
	}
	if now := s.now(); s.heartbeatDue(run.ID, now) {
		if err := s.store.Heartbeat(ctx, run.ID, now); err != nil {
			return fmt.Errorf("heartbeat: %w", err)
		}
	}
	// A run marked crashed or preempted whose client sends data again (a
	// long network cut, a resumed preemptible job) is running again.
	if len(req.Files) > 0 && !req.Preempting && !req.Complete && req.ExitCode == nil {
		switch run.State {
		case store.StateCrashed, store.StatePreempting, store.StatePreempted:
			if err := s.store.SetRunState(ctx, run.ID, store.StateRunning, nil); err != nil {
				return fmt.Errorf("reviving run: %w", err)
			}
		}
	}
	if req.Preempting {
		// W&B lets a preempting run be resumed, and shows it preempted
		// rather than crashed when it goes silent.
		if err := s.store.MarkPreempting(ctx, run.ID); err != nil {
			return fmt.Errorf("preempting: %w", err)
		}
	}
	if req.Complete || req.ExitCode != nil {
		state := store.StateFinished
		switch {
		case run.Stopped:
			state = store.StateKilled // W&B: a run stopped from the server ends killed
		case req.ExitCode != nil && *req.ExitCode != 0:
			state = store.StateFailed
		}
		if err := s.store.SetRunState(ctx, run.ID, state, req.ExitCode); err != nil {
			return fmt.Errorf("finishing run: %w", err)
		}
	}
	return nil
}

// recordUploaded makes sure a file the client says it uploaded has its
// record: the PUT to our upload URL writes it, but a client that uploaded
// the blob another way (or whose PUT raced the notice) gets it from the
// blob. A notice for a blob we do not have is ignored: the client re-sends
// the file when it uploads it.
func (s *Server) recordUploaded(ctx context.Context, run store.Run, name string) error {
	if _, err := s.store.File(ctx, run.ID, name); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	bi, err := s.blobs.Stat(ctx, store.RunFileKey(run, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.store.PutFile(ctx, store.File{RunID: run.ID, Name: name, Size: bi.Size, UpdatedAt: bi.ModTime})
}

// replaceSummary stores the last summary line, which must be a JSON object.
func (s *Server) replaceSummary(ctx context.Context, run store.Run, content []string) error {
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
	_, err := s.store.UpsertRun(ctx, store.RunUpsert{Entity: run.Entity, Project: run.Project,
		Name: run.Name, Summary: json.RawMessage(last)})
	if err != nil {
		return fmt.Errorf("storing summary: %w", err)
	}
	return nil
}
