package tensorboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// The plugin's settings travel in the run's config, under
// _wandb.tensorboard (ConfigKey), because the config is the one thing of
// the run every plugin gets at Start (plugins.RunInfo.Config) over either
// transport: no host API is needed for them, and the run's config.yaml
// records what was synced. WithLogDir writes them; PluginConfig returns
// them for a run started another way. The entry is:
//
//	_wandb:
//	  tensorboard:
//	    log_dirs:
//	      - path: /abs/logs          # the log directory
//	        root_dir: /abs/logs      # WithRootDir (default path)
//	        namespace: ""            # WithNamespace
//	        save: true               # WithSave
//	        recursive: true          # WithRecursive
//	        start_time: 1700000000   # Filter.StartTime, Unix seconds (0: any)
//	        hostname: box            # Filter.Hostname ("": any)
//	        poll_interval: 5         # seconds (0: read only at Flush and Finish)
//	        idle_flush: 5            # seconds (0: rows wait for the next step)
//
// Numbers may be integers or floats. Unknown fields are ignored, so later
// versions can add some.

// ConfigKey is the key under the run config's reserved _wandb entry that
// holds the plugin's settings.
const ConfigKey = "tensorboard"

// pluginSettings is the _wandb.tensorboard entry.
type pluginSettings struct {
	LogDirs []logDirSettings `json:"log_dirs"`
}

// logDirSettings is one log directory to follow and its options.
type logDirSettings struct {
	Path         string  `json:"path"`
	RootDir      string  `json:"root_dir,omitempty"`
	Namespace    string  `json:"namespace,omitempty"`
	Save         bool    `json:"save"`
	Recursive    bool    `json:"recursive"`
	StartTime    float64 `json:"start_time,omitempty"`
	Hostname     string  `json:"hostname,omitempty"`
	PollInterval float64 `json:"poll_interval"`
	IdleFlush    float64 `json:"idle_flush"`
}

// newLogDirSettings records logDir with the options of cfg. Without
// WithFilter the files are those named after start on this host, as Watch
// of a run reads.
func newLogDirSettings(logDir string, cfg config, start time.Time) logDirSettings {
	f := Filter{StartTime: start}
	if cfg.filter != nil {
		f = *cfg.filter
	} else if h, err := os.Hostname(); err == nil {
		f.Hostname = h
	}
	s := logDirSettings{
		Path: logDir, RootDir: cfg.rootDir, Namespace: cfg.namespace,
		Save: cfg.save, Recursive: cfg.recursive, Hostname: f.Hostname,
		PollInterval: cfg.interval.Seconds(),
	}
	if !f.StartTime.IsZero() {
		s.StartTime = float64(f.StartTime.Unix())
	}
	idle := cfg.idle
	if idle < 0 { // WatchTo's default: the poll interval
		idle = cfg.interval
		if idle == 0 {
			idle = DefaultPollInterval
		}
	}
	s.IdleFlush = idle.Seconds()
	return s
}

// options turns the settings back into the options of WatchTo (polling
// left to the plugin).
func (s logDirSettings) options() []Option {
	f := Filter{Hostname: s.Hostname}
	if s.StartTime != 0 {
		f.StartTime = time.Unix(int64(s.StartTime), 0)
	}
	return []Option{
		WithRootDir(s.RootDir), WithNamespace(s.Namespace), WithSave(s.Save),
		WithRecursive(s.Recursive), WithFilter(f), WithPollInterval(0),
		WithIdleFlush(seconds(s.IdleFlush)),
	}
}

func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// toConfig is the run config that holds s: {"_wandb": {"tensorboard": …}}.
func (s pluginSettings) toConfig() map[string]any {
	dirs := make([]any, len(s.LogDirs))
	for i, d := range s.LogDirs {
		dirs[i] = map[string]any{
			"path": d.Path, "root_dir": d.RootDir, "namespace": d.Namespace,
			"save": d.Save, "recursive": d.Recursive, "start_time": int64(d.StartTime),
			"hostname": d.Hostname, "poll_interval": d.PollInterval, "idle_flush": d.IdleFlush,
		}
	}
	return map[string]any{"_wandb": map[string]any{ConfigKey: map[string]any{"log_dirs": dirs}}}
}

// errNoSettings is why the plugin has nothing to do.
var errNoSettings = errors.New("tensorboard: plugin: the run's config has no _wandb." + ConfigKey +
	" entry naming a log directory: start the run with tensorboard.WithLogDir (WithConfigIncludeKeys must then include \"_wandb\")")

// settingsFromConfig reads the settings from a run's config.
func settingsFromConfig(cfg map[string]any) (pluginSettings, error) {
	var s pluginSettings
	w, _ := cfg["_wandb"].(map[string]any)
	entry, ok := w[ConfigKey]
	if !ok {
		return s, errNoSettings
	}
	b, err := json.Marshal(entry)
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil {
		return s, fmt.Errorf("tensorboard: plugin: _wandb.%s: %w", ConfigKey, err)
	}
	if len(s.LogDirs) == 0 {
		return s, errNoSettings
	}
	for i, d := range s.LogDirs {
		if d.Path == "" {
			return s, fmt.Errorf("tensorboard: plugin: _wandb.%s.log_dirs[%d]: no log directory (path)", ConfigKey, i)
		}
	}
	return s, nil
}

// PluginConfig returns the run config that tells the tensorboard plugin to
// follow logDir with opts: {"_wandb": {"tensorboard": …}} (see ConfigKey),
// to give to wandb.WithConfig with wandb.WithPlugins(PluginName), or as
// plugins.RunInfo.Config in a plugintest harness. WithLogDir does both. By
// default (no WithFilter) the plugin reads the event files named from now
// on, on this host. WithWarnings has no effect: the plugin's warnings go
// into the run's log. logDir should be absolute: a plugin process need not
// share the working directory.
func PluginConfig(logDir string, opts ...Option) map[string]any {
	return pluginSettings{LogDirs: []logDirSettings{newLogDirSettings(logDir, newConfig(opts), time.Now())}}.toConfig()
}
