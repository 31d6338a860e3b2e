package wandb

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowandb/wandb/core/console"
	"github.com/gowandb/wandb/core/online"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/settings"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Run is one experiment run. Its methods are safe for concurrent use. A nil
// *Run returns ErrNotInitialized from every method that returns an error.
type Run struct {
	settings *settings.Settings
	mode     Mode
	disabled bool

	id, project, entity, group, jobType, sweepID, host string
	startTime                                          time.Time
	startingStep                                       int64
	resumed                                            bool

	mu    sync.Mutex // guards name, notes, tags
	name  string
	notes string
	tags  []string

	dir     rundir.Run
	root    string
	handler *runstate.Handler
	log     *runlog.Writer
	config  *Config
	summary *Summary
	warnOut io.Writer

	finished    atomic.Bool
	finishMu    sync.Mutex
	finishErr   error
	finishDone  bool
	bg          sync.WaitGroup // background work (metadata) to wait for at Finish
	capture     *console.Capturer
	now         func() time.Time
	magic       any
	configDirty atomic.Bool
	plugins     *pluginHub       // plugins.go; nil without plugins
	client      *sender.Client   // online.go; nil offline
	uploader    *online.Uploader // online.go; nil offline
}

// ID is the run id, unique within the project.
func (r *Run) ID() string {
	if r == nil {
		return ""
	}
	return r.id
}

// Name is the run's display name.
func (r *Run) Name() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.name
}

// Notes is the run's description.
func (r *Run) Notes() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.notes
}

// Tags returns a copy of the run's tags.
func (r *Run) Tags() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.tags)
}

// SetName changes the display name.
func (r *Run) SetName(name string) error {
	return r.updateRun(func() { r.name = name })
}

// SetNotes changes the notes.
func (r *Run) SetNotes(notes string) error {
	return r.updateRun(func() { r.notes = notes })
}

// SetTags replaces the tags. Each must be 1 to 64 characters.
func (r *Run) SetTags(tags ...string) error {
	for _, t := range tags {
		if n := len([]rune(t)); n < 1 || n > 64 {
			return fmt.Errorf("wandb: tag %q: tags must be 1 to 64 characters: %w", t, ErrInvalidSetting)
		}
	}
	return r.updateRun(func() { r.tags = slices.Clone(tags) })
}

func (r *Run) updateRun(change func()) error {
	if err := r.check(); err != nil {
		return err
	}
	r.mu.Lock()
	change()
	rec := r.runRecordLocked(false)
	r.mu.Unlock()
	if !r.disabled {
		r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Run{Run: rec}})
	}
	return nil
}

func (r *Run) runRecordLocked(withConfig bool) *recordpb.RunRecord {
	rec := &recordpb.RunRecord{
		RunId: r.id, Entity: r.entity, Project: r.project,
		RunGroup: r.group, JobType: r.jobType, DisplayName: r.name, Notes: r.notes,
		Tags: slices.Clone(r.tags), SweepId: r.sweepID, Host: r.host,
		StartingStep: r.startingStep, StartTime: timestamppb.New(r.startTime), Resumed: r.resumed,
	}
	if withConfig {
		rec.Config = r.config.record(r.config.c.Keys(), true)
	}
	return rec
}

// Magic is the value given to WithMagic (nil when none): the magic
// package's auto-logging settings.
func (r *Run) Magic() any {
	if r == nil {
		return nil
	}
	return r.magic
}

// SweepID is the sweep the run belongs to, or "".
func (r *Run) SweepID() string {
	if r == nil {
		return ""
	}
	return r.sweepID
}

// Project is the run's project.
func (r *Run) Project() string {
	if r == nil {
		return ""
	}
	return r.project
}

// Entity is the user or team of the run ("" offline when none is set).
func (r *Run) Entity() string {
	if r == nil {
		return ""
	}
	return r.entity
}

// Group is the run's group.
func (r *Run) Group() string {
	if r == nil {
		return ""
	}
	return r.group
}

// JobType is the run's job type.
func (r *Run) JobType() string {
	if r == nil {
		return ""
	}
	return r.jobType
}

// Path is "entity/project/id" (without the entity when there is none).
func (r *Run) Path() string {
	if r == nil {
		return ""
	}
	if r.entity == "" {
		return r.project + "/" + r.id
	}
	return r.entity + "/" + r.project + "/" + r.id
}

// Dir is the directory of the run's files (W&B's run.dir):
// <run directory>/files. Files put there are part of the run.
func (r *Run) Dir() string {
	if r == nil {
		return ""
	}
	return r.dir.FilesPath()
}

// SyncDir is the run directory that holds the run log, files/ and logs/.
func (r *Run) SyncDir() string {
	if r == nil {
		return ""
	}
	return r.dir.Dir
}

// LogPath is the run log (run-<id>.wandb), or "" for a disabled run.
func (r *Run) LogPath() string {
	if r == nil || r.disabled {
		return ""
	}
	return r.dir.LogPath()
}

// StartTime is when the run started (for a resumed run, when this process
// resumed it).
func (r *Run) StartTime() time.Time {
	if r == nil {
		return time.Time{}
	}
	return r.startTime
}

// StartingStep is the first step of this process's part of the run: 0, or
// where a resumed run continues.
func (r *Run) StartingStep() int64 {
	if r == nil {
		return 0
	}
	return r.startingStep
}

// Resumed says whether the run continues an earlier one.
func (r *Run) Resumed() bool { return r != nil && r.resumed }

// Step is the current step: the step the next committed row gets.
func (r *Run) Step() int64 {
	if r == nil {
		return 0
	}
	if r.disabled {
		return 0
	}
	return r.handler.Step()
}

// Mode is online, offline or disabled.
func (r *Run) Mode() Mode {
	if r == nil {
		return ""
	}
	return r.mode
}

// Offline reports whether the run is not sent to a server.
func (r *Run) Offline() bool { return r != nil && r.mode != ModeOnline }

// Disabled reports whether the run is a no-op run.
func (r *Run) Disabled() bool { return r != nil && r.disabled }

// URL is the run's page on the server, or "" offline.
func (r *Run) URL() string { return r.GetURL() }

// GetURL is the run's page on the server, or "" offline.
func (r *Run) GetURL() string {
	if r.GetProjectURL() == "" {
		return ""
	}
	return r.GetProjectURL() + "/runs/" + url.PathEscape(r.id)
}

// GetProjectURL is the project's page on the server, or "" offline.
func (r *Run) GetProjectURL() string {
	if r == nil || r.Offline() || r.entity == "" {
		return ""
	}
	return appURL(r.settings.BaseURL) + "/" + url.PathEscape(r.entity) + "/" + url.PathEscape(r.project)
}

// GetSweepURL is the sweep's page on the server, or "" offline or without
// a sweep.
func (r *Run) GetSweepURL() string {
	if r == nil || r.sweepID == "" || r.GetProjectURL() == "" {
		return ""
	}
	return r.GetProjectURL() + "/sweeps/" + url.PathEscape(r.sweepID)
}

// appURL turns an API base URL into the app's (api.wandb.ai → wandb.ai).
func appURL(base string) string {
	return strings.Replace(strings.TrimRight(base, "/"), "//api.", "//", 1)
}

// Config is the run's config.
func (r *Run) Config() *Config {
	if r == nil {
		return nil
	}
	return r.config
}

// Summary is the run's summary.
func (r *Run) Summary() *Summary {
	if r == nil {
		return nil
	}
	return r.summary
}

// DroppedSteps counts Log calls dropped for a step lower than the current one.
func (r *Run) DroppedSteps() int64 {
	if r == nil || r.disabled {
		return 0
	}
	return r.handler.Dropped()
}

// Settings returns a copy of the run's resolved settings, with the source
// of each value.
func (r *Run) Settings() *settings.Settings {
	if r == nil {
		return nil
	}
	return r.settings.Clone()
}

func (r *Run) check() error {
	if r == nil {
		return ErrNotInitialized
	}
	if r.finished.Load() {
		return ErrRunFinished
	}
	return nil
}

func (r *Run) warn(format string, args ...any) {
	if r.warnOut == nil {
		return
	}
	fmt.Fprintf(r.warnOut, "wandb: WARNING "+format+"\n", args...)
}

// Flush makes everything logged so far durable: the pending history row is
// not committed, but every record before it is written to the run log and
// fsynced, and config.yaml and wandb-summary.json are brought up to date.
func (r *Run) Flush(ctx context.Context) error {
	if err := r.check(); err != nil {
		return err
	}
	if r.disabled {
		return nil
	}
	if err := r.log.Flush(ctx); err != nil {
		return wrap("flush", err)
	}
	return wrap("flush", r.writeFiles())
}
