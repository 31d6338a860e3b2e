package syncer

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/wal"
)

// StreamConfig configures a Stream.
type StreamConfig struct {
	Client  *sender.Client
	LogPath string // the run log, possibly still being written
	// Entity and Project override the run record's (entity: else Viewer's).
	Entity, Project  string
	TransmitInterval time.Duration   // file_stream; 0 = 50 ms
	Retrier          *sender.Retrier // file_stream; nil = the sender's default
	OnDead           func(error)     // the file stream gave up
	// OnStopped is called once, from the file stream's goroutine, when a
	// response says the run was stopped from the server.
	OnStopped func()
	// HeartbeatInterval is how long the file stream stays idle before it
	// sends a heartbeat "{}" (and so learns of a stop); 0 = the sender's
	// default (30 s).
	HeartbeatInterval time.Duration
	// Fresh says no line of this log is on the server yet (a live run,
	// possibly resuming one the server has): lines are appended after the
	// server's, none skipped. Otherwise lines the server counts are skipped.
	Fresh bool
}

// Stream uploads a run log incrementally while it is written: every Pump
// reads only the records written since the previous Pump (it keeps the
// byte offset just past the last intact record and resumes reading at that
// block) and queues them on one file stream. Finish sends the rest, the
// files and the exit. A Stream is not safe for concurrent use.
type Stream struct {
	cfg     StreamConfig
	res     Result
	pos     int64 // just past the last intact record processed
	started bool
	fs      *sender.FileStream
	off     sender.Offsets // the server's counts, where the stream starts
	skip    sender.Offsets // lines of this log already on the server
	st      *streamer

	bucket    sender.BucketInput
	config    map[string]any
	cfgDirty  bool
	start     time.Time
	sum       map[string]any
	final     map[string]any
	sumDirty  bool
	nHistory  int64
	nEvents   int64
	nOutput   int64
	exited    bool
	exitCode  int32
	haveFinal bool

	// Saved files (FilesRecords), by path relative to files/ with "/", in
	// the order first saved, and the MD5 of each file's last upload.
	policy map[string]recordpb.FilesItem_PolicyType
	saved  []string
	sent   map[string][md5.Size]byte
	stamps map[string]fileStamp // files hashed, to skip unchanged ones

	lastStep int64 // the last history step applied (stepSeen), for artifacts' historyStep
	stepSeen bool
}

// NewStream returns a Stream; nothing is sent before the first Pump.
func NewStream(cfg StreamConfig) *Stream {
	if cfg.TransmitInterval <= 0 {
		cfg.TransmitInterval = 50 * time.Millisecond
	}
	return &Stream{cfg: cfg, config: map[string]any{}, sum: map[string]any{},
		policy: map[string]recordpb.FilesItem_PolicyType{}, sent: map[string][md5.Size]byte{}}
}

// Result is what the stream has done so far.
func (s *Stream) Result() Result { return s.res }

// Pump reads the records appended since the last Pump and queues them. A
// torn record at the end (still being written) is read again next time.
func (s *Stream) Pump(ctx context.Context) error {
	f, err := os.Open(s.cfg.LogPath)
	if err != nil {
		return fmt.Errorf("syncer: %w", err)
	}
	defer f.Close()
	bs := wal.BlockStart(s.pos)
	if _, err := f.Seek(bs, io.SeekStart); err != nil {
		return fmt.Errorf("syncer: %w", err)
	}
	rd, err := wal.NewReaderAt(f, bs)
	if err != nil {
		return fmt.Errorf("syncer: %s: %w", s.cfg.LogPath, err)
	}
	if s.st != nil {
		s.st.ctx = ctx
	}
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("syncer: %s: %w", s.cfg.LogPath, err)
		}
		end := rd.IntactEnd()
		if end <= s.pos {
			continue // sent by an earlier Pump
		}
		rec, uerr := record.Unmarshal(b)
		if uerr == nil {
			if err := s.apply(ctx, rec); err != nil {
				return err
			}
		}
		s.pos = end
	}
	if !s.started {
		return nil
	}
	if err := s.st.flush(); err != nil {
		return fmt.Errorf("syncer: %w", err)
	}
	if s.cfgDirty {
		s.bucket.Config = s.config
		if _, err := s.cfg.Client.UpsertBucket(ctx, s.bucket); err != nil {
			return fmt.Errorf("syncer: upsert run %s: %w", s.res.Path(), err)
		}
		s.cfgDirty = false
	}
	if s.sumDirty {
		cur := s.sum
		if s.exited && s.haveFinal {
			cur = s.final
		}
		if err := s.st.push(sender.SummaryUpdate{JSON: string(runstate.AppendAnyJSON(nil, cur))}); err != nil {
			return fmt.Errorf("syncer: summary: %w", err)
		}
		s.sumDirty = false
	}
	// A file that fails to upload now is tried again on the next pass and
	// at Finish (which reports the error), so live upload goes on.
	_, _ = s.uploadSaved(ctx, false)
	return nil
}

func (s *Stream) apply(ctx context.Context, rec *recordpb.Record) error {
	if r, ok := rec.RecordType.(*recordpb.Record_Run); ok {
		if !s.started {
			return s.begin(ctx, r.Run)
		}
		return nil
	}
	if !s.started {
		return nil // the header precedes the run record
	}
	switch r := rec.RecordType.(type) {
	case *recordpb.Record_Config:
		runlog.ApplyConfig(s.config, r.Config)
		s.cfgDirty = true
	case *recordpb.Record_History:
		if st := r.History.GetStep(); st != nil {
			s.lastStep, s.stepSeen = st.GetNum(), true
		}
		m := map[string]any{}
		for _, it := range r.History.Item {
			v, err := runstate.DecodeJSON([]byte(record.ItemJSON(it)))
			if err != nil {
				continue
			}
			p := runlog.ItemPath(it.Key, it.NestedKey)
			runlog.SetPath(m, p, v)
			runlog.SetPath(s.sum, p, v)
		}
		s.sumDirty = true
		s.nHistory++
		if s.nHistory <= s.skip.History {
			s.res.RowsSkipped++
			return nil
		}
		s.res.RowsSent++
		return s.st.add(kindHistory, string(runstate.AppendAnyJSON(nil, m)))
	case *recordpb.Record_Summary:
		runlog.ApplySummary(s.sum, r.Summary)
		if len(r.Summary.Remove) == 0 {
			s.final = map[string]any{}
			runlog.ApplySummary(s.final, r.Summary)
			s.haveFinal = true
		}
		s.sumDirty = true
	case *recordpb.Record_Stats:
		s.nEvents++
		if s.nEvents <= s.skip.Events {
			return nil
		}
		s.res.EventsSent++
		return s.st.add(kindEvents, eventsLine(r.Stats, s.start))
	case *recordpb.Record_Output:
		return s.output(outputLines(r.Output.Line, r.Output.OutputType == recordpb.OutputRecord_STDERR, r.Output.Timestamp.AsTime()))
	case *recordpb.Record_OutputRaw:
		return s.output(outputLines(r.OutputRaw.Line, r.OutputRaw.OutputType == recordpb.OutputRawRecord_STDERR, r.OutputRaw.Timestamp.AsTime()))
	case *recordpb.Record_Files:
		for _, it := range r.Files.Files {
			p := path.Clean(it.Path)
			if !filepath.IsLocal(filepath.FromSlash(p)) {
				continue
			}
			if _, ok := s.policy[p]; !ok {
				s.saved = append(s.saved, p)
			}
			s.policy[p] = it.Policy
		}
	case *recordpb.Record_Artifact, *recordpb.Record_UseArtifact:
		return s.artifact(ctx, rec) // artifacts.go
	case *recordpb.Record_Exit:
		s.exited, s.exitCode = true, r.Exit.ExitCode
		s.sumDirty = true
	}
	return nil
}

func (s *Stream) output(lines []string) error {
	for _, l := range lines {
		s.nOutput++
		if s.nOutput <= s.skip.Output {
			continue
		}
		s.res.OutputSent++
		if err := s.st.add(kindOutput, l); err != nil {
			return err
		}
	}
	return nil
}

// begin creates the run on the server and opens the file stream.
func (s *Stream) begin(ctx context.Context, run *recordpb.RunRecord) error {
	c := s.cfg.Client
	s.res = Result{ID: run.RunId, Entity: run.Entity, Project: run.Project}
	if s.cfg.Entity != "" {
		s.res.Entity = s.cfg.Entity
	}
	if s.cfg.Project != "" {
		s.res.Project = s.cfg.Project
	}
	if s.res.Project == "" {
		s.res.Project = DefaultProject
	}
	if s.res.Entity == "" {
		v, err := c.Viewer(ctx)
		if err != nil {
			return fmt.Errorf("syncer: viewer: %w", err)
		}
		s.res.Entity = v.Entity
	}
	if run.StartTime != nil {
		s.start = run.StartTime.AsTime()
	}
	if run.Config != nil {
		runlog.ApplyConfig(s.config, run.Config)
	}
	rs, err := c.RunResumeStatus(ctx, s.res.Entity, s.res.Project, s.res.ID)
	if err != nil {
		return fmt.Errorf("syncer: resume status: %w", err)
	}
	s.bucket = sender.BucketInput{Name: s.res.ID, Project: s.res.Project, Entity: s.res.Entity,
		DisplayName: run.DisplayName, Notes: run.Notes, Group: run.RunGroup, JobType: run.JobType,
		Host: run.Host, Sweep: run.SweepId, Config: s.config, Tags: run.Tags}
	if rs != nil {
		s.off = rs.Offsets()
		if !s.cfg.Fresh {
			s.skip = s.off
		}
		s.bucket.StorageID = rs.StorageID
	}
	if s.bucket.Tags == nil {
		s.bucket.Tags = []string{}
	}
	if _, err := c.UpsertBucket(ctx, s.bucket); err != nil {
		return fmt.Errorf("syncer: upsert run %s: %w", s.res.Path(), err)
	}
	s.fs = sender.NewFileStream(sender.FileStreamConfig{
		URL:               sender.FileStreamURL(c.BaseURL, s.res.Entity, s.res.Project, s.res.ID),
		HTTP:              c.HTTP,
		Retrier:           s.cfg.Retrier,
		TransmitInterval:  s.cfg.TransmitInterval,
		HeartbeatInterval: s.cfg.HeartbeatInterval,
		Offsets:           s.off,
		OnDead:            s.cfg.OnDead,
		OnStopped:         s.cfg.OnStopped,
	})
	s.st = &streamer{ctx: ctx, fs: s.fs}
	s.started = true
	return nil
}

// Finish pumps the rest of the log (closed by now), uploads the run's
// files, completes the file stream (with the exit code when the log has an
// exit record) and writes the .synced marker.
func (s *Stream) Finish(ctx context.Context) (Result, error) {
	if err := s.Pump(ctx); err != nil {
		return s.res, err
	}
	if !s.started {
		return s.res, fmt.Errorf("syncer: %s: the run log has no run record", s.cfg.LogPath)
	}
	_, err := s.uploadSaved(ctx, true)
	s.res.FilesUploaded = len(s.sent)
	if err != nil {
		return s.res, err
	}
	if s.exited {
		if err := s.fs.Finish(ctx, int(s.exitCode)); err != nil {
			return s.res, fmt.Errorf("syncer: finish: %w", err)
		}
		s.res.Complete, s.res.ExitCode = true, s.exitCode
	} else if err := s.fs.End(ctx); err != nil {
		return s.res, fmt.Errorf("syncer: %w", err)
	}
	s.res.MarkerPath = MarkerPath(s.cfg.LogPath)
	if err := os.WriteFile(s.res.MarkerPath, nil, 0o644); err != nil {
		return s.res, fmt.Errorf("syncer: marker: %w", err)
	}
	return s.res, nil
}

// Close abandons the file stream (what was not sent stays in the run log).
func (s *Stream) Close() {
	if s.fs != nil {
		s.fs.Close()
	}
}

// Drain waits until the file stream has sent every history and events
// line pumped so far, or it dies (its error is returned), or ctx ends.
func (s *Stream) Drain(ctx context.Context) error {
	if !s.started {
		return nil
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if err := s.fs.Err(); err != nil {
			return fmt.Errorf("syncer: %w: %w", sender.ErrDead, err)
		}
		o := s.fs.Offsets()
		if o.History >= s.off.History+max(s.nHistory-s.skip.History, 0) && o.Events >= s.off.Events+max(s.nEvents-s.skip.Events, 0) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// uploadSaved uploads the saved files that are due (W&B's save policies):
// "now" files not uploaded yet and "live" files whose content (MD5, the
// link followed) changed since their last upload; with final, also "end"
// files and every other file under files/ but uploaded "now" ones, again
// skipping those whose content is what was last uploaded. The file stream is told what was
// uploaded. Files missing now are skipped.
func (s *Stream) uploadSaved(ctx context.Context, final bool) ([]string, error) {
	if !s.started {
		return nil, nil
	}
	dir := filepath.Join(filepath.Dir(s.cfg.LogPath), rundir.FilesDir)
	var names []string
	sums := map[string][md5.Size]byte{}
	consider := func(name string) error {
		if _, ok := sums[name]; ok {
			return nil
		}
		sum, err := s.fileSum(filepath.Join(dir, filepath.FromSlash(name)), name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || !final {
				return nil
			}
			return fmt.Errorf("syncer: files: %w", err)
		}
		if prev, ok := s.sent[name]; ok && prev == sum {
			return nil
		}
		names = append(names, name)
		sums[name] = sum
		return nil
	}
	for _, name := range s.saved {
		switch s.policy[name] {
		case recordpb.FilesItem_NOW:
			if _, ok := s.sent[name]; ok {
				continue
			}
		case recordpb.FilesItem_END:
			if !final {
				continue
			}
		}
		if err := consider(name); err != nil {
			return nil, err
		}
	}
	if final {
		all, err := listFiles(dir)
		if err != nil {
			return nil, err
		}
		for _, name := range all {
			_, up := s.sent[name]
			if p, ok := s.policy[name]; up && ok && p == recordpb.FilesItem_NOW {
				continue // "now" is uploaded once
			}
			if err := consider(name); err != nil {
				return nil, err
			}
		}
	}
	done, err := uploadNames(ctx, s.cfg.Client, dir, s.res, names, nil) // streamed from the files
	for _, name := range done {
		s.sent[name] = sums[name]
	}
	if len(done) > 0 {
		if perr := s.st.push(sender.UploadedUpdate{Paths: done}); perr != nil && err == nil {
			err = fmt.Errorf("syncer: uploaded: %w", perr)
		}
	}
	return done, err
}

// fileStamp is what a file looked like when it was last hashed.
type fileStamp struct {
	size    int64
	modTime time.Time
	sum     [md5.Size]byte
}

// fileSum returns the MD5 of the file at path (links followed), hashing it
// by streaming, never in memory. A file whose size and modification time
// are those of its last hash is not read again: the last sum is returned.
func (s *Stream) fileSum(path, name string) (sum [md5.Size]byte, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return sum, err
	}
	if prev, ok := s.stamps[name]; ok && prev.size == st.Size() && prev.modTime.Equal(st.ModTime()) {
		return prev.sum, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, fmt.Errorf("hashing %s: %w", name, err)
	}
	copy(sum[:], h.Sum(nil))
	if s.stamps == nil {
		s.stamps = map[string]fileStamp{}
	}
	s.stamps[name] = fileStamp{size: st.Size(), modTime: st.ModTime(), sum: sum}
	return sum, nil
}

// listFiles lists the files under dir (relative, with "/"), following
// links to regular files; a missing dir has none.
func listFiles(dir string) ([]string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
				return nil
			}
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
	return names, nil
}
