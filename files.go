package wandb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runconfig"
	"github.com/gowandb/wandb/core/sysinfo"
)

// collectMetadata writes files/wandb-metadata.json and its record in the
// background, so Init does not wait for git or GPU probes.
func (r *Run) collectMetadata(ctx context.Context) {
	defer r.bg.Done()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err := sysinfo.Collect(ctx, sysinfo.Options{DisableGit: r.settings.DisableGit})
	if err != nil {
		r.warn("metadata: %v", err)
		return
	}
	m.StartedAt = r.startTime.UTC().Format(time.RFC3339Nano)
	if err := m.WriteFile(filepath.Join(r.dir.FilesPath(), "wandb-metadata.json")); err != nil {
		r.warn("metadata: %v", err)
		return
	}
	js, err := m.JSON()
	if err != nil {
		return
	}
	if r.finished.Load() {
		return
	}
	r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Environment{Environment: &recordpb.EnvironmentRecord{MetadataJson: string(js)}}})
	r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Files{Files: &recordpb.FilesRecord{Files: []*recordpb.FilesItem{
		{Path: "wandb-metadata.json", Policy: recordpb.FilesItem_NOW, Type: recordpb.FilesItem_WANDB},
	}}}})
}

// writeFiles brings config.yaml and wandb-summary.json up to date.
func (r *Run) writeFiles() error {
	var errs []error
	if r.configDirty.Swap(false) {
		errs = append(errs, r.writeConfigFile())
	}
	errs = append(errs, writeFileAtomic(filepath.Join(r.dir.FilesPath(), "wandb-summary.json"), r.summary.view.JSON()))
	return errors.Join(errs...)
}

func (r *Run) writeConfigFile() error {
	return runconfig.WriteYAMLFile(filepath.Join(r.dir.FilesPath(), "config.yaml"), r.config.c.Map())
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("wandb: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("wandb: %w", err)
	}
	return nil
}
