// Package sysinfo describes the machine and the program of a run: the
// contents of the run's files/wandb-metadata.json (W&B's EnvironmentRecord,
// see wandb-behaviour.md §1.7 and §10 "device inventory").
//
// Collect gathers everything in one call. Every probe is best effort: a probe
// that fails leaves its field empty (omitted from the JSON) rather than
// failing the call; only a done context makes Collect fail. The fast path
// reads files only (/proc, /etc/os-release, the .git directory) and costs well
// under a millisecond; the one slow probe, nvidia-smi, runs only when it is on
// PATH and is bounded by the caller's context and by GPUProbeTimeout.
//
// The git repository is read directly (HEAD, loose refs, packed-refs, config),
// so git need not be installed and no process is started; worktrees and
// ".git" files with a "gitdir:" line are followed. Only repositories in the
// newer reftable format need git itself (see Options.LookPath).
package sysinfo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Metadata is the content of wandb-metadata.json. JSON names follow W&B's
// file (camelCase where W&B uses it); sizes are bytes.
type Metadata struct {
	OS              string          `json:"os"` // "linux-amd64 (Debian GNU/Linux 12 (bookworm))"
	GoVersion       string          `json:"go"` // runtime.Version()
	StartedAt       string          `json:"startedAt"`
	Args            []string        `json:"args"`
	Program         string          `json:"program"`
	CodePath        string          `json:"codePath,omitempty"` // Program relative to the git root, when inside it
	Executable      string          `json:"executable"`
	Root            string          `json:"root"` // working directory
	Host            string          `json:"host"`
	Username        string          `json:"username"`
	Email           string          `json:"email,omitempty"` // git config user.email
	Git             *Git            `json:"git,omitempty"`
	CPUCount        int             `json:"cpu_count"` // physical cores when known, else logical
	CPUCountLogical int             `json:"cpu_count_logical"`
	Memory          *Memory         `json:"memory,omitempty"`
	Disk            map[string]Disk `json:"disk,omitempty"` // keyed by mount path, "/" by default
	GPU             string          `json:"gpu,omitempty"`  // name of the first GPU
	GPUCount        int             `json:"gpu_count,omitempty"`
	GPUNvidia       []GPUInfo       `json:"gpu_nvidia,omitempty"`
	CUDAVersion     string          `json:"cudaVersion,omitempty"`
	WriterID        string          `json:"writerId,omitempty"` // set by the caller
}

// Git describes the repository the program runs in.
type Git struct {
	Remote string `json:"remote,omitempty"` // url of remote "origin", credentials removed
	Commit string `json:"commit,omitempty"` // full hash of HEAD; empty on an unborn branch
	Branch string `json:"branch,omitempty"` // short branch name; empty when HEAD is detached
	Dirty  *bool  `json:"dirty,omitempty"`  // only with Options.GitDirty
}

// Memory is the machine's memory.
type Memory struct {
	Total uint64 `json:"total"`
}

// Disk is the size and use of one file system.
type Disk struct {
	Total uint64 `json:"total"`
	Used  uint64 `json:"used"`
}

// GPUInfo describes one NVIDIA GPU as reported by nvidia-smi.
type GPUInfo struct {
	Name          string `json:"name"`
	MemoryTotal   uint64 `json:"memoryTotal,omitempty"`
	CUDACores     int    `json:"cudaCores,omitempty"`    // not reported by nvidia-smi; for other probes
	Architecture  string `json:"architecture,omitempty"` // from the compute capability, e.g. "Hopper"
	UUID          string `json:"uuid,omitempty"`
	DriverVersion string `json:"driverVersion,omitempty"`
}

// Options configure Collect. The zero value is ready to use.
type Options struct {
	// DisableGit skips the repository (git, codePath, and the repository's
	// own user.email; the global one is still read).
	DisableGit bool
	// GitDirty also reports whether the work tree has uncommitted changes.
	// This runs "git status" (found through LookPath) and is slow on large
	// repositories; it is off by default.
	GitDirty bool
	// Dir is where the search for the git repository starts; default the
	// working directory.
	Dir string
	// DiskPaths are the file systems reported under "disk"; default {"/"}.
	DiskPaths []string
	// Now gives StartedAt; default time.Now.
	Now func() time.Time
	// LookPath finds external programs (nvidia-smi, git); default
	// exec.LookPath. Tests inject it to control what is "installed".
	LookPath func(string) (string, error)
}

// GPUProbeTimeout bounds each nvidia-smi call, within the caller's context.
const GPUProbeTimeout = 10 * time.Second

// Collect describes this machine and program. It honours ctx: once ctx is
// done it returns ctx's error, killing nvidia-smi or git if they run. A probe
// that fails otherwise is not an error; its fields are left empty.
func Collect(ctx context.Context, opts Options) (*Metadata, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sysinfo: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	if opts.DiskPaths == nil {
		opts.DiskPaths = []string{"/"}
	}

	m := &Metadata{
		OS:        osDescription(),
		GoVersion: runtime.Version(),
		StartedAt: opts.Now().UTC().Format(time.RFC3339Nano),
		Args:      []string{},
		Username:  username(),
	}
	if len(os.Args) > 1 {
		m.Args = append(m.Args, os.Args[1:]...)
	}
	m.Executable, _ = os.Executable()
	m.Program = program(m.Executable)
	m.Root, _ = os.Getwd()
	m.Host, _ = os.Hostname()
	m.CPUCount, m.CPUCountLogical = cpuCounts()
	if total, ok := memoryTotal(); ok {
		m.Memory = &Memory{Total: total}
	}
	for _, p := range opts.DiskPaths {
		if d, ok := diskUsage(p); ok {
			if m.Disk == nil {
				m.Disk = make(map[string]Disk, len(opts.DiskPaths))
			}
			m.Disk[p] = d
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sysinfo: %w", err)
	}

	m.Email = globalGitConfig()["user.email"]
	if !opts.DisableGit {
		if err := collectGit(ctx, m, opts); err != nil {
			return nil, err
		}
	}

	if err := collectGPU(ctx, m, opts.LookPath); err != nil {
		return nil, err
	}
	return m, nil
}

// collectGit fills Git, CodePath and a repository-level Email. Only a done
// context is an error.
func collectGit(ctx context.Context, m *Metadata, opts Options) error {
	dir := opts.Dir
	if dir == "" {
		dir = m.Root
	}
	root, ok := FindGitRoot(dir)
	if !ok {
		return nil
	}
	repo, err := openRepo(root)
	if err != nil {
		return nil
	}
	cfg := repo.config()
	if e := cfg["user.email"]; e != "" {
		m.Email = e
	}
	g, err := repo.read(cfg)
	if errors.Is(err, errReftable) {
		g, err = readGitExec(ctx, opts.LookPath, root, cfg)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sysinfo: %w", err)
	}
	if err != nil {
		return nil
	}
	if opts.GitDirty {
		if dirty, err := gitDirty(ctx, opts.LookPath, root); err == nil {
			g.Dirty = &dirty
		} else if err := ctx.Err(); err != nil {
			return fmt.Errorf("sysinfo: %w", err)
		}
	}
	m.Git = g
	if m.Program != "" {
		if rel, err := filepath.Rel(root, m.Program); err == nil && filepath.IsLocal(rel) {
			m.CodePath = filepath.ToSlash(rel)
		}
	}
	return nil
}

// program is the absolute path the program was started as (os.Args[0]),
// falling back to the executable.
func program(executable string) string {
	if len(os.Args) > 0 && strings.ContainsRune(os.Args[0], filepath.Separator) {
		if p, err := filepath.Abs(os.Args[0]); err == nil {
			return p
		}
	}
	return executable
}

// username follows Python's getpass.getuser, which W&B uses: the first of
// LOGNAME, USER, LNAME, USERNAME, then the account database.
func username() string {
	for _, k := range []string{"LOGNAME", "USER", "LNAME", "USERNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// JSON returns m as W&B writes wandb-metadata.json: 2-space indented, HTML
// characters unescaped, with a final newline.
func (m *Metadata) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("sysinfo: encoding metadata: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFile writes m.JSON() to path atomically: a temporary file in the same
// directory, synced, then renamed over path. Readers see the old file or the
// new one, never a part.
func (m *Metadata) WriteFile(path string) (err error) {
	data, err := m.JSON()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("sysinfo: writing metadata: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("sysinfo: writing metadata: %w", err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("sysinfo: writing metadata: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sysinfo: writing metadata: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("sysinfo: writing metadata: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("sysinfo: writing metadata: %w", err)
	}
	return nil
}
