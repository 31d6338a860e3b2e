package host

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gowandb/wandb/plugins"
)

// Found is a plugin binary on the search path.
type Found struct {
	// Name is the manifest's name, or when describe failed the name the
	// file is called after.
	Name string
	// Path is the binary.
	Path string
	// Manifest is what `<path> describe` printed (zero when Err is set).
	Manifest plugins.Manifest
	// Shadowed says that a binary earlier on the search path has the same
	// name: this one is never started.
	Shadowed bool
	// Err is why the binary could not be described.
	Err error
}

func filepathSplitList(s string) []string {
	if s == "" {
		return nil
	}
	return filepath.SplitList(s)
}

func exeDir(exe string) string {
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return filepath.Dir(exe)
}

// candidates lists the wandb-plugin-* executables of the search path, in
// search order, each path once.
func (h *Host) candidates() []string {
	seen := map[string]bool{}
	var out []string
	for _, dir := range h.cfg.searchPath {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // a missing directory on the path is not an error, as with $PATH
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), BinaryPrefix) || e.Name() == BinaryPrefix {
				continue
			}
			p := filepath.Join(dir, e.Name())
			abs, err := filepath.Abs(p)
			if err != nil || seen[abs] || !isExecutable(p) {
				continue
			}
			seen[abs] = true
			out = append(out, p)
		}
	}
	return out
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p) // follows symlinks
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Discover describes every plugin binary on the search path, in search
// order. A binary that cannot be described is listed with Err set. The
// error is ctx's, if it ends first.
func (h *Host) Discover(ctx context.Context) ([]Found, error) {
	paths := h.candidates()
	found := make([]Found, len(paths))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, p := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			found[i] = h.Describe(ctx, p)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("plugins: discover: %w", err)
	}
	names := map[string]bool{}
	for i := range found {
		if names[found[i].Name] {
			found[i].Shadowed = true
		}
		names[found[i].Name] = true
	}
	return found, nil
}

// Find returns the first binary on the search path whose manifest has
// name. It tries wandb-plugin-<name> in each directory first and describes
// every binary only if none of those is the plugin.
func (h *Host) Find(ctx context.Context, name string) (Found, error) {
	for _, dir := range h.cfg.searchPath {
		p := filepath.Join(dir, BinaryPrefix+name)
		if !isExecutable(p) {
			continue
		}
		f := h.Describe(ctx, p)
		if f.Err != nil {
			return f, f.Err
		}
		if f.Name == name {
			return f, nil
		}
	}
	all, err := h.Discover(ctx)
	if err != nil {
		return Found{}, err
	}
	for _, f := range all {
		if f.Err == nil && f.Name == name {
			return f, nil
		}
	}
	return Found{}, fmt.Errorf("%w: no %s%s with that name on the search path %s (set %s)", ErrNotFound, BinaryPrefix, name, strings.Join(h.cfg.searchPath, string(filepath.ListSeparator)), EnvPluginPath)
}

// maxManifest bounds what describe may print.
const maxManifest = 1 << 20

// Describe runs `<path> describe` and reads the manifest it prints.
func (h *Host) Describe(ctx context.Context, path string) Found {
	f := Found{Path: path, Name: strings.TrimPrefix(filepath.Base(path), BinaryPrefix)}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.describeTimeout)
	defer cancel()
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxManifest, 4<<10
	cmd := exec.CommandContext(ctx, path, "describe")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	start := time.Now()
	err := cmd.Run()
	h.cfg.logger.Debug("describe", "path", path, "duration", time.Since(start), "error", err)
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (describe did not return within %v)", err, h.cfg.describeTimeout)
		}
		if msg != "" {
			f.Err = fmt.Errorf("plugins: %s describe: %w: %s", path, err, msg)
		} else {
			f.Err = fmt.Errorf("plugins: %s describe: %w", path, err)
		}
		return f
	}
	m, err := plugins.ReadManifest(stdout.Bytes())
	if err != nil {
		f.Err = fmt.Errorf("plugins: %s describe: %w", path, err)
		return f
	}
	f.Manifest, f.Name = m, m.Name
	return f
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

var _ io.Writer = (*limitedBuffer)(nil)
