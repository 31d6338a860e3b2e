package rundir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local)

func mustCreate(t *testing.T, root, id string, offline bool, start time.Time) Run {
	t.Helper()
	r, err := Create(root, id, offline, start)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// touchLog creates the run log file of r.
func touchLog(t *testing.T, r Run) {
	t.Helper()
	if err := os.WriteFile(r.LogPath(), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func TestCreateLayout(t *testing.T) {
	root := t.TempDir()
	off := mustCreate(t, root, "abc123", true, t0)
	if want := filepath.Join(root, "wandb", "offline-run-20240102_030405-abc123"); off.Dir != want {
		t.Errorf("offline Dir = %s, want %s", off.Dir, want)
	}
	if off.ID != "abc123" || !off.Offline || !off.Started.Equal(t0) {
		t.Errorf("Run = %+v", off)
	}
	for _, sub := range []string{"files", "logs"} {
		if !isDir(filepath.Join(off.Dir, sub)) {
			t.Errorf("%s/ missing", sub)
		}
	}
	if off.FilesPath() != filepath.Join(off.Dir, "files") {
		t.Errorf("FilesPath = %s", off.FilesPath())
	}
	if off.LogPath() != filepath.Join(off.Dir, "run-abc123.wandb") {
		t.Errorf("LogPath = %s", off.LogPath())
	}
	on := mustCreate(t, root, "abc123", false, t0)
	if want := filepath.Join(root, "wandb", "run-20240102_030405-abc123"); on.Dir != want || on.Offline {
		t.Errorf("online Run = %+v, want Dir %s", on, want)
	}
}

func TestCreateCollisionSuffix(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, "wandb", "offline-run-20240102_030405-abc")
	for i, want := range []string{base, base + "-1", base + "-2"} {
		r := mustCreate(t, root, "abc", true, t0)
		if r.Dir != want {
			t.Errorf("Create #%d: Dir = %s, want %s", i+1, r.Dir, want)
		}
		if r.ID != "abc" {
			t.Errorf("Create #%d: ID = %q, want abc", i+1, r.ID)
		}
		touchLog(t, r)
		if p, ok := Parse(r.Dir); !ok || p.ID != "abc" {
			t.Errorf("Parse(%s) = %+v, %v; want id abc", r.Dir, p, ok)
		}
	}
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, logs ...string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, l := range logs {
			os.WriteFile(filepath.Join(p, l), nil, 0o644)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		ok      bool
		id      string
		offline bool
	}{
		{"plain", mk("run-20240102_030405-abc123"), true, "abc123", false},
		{"offline", mk("offline-run-20240102_030405-abc123"), true, "abc123", true},
		{"id with dashes", mk("run-20240102_030405-my-run-id"), true, "my-run-id", false},
		{"id ending in a number, no log", mk("run-20240102_030405-exp-2"), true, "exp-2", false},
		{"id ending in a number, its own log", mk("run-20240102_030406-exp-2", "run-exp-2.wandb"), true, "exp-2", false},
		{"collision suffix", mk("run-20240102_030407-exp-2", "run-exp.wandb"), true, "exp", false},
		{"both logs: the full name wins", mk("run-20240102_030408-exp-2", "run-exp.wandb", "run-exp-2.wandb"), true, "exp-2", false},
		{"not a run", mk("latest-run"), false, "", false},
		{"bad timestamp", mk("run-20241302_030405-abc"), false, "", false},
		{"no id", mk("run-20240102_030405-"), false, "", false},
		{"prefix only", mk("offline-run-abc"), false, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := Parse(tc.path)
			if ok != tc.ok {
				t.Fatalf("Parse(%s) ok = %v, want %v", filepath.Base(tc.path), ok, tc.ok)
			}
			if !ok {
				return
			}
			if r.ID != tc.id || r.Offline != tc.offline || r.Dir != tc.path {
				t.Errorf("Parse(%s) = %+v, want id %q offline %v", filepath.Base(tc.path), r, tc.id, tc.offline)
			}
		})
	}
	r, _ := Parse(filepath.Join(dir, "run-20240102_030405-abc123"))
	if !r.Started.Equal(t0) || r.Started.Location() != time.Local {
		t.Errorf("Started = %v, want %v in local time", r.Started, t0)
	}
}

func TestListOrderingAndRoots(t *testing.T) {
	root := t.TempDir()
	c := mustCreate(t, root, "ccc", true, t0.Add(2*time.Hour))
	a := mustCreate(t, root, "aaa", false, t0)
	b2 := mustCreate(t, root, "bbb", true, t0.Add(time.Hour))
	b1 := mustCreate(t, root, "abb", true, t0.Add(time.Hour)) // same second: by name
	// Things that are not runs.
	os.Mkdir(filepath.Join(root, "wandb", "something-else"), 0o755)
	os.WriteFile(filepath.Join(root, "wandb", "run-20240102_030405-file"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "wandb", ResumeFile), []byte(`{}`), 0o644)
	if err := SetLatest(root, c.Dir); err != nil {
		t.Fatal(err)
	}
	want := []string{a.Dir, b1.Dir, b2.Dir, c.Dir}
	dirs := func(runs []Run) []string {
		var out []string
		for _, r := range runs {
			out = append(out, r.Dir)
		}
		return out
	}
	for _, from := range []string{root, WandbDir(root)} {
		runs, err := List(from)
		if err != nil {
			t.Fatal(err)
		}
		if got := dirs(runs); !slices.Equal(got, want) {
			t.Errorf("List(%s) =\n%q\nwant\n%q", from, got, want)
		}
	}
	runs, err := List(b2.Dir)
	if err != nil || len(runs) != 1 || runs[0].Dir != b2.Dir || runs[0].ID != "bbb" {
		t.Errorf("List(run dir) = %+v, %v; want just that run", runs, err)
	}
	runs, err = List(filepath.Join(root, "nowhere"))
	if err != nil || len(runs) != 0 {
		t.Errorf("List(missing) = %v, %v; want none and no error", runs, err)
	}
}

func TestFindID(t *testing.T) {
	root := t.TempDir()
	first := mustCreate(t, root, "my-id", true, t0)
	touchLog(t, first)
	again := mustCreate(t, root, "my-id", true, t0) // -1
	touchLog(t, again)
	later := mustCreate(t, root, "my-id", false, t0.Add(time.Minute))
	touchLog(t, later)
	mustCreate(t, root, "my-id", true, t0.Add(2*time.Minute)) // no log: not a run yet
	other := mustCreate(t, root, "other", true, t0)
	touchLog(t, other)

	runs, err := FindID(root, "my-id")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.Dir)
	}
	if want := []string{first.Dir, again.Dir, later.Dir}; !slices.Equal(got, want) {
		t.Errorf("FindID =\n%q\nwant\n%q", got, want)
	}
	if runs, err := FindID(root, "missing"); err != nil || len(runs) != 0 {
		t.Errorf("FindID(missing) = %v, %v", runs, err)
	}
	if runs, err := FindID(root, "my"); err != nil || len(runs) != 0 {
		t.Errorf("FindID(prefix of an id) = %v, %v; want none", runs, err)
	}
}

func TestSetLatest(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("latest-run is not written on Windows")
	}
	root := t.TempDir()
	if _, ok := Latest(root); ok {
		t.Fatal("Latest before any run")
	}
	a := mustCreate(t, root, "aaa", true, t0)
	b := mustCreate(t, root, "bbb", false, t0.Add(time.Second))
	link := filepath.Join(root, "wandb", LatestLink)
	for _, r := range []Run{a, b, a} {
		if err := SetLatest(root, r.Dir); err != nil {
			t.Fatal(err)
		}
		target, err := os.Readlink(link)
		if err != nil {
			t.Fatal(err)
		}
		if target != filepath.Base(r.Dir) {
			t.Errorf("latest-run -> %q, want the relative %q", target, filepath.Base(r.Dir))
		}
		got, ok := Latest(root)
		if !ok || got.Dir != r.Dir || got.ID != r.ID || got.Offline != r.Offline {
			t.Errorf("Latest = %+v, %v; want %+v", got, ok, r)
		}
	}
	// The whole tree can move: the link is relative.
	moved := filepath.Join(t.TempDir(), "moved")
	if err := os.Rename(root, moved); err != nil {
		t.Fatal(err)
	}
	if got, ok := Latest(moved); !ok || got.ID != "aaa" || filepath.Dir(got.Dir) != WandbDir(moved) {
		t.Errorf("Latest after moving the root = %+v, %v", got, ok)
	}
	// No temporary link is left behind.
	entries, _ := os.ReadDir(WandbDir(moved))
	for _, e := range entries {
		if e.Name() != LatestLink && e.Type()&os.ModeSymlink != 0 {
			t.Errorf("leftover link %s", e.Name())
		}
	}
}

func TestResumeFile(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(WandbDir(root), 0o755); err != nil {
		t.Fatal(err)
	}
	if id, ok := ReadResume(root); ok {
		t.Fatalf("ReadResume with no file = %q", id)
	}
	if err := WriteResume(root, "abc123"); err != nil {
		t.Fatal(err)
	}
	if id, ok := ReadResume(root); !ok || id != "abc123" {
		t.Errorf("ReadResume = %q, %v", id, ok)
	}
	b, err := os.ReadFile(filepath.Join(WandbDir(root), ResumeFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || doc["run_id"] != "abc123" {
		t.Errorf("wandb-resume.json = %s, want {\"run_id\": \"abc123\"} (W&B's format)", b)
	}
	if err := WriteResume(root, "def456"); err != nil {
		t.Fatal(err)
	}
	if id, _ := ReadResume(root); id != "def456" {
		t.Errorf("after a rewrite ReadResume = %q", id)
	}
	if err := RemoveResume(root); err != nil {
		t.Fatal(err)
	}
	if _, ok := ReadResume(root); ok {
		t.Error("ReadResume after RemoveResume found a run")
	}
	if err := RemoveResume(root); err != nil {
		t.Errorf("RemoveResume twice = %v, want nil", err)
	}
	for _, bad := range []string{"", "{", `{"run_id": ""}`, `{"run_id": 5}`} {
		os.WriteFile(filepath.Join(WandbDir(root), ResumeFile), []byte(bad), 0o644)
		if id, ok := ReadResume(root); ok {
			t.Errorf("ReadResume(%q) = %q, want none", bad, id)
		}
	}
}
