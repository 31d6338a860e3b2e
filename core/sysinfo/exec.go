package sysinfo

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// gitTimeout bounds each git command of the slow paths.
const gitTimeout = 5 * time.Second

// runCmd runs a program found by lookPath and returns its standard output.
// It is killed when ctx is done or timeout passes; its standard error is
// discarded.
func runCmd(ctx context.Context, timeout time.Duration, lookPath func(string) (string, error), name string, args ...string) ([]byte, error) {
	path, err := lookPath(name)
	if err != nil {
		return nil, fmt.Errorf("sysinfo: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = time.Second // do not wait on grandchildren holding stdout
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("sysinfo: %s: %w", name, err)
	}
	return out, nil
}

// readGitExec asks git for what the ref files would tell: used for
// repositories whose refs this package cannot parse (reftable).
func readGitExec(ctx context.Context, lookPath func(string) (string, error), root string, cfg map[string]string) (*Git, error) {
	g := &Git{Remote: sanitizeRemote(cfg["remote.origin.url"])}
	out, err := runCmd(ctx, gitTimeout, lookPath, "git", "-C", root, "rev-parse", "--verify", "-q", "HEAD")
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	if s := strings.TrimSpace(string(out)); isHash(s) {
		g.Commit = s
	}
	out, err = runCmd(ctx, gitTimeout, lookPath, "git", "-C", root, "symbolic-ref", "-q", "HEAD")
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	g.Branch, _ = strings.CutPrefix(strings.TrimSpace(string(out)), "refs/heads/")
	return g, nil
}

// gitDirty reports whether tracked files differ from HEAD.
func gitDirty(ctx context.Context, lookPath func(string) (string, error), root string) (bool, error) {
	out, err := runCmd(ctx, gitTimeout, lookPath, "git", "-C", root, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return false, err
	}
	return len(strings.TrimSpace(string(out))) > 0, nil
}
