package tensorboard

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/gowandb/wandb"
)

// Sync imports the finished TensorBoard logs under logDir into run: every
// directory with event files (logDir and, by default, its subdirectories)
// is read in name order, file after file, its events converted (see
// Converter) with the directory's namespace and logged as rows; then the
// event files are saved with the run. It is Sync for `wandb sync
// --tensorboard` and for programs that import logs after training.
//
// Damaged files are read as far as they can be: every intact event is
// imported and the damage is listed in Stats.Damage (and passed to
// WithWarnings). Rows that cannot be logged whole are reported in the
// returned error, which joins every problem; the rest is imported anyway.
func Sync(ctx context.Context, run *wandb.Run, logDir string, opts ...Option) (Stats, error) {
	if run == nil {
		return Stats{}, fmt.Errorf("tensorboard: sync: %w", wandb.ErrNotInitialized)
	}
	return SyncTo(ctx, RunSink(run), logDir, opts...)
}

// SyncTo is Sync into any Sink.
func SyncTo(ctx context.Context, sink Sink, logDir string, opts ...Option) (Stats, error) {
	cfg := newConfig(opts)
	var stats Stats
	filter := Filter{}
	if cfg.filter != nil {
		filter = *cfg.filter
	}
	root := cfg.rootDir
	if root == "" {
		root = logDir
	}
	dirs, err := logDirs(logDir, cfg.recursive, filter)
	if err != nil {
		return stats, err
	}
	var errs []error
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		s := newStream(dir, namespaceOf(cfg.namespace, root, dir), sink, &cfg, &stats)
		if _, err := s.read(ctx, dirs[dir], false); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, s.flush(ctx))
		errs = append(errs, s.save(ctx, root))
		if err := ctx.Err(); err != nil {
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		return stats, fmt.Errorf("tensorboard: sync %s: %w", filepath.Clean(logDir), err)
	}
	return stats, nil
}
