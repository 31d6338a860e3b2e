package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	root := t.TempDir()
	dir := goldenRun(t, root)
	notRun := t.TempDir()
	notLog := filepath.Join(notRun, "notes.txt")
	if err := os.WriteFile(notLog, []byte("hello, this is not a run log at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badSettings := t.TempDir()
	if err := os.MkdirAll(filepath.Join(badSettings, "wandb"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badSettings, "wandb", "settings"), []byte("[default]\nmode = sideways\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate" for "wandb"`},
		{"unknown subcommand", []string{"runs", "lss"}, 2, `unknown command "lss" for "wandb runs" (did you mean ls?)`},
		{"unknown flag", []string{"status", "--bogus"}, 2, "unknown flag: --bogus"},
		{"bad flag value", []string{"run", "show", dir, "--rows", "many"}, 2, `invalid argument "many"`},
		{"negative rows", []string{"run", "show", dir, "--rows", "-1"}, 2, "--rows -1: must be 0 or more"},
		{"missing run dir", []string{"run", "show"}, 2, "wandb run show: missing <run-dir>"},
		{"missing export arg", []string{"export", "--format", "csv"}, 2, "wandb export: missing <run-dir>"},
		{"extra arg", []string{"export", dir, dir}, 2, "wandb export: unexpected argument"},
		{"extra mode arg", []string{"offline", "now"}, 2, `wandb offline: unexpected argument "now"`},
		{"bad format", []string{"export", dir, "--format", "xml"}, 2, `unknown format "xml": use jsonl or csv`},
		{"no such run dir", []string{"export", "/nonexistent/run"}, 1, "/nonexistent/run does not exist"},
		{"not a run dir", []string{"run", "show", notRun}, 1, notRun + " is not a run directory (no run-<id>.wandb in it)"},
		{"a root, not a run dir", []string{"export", root}, 1, root + " is not a run directory (no run-<id>.wandb in it); it holds 1 run: see wandb runs ls --dir " + root},
		{"not a run log", []string{"export", notLog}, 1, notLog + " is not a run log"},
		{"runs ls of a missing dir", []string{"runs", "ls", "--dir", "/nonexistent/root"}, 1, "/nonexistent/root does not exist"},
		{"bad settings file", []string{"status", "--dir", badSettings}, 1, "resolving settings: "},
		{"unwritable settings", []string{"offline", "--dir", notLog}, 1, "export WANDB_MODE=offline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, nil, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			if !strings.HasPrefix(r.stderr, "wandb: error: ") || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr:\n%s\nwant \"wandb: error: ...%s...\"", r.stderr, tc.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout on error: %q", r.stdout)
			}
		})
	}
}

func TestHelpSucceeds(t *testing.T) {
	for _, args := range [][]string{nil, {"--help"}, {"runs"}, {"export", "--help"}} {
		r := mustCLI(t, nil, args...)
		if !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("wandb %v: no usage:\n%s", args, r.stdout)
		}
	}
}
