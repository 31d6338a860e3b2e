package settings

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Source says where a setting's value came from.
type Source string

// The sources of a setting's value, from lowest to highest precedence.
const (
	SourceDefault       Source = "default"
	SourceGlobalFile    Source = "global file"
	SourceWorkspaceFile Source = "workspace file"
	SourceEnvironment   Source = "environment"
	SourceInit          Source = "init"
)

// Default values of the settings that have one.
const (
	DefaultMode          = ModeOnline
	DefaultBaseURL       = "https://api.wandb.ai"
	DefaultRootDir       = "."
	DefaultConsole       = ConsoleOff
	DefaultFsyncInterval = time.Second
	// DefaultFinishTimeout: W&B waits without bound; a Go training job
	// that ends should not hang on a server that went away, and nothing is
	// lost (the run log keeps it for `wandb sync`).
	DefaultFinishTimeout         = 60 * time.Second
	DefaultStatsSamplingInterval = 15 * time.Second

	// MinStatsSamplingInterval is the smallest allowed x_stats_sampling_interval.
	MinStatsSamplingInterval = 100 * time.Millisecond
)

// Values of Settings.Mode.
const (
	ModeOnline   = "online"
	ModeOffline  = "offline"
	ModeDisabled = "disabled"
)

// Values of Settings.Resume. ResumeNone ("") means no resume check.
const (
	ResumeNone  = ""
	ResumeAllow = "allow"
	ResumeMust  = "must"
	ResumeNever = "never"
	ResumeAuto  = "auto"
)

// Values of Settings.Console.
const (
	ConsoleOff      = "off"
	ConsoleWrap     = "wrap"
	ConsoleRedirect = "redirect"
)

// ErrUnknownKey is returned (wrapped) by [Settings.Set] and [Settings.Get]
// for a key that is not a setting.
var ErrUnknownKey = errors.New("settings: unknown key")

// Settings are the resolved settings of a run. The field comments give each
// setting's snake_case key, the key used by [Settings.Set], settings files and
// Sources.
//
// The zero value is not valid: start from [Defaults] or [Load]. A Settings is
// not safe for concurrent mutation; use [Settings.Clone] to hand out copies.
type Settings struct {
	Mode           string   // mode: "online" | "offline" | "disabled" (aliases dryrun=offline, run=online)
	Project        string   // project: "" lets the caller derive one ("uncategorized" or git based)
	Entity         string   // entity: user or team; "" = the API key's default entity
	BaseURL        string   // base_url: W&B server, without trailing "/"
	APIKey         string   // api_key
	RootDir        string   // root_dir: base directory; run data goes to <RootDir>/wandb
	RunID          string   // run_id: "" = generate one
	RunName        string   // run_name: "" = the server picks a display name
	RunNotes       string   // run_notes
	RunTags        []string // run_tags: comma list in files and WANDB_TAGS
	RunGroup       string   // run_group
	RunJobType     string   // run_job_type
	Resume         string   // resume: "" | "allow" | "must" | "never" | "auto" (true=auto, false="")
	Force          bool     // force: require login instead of degrading
	AllowValChange bool     // allow_val_change: config values may change after being set
	SaveCode       bool     // save_code
	DisableGit     bool     // disable_git
	DisableCode    bool     // disable_code
	Console        string   // console: "off" | "wrap" | "redirect" ("auto" = "wrap")
	Silent         bool     // silent
	Quiet          bool     // quiet

	SyncTensorboard bool   // sync_tensorboard
	MonitorGym      bool   // monitor_gym
	SweepID         string // sweep_id
	Program         string // program

	// ConfigDir (config_dir) holds the global settings file. Load sets it to
	// $WANDB_CONFIG_DIR or ~/.config/wandb; it cannot be set from a file.
	ConfigDir string
	// CacheDir (cache_dir) is the artifact cache. Load sets it to
	// $WANDB_CACHE_DIR or <user cache dir>/wandb.
	CacheDir string

	// FsyncInterval (fsync_interval) is how often the transaction log is
	// fsynced; 0 = only at Flush and Finish. Accepts a Go duration or seconds.
	FsyncInterval time.Duration
	// FinishTimeout (finish_timeout) bounds how long Finish waits for an
	// online run's last uploads; 0 = no bound (W&B's default). What is not
	// sent in time stays in the run log for `wandb sync`. Accepts a Go
	// duration or seconds.
	FinishTimeout time.Duration
	// StatsSamplingInterval (x_stats_sampling_interval) is the system metrics
	// sampling period, at least MinStatsSamplingInterval. Accepts a Go
	// duration or seconds.
	StatsSamplingInterval time.Duration

	// Sources maps every setting key to where its value came from. Callers
	// that assign fields directly should record the source here too.
	Sources map[string]Source
}

// Defaults returns the built-in defaults, every key sourced [SourceDefault].
// ConfigDir and CacheDir are empty: they depend on the environment and are
// filled in by [Load].
func Defaults() *Settings {
	s := &Settings{
		Mode:                  DefaultMode,
		BaseURL:               DefaultBaseURL,
		RootDir:               DefaultRootDir,
		Console:               DefaultConsole,
		FsyncInterval:         DefaultFsyncInterval,
		FinishTimeout:         DefaultFinishTimeout,
		StatsSamplingInterval: DefaultStatsSamplingInterval,
		Sources:               make(map[string]Source, len(specs)),
	}
	for key := range specs {
		s.Sources[key] = SourceDefault
	}
	return s
}

// Keys returns the keys of all settings, sorted.
func Keys() []string {
	return slices.Sorted(maps.Keys(specs))
}

// Clone returns a deep copy of s.
func (s *Settings) Clone() *Settings {
	c := *s
	c.RunTags = slices.Clone(s.RunTags)
	c.Sources = maps.Clone(s.Sources)
	return &c
}

// Source returns where the setting key got its value; [SourceDefault] when
// nothing was recorded.
func (s *Settings) Source(key string) Source {
	if src, ok := s.Sources[key]; ok {
		return src
	}
	return SourceDefault
}

// Set parses raw as the value of the setting key, checks the setting's rule,
// assigns it and records src as its source. Booleans accept true/false, 1/0
// and yes/no in any case; durations accept a Go duration ("500ms") or a
// number of seconds ("1.5"); run_tags is a comma list (items trimmed, empty
// items dropped). Aliases are canonicalised: mode dryrun → offline, run →
// online; console auto → wrap; resume true → auto, false → "".
//
// An unknown key returns an error wrapping [ErrUnknownKey]; a bad value
// returns a *[ValueError] naming the key, the value and the rule, and leaves
// s unchanged.
func (s *Settings) Set(key, raw string, src Source) error {
	key = strings.ToLower(strings.TrimSpace(key))
	sp, ok := specs[key]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownKey, key)
	}
	if rule := sp.set(s, raw); rule != "" {
		return &ValueError{Key: key, Value: raw, Rule: rule, Source: src}
	}
	if s.Sources == nil {
		s.Sources = make(map[string]Source, len(specs))
	}
	s.Sources[key] = src
	return nil
}

// Get returns the value of the setting key formatted the way [Settings.Set]
// accepts it: booleans as "true" or "false", durations as Go durations,
// run_tags comma-joined. For any value Set produced, Set(key, Get(key))
// changes nothing. ok is false for an unknown key.
func (s *Settings) Get(key string) (value string, ok bool) {
	sp, ok := specs[strings.ToLower(strings.TrimSpace(key))]
	if !ok {
		return "", false
	}
	return sp.get(s), true
}
