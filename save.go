package wandb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/rundir"
)

// SavePolicy says when a saved file is uploaded (W&B's save policy).
type SavePolicy string

const (
	// SaveLive uploads the file now and again when it changes, and once
	// more at Finish. It is the default.
	SaveLive SavePolicy = "live"
	// SaveNow uploads the file once, now.
	SaveNow SavePolicy = "now"
	// SaveEnd uploads the file at Finish.
	SaveEnd SavePolicy = "end"
)

func (p SavePolicy) record() recordpb.FilesItem_PolicyType {
	switch p {
	case SaveNow:
		return recordpb.FilesItem_NOW
	case SaveEnd:
		return recordpb.FilesItem_END
	default:
		return recordpb.FilesItem_LIVE
	}
}

// SaveOption configures Run.Save.
type SaveOption func(*saveOptions)

type saveOptions struct {
	base    string
	hasBase bool
	policy  SavePolicy
	literal bool
}

// BasePath is the directory the saved paths are taken relative to (W&B's
// base_path): a match at <base>/a/b.pt is saved as files/a/b.pt. It must be
// a prefix of the glob.
func BasePath(dir string) SaveOption {
	return func(o *saveOptions) { o.base, o.hasBase = dir, true }
}

// Policy sets the upload policy of the saved files (default SaveLive).
func Policy(p SavePolicy) SaveOption { return func(o *saveOptions) { o.policy = p } }

// Literal(true) treats the glob as a literal path (W&B's glob=False).
func Literal(literal bool) SaveOption { return func(o *saveOptions) { o.literal = literal } }

// linkFuncs materialise a saved file in files/: a symlink, else a hard
// link. When both fail the file is copied. Tests replace them.
var linkFuncs = []func(oldname, newname string) error{os.Symlink, os.Link}

// Save makes the files matching glob part of the run (W&B's run.save). The
// glob is expanded once, now: files created later are not picked up. Each
// match is linked (symlink, else hard link, else copy) at
// files/<path relative to the base path> in the run directory, and a files
// record with its policy goes to the run log. Save returns the absolute
// paths of the files in files/.
//
// The base path defaults to the working directory for a relative glob, so
// the glob's directory structure is kept; an absolute glob without a base
// path keeps one directory level, with a warning. A path that would land
// outside files/ is refused. "s3://" and "gs://" strings are not saved.
// A file that had to be copied cannot be followed, so SaveLive is
// downgraded to SaveNow for it, with a warning.
//
// Uploading: the run log carries the files records, which `wandb sync`
// reads. Live re-upload on change (skipped when the MD5 is unchanged) is
// not done yet: the online uploader does not send files/ today.
func (r *Run) Save(glob string, opts ...SaveOption) ([]string, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	o := saveOptions{policy: SaveLive}
	for _, opt := range opts {
		opt(&o)
	}
	if r.disabled {
		return nil, nil
	}
	switch o.policy {
	case SaveLive, SaveNow, SaveEnd:
	default:
		return nil, fmt.Errorf("wandb: save: policy %q is not one of live, now, end: %w", o.policy, ErrInvalidSetting)
	}
	if strings.HasPrefix(glob, "gs://") || strings.HasPrefix(glob, "s3://") {
		r.warn("%s is a cloud storage url, can't save file to W&B.", glob)
		return nil, nil
	}
	if glob == "" {
		return nil, fmt.Errorf("wandb: save: empty glob: %w", ErrInvalidSetting)
	}
	base := o.base
	if !o.hasBase {
		if filepath.IsAbs(glob) {
			base = filepath.Dir(filepath.Dir(glob))
			r.warn("Saving files without folders. If you want to preserve subdirectories pass BasePath to Save, i.e. run.Save(%q, wandb.BasePath(%q))", "/mnt/folder/file.h5", "/mnt")
		} else {
			base = "."
		}
	}
	absBase, err := filepath.Abs(base)
	if err != nil {
		return nil, fmt.Errorf("wandb: save: %w", err)
	}
	absGlob, err := filepath.Abs(glob)
	if err != nil {
		return nil, fmt.Errorf("wandb: save: %w", err)
	}
	relGlob, err := filepath.Rel(absBase, absGlob)
	if err != nil || !filepath.IsLocal(relGlob) {
		return nil, fmt.Errorf("wandb: save: glob %s may not walk above the base path %s: %w", glob, base, ErrPathEscape)
	}
	if strings.SplitN(filepath.ToSlash(relGlob), "/", 2)[0] == "*" {
		return nil, fmt.Errorf("wandb: save: glob %s may not start with '*' relative to the base path %s: %w", glob, base, ErrInvalidSetting)
	}

	matches := []string{absGlob}
	if !o.literal {
		if matches, err = filepath.Glob(absGlob); err != nil {
			return nil, fmt.Errorf("wandb: save: glob %s: %w", glob, err)
		}
	}
	filesDir, err := filepath.Abs(r.dir.FilesPath())
	if err != nil {
		return nil, fmt.Errorf("wandb: save: %w", err)
	}
	var targets []string
	var items []*recordpb.FilesItem
	for _, src := range matches {
		if st, err := os.Stat(src); err == nil && st.IsDir() {
			continue
		}
		rel, err := filepath.Rel(absBase, src)
		if err != nil || !filepath.IsLocal(rel) {
			return targets, fmt.Errorf("wandb: save: %s is outside the base path %s: %w", src, base, ErrPathEscape)
		}
		target := filepath.Join(filesDir, rel)
		if tr, err := filepath.Rel(filesDir, target); err != nil || !filepath.IsLocal(tr) {
			return targets, fmt.Errorf("wandb: save: %s would escape the run's files directory: %w", src, ErrPathEscape)
		}
		policy := o.policy
		if same, _ := sameFile(src, target); target != src && !same {
			copied, err := materialise(src, target)
			if err != nil {
				return targets, fmt.Errorf("wandb: save: %s: %w", src, err)
			}
			if copied && policy == SaveLive {
				r.warn("save: %s could not be linked and was copied; its policy is now %q instead of %q", src, SaveNow, SaveLive)
				policy = SaveNow
			}
		}
		targets = append(targets, target)
		items = append(items, &recordpb.FilesItem{Path: filepath.ToSlash(rel), Policy: policy.record()})
	}
	if len(items) > 0 {
		if r.finished.Load() {
			return targets, ErrRunFinished
		}
		r.handler.Emit(&recordpb.Record{RecordType: &recordpb.Record_Files{Files: &recordpb.FilesRecord{Files: items}}})
	}
	return targets, nil
}

// materialise puts src at target: a link when one works, else a copy
// (copied is then true). An existing target is replaced.
func materialise(src, target string) (copied bool, err error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return false, err
	}
	if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	for _, link := range linkFuncs {
		if link(src, target) == nil {
			return false, nil
		}
	}
	return true, copyFile(src, target)
}

// copyFile copies src to dst through a temporary file and a rename.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, in)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// RestoreOption configures Restore.
type RestoreOption func(*restoreOptions)

type restoreOptions struct {
	runPath string
	replace bool
	root    string
}

// RunPath names the run to restore from: "entity/project/id",
// "entity/project/runs/id", "project/id" or "id". Without it Restore uses
// the current run.
func RunPath(path string) RestoreOption { return func(o *restoreOptions) { o.runPath = path } }

// Replace(true) overwrites a file that already exists at the destination.
func Replace(replace bool) RestoreOption { return func(o *restoreOptions) { o.replace = replace } }

// Root is the directory the file is restored into (default: the current
// run's Dir, else the working directory).
func Root(dir string) RestoreOption { return func(o *restoreOptions) { o.root = dir } }

// Restore brings back a file saved with a run (W&B's wandb.restore) and
// returns it opened for reading. It is written at <root>/<name>; if that
// file exists and Replace is not set, it is opened as it is.
//
// The run is looked up in the local run directories (the current run's
// root, else WANDB_DIR, else the working directory), newest first, and the
// file is copied from its files/ directory. A run path of the form
// entity/project/id or project/id that names no local run is looked up on
// the server (the current run's, else the one WANDB_BASE_URL, WANDB_API_KEY,
// the settings files and netrc name) and the file downloaded through a
// signed URL. Errors: ErrRunPathRequired before Init without RunPath,
// *RunNotFoundError and *FileNotFoundError.
func Restore(ctx context.Context, name string, opts ...RestoreOption) (*os.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("wandb: restore: %w", err)
	}
	var o restoreOptions
	for _, opt := range opts {
		opt(&o)
	}
	if name == "" || !filepath.IsLocal(filepath.FromSlash(name)) {
		return nil, fmt.Errorf("wandb: restore: %q is not a path inside the run's files: %w", name, ErrPathEscape)
	}
	name = filepath.FromSlash(name)
	cur := currentRun()
	if cur != nil && cur.disabled {
		cur = nil
	}
	runPath, id := o.runPath, ""
	switch {
	case runPath != "":
		parts := strings.Split(strings.Trim(runPath, "/"), "/")
		if len(parts) == 4 && parts[2] == "runs" {
			parts = slices.Delete(parts, 2, 3)
		}
		if len(parts) > 3 || slices.Contains(parts, "") {
			return nil, fmt.Errorf("wandb: restore: bad run path %q (want entity/project/id, project/id or id): %w", runPath, ErrInvalidSetting)
		}
		id = parts[len(parts)-1]
	case cur != nil:
		runPath, id = cur.Path(), cur.id
	default:
		return nil, ErrRunPathRequired
	}
	root := o.root
	if root == "" {
		root = "."
		if cur != nil {
			root = cur.Dir()
		}
	}
	dest := filepath.Join(root, name)
	if !o.replace {
		if f, err := os.Open(dest); err == nil {
			return f, nil
		}
	}
	searchRoot := os.Getenv("WANDB_DIR")
	if cur != nil {
		searchRoot = cur.root
	}
	if searchRoot == "" {
		searchRoot = "."
	}
	runs, err := rundir.FindID(searchRoot, id)
	if err != nil {
		return nil, fmt.Errorf("wandb: restore: %w", err)
	}
	if len(runs) == 0 {
		return restoreFromServer(ctx, cur, runPath, name, root, dest)
	}
	for _, rd := range slices.Backward(runs) {
		src := filepath.Join(rd.FilesPath(), name)
		st, err := os.Stat(src)
		if err != nil || st.IsDir() {
			continue
		}
		if same, err := sameFile(src, dest); err == nil && same {
			return os.Open(dest)
		}
		if err := copyFile(src, dest); err != nil {
			return nil, fmt.Errorf("wandb: restore: %s: %w", name, err)
		}
		f, err := os.Open(dest)
		if err != nil {
			return nil, fmt.Errorf("wandb: restore: %w", err)
		}
		return f, nil
	}
	return nil, &FileNotFoundError{Name: filepath.ToSlash(name), Run: runPath}
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
