package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/settings"
)

func TestModeCommandsWriteWorkspaceSettings(t *testing.T) {
	for _, tc := range []struct {
		mode, message string
	}{
		{"offline", "W&B offline. Running your script from this directory will only write metadata locally."},
		{"online", "W&B online."},
		{"disabled", "W&B disabled.\n"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			root := t.TempDir()
			r := mustCLI(t, nil, tc.mode, "--dir", root)
			if !strings.HasPrefix(r.stdout, tc.message) {
				t.Errorf("stdout %q, want it to start with %q", r.stdout, tc.message)
			}
			got, err := settings.ReadFile(settings.WorkspacePath(root))
			if err != nil || got["mode"] != tc.mode {
				t.Fatalf("workspace settings %v, %v; want mode = %s", got, err, tc.mode)
			}
			st := mustCLI(t, nil, "status", "--dir", root)
			if want := "\nmode: " + tc.mode + "  (workspace file)\n"; !strings.Contains(st.stdout, want) {
				t.Errorf("status lacks %q:\n%s", want, st.stdout)
			}
		})
	}
}

// Without --dir the mode commands and status use $WANDB_DIR, and an
// existing settings file keeps its other lines.
func TestModeUsesWandbDirAndKeepsFile(t *testing.T) {
	root := t.TempDir()
	path := settings.WorkspacePath(root)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("# mine\n[default]\nproject = keep\nmode = online\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"WANDB_DIR=" + root}
	mustCLI(t, env, "offline")
	data, _ := os.ReadFile(path)
	if want := "# mine\n[default]\nproject = keep\nmode = offline\n"; string(data) != want {
		t.Errorf("settings file:\n%s\nwant:\n%s", data, want)
	}
	st := mustCLI(t, env, "status").stdout
	for _, want := range []string{"mode: offline  (workspace file)\n", "project: keep  (workspace file)\n", "  workspace: " + path + "\n"} {
		if !strings.Contains(st, want) {
			t.Errorf("status lacks %q:\n%s", want, st)
		}
	}
}

// The environment wins over the file: the command says so.
func TestModeWarnsWhenEnvironmentWins(t *testing.T) {
	r := mustCLI(t, []string{"WANDB_MODE=online"}, "offline", "--dir", t.TempDir())
	if !strings.Contains(r.stderr, "WANDB_MODE=online") {
		t.Errorf("stderr %q", r.stderr)
	}
}

func TestStatus(t *testing.T) {
	root := t.TempDir()
	r := mustCLI(t, []string{"WANDB_API_KEY=0123456789abcdef", "WANDB_PROJECT=proj"}, "status", "--dir", root)
	lines := strings.Split(r.stdout, "\n")
	for _, key := range settings.Keys() {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, key+": ") && strings.HasSuffix(l, ")") {
				found = true
			}
		}
		if !found {
			t.Errorf("status has no line for %s:\n%s", key, r.stdout)
		}
	}
	for _, want := range []string{
		"api_key: 0123****  (environment)\n",
		"project: proj  (environment)\n",
		"mode: online  (default)\n",
		"root_dir: " + root + "  (init)\n",
		"  global:    ",
		"  workspace: " + settings.WorkspacePath(root) + " (not found)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "456789abcdef") {
		t.Error("status shows the API key")
	}
}

func TestVersion(t *testing.T) {
	r := mustCLI(t, nil, "version")
	if !strings.HasPrefix(r.stdout, "wandb 0.") || !strings.Contains(r.stdout, " (go 1.") {
		t.Errorf("version: %q", r.stdout)
	}
	if v := mustCLI(t, nil, "--version"); v.stdout != r.stdout {
		t.Errorf("--version %q, version %q", v.stdout, r.stdout)
	}
}
