package tensorboard

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter selects event files by name, as W&B does (wandb-behaviour.md
// §9.1): the name must hold "tfevents.<unix seconds>.<host>", and names
// ending in ".profile-empty" (the TensorFlow profiler's empty files) or
// ".sagemaker-uploaded" (SageMaker's temporary copies) are left out.
type Filter struct {
	// StartTime, if not zero, leaves out files named with an earlier time
	// (whole seconds): logs of earlier runs in the same directory.
	StartTime time.Time
	// Hostname, if not empty, leaves out files written on other hosts. The
	// host part must equal it or start with it and a dot (PyTorch and
	// TensorFlow 2 append ".<pid>.<n>…").
	Hostname string
}

// Match reports whether the file name (or path) is accepted.
func (f Filter) Match(name string) bool {
	name = filepath.Base(name)
	if strings.HasSuffix(name, ".profile-empty") || strings.HasSuffix(name, ".sagemaker-uploaded") {
		return false
	}
	_, rest, ok := strings.Cut(name, "tfevents.")
	if !ok {
		return false
	}
	secs, host, ok := strings.Cut(rest, ".")
	if !ok || secs == "" || host == "" {
		return false
	}
	t, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return false
	}
	if !f.StartTime.IsZero() && t < f.StartTime.Unix() {
		return false
	}
	if f.Hostname != "" && host != f.Hostname && !strings.HasPrefix(host, f.Hostname+".") {
		return false
	}
	return true
}

// logDirs returns the directories under root (root included, its
// subdirectories too when recursive) that hold event files accepted by f,
// each with its file names in reading order (TensorBoard's: by name).
func logDirs(root string, recursive bool, f Filter) (map[string][]string, error) {
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // an unreadable subdirectory is left out
		}
		if d.IsDir() {
			if path != root && !recursive {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && f.Match(d.Name()) {
			dir := filepath.Dir(path)
			out[dir] = append(out[dir], d.Name())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tensorboard: %w", err)
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out, nil
}

// namespaceOf is a log directory's namespace: prefix, then dir relative to
// root, slash-separated ("" for root itself).
func namespaceOf(prefix, root, dir string) string {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		rel = ""
	}
	parts := []string{}
	for _, p := range []string{strings.Trim(prefix, "/"), filepath.ToSlash(rel)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// saveName is where an event file is saved in the run's files: its path
// relative to root, slash-separated (its base name when root is not above
// it).
func saveName(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(path)
	}
	return filepath.ToSlash(rel)
}
