package magic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gowandb/wandb/core/sysinfo"
)

// writeDiffs writes the uncommitted changes of the working directory's git
// repository as W&B does: files/diff.patch from `git diff HEAD`, and
// files/diff_<upstream commit>.patch from `git diff <upstream>` when the
// branch has an upstream other than HEAD. Nothing is written, and nothing
// is an error, without git on PATH, outside a repository, on an unborn
// branch or without changes. The repository's remote and commit are in
// wandb-metadata.json already (the run writes it).
func writeDiffs(ctx context.Context, filesDir string) error {
	git, err := exec.LookPath("git")
	if err != nil {
		return nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil
	}
	root, ok := sysinfo.FindGitRoot(cwd)
	if !ok {
		return nil
	}
	head, err := gitOutput(ctx, git, root, "rev-parse", "--verify", "--quiet", "HEAD")
	if err != nil || head == "" {
		return nil // an unborn branch has nothing to diff against
	}
	var errs []error
	errs = append(errs, gitDiff(ctx, git, root, filepath.Join(filesDir, "diff.patch"), "HEAD"))
	if up, err := gitOutput(ctx, git, root, "rev-parse", "--verify", "--quiet", "@{upstream}"); err == nil && up != "" && up != head {
		errs = append(errs, gitDiff(ctx, git, root, filepath.Join(filesDir, "diff_"+up+".patch"), up))
	}
	return errors.Join(errs...)
}

func gitCommand(ctx context.Context, git, root string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, git, append([]string{"-C", root}, args...)...)
	// No index lock (the program's own git use goes on), C messages.
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	return cmd
}

func gitOutput(ctx context.Context, git, root string, args ...string) (string, error) {
	out, err := gitCommand(ctx, git, root, args...).Output()
	return strings.TrimSpace(string(out)), err
}

// gitDiff writes `git diff <against>` of the work tree into path, and
// removes the file when the diff is empty.
func gitDiff(ctx context.Context, git, root, path, against string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("magic: %w", err)
	}
	var stderr bytes.Buffer
	cmd := gitCommand(ctx, git, root, "diff", "--submodule=diff", "--no-color", "--no-ext-diff", against, "--")
	cmd.Stdout, cmd.Stderr = f, &stderr
	err = cmd.Run()
	size, _ := f.Seek(0, io.SeekCurrent)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || size == 0 {
		os.Remove(path)
	}
	if err != nil {
		return fmt.Errorf("magic: git diff %s: %w: %s", against, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
