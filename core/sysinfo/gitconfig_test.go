package sysinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const trickyConfig = `# comment
[core]
	repositoryformatversion = 0
	bare = false ; trailing comment
	flag
[remote "origin"]
	url = "https://example.com/a b.git"   # quoted with a space
	fetch = +refs/heads/*:refs/remotes/origin/*
[Remote "Upstream"]
	URL = git@example.com:x/y.git
[user]
	email = "dev@example.com"
	name = A \"quoted\" \
name
[branch.Old]
	remote = origin
[section "sub \"q\" \\ x"]
	key = tab\there ; comment
	semi = "a;b#c"
	spaces =   padded value   
`

func TestParseGitConfig(t *testing.T) {
	got := parseGitConfig([]byte(trickyConfig))
	for k, want := range map[string]string{
		"core.repositoryformatversion": "0",
		"core.bare":                    "false",
		"core.flag":                    "true",
		"remote.origin.url":            "https://example.com/a b.git",
		"remote.origin.fetch":          "+refs/heads/*:refs/remotes/origin/*",
		"remote.Upstream.url":          "git@example.com:x/y.git",
		"user.email":                   "dev@example.com",
		"user.name":                    `A "quoted" name`,
		"branch.old.remote":            "origin",
		`section.sub "q" \ x.key`:      "tab\there",
		`section.sub "q" \ x.semi`:     "a;b#c",
		`section.sub "q" \ x.spaces`:   "padded value",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

// TestParseGitConfigMatchesGit checks the parser against git itself.
func TestParseGitConfigMatchesGit(t *testing.T) {
	needGit(t)
	f := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(f, []byte(trickyConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "config", "--file", f, "--list", "-z").Output()
	if err != nil {
		t.Fatal(err)
	}
	got := parseGitConfig([]byte(trickyConfig))
	for _, entry := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		k, v, ok := strings.Cut(entry, "\n")
		if !ok {
			v = "true"
		}
		if got[k] != v && k != "core.flag" {
			t.Errorf("%s: parser %q, git %q", k, got[k], v)
		}
	}
}

func TestGlobalGitConfigEmail(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("GIT_CONFIG_GLOBAL", "")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	if err := os.MkdirAll(filepath.Join(home, ".config", "git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".config", "git", "config"), []byte("[user]\nemail = xdg@example.com\nname = X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := globalGitConfig()["user.email"]; got != "xdg@example.com" {
		t.Errorf("email from XDG config = %q", got)
	}
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[user]\n\temail = home@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := globalGitConfig()
	if cfg["user.email"] != "home@example.com" || cfg["user.name"] != "X" {
		t.Errorf("~/.gitconfig should override the XDG file key by key: %v", cfg)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, "none"))
	if got := globalGitConfig()["user.email"]; got != "" {
		t.Errorf("GIT_CONFIG_GLOBAL should replace the global files, got %q", got)
	}
}

func FuzzParseGitConfig(f *testing.F) {
	f.Add([]byte(trickyConfig))
	f.Add([]byte("[a \"b\nc\"]\nk=\"unterminated\n"))
	f.Add([]byte("[x]k=v\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = parseGitConfig(data) // must not panic
	})
}
