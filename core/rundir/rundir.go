// Package rundir is the layout of runs on disk (wandb-behaviour.md §1.7):
//
//	<root>/wandb/
//	  settings                      workspace settings
//	  wandb-resume.json             resume="auto" bookkeeping
//	  latest-run -> run-.../        relative symlink to the newest run
//	  run-YYYYMMDD_HHMMSS-<id>[-N]/ (offline-run-… for offline runs)
//	    run-<id>.wandb              the run log
//	    files/                      the run's files (run.Dir)
//	    logs/                       debug logs
//
// It creates run directories, finds earlier runs by id for resume, and
// lists the runs of a root directory.
package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Names inside the wandb directory.
const (
	DirName        = "wandb"
	LatestLink     = "latest-run"
	ResumeFile     = "wandb-resume.json"
	FilesDir       = "files"
	LogsDir        = "logs"
	OfflinePrefix  = "offline-run-"
	OnlinePrefix   = "run-"
	timestampFormt = "20060102_150405"
)

// WandbDir is <root>/wandb.
func WandbDir(root string) string { return filepath.Join(root, DirName) }

// LogName is the run log's file name for a run id.
func LogName(id string) string { return "run-" + id + ".wandb" }

// Run is a run directory.
type Run struct {
	// Dir is the run directory.
	Dir string
	// ID is the run id.
	ID string
	// Offline says whether the directory is an offline run's.
	Offline bool
	// Started is the start time encoded in the directory name (local time).
	Started time.Time
}

// LogPath is the run log inside the directory.
func (r Run) LogPath() string { return filepath.Join(r.Dir, LogName(r.ID)) }

// FilesPath is the files directory.
func (r Run) FilesPath() string { return filepath.Join(r.Dir, FilesDir) }

var (
	dirRE    = regexp.MustCompile(`^(offline-run|run)-(\d{8}_\d{6})-(.+)$`)
	suffixRE = regexp.MustCompile(`^(.+)-(\d+)$`)
)

// Parse reads a run directory's name. Run ids may contain "-", so a
// trailing -N is taken as a collision suffix only when the run log inside
// says so.
func Parse(dir string) (Run, bool) {
	m := dirRE.FindStringSubmatch(filepath.Base(dir))
	if m == nil {
		return Run{}, false
	}
	t, err := time.ParseInLocation(timestampFormt, m[2], time.Local)
	if err != nil {
		return Run{}, false
	}
	id := m[3]
	if s := suffixRE.FindStringSubmatch(id); s != nil {
		if _, err := os.Stat(filepath.Join(dir, LogName(id))); err != nil {
			if _, err := os.Stat(filepath.Join(dir, LogName(s[1]))); err == nil {
				id = s[1]
			}
		}
	}
	return Run{Dir: dir, ID: id, Offline: m[1] == "offline-run", Started: t}, true
}

// Create makes a new run directory with files/ and logs/ under
// <root>/wandb, adding -1, -2… when the name is taken.
func Create(root, id string, offline bool, start time.Time) (Run, error) {
	base := WandbDir(root)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return Run{}, fmt.Errorf("rundir: %w", err)
	}
	prefix := OnlinePrefix
	if offline {
		prefix = OfflinePrefix
	}
	name := prefix + start.Format(timestampFormt) + "-" + id
	for i := 0; ; i++ {
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s-%d", name, i)
		}
		dir := filepath.Join(base, n)
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return Run{}, fmt.Errorf("rundir: %w", err)
		}
		for _, sub := range []string{FilesDir, LogsDir} {
			if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
				return Run{}, fmt.Errorf("rundir: %w", err)
			}
		}
		return Run{Dir: dir, ID: id, Offline: offline, Started: start}, nil
	}
}

// SetLatest points <root>/wandb/latest-run at dir (a relative symlink,
// replaced atomically). Where symlinks are not supported it does nothing.
func SetLatest(root, dir string) error {
	base := WandbDir(root)
	rel, err := filepath.Rel(base, dir)
	if err != nil {
		return fmt.Errorf("rundir: %w", err)
	}
	tmp := filepath.Join(base, fmt.Sprintf(".%s.%d.%d", LatestLink, os.Getpid(), latestSeq.Add(1)))
	_ = os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err != nil {
		return nil //nolint: symlinks unsupported
	}
	if err := os.Rename(tmp, filepath.Join(base, LatestLink)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("rundir: %w", err)
	}
	return nil
}

// latestSeq makes SetLatest's temporary link names unique in a process.
var latestSeq atomic.Int64

// Latest returns the run that latest-run points at.
func Latest(root string) (Run, bool) {
	target, err := os.Readlink(filepath.Join(WandbDir(root), LatestLink))
	if err != nil {
		return Run{}, false
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(WandbDir(root), target)
	}
	return Parse(target)
}

// List returns the run directories under <root>/wandb, oldest first. A
// path that is itself a run directory lists just that run.
func List(root string) ([]Run, error) {
	if r, ok := Parse(root); ok {
		if st, err := os.Stat(root); err == nil && st.IsDir() {
			return []Run{r}, nil
		}
	}
	base := WandbDir(root)
	entries, err := os.ReadDir(base)
	if errors.Is(err, os.ErrNotExist) {
		// Accept the wandb directory itself too.
		if filepath.Base(root) == DirName {
			base = root
			entries, err = os.ReadDir(base)
		}
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("rundir: %w", err)
	}
	var runs []Run
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if r, ok := Parse(filepath.Join(base, e.Name())); ok {
			runs = append(runs, r)
		}
	}
	slices.SortStableFunc(runs, func(a, b Run) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(a.Dir, b.Dir)
	})
	return runs, nil
}

// FindID returns the earlier run directories of a run id, oldest first.
func FindID(root, id string) ([]Run, error) {
	runs, err := List(root)
	if err != nil {
		return nil, err
	}
	var out []Run
	for _, r := range runs {
		if r.ID == id {
			if _, err := os.Stat(r.LogPath()); err == nil {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// resumeDoc is wandb-resume.json.
type resumeDoc struct {
	RunID string `json:"run_id"`
}

// ReadResume returns the run id in <root>/wandb/wandb-resume.json.
func ReadResume(root string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(WandbDir(root), ResumeFile))
	if err != nil {
		return "", false
	}
	var d resumeDoc
	if json.Unmarshal(b, &d) != nil || d.RunID == "" {
		return "", false
	}
	return d.RunID, true
}

// WriteResume records id in <root>/wandb/wandb-resume.json.
func WriteResume(root, id string) error {
	b, _ := json.Marshal(resumeDoc{RunID: id})
	if err := os.WriteFile(filepath.Join(WandbDir(root), ResumeFile), b, 0o644); err != nil {
		return fmt.Errorf("rundir: %w", err)
	}
	return nil
}

// RemoveResume deletes wandb-resume.json (a run that exits with code 0).
func RemoveResume(root string) error {
	err := os.Remove(filepath.Join(WandbDir(root), ResumeFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rundir: %w", err)
	}
	return nil
}
