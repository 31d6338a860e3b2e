package sysinfo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoRepository is returned (wrapped) by ReadGit when the directory is not
// inside a git work tree.
var ErrNoRepository = errors.New("sysinfo: not a git repository")

// errReftable marks repositories whose refs are in the reftable format,
// which this package does not parse.
var errReftable = errors.New("refs are stored as reftable")

// maxSymrefDepth bounds chains of symbolic refs, as git does (it allows 5).
const maxSymrefDepth = 10

// repo locates one git repository on disk.
type repo struct {
	root      string // the work tree: the directory holding .git
	gitDir    string // HEAD and per-worktree refs: .git, or the target of a gitdir file
	commonDir string // config, shared refs, packed-refs: gitDir, or its "commondir"
}

// FindGitRoot returns the top of the git work tree that contains dir: the
// nearest directory, dir itself or a parent, holding a ".git" directory with
// a HEAD, or a ".git" file starting "gitdir:" (worktrees, submodules,
// --separate-git-dir). An empty dir means the working directory.
func FindGitRoot(dir string) (string, bool) {
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		if isGitEntry(filepath.Join(dir, ".git")) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func isGitEntry(p string) bool {
	fi, err := os.Stat(p)
	if err != nil {
		return false
	}
	if fi.IsDir() {
		_, err := os.Stat(filepath.Join(p, "HEAD"))
		return err == nil
	}
	if !fi.Mode().IsRegular() {
		return false
	}
	_, err = readGitdirFile(p)
	return err == nil
}

// readGitdirFile returns the repository named by a ".git" file
// ("gitdir: <path>", relative to the file's directory).
func readGitdirFile(p string) (string, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	target, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
	target = strings.TrimSpace(target)
	if !ok || target == "" {
		return "", fmt.Errorf("%s: no gitdir line", p)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(p), target)
	}
	return filepath.Clean(target), nil
}

// ReadGit describes the repository containing dir without running git:
// remote "origin" from the config, the commit HEAD resolves to (following
// symbolic refs, loose refs and packed-refs) and the current branch. The
// error wraps ErrNoRepository when dir is in no repository.
func ReadGit(dir string) (*Git, error) {
	root, ok := FindGitRoot(dir)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoRepository, dir)
	}
	r, err := openRepo(root)
	if err != nil {
		return nil, err
	}
	g, err := r.read(r.config())
	if errors.Is(err, errReftable) {
		return nil, fmt.Errorf("sysinfo: %s: %w (%w)", root, errors.ErrUnsupported, err)
	}
	return g, err
}

func openRepo(root string) (*repo, error) {
	p := filepath.Join(root, ".git")
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("sysinfo: %w", err)
	}
	r := &repo{root: root, gitDir: p}
	if !fi.IsDir() {
		if r.gitDir, err = readGitdirFile(p); err != nil {
			return nil, fmt.Errorf("sysinfo: %w", err)
		}
	}
	r.commonDir = r.gitDir
	if data, err := os.ReadFile(filepath.Join(r.gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(data))
		if !filepath.IsAbs(c) {
			c = filepath.Join(r.gitDir, c)
		}
		r.commonDir = filepath.Clean(c)
	}
	return r, nil
}

// config returns the repository's own config file, flattened (see
// parseGitConfig); missing or unreadable gives an empty map.
func (r *repo) config() map[string]string {
	data, err := os.ReadFile(filepath.Join(r.commonDir, "config"))
	if err != nil {
		return map[string]string{}
	}
	return parseGitConfig(data)
}

func (r *repo) read(cfg map[string]string) (*Git, error) {
	g := &Git{Remote: sanitizeRemote(cfg["remote.origin.url"])}
	if strings.EqualFold(cfg["extensions.refstorage"], "reftable") {
		return g, errReftable
	}
	data, err := os.ReadFile(filepath.Join(r.gitDir, "HEAD"))
	if err != nil {
		return nil, fmt.Errorf("sysinfo: reading HEAD: %w", err)
	}
	head := strings.TrimSpace(string(data))
	name, symbolic := strings.CutPrefix(head, "ref:")
	if !symbolic {
		if !isHash(head) {
			return nil, fmt.Errorf("sysinfo: %s: HEAD holds neither a ref nor a hash", r.gitDir)
		}
		g.Commit = head
		return g, nil
	}
	name = strings.TrimSpace(name)
	g.Branch, _ = strings.CutPrefix(name, "refs/heads/")
	commit, err := r.resolve(name)
	switch {
	case errors.Is(err, fs.ErrNotExist): // unborn branch: no commit yet
	case err != nil:
		return nil, err
	default:
		g.Commit = commit
	}
	return g, nil
}

// resolve follows a ref name to a commit hash.
func (r *repo) resolve(name string) (string, error) {
	for range maxSymrefDepth {
		v, err := r.lookupRef(name)
		if err != nil {
			return "", err
		}
		if target, ok := strings.CutPrefix(v, "ref:"); ok {
			name = strings.TrimSpace(target)
			continue
		}
		if !isHash(v) {
			return "", fmt.Errorf("sysinfo: ref %s: not a hash: %q", name, v)
		}
		return v, nil
	}
	return "", fmt.Errorf("sysinfo: ref %s: symbolic refs nested too deep", name)
}

// lookupRef returns the raw value of a ref: a loose file in the worktree's
// or the common git dir, else an entry of packed-refs. The error wraps
// fs.ErrNotExist when the ref does not exist.
func (r *repo) lookupRef(name string) (string, error) {
	if !validRefName(name) {
		return "", fmt.Errorf("sysinfo: invalid ref name %q", name)
	}
	dirs := []string{r.gitDir}
	if r.commonDir != r.gitDir {
		dirs = append(dirs, r.commonDir)
	}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(name)))
		if err == nil {
			return strings.TrimSpace(string(data)), nil
		}
		// Missing, or a directory (refs/heads/a when refs/heads/a/b
		// exists), or unreadable: packed-refs decides.
	}
	f, err := os.Open(filepath.Join(r.commonDir, "packed-refs"))
	if err != nil {
		return "", fmt.Errorf("sysinfo: ref %s: %w", name, err)
	}
	defer f.Close()
	if v, ok := findPackedRef(f, name); ok {
		return v, nil
	}
	return "", fmt.Errorf("sysinfo: ref %s: %w", name, fs.ErrNotExist)
}

// findPackedRef scans a packed-refs file ("<hash> <name>" lines, "#"
// header, "^<hash>" peeled lines) for name.
func findPackedRef(f *os.File, name string) (string, bool) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' || line[0] == '^' {
			continue
		}
		hash, ref, ok := bytes.Cut(line, []byte{' '})
		if ok && string(bytes.TrimSpace(ref)) == name {
			return string(hash), true
		}
	}
	return "", false
}

// validRefName accepts "refs/..." paths and all-caps pseudo refs (HEAD,
// ORIG_HEAD), and nothing that could leave the git directory.
func validRefName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || !filepath.IsLocal(name) {
		return false
	}
	if strings.HasPrefix(name, "refs/") {
		for _, part := range strings.Split(name, "/") {
			if part == "" || part == "." || part == ".." {
				return false
			}
		}
		return true
	}
	for _, c := range name {
		if (c < 'A' || c > 'Z') && c != '_' {
			return false
		}
	}
	return true
}

// isHash reports a full SHA-1 or SHA-256 object name in lower-case hex.
func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// sanitizeRemote drops the user information (user names, passwords,
// tokens) from URL-style remotes, as W&B does; scp-style remotes
// ("git@host:path") are kept as they are.
func sanitizeRemote(remote string) string {
	i := strings.Index(remote, "://")
	if i < 0 {
		return remote
	}
	rest := remote[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		return remote[:i+3] + rest[at+1:]
	}
	return remote
}
