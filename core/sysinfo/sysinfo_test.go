package sysinfo

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var fixedNow = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.FixedZone("X", 3600)) }

// noPrograms is a LookPath under which nothing is installed.
func noPrograms(name string) (string, error) {
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// jsonKeys returns the top-level keys of m's JSON.
func jsonKeys(t *testing.T, m *Metadata) map[string]any {
	t.Helper()
	data, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatalf("metadata is not JSON: %v\n%s", err, data)
	}
	return obj
}

var gpuKeys = []string{"gpu", "gpu_count", "gpu_nvidia", "cudaVersion"}

func TestCollectDescribesMachineAndRepository(t *testing.T) {
	dir := newRepo(t)
	m, err := Collect(t.Context(), Options{Dir: dir, Now: fixedNow, LookPath: noPrograms})
	if err != nil {
		t.Fatal(err)
	}
	if m.StartedAt != "2026-03-04T04:06:07.89Z" {
		t.Errorf("StartedAt = %q, want UTC RFC 3339", m.StartedAt)
	}
	if m.GoVersion != runtime.Version() || !strings.HasPrefix(m.OS, runtime.GOOS+"-"+runtime.GOARCH) {
		t.Errorf("go %q, os %q", m.GoVersion, m.OS)
	}
	if !filepath.IsAbs(m.Program) || !filepath.IsAbs(m.Executable) {
		t.Errorf("program %q and executable %q should be absolute", m.Program, m.Executable)
	}
	if wd, _ := os.Getwd(); m.Root != wd {
		t.Errorf("root = %q, want %q", m.Root, wd)
	}
	if m.CPUCountLogical < 1 || m.CPUCount < 1 || m.CPUCount > m.CPUCountLogical {
		t.Errorf("cpu_count %d, cpu_count_logical %d", m.CPUCount, m.CPUCountLogical)
	}
	checkGit(t, m.Git, git(t, dir, "rev-parse", "HEAD"), "main", testRemoteClean)
	if m.Git.Dirty != nil {
		t.Error("dirty should only be reported with GitDirty")
	}
	if runtime.GOOS == "linux" {
		if m.Memory == nil || m.Memory.Total == 0 {
			t.Errorf("memory = %+v", m.Memory)
		}
		if d, ok := m.Disk["/"]; !ok || d.Total == 0 || d.Used > d.Total {
			t.Errorf("disk = %+v", m.Disk)
		}
	}

	obj := jsonKeys(t, m)
	for _, k := range []string{"os", "go", "startedAt", "args", "program", "executable", "root", "host",
		"username", "git", "cpu_count", "cpu_count_logical"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if args, ok := obj["args"].([]any); !ok {
		t.Errorf("args = %#v, want a JSON array (never null)", obj["args"])
	} else if len(args) != len(os.Args)-1 {
		t.Errorf("args = %v, want os.Args[1:]", args)
	}
	for _, k := range gpuKeys {
		if _, ok := obj[k]; ok {
			t.Errorf("key %q present without nvidia-smi", k)
		}
	}
	gitObj, _ := obj["git"].(map[string]any)
	if gitObj["remote"] != testRemoteClean || gitObj["commit"] == nil || gitObj["branch"] != "main" {
		t.Errorf("git = %v", gitObj)
	}
}

// TestMetadataKeysMatchWandb checks that the keys W&B wrote in a real
// wandb-metadata.json, where this package has the same field, are spelled
// the same.
func TestMetadataKeysMatchWandb(t *testing.T) {
	data, err := os.ReadFile("testdata/wandb-metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	var theirs map[string]any
	if err := json.Unmarshal(data, &theirs); err != nil {
		t.Fatal(err)
	}
	yes := true
	m := &Metadata{
		CodePath: "x", Email: "e", Git: &Git{Remote: "r", Commit: "c", Branch: "b", Dirty: &yes},
		Memory: &Memory{Total: 1}, Disk: map[string]Disk{"/": {1, 1}},
		GPU: "g", GPUCount: 1, GPUNvidia: []GPUInfo{{Name: "g", MemoryTotal: 1}}, CUDAVersion: "12.4", WriterID: "w",
	}
	ours := jsonKeys(t, m)
	// Keys of Python-only or retired fields.
	notModelled := []string{"python", "heartbeatAt", "docker", "cuda", "state"}
	for k := range theirs {
		if _, ok := ours[k]; !ok && !slices.Contains(notModelled, k) {
			t.Errorf("W&B key %q has no counterpart", k)
		}
	}
	for _, k := range []string{"remote", "commit"} {
		if _, ok := ours["git"].(map[string]any)[k]; !ok {
			t.Errorf("git.%s missing", k)
		}
	}
	// Names from W&B's EnvironmentRecord (wandb-behaviour.md §1.7).
	for _, k := range []string{"cpu_count_logical", "gpu", "gpu_count", "gpu_nvidia", "cudaVersion", "memory", "disk", "writerId"} {
		if _, ok := ours[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if _, ok := ours["memory"].(map[string]any)["total"]; !ok {
		t.Error("memory.total missing")
	}
	disk := ours["disk"].(map[string]any)["/"].(map[string]any)
	if _, ok := disk["used"]; !ok {
		t.Error("disk./.used missing")
	}
	gpu := ours["gpu_nvidia"].([]any)[0].(map[string]any)
	if _, ok := gpu["memoryTotal"]; !ok {
		t.Error("gpu_nvidia[0].memoryTotal missing")
	}
}

func TestCollectWithoutRepository(t *testing.T) {
	dir := t.TempDir()
	if _, ok := FindGitRoot(dir); ok {
		t.Skipf("%s is inside a git repository", dir)
	}
	m, err := Collect(t.Context(), Options{Dir: dir, LookPath: noPrograms})
	if err != nil {
		t.Fatal(err)
	}
	if m.Git != nil || m.CodePath != "" {
		t.Errorf("git = %+v, codePath %q; want none", m.Git, m.CodePath)
	}
	if _, ok := jsonKeys(t, m)["git"]; ok {
		t.Error(`"git" key present without a repository`)
	}
}

func TestCollectDisableGit(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "config", "user.email", "repo@example.com")
	m, err := Collect(t.Context(), Options{Dir: dir, DisableGit: true, LookPath: noPrograms})
	if err != nil {
		t.Fatal(err)
	}
	if m.Git != nil || m.Email == "repo@example.com" {
		t.Errorf("git = %+v, email %q; want the repository ignored", m.Git, m.Email)
	}
	m, err = Collect(t.Context(), Options{Dir: dir, LookPath: noPrograms})
	if err != nil {
		t.Fatal(err)
	}
	if m.Email != "repo@example.com" {
		t.Errorf("email = %q, want the repository's user.email", m.Email)
	}
}

func TestCollectGitDirty(t *testing.T) {
	dir := newRepo(t)
	collect := func() *Git {
		t.Helper()
		m, err := Collect(t.Context(), Options{Dir: dir, GitDirty: true, LookPath: exec.LookPath})
		if err != nil {
			t.Fatal(err)
		}
		if m.Git == nil || m.Git.Dirty == nil {
			t.Fatalf("git = %+v, want dirty reported", m.Git)
		}
		return m.Git
	}
	if *collect().Dirty {
		t.Error("clean tree reported dirty")
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !*collect().Dirty {
		t.Error("modified tree reported clean")
	}
}

// TestCollectReftableFallsBackToGit checks that repositories this package
// cannot parse are asked of git (here a fake one).
func TestCollectReftableFallsBackToGit(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "config", "extensions.refStorage", "reftable")
	const sha = "0123456789abcdef0123456789abcdef01234567"
	fake := writeScript(t, "git", `case "$3" in
rev-parse) echo `+sha+` ;;
symbolic-ref) echo refs/heads/topic ;;
*) exit 1 ;;
esac`)
	m, err := Collect(t.Context(), Options{Dir: dir, LookPath: only("git", fake)})
	if err != nil {
		t.Fatal(err)
	}
	checkGit(t, m.Git, sha, "topic", testRemoteClean)
}

// writeScript writes an executable shell script named name into a new
// directory and returns its path.
func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell scripts")
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// only is a LookPath that finds just one program.
func only(name, path string) func(string) (string, error) {
	return func(n string) (string, error) {
		if n == name {
			return path, nil
		}
		return noPrograms(n)
	}
}

const fakeSMI = `case "$1" in
--query-gpu=name,memory.total,driver_version,uuid,compute_cap)
	printf 'NVIDIA H100 80GB HBM3, 81559, 550.54.15, GPU-aaaa, 9.0\n'
	printf 'NVIDIA H100 80GB HBM3, 81559, 550.54.15, GPU-bbbb, 9.0\n' ;;
"")
	printf '+---------------------------------------------------------------------------------------+\n'
	printf '| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: 12.4     |\n' ;;
*) echo "unexpected arguments: $*" >&2; exit 2 ;;
esac`

func TestCollectParsesFakeNvidiaSMIOnPath(t *testing.T) {
	smi := writeScript(t, "nvidia-smi", fakeSMI)
	t.Setenv("PATH", filepath.Dir(smi)+string(os.PathListSeparator)+os.Getenv("PATH"))
	m, err := Collect(t.Context(), Options{DisableGit: true})
	if err != nil {
		t.Fatal(err)
	}
	want := GPUInfo{Name: "NVIDIA H100 80GB HBM3", MemoryTotal: 81559 << 20, Architecture: "Hopper", UUID: "GPU-aaaa", DriverVersion: "550.54.15"}
	if m.GPU != want.Name || m.GPUCount != 2 || len(m.GPUNvidia) != 2 || m.GPUNvidia[0] != want || m.CUDAVersion != "12.4" {
		t.Errorf("gpu %q count %d cuda %q nvidia %+v", m.GPU, m.GPUCount, m.CUDAVersion, m.GPUNvidia)
	}
	obj := jsonKeys(t, m)
	for _, k := range gpuKeys {
		if _, ok := obj[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
}

func TestCollectOldNvidiaDriverWithoutComputeCap(t *testing.T) {
	smi := writeScript(t, "nvidia-smi", `case "$1" in
--query-gpu=name,memory.total,driver_version) echo 'Tesla V100-SXM2-16GB, 16160, 470.82.01' ;;
"") echo 'no banner' ;;
*) echo 'Field "compute_cap" is not a valid field to query.' >&2; exit 2 ;;
esac`)
	m, err := Collect(t.Context(), Options{DisableGit: true, LookPath: only("nvidia-smi", smi)})
	if err != nil {
		t.Fatal(err)
	}
	want := []GPUInfo{{Name: "Tesla V100-SXM2-16GB", MemoryTotal: 16160 << 20, DriverVersion: "470.82.01"}}
	if !slices.Equal(m.GPUNvidia, want) || m.GPUCount != 1 || m.CUDAVersion != "" {
		t.Errorf("gpu_nvidia %+v count %d cuda %q", m.GPUNvidia, m.GPUCount, m.CUDAVersion)
	}
}

func TestCollectFailingNvidiaSMIOmitsGPU(t *testing.T) {
	smi := writeScript(t, "nvidia-smi", `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." ; exit 9`)
	m, err := Collect(t.Context(), Options{DisableGit: true, LookPath: only("nvidia-smi", smi)})
	if err != nil {
		t.Fatal(err)
	}
	obj := jsonKeys(t, m)
	for _, k := range gpuKeys {
		if _, ok := obj[k]; ok {
			t.Errorf("key %q present although nvidia-smi failed", k)
		}
	}
}

func TestCollectCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	m, err := Collect(ctx, Options{})
	if !errors.Is(err, context.Canceled) || m != nil {
		t.Fatalf("Collect = %v, %v; want nil, context.Canceled", m, err)
	}
}

func TestWriteFileIsIndentedAndAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wandb-metadata.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Metadata{OS: "linux-amd64", Args: []string{"--lr", "<0.1&>"}, CPUCount: 2, CPUCountLogical: 4}
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "{\n  \"os\": \"linux-amd64\",\n") || !strings.HasSuffix(string(data), "}\n") {
		t.Errorf("not 2-space indented:\n%s", data)
	}
	if !strings.Contains(string(data), `"<0.1&>"`) {
		t.Errorf("HTML characters escaped:\n%s", data)
	}
	var back Metadata
	if err := json.Unmarshal(data, &back); err != nil || back.CPUCountLogical != 4 || back.Args[1] != "<0.1&>" {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if err := m.WriteFile(filepath.Join(dir, "missing", "x.json")); err == nil || !strings.HasPrefix(err.Error(), "sysinfo: ") {
		t.Errorf("WriteFile into a missing directory = %v", err)
	}
}

func TestParseCPUInfo(t *testing.T) {
	x86 := ""
	for p := range 8 { // 2 sockets x 2 cores x 2 threads
		x86 += "processor\t: " + string(rune('0'+p)) + "\nphysical id\t: " + string(rune('0'+p/4)) +
			"\ncore id\t\t: " + string(rune('0'+p%4/2)) + "\n\n"
	}
	arm := "processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n\n"
	for _, tc := range []struct {
		name          string
		in            string
		phys, logical int
	}{
		{"x86 with hyperthreads", x86, 4, 8},
		{"arm64 without topology", arm, 2, 2},
	} {
		if p, l := parseCPUInfo([]byte(tc.in)); p != tc.phys || l != tc.logical {
			t.Errorf("%s: got %d/%d, want %d/%d", tc.name, p, l, tc.phys, tc.logical)
		}
	}
}

func TestParseMemTotal(t *testing.T) {
	if n, ok := parseMemTotal([]byte("MemTotal:       16318480 kB\nMemFree: 1 kB\n")); !ok || n != 16318480*1024 {
		t.Errorf("got %d, %v", n, ok)
	}
	if _, ok := parseMemTotal([]byte("MemFree: 1 kB\n")); ok {
		t.Error("no MemTotal should fail")
	}
}

func TestOSReleaseValue(t *testing.T) {
	data := "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION='12'\n"
	for key, want := range map[string]string{"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)", "ID": "debian", "VERSION": "12", "NOPE": ""} {
		if got := osReleaseValue(data, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

func TestParseNvidiaSMI(t *testing.T) {
	out := "NVIDIA A100-SXM4-40GB, 40960, 535.104.05, GPU-1, 8.0\n" +
		"\"Quadro RTX 8000, rev B\", [N/A], 535.104.05, [N/A], 7.5\n" +
		"NVIDIA GeForce RTX 4090, 24564, 535.104.05, GPU-3, 8.9\n"
	got, err := parseNvidiaSMI([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []GPUInfo{
		{Name: "NVIDIA A100-SXM4-40GB", MemoryTotal: 40960 << 20, DriverVersion: "535.104.05", UUID: "GPU-1", Architecture: "Ampere"},
		{Name: "Quadro RTX 8000, rev B", DriverVersion: "535.104.05", Architecture: "Turing"},
		{Name: "NVIDIA GeForce RTX 4090", MemoryTotal: 24564 << 20, DriverVersion: "535.104.05", UUID: "GPU-3", Architecture: "Ada"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	for cc, arch := range map[string]string{"9.0": "Hopper", "10.0": "Blackwell", "12.0": "Blackwell", "7.0": "Volta", "6.1": "Pascal", "": "", "x": ""} {
		if got := architecture(cc); got != arch {
			t.Errorf("architecture(%q) = %q, want %q", cc, got, arch)
		}
	}
	if v := parseCUDAVersion([]byte("| NVIDIA-SMI 580.159.04  Driver Version: 580.159.04  CUDA Version: 13.0 |")); v != "13.0" {
		t.Errorf("cuda version %q", v)
	}
}

func FuzzParseNvidiaSMI(f *testing.F) {
	f.Add([]byte("NVIDIA H100 80GB HBM3, 81559, 550.54.15, GPU-aaaa, 9.0\n"))
	f.Add([]byte("\"a\nb\", 1e30, x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		gpus, _ := parseNvidiaSMI(data)
		for _, g := range gpus {
			if g.Name == "" {
				t.Errorf("GPU without a name: %+v", g)
			}
		}
	})
}

// BenchmarkCollect measures the no-GPU path (files only, no processes).
func BenchmarkCollect(b *testing.B) {
	dir := newRepo(b)
	git(b, dir, "pack-refs", "--all")
	ctx := b.Context()
	for b.Loop() {
		if _, err := Collect(ctx, Options{Dir: dir, LookPath: noPrograms}); err != nil {
			b.Fatal(err)
		}
	}
}
