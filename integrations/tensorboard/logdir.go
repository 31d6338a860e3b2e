package tensorboard

import (
	"path/filepath"
	"time"

	"github.com/gowandb/wandb"
)

// WithLogDir is the Init option of live TensorBoard sync, W&B's
// sync_tensorboard with the log directory named (a Go program has no
// TensorFlow writer to hook; see Patch):
//
//	run, err := wandb.Init(ctx, tensorboard.WithLogDir("logs"))
//
// It turns sync_tensorboard on (wandb.WithSyncTensorboard(true)), records
// logDir and opts in the run's config under _wandb.tensorboard (see
// ConfigKey), and starts the tensorboard plugin with the run
// (wandb.WithPlugins(PluginName): the binary wandb-plugin-tensorboard on
// WANDB_PLUGIN_PATH or beside the program; WithInProcess runs it in this
// process instead). The plugin follows logDir and its subdirectories
// while the run lives, streams their rows into the run, and at Finish
// reads the rest and saves the event files with the run; run.Finish does
// all of that, there is nothing to stop.
//
// As with Watch of a run, by default only the event files named after the
// run's start (Init) on this host are read; WithFilter changes that. The
// other options are those of Watch (WithRootDir, WithNamespace, WithSave,
// WithRecursive, WithPollInterval, WithIdleFlush); the plugin's warnings go
// into the run's log, WithWarnings has no effect. logDir is made absolute
// here.
//
// Give it once per Init (a second one replaces the first's directory and
// asks for the plugin twice, which the run's log reports); for several log
// directories, name their common parent: each subdirectory is followed
// with its own namespace. With WithConfigIncludeKeys, include "_wandb", or
// the plugin finds no settings. A plugin that is missing or fails is
// reported as a warning and the run goes on without it.
func WithLogDir(logDir string, opts ...Option) wandb.Option {
	return deferred(func() []wandb.Option {
		cfg := newConfig(opts)
		dir := logDir
		if dir != "" {
			if abs, err := filepath.Abs(dir); err == nil {
				dir = abs
			}
		}
		s := pluginSettings{LogDirs: []logDirSettings{newLogDirSettings(dir, cfg, time.Now())}}
		out := []wandb.Option{wandb.WithSyncTensorboard(true), wandb.WithConfig(s.toConfig())}
		if cfg.inProcess {
			return append(out, wandb.WithInProcessPlugin(NewPlugin()))
		}
		return append(out, wandb.WithPlugins(PluginName))
	})
}

// deferred returns an Init option that, when Init applies it, applies the
// options mk makes then, so that what they record (the time the file
// filter starts at) is Init's. It is generic only to name the parameter
// type of wandb.Option, which the root package does not export.
func deferred[O ~func(T), T any](mk func() []O) O {
	return func(x T) {
		for _, o := range mk() {
			o(x)
		}
	}
}

// PluginEnabled reports whether run was started with WithLogDir (or
// PluginConfig): its config names log directories for the tensorboard
// plugin. Code that would watch TensorBoard logs into the run on its own
// (package magic) checks it so as not to sync the same logs twice.
func PluginEnabled(run *wandb.Run) bool {
	if run == nil {
		return false
	}
	_, ok := run.Config().GetPath("_wandb", ConfigKey)
	return ok
}
