package wandb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gowandb/wandb/core/query"
)

// restoreFromServer is Restore's server path: the run named by runPath
// (entity/project/id or project/id) is read with the API, and the file
// downloaded to dest (root/name). A bare run id, or no API key, means there is nothing
// to ask: *RunNotFoundError as before.
func restoreFromServer(ctx context.Context, cur *Run, runPath, name, root, dest string) (*os.File, error) {
	parts := strings.Split(strings.Trim(runPath, "/"), "/")
	if len(parts) < 2 {
		return nil, &RunNotFoundError{Path: runPath}
	}
	var opts []query.Option
	if cur != nil && cur.settings != nil {
		opts = append(opts, query.WithBaseURL(cur.settings.BaseURL), query.WithAPIKey(cur.settings.APIKey))
		if cur.root != "" {
			opts = append(opts, query.WithRootDir(cur.root))
		}
	}
	api, err := query.New(opts...)
	if errors.Is(err, query.ErrNoAPIKey) {
		return nil, &RunNotFoundError{Path: runPath}
	}
	if err != nil {
		return nil, fmt.Errorf("wandb: restore: %w", err)
	}
	run, err := api.Run(ctx, runPath)
	if errors.Is(err, query.ErrNotFound) {
		return nil, &RunNotFoundError{Path: runPath}
	}
	if err != nil {
		return nil, fmt.Errorf("wandb: restore: %w", err)
	}
	slash := filepath.ToSlash(name)
	f, err := run.File(ctx, slash)
	if errors.Is(err, query.ErrNotFound) {
		return nil, &FileNotFoundError{Name: slash, Run: runPath}
	}
	if err != nil {
		return nil, fmt.Errorf("wandb: restore: %w", err)
	}
	if _, err := f.Download(ctx, root, true); err != nil {
		return nil, fmt.Errorf("wandb: restore: %s: %w", slash, err)
	}
	out, err := os.Open(dest)
	if err != nil {
		return nil, fmt.Errorf("wandb: restore: %w", err)
	}
	return out, nil
}
