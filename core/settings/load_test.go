package settings

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// testEnv is an isolated environment: a fresh HOME (so the real global
// settings file is never read) and a root dir with its workspace file path.
type testEnv struct {
	home, root      string
	global, workspc string
}

func newTestEnv(t *testing.T) testEnv {
	t.Helper()
	dir := t.TempDir()
	e := testEnv{home: filepath.Join(dir, "home"), root: filepath.Join(dir, "root")}
	e.global = filepath.Join(e.home, ".config", "wandb", "settings")
	e.workspc = filepath.Join(e.root, "wandb", "settings")
	return e
}

// env returns HOME, XDG_CACHE_HOME, WANDB_DIR and the extra variables.
func (e testEnv) env(extra ...string) []string {
	return append([]string{"HOME=" + e.home, "XDG_CACHE_HOME=", "PATH=/usr/bin", "WANDB_DIR=" + e.root}, extra...)
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadPrecedence(t *testing.T) {
	e := newTestEnv(t)
	writeTestFile(t, e.global, "[default]\nmode = offline\nproject = g\nentity = ge\nrun_group = gg\nbase_url = https://global.example/\n")
	writeTestFile(t, e.workspc, "# written by wandb init\n[default]\nproject = w\nentity = we\nrun_group = wg\n")
	s, err := Load(e.env("WANDB_PROJECT=e", "WANDB_RUN_GROUP="), "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key, want string
		src       Source
	}{
		{"console", "off", SourceDefault},
		{"run_name", "", SourceDefault},
		{"mode", "offline", SourceGlobalFile},
		{"base_url", "https://global.example", SourceGlobalFile},
		{"entity", "we", SourceWorkspaceFile},
		{"run_group", "wg", SourceWorkspaceFile}, // empty WANDB_RUN_GROUP is unset
		{"project", "e", SourceEnvironment},
		{"root_dir", e.root, SourceEnvironment},
	}
	for _, tt := range tests {
		if got := must(s.Get(tt.key)); got != tt.want || s.Source(tt.key) != tt.src {
			t.Errorf("%s = %q from %q, want %q from %q", tt.key, got, s.Source(tt.key), tt.want, tt.src)
		}
	}
}

// Every combination of layers setting "project": the highest one wins.
func TestLoadPrecedenceCombinations(t *testing.T) {
	for mask := range 8 {
		global, workspace, env := mask&1 != 0, mask&2 != 0, mask&4 != 0
		want, wantSrc := "", SourceDefault
		e := newTestEnv(t)
		var extra []string
		if global {
			writeTestFile(t, e.global, "[default]\nproject = from-global\n")
			want, wantSrc = "from-global", SourceGlobalFile
		}
		if workspace {
			writeTestFile(t, e.workspc, "[default]\nproject = from-workspace\n")
			want, wantSrc = "from-workspace", SourceWorkspaceFile
		}
		if env {
			extra = append(extra, "WANDB_PROJECT=from-env")
			want, wantSrc = "from-env", SourceEnvironment
		}
		s, err := Load(e.env(extra...), "")
		if err != nil {
			t.Fatal(err)
		}
		if s.Project != want || s.Sources["project"] != wantSrc {
			t.Errorf("global=%v workspace=%v env=%v: project %q from %q, want %q from %q",
				global, workspace, env, s.Project, s.Sources["project"], want, wantSrc)
		}
	}
}

func TestLoadRootDirLocatesWorkspaceFile(t *testing.T) {
	t.Run("WANDB_DIR", func(t *testing.T) {
		e := newTestEnv(t)
		writeTestFile(t, e.workspc, "[default]\nmode = disabled\n")
		s, err := Load(e.env(), "")
		if err != nil {
			t.Fatal(err)
		}
		if s.Mode != ModeDisabled || s.RootDir != e.root || s.Source("root_dir") != SourceEnvironment {
			t.Errorf("mode %q root_dir %q from %q", s.Mode, s.RootDir, s.Source("root_dir"))
		}
	})
	t.Run("override beats WANDB_DIR", func(t *testing.T) {
		e := newTestEnv(t)
		other := filepath.Join(t.TempDir(), "other")
		writeTestFile(t, e.workspc, "[default]\nmode = disabled\n")
		writeTestFile(t, WorkspacePath(other), "[default]\nmode = offline\n")
		s, err := Load(e.env(), other)
		if err != nil {
			t.Fatal(err)
		}
		if s.Mode != ModeOffline || s.RootDir != other || s.Source("root_dir") != SourceInit {
			t.Errorf("mode %q root_dir %q from %q", s.Mode, s.RootDir, s.Source("root_dir"))
		}
	})
	t.Run("global root_dir", func(t *testing.T) {
		e := newTestEnv(t)
		writeTestFile(t, e.global, "[default]\nroot_dir = "+e.root+"\n")
		writeTestFile(t, e.workspc, "[default]\nproject = ws\n")
		s, err := Load([]string{"HOME=" + e.home}, "")
		if err != nil {
			t.Fatal(err)
		}
		if s.Project != "ws" || s.RootDir != e.root || s.Source("root_dir") != SourceGlobalFile {
			t.Errorf("project %q root_dir %q from %q", s.Project, s.RootDir, s.Source("root_dir"))
		}
	})
	t.Run("root_dir and config_dir in the workspace file are ignored", func(t *testing.T) {
		e := newTestEnv(t)
		writeTestFile(t, e.workspc, "[default]\nroot_dir = /elsewhere\nconfig_dir = /elsewhere\n")
		s, err := Load(e.env(), "")
		if err != nil {
			t.Fatal(err)
		}
		if s.RootDir != e.root || s.ConfigDir != filepath.Join(e.home, ".config", "wandb") {
			t.Errorf("root_dir %q config_dir %q", s.RootDir, s.ConfigDir)
		}
		if WorkspacePath(s.RootDir) != e.workspc {
			t.Errorf("WorkspacePath(RootDir) = %q, not the file that was read", WorkspacePath(s.RootDir))
		}
	})
}

func TestLoadEnvironment(t *testing.T) {
	tests := []struct {
		env       []string
		key, want string
	}{
		{[]string{"WANDB_MODE=dryrun"}, "mode", "offline"},
		{[]string{"WANDB_MODE=run"}, "mode", "online"},
		{[]string{"WANDB_MODE=disabled"}, "mode", "disabled"},
		{[]string{"WANDB_PROJECT=p"}, "project", "p"},
		{[]string{"WANDB_ENTITY=e"}, "entity", "e"},
		{[]string{"WANDB_API_KEY=k"}, "api_key", "k"},
		{[]string{"WANDB_BASE_URL=http://localhost:8080/"}, "base_url", "http://localhost:8080"},
		{[]string{"WANDB_RUN_ID=abc"}, "run_id", "abc"},
		{[]string{"WANDB_NAME=n"}, "run_name", "n"},
		{[]string{"WANDB_RUN_NAME=n2"}, "run_name", "n2"},
		{[]string{"WANDB_NAME=n", "WANDB_RUN_NAME=n2"}, "run_name", "n"},
		{[]string{"WANDB_NOTES=some notes"}, "run_notes", "some notes"},
		{[]string{"WANDB_TAGS= a, b,,c "}, "run_tags", "a,b,c"},
		{[]string{"WANDB_JOB_TYPE=eval"}, "run_job_type", "eval"},
		{[]string{"WANDB_RUN_GROUP=g"}, "run_group", "g"},
		{[]string{"WANDB_RESUME=true"}, "resume", "auto"},
		{[]string{"WANDB_RESUME=never"}, "resume", "never"},
		{[]string{"WANDB_SILENT=YES"}, "silent", "true"},
		{[]string{"WANDB_QUIET=1"}, "quiet", "true"},
		{[]string{"WANDB_CONSOLE=auto"}, "console", "wrap"},
		{[]string{"WANDB_SWEEP_ID=sw"}, "sweep_id", "sw"},
		{[]string{"WANDB_PROGRAM=train.go"}, "program", "train.go"},
		{[]string{"WANDB_SAVE_CODE=True"}, "save_code", "true"},
		{[]string{"WANDB_DISABLE_CODE=yes"}, "disable_code", "true"},
		{[]string{"WANDB_DISABLE_GIT=1"}, "disable_git", "true"},
		{[]string{"WANDB_FORCE=true"}, "force", "true"},
		{[]string{"WANDB_ALLOW_VAL_CHANGE=true"}, "allow_val_change", "true"},
		{[]string{"WANDB_SYNC_TENSORBOARD=true"}, "sync_tensorboard", "true"},
		{[]string{"WANDB_MONITOR_GYM=true"}, "monitor_gym", "true"},
		{[]string{"WANDB_CONFIG_DIR=/cfg"}, "config_dir", "/cfg"},
		{[]string{"WANDB_CACHE_DIR=/cache"}, "cache_dir", "/cache"},
		{[]string{"WANDB_FSYNC_INTERVAL=0"}, "fsync_interval", "0s"},
		{[]string{"WANDB_FSYNC_INTERVAL=100ms"}, "fsync_interval", "100ms"},
		{[]string{"WANDB__STATS_SAMPLING_INTERVAL=2"}, "x_stats_sampling_interval", "2s"},
		{[]string{"WANDB_X_STATS_SAMPLING_INTERVAL=3"}, "x_stats_sampling_interval", "3s"},
		{[]string{"WANDB_X_STATS_SAMPLING_INTERVAL=3", "WANDB__STATS_SAMPLING_INTERVAL=2"}, "x_stats_sampling_interval", "2s"},
		{[]string{"WANDB_PROJECT=first", "WANDB_PROJECT=last"}, "project", "last"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.env, " "), func(t *testing.T) {
			e := newTestEnv(t)
			s, err := Load(e.env(tt.env...), "")
			if err != nil {
				t.Fatal(err)
			}
			if got := must(s.Get(tt.key)); got != tt.want || s.Source(tt.key) != SourceEnvironment {
				t.Errorf("%s = %q from %q, want %q from environment", tt.key, got, s.Source(tt.key), tt.want)
			}
		})
	}
}

func TestLoadEnvironmentIgnores(t *testing.T) {
	e := newTestEnv(t)
	writeTestFile(t, e.global, "[default]\nproject = g\n")
	env := e.env(
		"WANDB_PROJECT=",                   // empty = unset
		"WANDB_NOT_A_SETTING=x",            // unknown
		"WANDB__NOT_A_SETTING=x",           // unknown private
		"WANDB_SERVICE=2-1-tcp",            // W&B variable we do not use
		"WANDB_=x", "NOEQUALS", "=C:=C:\\", // junk
	)
	if runtime.GOOS != "windows" {
		env = append(env, "wandb_entity=lower") // names are case-sensitive
	}
	s, err := Load(env, "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Project != "g" || s.Entity != "" {
		t.Errorf("project %q entity %q", s.Project, s.Entity)
	}
}

func TestLoadSpecialNameBeatsGeneric(t *testing.T) {
	e := newTestEnv(t)
	s, err := Load(append(e.env(), "WANDB_ROOT_DIR=/generic"), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.RootDir != e.root {
		t.Errorf("root_dir = %q, want WANDB_DIR %q", s.RootDir, e.root)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		global  string // "" = no file; "DIR" = a directory instead of a file
		workspc string
		env     []string
		want    []string // substrings of the error
		syntax  bool     // a *SyntaxError is expected
	}{
		{
			name:   "malformed global line",
			global: "[default]\nmode = offline\nthis is not ini\n",
			want:   []string{"{global}:3: ", `expected "key = value"`},
			syntax: true,
		},
		{
			name:    "entry before section",
			workspc: "# comment\nmode = offline\n",
			want:    []string{"{workspace}:2: ", "before the first [section]"},
			syntax:  true,
		},
		{
			name:    "duplicate key",
			workspc: "[default]\nmode = offline\nMODE = online\n",
			want:    []string{"{workspace}:3: ", `duplicate key "mode" (first on line 2)`},
			syntax:  true,
		},
		{
			name:    "bad value in workspace file",
			workspc: "[default]\nproject = ok\nmode = sometimes\n",
			want:    []string{`settings: invalid mode "sometimes" (workspace file {workspace}:3): ` + ruleMode},
		},
		{
			name: "bad value in environment",
			env:  []string{"WANDB_RUN_ID=a/b"},
			want: []string{`settings: invalid run_id "a/b" (environment WANDB_RUN_ID): ` + ruleIDChars},
		},
		{
			name: "bad bool in environment",
			env:  []string{"WANDB_SILENT=perhaps"},
			want: []string{`invalid silent "perhaps" (environment WANDB_SILENT): ` + ruleBool},
		},
		{
			name:   "unreadable global file",
			global: "DIR",
			want:   []string{"settings: reading settings file", "{global}"},
		},
		{
			name:    "all problems are reported",
			global:  "[default]\nconsole = tee\n",
			workspc: "[default]\nproject = a:b\n",
			env:     []string{"WANDB_RESUME=sometimes"},
			want:    []string{"{global}:2", "{workspace}:2", "WANDB_RESUME"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			switch tt.global {
			case "":
			case "DIR":
				if err := os.MkdirAll(e.global, 0o755); err != nil {
					t.Fatal(err)
				}
			default:
				writeTestFile(t, e.global, tt.global)
			}
			if tt.workspc != "" {
				writeTestFile(t, e.workspc, tt.workspc)
			}
			s, err := Load(e.env(tt.env...), "")
			if err == nil {
				t.Fatalf("Load() = %+v, nil; want an error", s)
			}
			if s != nil {
				t.Error("Load returned settings with an error")
			}
			for _, w := range tt.want {
				w = strings.NewReplacer("{global}", e.global, "{workspace}", e.workspc).Replace(w)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if _, ok := errors.AsType[*SyntaxError](err); ok != tt.syntax {
				t.Errorf("error %v: is *SyntaxError = %v, want %v", err, ok, tt.syntax)
			}
		})
	}
}

func TestLoadIgnoresUnknownFileKeys(t *testing.T) {
	e := newTestEnv(t)
	writeTestFile(t, e.global, "[default]\nanonymous = never\nignore_globs = *.pt,*.bin\ndisabled = true\n\n[other]\nmode = bogus\n")
	writeTestFile(t, e.workspc, "[DEFAULT]\nMode = offline\nproject =\n")
	s, err := Load(e.env(), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode != ModeOffline || s.Project != "" || s.Source("project") != SourceDefault {
		t.Errorf("mode %q project %q from %q", s.Mode, s.Project, s.Source("project"))
	}
}

func TestLoadDirectories(t *testing.T) {
	e := newTestEnv(t)
	cfg := filepath.Join(t.TempDir(), "cfg")
	writeTestFile(t, filepath.Join(cfg, "settings"), "[default]\nentity = from-config-dir\n")
	writeTestFile(t, e.global, "[default]\nentity = from-home\n")

	s, err := Load(e.env(), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Entity != "from-home" || s.ConfigDir != filepath.Join(e.home, ".config", "wandb") || s.Source("config_dir") != SourceDefault {
		t.Errorf("default: entity %q config_dir %q from %q", s.Entity, s.ConfigDir, s.Source("config_dir"))
	}

	s, err = Load(e.env("WANDB_CONFIG_DIR="+cfg), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.Entity != "from-config-dir" || s.ConfigDir != cfg || s.Source("config_dir") != SourceEnvironment {
		t.Errorf("WANDB_CONFIG_DIR: entity %q config_dir %q from %q", s.Entity, s.ConfigDir, s.Source("config_dir"))
	}

	s, err = Load(e.env("WANDB_CACHE_DIR=/c"), "")
	if err != nil {
		t.Fatal(err)
	}
	if s.CacheDir != "/c" || s.Source("cache_dir") != SourceEnvironment {
		t.Errorf("WANDB_CACHE_DIR: cache_dir %q from %q", s.CacheDir, s.Source("cache_dir"))
	}

	if runtime.GOOS == "linux" {
		s, _ = Load(e.env(), "")
		if want := filepath.Join(e.home, ".cache", "wandb"); s.CacheDir != want {
			t.Errorf("cache_dir = %q, want %q", s.CacheDir, want)
		}
		s, _ = Load(e.env("XDG_CACHE_HOME=/xdg"), "")
		if s.CacheDir != "/xdg/wandb" {
			t.Errorf("cache_dir with XDG_CACHE_HOME = %q", s.CacheDir)
		}
	}
}

func TestLoadDefaultsOnly(t *testing.T) {
	e := newTestEnv(t)
	s, err := Load([]string{"HOME=" + e.home}, e.root)
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	for _, key := range Keys() {
		switch key {
		case "root_dir", "config_dir", "cache_dir":
			continue
		}
		if must(s.Get(key)) != must(want.Get(key)) || s.Source(key) != SourceDefault {
			t.Errorf("%s = %q from %q, want the default", key, must(s.Get(key)), s.Source(key))
		}
	}
	if s.FsyncInterval != time.Second {
		t.Errorf("fsync_interval = %v", s.FsyncInterval)
	}
}

func TestGlobalPath(t *testing.T) {
	if got, want := GlobalPath([]string{"HOME=/h", "WANDB_CONFIG_DIR=/cfg"}), filepath.Join("/cfg", "settings"); got != want {
		t.Errorf("with WANDB_CONFIG_DIR: %q, want %q", got, want)
	}
	if got, want := GlobalPath([]string{"HOME=/h", "WANDB_CONFIG_DIR="}), filepath.Join("/h", ".config", "wandb", "settings"); got != want {
		t.Errorf("with HOME: %q, want %q", got, want)
	}
	if home, err := os.UserHomeDir(); err == nil && runtime.GOOS != "windows" {
		if got, want := GlobalPath(nil), filepath.Join(home, ".config", "wandb", "settings"); got != want {
			t.Errorf("without HOME: %q, want %q (os.UserHomeDir)", got, want)
		}
	}
}

func TestWorkspacePath(t *testing.T) {
	if got, want := WorkspacePath("/r"), filepath.Join("/r", "wandb", "settings"); got != want {
		t.Errorf("WorkspacePath = %q, want %q", got, want)
	}
	if got, want := WorkspacePath("."), filepath.Join("wandb", "settings"); got != want {
		t.Errorf("WorkspacePath(.) = %q, want %q", got, want)
	}
}

func TestEnvKeys(t *testing.T) {
	m := EnvKeys()
	want := map[string]string{
		"WANDB_DIR": "root_dir", "WANDB_NAME": "run_name", "WANDB_NOTES": "run_notes",
		"WANDB_TAGS": "run_tags", "WANDB_JOB_TYPE": "run_job_type", "WANDB_RUN_GROUP": "run_group",
		"WANDB_RUN_ID": "run_id", "WANDB_MODE": "mode", "WANDB_PROJECT": "project",
		"WANDB_ENTITY": "entity", "WANDB_API_KEY": "api_key", "WANDB_BASE_URL": "base_url",
		"WANDB_RESUME": "resume", "WANDB_SILENT": "silent", "WANDB_QUIET": "quiet",
		"WANDB_CONSOLE": "console", "WANDB_SWEEP_ID": "sweep_id", "WANDB_PROGRAM": "program",
		"WANDB_SAVE_CODE": "save_code", "WANDB_DISABLE_CODE": "disable_code",
		"WANDB_DISABLE_GIT": "disable_git", "WANDB_CONFIG_DIR": "config_dir",
		"WANDB_CACHE_DIR": "cache_dir", "WANDB_FSYNC_INTERVAL": "fsync_interval",
		"WANDB__STATS_SAMPLING_INTERVAL": "x_stats_sampling_interval",
	}
	for name, key := range want {
		if m[name] != key {
			t.Errorf("EnvKeys()[%q] = %q, want %q", name, m[name], key)
		}
	}
	keys := Keys()
	for name, key := range m {
		if !strings.HasPrefix(name, "WANDB_") || !slices.Contains(keys, key) {
			t.Errorf("EnvKeys() has %q → %q", name, key)
		}
	}
	m["WANDB_MODE"] = "changed"
	if EnvKeys()["WANDB_MODE"] != "mode" {
		t.Error("EnvKeys returns shared state")
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"root_dir": "WANDB_DIR", "run_tags": "WANDB_TAGS", "project": "WANDB_PROJECT",
		"x_stats_sampling_interval": "WANDB__STATS_SAMPLING_INTERVAL", "nope": "",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
	for _, key := range Keys() {
		if EnvKeys()[EnvName(key)] != key {
			t.Errorf("EnvName(%q) = %q is not in EnvKeys", key, EnvName(key))
		}
	}
}
