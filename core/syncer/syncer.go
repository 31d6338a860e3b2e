// Package syncer uploads a local run (its run log and files directory) to a
// W&B server with W&B's protocol (wandb-behaviour.md §1.2, §7): UpsertBucket
// with the run's metadata and config, file_stream for history, summary,
// system metrics (events) and console output, CreateRunFiles plus uploads
// for every file under the run's files directory, and "complete" with the
// exit code when the log has an exit record.
//
// Sync is idempotent: it asks RunResumeStatus first how many history,
// events and output lines the server already holds and sends only the rest,
// so a second sync sends no history and an interrupted one resumes. On
// success it writes the run-<id>.wandb.synced marker next to the run log.
package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/wal"
)

// SyncedSuffix is appended to the run log's name for the marker file.
const SyncedSuffix = ".synced"

// DefaultProject is the project of a run that names none.
const DefaultProject = "uncategorized"

// batch is how many lines go to the file stream per Push.
const batch = 1000

// Result says what one Sync did.
type Result struct {
	ID, Entity, Project string
	RowsSent            int64 // history lines sent this time
	RowsSkipped         int64 // history lines the server already had
	EventsSent          int64
	OutputSent          int64
	FilesUploaded       int
	Complete            bool   // the run's exit was sent
	ExitCode            int32  // when Complete
	MarkerPath          string // the .synced marker written
	// Warnings are what could not be sent and never will be (an artifact
	// whose staged files are gone); the run is synced without it.
	Warnings []string
}

// Path is entity/project/runs/id, the run's place on the server.
func (r Result) Path() string { return r.Entity + "/" + r.Project + "/runs/" + r.ID }

// Option configures Sync.
type Option func(*options)

type options struct {
	project, entity string
	progress        func(Progress)
	transmit        time.Duration
}

// Progress is reported to the progress callback as Sync goes.
type Progress struct {
	Stage    string // "history", "files", "finish"
	RowsSent int64
	Files    int
}

// WithProject overrides the run's project.
func WithProject(p string) Option { return func(o *options) { o.project = p } }

// WithEntity overrides the run's entity.
func WithEntity(e string) Option { return func(o *options) { o.entity = e } }

// WithProgress sets a callback told of progress (from Sync's goroutine).
func WithProgress(f func(Progress)) Option { return func(o *options) { o.progress = f } }

// MarkerPath is the .synced marker of the run log at logPath.
func MarkerPath(logPath string) string { return logPath + SyncedSuffix }

// IsSynced reports whether the run in runDir has its .synced marker.
func IsSynced(runDir string) bool {
	logPath, err := runlog.FindLog(runDir)
	if err != nil {
		return false
	}
	_, err = os.Stat(MarkerPath(logPath))
	return err == nil
}

// Sync uploads the run in runDir with c. c.HTTP must carry the API key
// (sender.NewAuthTransport); it is used for the file stream and uploads too.
func Sync(ctx context.Context, runDir string, c *sender.Client, opts ...Option) (Result, error) {
	o := options{transmit: 50 * time.Millisecond}
	for _, opt := range opts {
		opt(&o)
	}
	report := func(p Progress) {
		if o.progress != nil {
			o.progress(p)
		}
	}
	logPath, err := runlog.FindLog(runDir)
	if err != nil {
		return Result{}, fmt.Errorf("syncer: %w", err)
	}
	info, err := runlog.Replay(logPath, nil)
	if err != nil {
		return Result{}, fmt.Errorf("syncer: %w", err)
	}
	if info.ID == "" {
		return Result{}, fmt.Errorf("syncer: %s: the run log has no run record", logPath)
	}
	if info.InUse {
		return Result{}, fmt.Errorf("syncer: %s: the run is still running", logPath)
	}
	res := Result{ID: info.ID, Entity: info.Entity, Project: info.Project}
	if o.entity != "" {
		res.Entity = o.entity
	}
	if o.project != "" {
		res.Project = o.project
	}
	if res.Project == "" {
		res.Project = DefaultProject
	}
	if res.Entity == "" {
		v, err := c.Viewer(ctx)
		if err != nil {
			return res, fmt.Errorf("syncer: viewer: %w", err)
		}
		res.Entity = v.Entity
	}

	rs, err := c.RunResumeStatus(ctx, res.Entity, res.Project, res.ID)
	if err != nil {
		return res, fmt.Errorf("syncer: resume status: %w", err)
	}
	var off sender.Offsets
	in := sender.BucketInput{Name: res.ID, Project: res.Project, Entity: res.Entity,
		DisplayName: info.Name, Notes: info.Notes, Group: info.Group, JobType: info.JobType,
		Host: info.Host, Sweep: info.SweepID, Config: info.Config, Tags: info.Tags}
	if rs != nil {
		off = rs.Offsets()
		in.StorageID = rs.StorageID
	}
	if in.Tags == nil {
		in.Tags = []string{}
	}
	if _, err := c.UpsertBucket(ctx, in); err != nil {
		return res, fmt.Errorf("syncer: upsert run %s: %w", res.Path(), err)
	}

	fs := sender.NewFileStream(sender.FileStreamConfig{
		URL:              sender.FileStreamURL(c.BaseURL, res.Entity, res.Project, res.ID),
		HTTP:             c.HTTP,
		TransmitInterval: o.transmit,
		Offsets:          off,
	})
	defer fs.Close()

	s := &streamer{ctx: ctx, fs: fs}
	// History rows from the run log, after those the server has.
	var n int64
	_, err = runlog.Replay(logPath, func(row runlog.Row) error {
		n++
		if n <= off.History {
			res.RowsSkipped++
			return nil
		}
		line := string(runstate.AppendAnyJSON(nil, row.Map()))
		res.RowsSent++
		if err := s.add(kindHistory, line); err != nil {
			return err
		}
		if res.RowsSent%batch == 0 {
			report(Progress{Stage: "history", RowsSent: res.RowsSent})
		}
		return nil
	})
	if err == nil {
		err = s.flush()
	}
	if err != nil {
		return res, fmt.Errorf("syncer: history: %w", err)
	}
	report(Progress{Stage: "history", RowsSent: res.RowsSent})

	// System metrics and console output.
	if err := s.eventsAndOutput(logPath, info.StartTime, off, &res); err != nil {
		return res, fmt.Errorf("syncer: %w", err)
	}
	if err := s.push(sender.SummaryUpdate{JSON: string(runstate.AppendAnyJSON(nil, info.Summary))}); err != nil {
		return res, fmt.Errorf("syncer: summary: %w", err)
	}

	// Run files.
	uploaded, err := uploadFiles(ctx, c, filepath.Join(filepath.Dir(logPath), rundir.FilesDir), res)
	res.FilesUploaded = len(uploaded)
	if err != nil {
		return res, err
	}
	if len(uploaded) > 0 {
		if err := s.push(sender.UploadedUpdate{Paths: uploaded}); err != nil {
			return res, fmt.Errorf("syncer: uploaded: %w", err)
		}
	}
	report(Progress{Stage: "files", RowsSent: res.RowsSent, Files: res.FilesUploaded})
	if err := syncArtifacts(ctx, c, logPath, res); err != nil { // artifacts.go
		// An artifact whose staged files are gone (a run log copied from
		// another machine) can never be uploaded: the rest of the run is.
		if !errors.Is(err, os.ErrNotExist) {
			return res, err
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("%v: the artifact's staged files are gone, so it was not uploaded; the rest of the run was", err))
	}

	if info.Exited {
		if err := fs.Finish(ctx, int(info.ExitCode)); err != nil {
			return res, fmt.Errorf("syncer: finish: %w", err)
		}
		res.Complete, res.ExitCode = true, info.ExitCode
	} else if err := fs.End(ctx); err != nil {
		return res, fmt.Errorf("syncer: %w", err)
	}
	report(Progress{Stage: "finish", RowsSent: res.RowsSent, Files: res.FilesUploaded})

	res.MarkerPath = MarkerPath(logPath)
	if err := os.WriteFile(res.MarkerPath, nil, 0o644); err != nil {
		return res, fmt.Errorf("syncer: marker: %w", err)
	}
	return res, nil
}

type lineKind int

const (
	kindHistory lineKind = iota
	kindEvents
	kindOutput
)

// streamer batches lines into file stream updates, backing off while the
// stream's queue is full.
type streamer struct {
	ctx   context.Context
	fs    *sender.FileStream
	kind  lineKind
	lines []string
}

func (s *streamer) add(k lineKind, line string) error {
	if k != s.kind && len(s.lines) > 0 {
		if err := s.flush(); err != nil {
			return err
		}
	}
	s.kind = k
	s.lines = append(s.lines, line)
	if len(s.lines) >= batch {
		return s.flush()
	}
	return nil
}

func (s *streamer) flush() error {
	if len(s.lines) == 0 {
		return nil
	}
	var u sender.Update
	switch s.kind {
	case kindHistory:
		u = sender.HistoryUpdate{Lines: s.lines}
	case kindEvents:
		u = sender.EventsUpdate{Lines: s.lines}
	default:
		u = sender.OutputUpdate{Lines: s.lines}
	}
	s.lines = nil
	return s.push(u)
}

func (s *streamer) push(u sender.Update) error {
	for {
		err := s.fs.Push(u)
		if !errors.Is(err, sender.ErrQueueFull) {
			return err
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// eventsAndOutput sends the stats samples as events lines and the console
// output as output.log lines, after those the server has.
func (s *streamer) eventsAndOutput(logPath string, start time.Time, off sender.Offsets, res *Result) error {
	f, err := os.Open(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := wal.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", logPath, err)
	}
	var nEvents, nOutput int64
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", logPath, err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			continue
		}
		switch r := rec.RecordType.(type) {
		case *recordpb.Record_Stats:
			nEvents++
			if nEvents <= off.Events {
				continue
			}
			if err := s.add(kindEvents, eventsLine(r.Stats, start)); err != nil {
				return err
			}
			res.EventsSent++
		case *recordpb.Record_Output:
			for _, l := range outputLines(r.Output.Line, r.Output.OutputType == recordpb.OutputRecord_STDERR, r.Output.Timestamp.AsTime()) {
				nOutput++
				if nOutput <= off.Output {
					continue
				}
				if err := s.add(kindOutput, l); err != nil {
					return err
				}
				res.OutputSent++
			}
		case *recordpb.Record_OutputRaw:
			for _, l := range outputLines(r.OutputRaw.Line, r.OutputRaw.OutputType == recordpb.OutputRawRecord_STDERR, r.OutputRaw.Timestamp.AsTime()) {
				nOutput++
				if nOutput <= off.Output {
					continue
				}
				if err := s.add(kindOutput, l); err != nil {
					return err
				}
				res.OutputSent++
			}
		}
	}
	return s.flush()
}

// eventsLine is one wandb-events.jsonl line (§7.3): "system."-prefixed
// values with _wandb, _timestamp and _runtime.
func eventsLine(st *recordpb.StatsRecord, start time.Time) string {
	m := map[string]any{"_wandb": true}
	var ts time.Time
	if st.Timestamp != nil {
		ts = st.Timestamp.AsTime()
		m["_timestamp"] = float64(ts.UnixNano()) / 1e9
		if !start.IsZero() {
			m["_runtime"] = ts.Sub(start).Seconds()
		}
	}
	for _, it := range st.Item {
		v, err := runstate.DecodeJSON([]byte(it.ValueJson))
		if err != nil {
			continue
		}
		m["system."+it.Key] = v
	}
	return string(runstate.AppendAnyJSON(nil, m))
}

// outputLines splits console text into output.log lines:
// "[ERROR ]2006-01-02T15:04:05.000000 text".
func outputLines(text string, stderr bool, ts time.Time) []string {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	prefix := ts.UTC().Format("2006-01-02T15:04:05.000000") + " "
	if stderr {
		prefix = "ERROR " + prefix
	}
	parts := strings.Split(text, "\n")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSuffix(p, "\r")
	}
	return parts
}

// uploadFiles asks for upload URLs for every file under dir and uploads
// them; it returns the paths uploaded (relative, with "/").
func uploadFiles(ctx context.Context, c *sender.Client, dir string, res Result) ([]string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		names = append(names, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("syncer: files: %w", err)
	}
	return uploadNames(ctx, c, dir, res, names, nil)
}

// uploadNames uploads the named files (relative to dir, with "/") and
// returns those uploaded. read, when not nil, gives each file's content
// (nil content: skip the file); otherwise the file is read from dir.
func uploadNames(ctx context.Context, c *sender.Client, dir string, res Result, names []string, read func(name string) ([]byte, error)) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	rf, err := c.CreateRunFiles(ctx, res.Entity, res.Project, res.ID, names)
	if err != nil {
		return nil, fmt.Errorf("syncer: create run files: %w", err)
	}
	up := &sender.Uploader{HTTP: c.HTTP, Retrier: sender.TransferRetrier()}
	var done []string
	for _, t := range rf.Targets {
		var ok bool
		if read == nil {
			ok, err = up.UploadFile(ctx, t, rf.Header, filepath.Join(dir, filepath.FromSlash(t.Name)))
		} else {
			var b []byte
			if b, err = read(t.Name); err == nil && b != nil {
				ok, err = up.Upload(ctx, t, rf.Header, b)
			}
		}
		if err != nil {
			return done, fmt.Errorf("syncer: %w", err)
		}
		if ok {
			done = append(done, t.Name)
		}
	}
	return done, nil
}
