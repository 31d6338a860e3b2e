package sysinfo

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// git runs the real git in dir, isolated from the user's configuration.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func needGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

const testRemote = "https://user:s3cret@example.com/org/repo.git"
const testRemoteClean = "https://example.com/org/repo.git"

// newRepo makes a repository with one commit on "main" and remote origin.
func newRepo(t testing.TB) string {
	t.Helper()
	needGit(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	commit(t, dir, "a.txt")
	git(t, dir, "remote", "add", "origin", testRemote)
	return dir
}

func commit(t testing.TB, dir, file string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", file)
	git(t, dir, "commit", "-q", "-m", "add "+file)
	return git(t, dir, "rev-parse", "HEAD")
}

func readGit(t *testing.T, dir string) *Git {
	t.Helper()
	g, err := ReadGit(dir)
	if err != nil {
		t.Fatalf("ReadGit(%s): %v", dir, err)
	}
	return g
}

func checkGit(t *testing.T, got *Git, commit, branch, remote string) {
	t.Helper()
	if got.Commit != commit || got.Branch != branch || got.Remote != remote {
		t.Errorf("ReadGit = %+v, want commit %q branch %q remote %q", got, commit, branch, remote)
	}
}

func TestReadGitLooseRefsFromSubdirectory(t *testing.T) {
	dir := newRepo(t)
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	checkGit(t, readGit(t, sub), git(t, dir, "rev-parse", "HEAD"), "main", testRemoteClean)
	if root, ok := FindGitRoot(sub); !ok || root != dir {
		t.Errorf("FindGitRoot(%s) = %q, %v; want %q", sub, root, ok, dir)
	}
}

func TestReadGitPackedRefs(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "branch", "other")
	git(t, dir, "pack-refs", "--all", "--prune")
	if _, err := os.Stat(filepath.Join(dir, ".git", "refs", "heads", "main")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("refs/heads/main still loose after pack-refs: %v", err)
	}
	want := git(t, dir, "rev-parse", "HEAD")
	checkGit(t, readGit(t, dir), want, "main", testRemoteClean)

	// A newer loose ref wins over its packed entry.
	newer := commit(t, dir, "b.txt")
	checkGit(t, readGit(t, dir), newer, "main", testRemoteClean)
}

func TestReadGitDetachedHead(t *testing.T) {
	dir := newRepo(t)
	first := git(t, dir, "rev-parse", "HEAD")
	commit(t, dir, "b.txt")
	git(t, dir, "checkout", "-q", "--detach", first)
	checkGit(t, readGit(t, dir), first, "", testRemoteClean)
}

func TestReadGitSymbolicRefChain(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
	git(t, dir, "symbolic-ref", "HEAD", "refs/heads/alias")
	checkGit(t, readGit(t, dir), git(t, dir, "rev-parse", "HEAD"), "alias", testRemoteClean)
}

func TestReadGitBranchNameWithSlashes(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "checkout", "-q", "-b", "feature/x")
	want := commit(t, dir, "b.txt")
	checkGit(t, readGit(t, dir), want, "feature/x", testRemoteClean)
}

func TestReadGitUnbornBranch(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "trunk")
	checkGit(t, readGit(t, dir), "", "trunk", "")
}

func TestReadGitWorktree(t *testing.T) {
	dir := newRepo(t)
	wt := filepath.Join(t.TempDir(), "wt")
	git(t, dir, "worktree", "add", "-q", "-b", "feature", wt)
	want := commit(t, wt, "wt.txt")
	if want == git(t, dir, "rev-parse", "HEAD") {
		t.Fatal("worktree commit should differ from main")
	}
	checkGit(t, readGit(t, wt), want, "feature", testRemoteClean)
	checkGit(t, readGit(t, dir), git(t, dir, "rev-parse", "HEAD"), "main", testRemoteClean)

	// The same after packing: the worktree's branch is only in the common packed-refs.
	git(t, dir, "pack-refs", "--all", "--prune")
	checkGit(t, readGit(t, wt), want, "feature", testRemoteClean)
}

func TestReadGitGitdirFile(t *testing.T) {
	needGit(t)
	base := t.TempDir()
	work, store := filepath.Join(base, "work"), filepath.Join(base, "store")
	git(t, base, "init", "-q", "-b", "main", "--separate-git-dir="+store, work)
	want := commit(t, work, "a.txt")
	git(t, work, "remote", "add", "origin", "git@github.com:org/repo.git")
	checkGit(t, readGit(t, work), want, "main", "git@github.com:org/repo.git")

	// A relative gitdir is relative to the directory of the .git file.
	if err := os.WriteFile(filepath.Join(work, ".git"), []byte("gitdir: ../store\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	checkGit(t, readGit(t, work), want, "main", "git@github.com:org/repo.git")
	if got := git(t, work, "rev-parse", "HEAD"); got != want {
		t.Fatalf("git itself disagrees with the relative gitdir: %s", got)
	}
}

func TestReadGitNoRepository(t *testing.T) {
	dir := t.TempDir()
	if _, ok := FindGitRoot(dir); ok {
		t.Skipf("%s is inside a git repository", dir)
	}
	// A .git directory without HEAD is not a repository.
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	g, err := ReadGit(dir)
	if !errors.Is(err, ErrNoRepository) || g != nil {
		t.Fatalf("ReadGit = %v, %v; want nil, ErrNoRepository", g, err)
	}
}

func TestReadGitReftableUnsupported(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "config", "extensions.refStorage", "reftable")
	if _, err := ReadGit(dir); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("ReadGit on reftable = %v, want ErrUnsupported", err)
	}
}

func TestReadGitRejectsRefsLeavingGitDir(t *testing.T) {
	dir := newRepo(t)
	if err := os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("ref: refs/../../../etc/passwd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if g, err := ReadGit(dir); err == nil {
		t.Fatalf("ReadGit = %+v, want an error for a ref outside the git dir", g)
	}
}

func TestSanitizeRemote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://user:pass@example.com/org/repo.git", "https://example.com/org/repo.git"},
		{"https://ghp_token@github.com/org/repo", "https://github.com/org/repo"},
		{"https://github.com/org/repo", "https://github.com/org/repo"},
		{"ssh://git@github.com:22/org/repo.git", "ssh://github.com:22/org/repo.git"},
		{"https://example.com/path@v1", "https://example.com/path@v1"},
		{"git@github.com:org/repo.git", "git@github.com:org/repo.git"},
		{"/srv/git/repo.git", "/srv/git/repo.git"},
		{"", ""},
	} {
		if got := sanitizeRemote(tc.in); got != tc.want {
			t.Errorf("sanitizeRemote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
