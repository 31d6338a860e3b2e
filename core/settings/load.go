package settings

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

const (
	envPrefix        = "WANDB_"
	envPrivatePrefix = "WANDB__" // WANDB__FOO → x_foo
)

// specialEnv maps the environment variables whose names do not follow
// WANDB_<KEY> (wandb_settings.py update_from_env_vars). Never modified.
var specialEnv = map[string]string{
	"WANDB_DIR":      "root_dir",
	"WANDB_NAME":     "run_name",
	"WANDB_NOTES":    "run_notes",
	"WANDB_TAGS":     "run_tags",
	"WANDB_JOB_TYPE": "run_job_type",
}

// fileIgnored lists keys a settings file cannot set, by source: config_dir
// locates the global file and root_dir the workspace file, so a file setting
// them would move itself. They are silently ignored there.
func fileIgnored(src Source, key string) bool {
	switch key {
	case "config_dir":
		return true
	case "root_dir":
		return src == SourceWorkspaceFile
	}
	return false
}

// Load resolves the settings from defaults, the global settings file
// ([GlobalPath]), the workspace settings file ([WorkspacePath]) and env, in
// that order of increasing precedence, and validates the result.
//
// env is a list like os.Environ(); a variable given twice takes its last
// value (as in exec.Cmd) and an empty value counts as unset. The workspace
// file is <root>/wandb/settings where root is rootDirOverride when non-empty
// (the Init option dir, which also wins as RootDir with source
// [SourceInit]), else WANDB_DIR, else root_dir from the global file, else
// ".". ConfigDir and CacheDir default to ~/.config/wandb and
// <user cache dir>/wandb, with HOME (and XDG_CACHE_HOME etc.) looked up in env
// and os.UserHomeDir used only when env has no HOME.
//
// Missing files are fine. An unreadable file, a malformed line (a
// *[SyntaxError] naming file and line) and every bad value (a *[ValueError]
// naming the key, value, rule and file:line or variable) are errors, all
// joined; unknown keys and unknown WANDB_* variables are ignored.
func Load(env []string, rootDirOverride string) (*Settings, error) {
	e := envMap(env)
	s := Defaults()
	home := homeDir(e)
	if home != "" {
		s.ConfigDir = filepath.Join(home, ".config", "wandb")
	}
	s.CacheDir = cacheDir(e, home)

	var errs []error
	if p := globalPath(e, home); p != "" {
		errs = append(errs, s.loadFile(p, SourceGlobalFile)...)
	}
	root := s.RootDir
	if _, v, ok := envLookup(e, "root_dir"); ok {
		root = normRootDir(v)
	}
	if rootDirOverride != "" {
		root = rootDirOverride
	}
	errs = append(errs, s.loadFile(WorkspacePath(root), SourceWorkspaceFile)...)
	errs = append(errs, s.loadEnv(e)...)
	if rootDirOverride != "" {
		errs = append(errs, s.Set("root_dir", rootDirOverride, SourceInit))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// loadFile applies the [default] entries of the settings file at path.
func (s *Settings) loadFile(path string, src Source) []error {
	doc, _, err := readINI(path)
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, e := range doc.entries {
		if e.value == "" || fileIgnored(src, e.key) {
			continue
		}
		err := s.Set(e.key, e.value, src)
		if errors.Is(err, ErrUnknownKey) {
			continue
		}
		if ve, ok := errors.AsType[*ValueError](err); ok {
			ve.Where = path + ":" + strconv.Itoa(e.line)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// loadEnv applies every known setting found in e.
func (s *Settings) loadEnv(e map[string]string) []error {
	var errs []error
	for _, key := range Keys() {
		name, v, ok := envLookup(e, key)
		if !ok {
			continue
		}
		if err := s.Set(key, v, SourceEnvironment); err != nil {
			if ve, ok := errors.AsType[*ValueError](err); ok {
				ve.Where = name
			}
			errs = append(errs, err)
		}
	}
	return errs
}

// envNames returns the variables that set key, highest priority first: the
// special name, then WANDB__<REST> for an x_<rest> key, then WANDB_<KEY>.
func envNames(key string) []string {
	var names []string
	for name, k := range specialEnv {
		if k == key {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if rest, ok := strings.CutPrefix(key, "x_"); ok {
		names = append(names, envPrivatePrefix+strings.ToUpper(rest))
	}
	return append(names, envPrefix+strings.ToUpper(key))
}

// envLookup finds the highest-priority non-empty variable setting key.
func envLookup(e map[string]string, key string) (name, value string, ok bool) {
	for _, name := range envNames(key) {
		if v := e[name]; v != "" {
			return name, v, true
		}
	}
	return "", "", false
}

// EnvKeys returns every environment variable Load reads a setting from,
// mapped to the setting key: WANDB_<KEY> for each key, WANDB__<REST> for
// each x_<rest> key, and the special names (WANDB_DIR, WANDB_NAME,
// WANDB_NOTES, WANDB_TAGS, WANDB_JOB_TYPE). When several variables for one
// key are set, the special name wins, then WANDB__<REST>, then WANDB_<KEY>;
// [EnvName] gives the preferred one. The map is the caller's to modify.
func EnvKeys() map[string]string {
	m := make(map[string]string, 2*len(specs))
	for key := range specs {
		for _, name := range envNames(key) {
			m[name] = key
		}
	}
	return m
}

// EnvName returns the preferred environment variable for key (WANDB_DIR for
// root_dir, WANDB_PROJECT for project, WANDB__STATS_SAMPLING_INTERVAL for
// x_stats_sampling_interval), or "" for an unknown key.
func EnvName(key string) string {
	if _, ok := specs[key]; !ok {
		return ""
	}
	return envNames(key)[0]
}

// WorkspacePath returns the workspace settings file of rootDir:
// <rootDir>/wandb/settings.
func WorkspacePath(rootDir string) string {
	return filepath.Join(rootDir, "wandb", "settings")
}

// GlobalPath returns the global settings file for env (a list like
// os.Environ()): $WANDB_CONFIG_DIR/settings, else ~/.config/wandb/settings
// with HOME taken from env (os.UserHomeDir when env has none). It returns ""
// when no home directory can be found.
func GlobalPath(env []string) string {
	e := envMap(env)
	return globalPath(e, homeDir(e))
}

func globalPath(e map[string]string, home string) string {
	if d := e["WANDB_CONFIG_DIR"]; d != "" {
		return filepath.Join(d, "settings")
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "wandb", "settings")
}

// envMap turns an os.Environ-style list into a map; the last value of a
// repeated name wins. Names are upper-cased on Windows, where they are
// case-insensitive.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		if runtime.GOOS == "windows" {
			name = strings.ToUpper(name)
		}
		m[name] = value
	}
	return m
}

// homeDir is HOME (USERPROFILE on Windows) from e, else os.UserHomeDir, else "".
func homeDir(e map[string]string) string {
	if h := e["HOME"]; h != "" {
		return h
	}
	if runtime.GOOS == "windows" {
		if h := e["USERPROFILE"]; h != "" {
			return h
		}
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return h
}

// cacheDir is <user cache dir>/wandb, the user cache dir worked out from e
// like os.UserCacheDir does from the process environment; "" if unknown.
func cacheDir(e map[string]string, home string) string {
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = e["LOCALAPPDATA"]
	case "darwin", "ios":
		if home != "" {
			dir = filepath.Join(home, "Library", "Caches")
		}
	case "plan9":
		if home != "" {
			dir = filepath.Join(home, "lib", "cache")
		}
	default:
		dir = e["XDG_CACHE_HOME"]
		if !filepath.IsAbs(dir) {
			dir = ""
			if home != "" {
				dir = filepath.Join(home, ".cache")
			}
		}
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "wandb")
}
