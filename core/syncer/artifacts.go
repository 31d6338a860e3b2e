package syncer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/wire"
	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/wal"
)

// Artifacts in the run log reach the server through core/artifact/wire:
// an ArtifactRecord is committed as a version the run logged (its files
// uploaded from the staged copies the record names), a UseArtifactRecord
// records the run as a user of the version. Both are idempotent on the
// server (a version is found by its digest, a use is recorded once), so a
// record sent again by a second sync or Pump does no harm.

// artifact is the Stream's hook (online runs): an artifact that fails is
// an error of the Pump, and the record is tried again on the next Pump
// (the log position advances only past applied records).
func (s *Stream) artifact(ctx context.Context, rec *recordpb.Record) error {
	run := artifact.Scope{Entity: s.res.Entity, Project: s.res.Project, Run: s.res.ID}
	step := int64(0) // the run's step when it logged the artifact, as `wandb sync` counts it
	if s.stepSeen {
		step = s.lastStep + 1
	}
	return applyArtifact(ctx, wire.FromClient(s.cfg.Client), run, rec, step)
}

// syncArtifacts commits the artifact records of the log at logPath for
// the run res (`wandb sync`).
func syncArtifacts(ctx context.Context, c *sender.Client, logPath string, res Result) error {
	f, err := os.Open(logPath)
	if err != nil {
		return fmt.Errorf("syncer: %w", err)
	}
	defer f.Close()
	rd, err := wal.NewReader(f)
	if err != nil {
		return fmt.Errorf("syncer: %s: %w", logPath, err)
	}
	remote := wire.FromClient(c)
	run := artifact.Scope{Entity: res.Entity, Project: res.Project, Run: res.ID}
	step := int64(-1) // the last history step seen
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("syncer: %s: %w", logPath, err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			continue
		}
		switch r := rec.RecordType.(type) {
		case *recordpb.Record_History:
			if st := r.History.GetStep(); st != nil {
				step = st.GetNum()
			}
		case *recordpb.Record_Artifact, *recordpb.Record_UseArtifact:
			if err := applyArtifact(ctx, remote, run, rec, step+1); err != nil {
				return err
			}
		}
	}
}

// applyArtifact sends one artifact or use-artifact record for run.
// historyStep is the run's step when it logged the artifact (-1: unknown).
func applyArtifact(ctx context.Context, remote *wire.Remote, run artifact.Scope, rec *recordpb.Record, historyStep int64) error {
	switch r := rec.RecordType.(type) {
	case *recordpb.Record_Artifact:
		req, err := artifact.FromRecord(r.Artifact)
		if err != nil {
			return fmt.Errorf("syncer: %w", err)
		}
		// The run's place on the server wins over the record's (sync may
		// move a run to another project).
		req.Scope.Entity, req.Scope.Project = run.Entity, run.Project
		if !r.Artifact.GetUserCreated() {
			req.Scope.Run = run.Run
			req.HistoryStep = historyStep
		}
		res, err := remote.Log(ctx, req)
		if err != nil {
			return fmt.Errorf("syncer: artifact %s: %w", req.Name, err)
		}
		// Committed: the cached files may go in a cache cleanup again.
		_ = artifact.UnpinCommitted(req)
		if r.Artifact.GetUseAfterCommit() {
			if err := remote.Use(ctx, res.Version, run); err != nil {
				return fmt.Errorf("syncer: artifact %s: %w", req.Name, err)
			}
		}
	case *recordpb.Record_UseArtifact:
		// The id is the server's. On another server it is unknown and the
		// use cannot be recorded, which must not stop the sync.
		if id := r.UseArtifact.GetId(); id != "" {
			_ = remote.Use(ctx, artifact.Version{ID: id, Name: r.UseArtifact.GetName()}, run)
		}
	}
	return nil
}
