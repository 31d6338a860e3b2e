package wandb

import (
	"io"
	"strings"
	"time"
)

// Mode is a run's mode.
type Mode string

// Modes (W&B's; "dryrun" and "run" are accepted as aliases of offline and
// online in settings and the environment).
const (
	ModeOnline   Mode = "online"
	ModeOffline  Mode = "offline"
	ModeDisabled Mode = "disabled"
)

// Resume is the resume behaviour of Init (wandb-behaviour.md §1.3).
type Resume string

// Resume modes.
const (
	// ResumeNone never resumes: a run with an existing id starts over in a
	// new run directory.
	ResumeNone Resume = ""
	// ResumeAllow resumes the run with the id if it exists, else starts it.
	ResumeAllow Resume = "allow"
	// ResumeMust resumes the run with the id and fails if there is none.
	ResumeMust Resume = "must"
	// ResumeNever fails if a run with the id exists.
	ResumeNever Resume = "never"
	// ResumeAuto resumes the last run of this directory if it did not exit
	// cleanly (wandb/wandb-resume.json), else starts a new one.
	ResumeAuto Resume = "auto"
)

// Reinit says what Init does while another run of the process is active.
type Reinit string

// Reinit modes (W&B's).
const (
	// ReinitDefault is ReinitReturnPrevious, W&B's default outside notebooks.
	ReinitDefault Reinit = ""
	// ReinitReturnPrevious returns the active default run unchanged.
	ReinitReturnPrevious Reinit = "return_previous"
	// ReinitFinishPrevious finishes the active default run and starts a new one.
	ReinitFinishPrevious Reinit = "finish_previous"
	// ReinitCreateNew starts a new run beside the active ones.
	ReinitCreateNew Reinit = "create_new"
)

// Option configures Init. Options apply after settings files and
// environment variables, so they win over both.
type Option func(*initOptions)

type initOptions struct {
	project, entity, jobType, dir, group, name, notes, id, anonymous *string
	tags                                                             []string
	tagsSet                                                          bool
	configs                                                          []any
	include, exclude                                                 []string
	reinit                                                           Reinit
	magic                                                            any
	mode                                                             *Mode
	allowValChange, force, syncTB, monitorGym, saveCode              *bool
	resume                                                           *Resume
	settings                                                         map[string]string
	strictSteps                                                      bool
	console                                                          *string
	fsync, finishTimeout                                             *time.Duration
	signals                                                          *bool
	warnOut                                                          io.Writer
	now                                                              func() time.Time
	skipCaller                                                       int
	plugins                                                          pluginOptions // plugins.go
	onStop                                                           func(*Run)    // stop.go
}

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }

// WithProject sets the project (W&B: project). At most 128 characters, none
// of / \ # ? % :. Default: the git repository's name, else "uncategorized".
func WithProject(project string) Option { return func(o *initOptions) { o.project = strp(project) } }

// WithEntity sets the user or team the run belongs to (W&B: entity).
func WithEntity(entity string) Option { return func(o *initOptions) { o.entity = strp(entity) } }

// WithJobType sets the run's job type, such as "train" or "eval" (W&B: job_type).
func WithJobType(jobType string) Option { return func(o *initOptions) { o.jobType = strp(jobType) } }

// WithDir sets the directory under which the run is stored, in dir/wandb
// (W&B: dir). Default: the working directory, or $WANDB_DIR.
func WithDir(dir string) Option { return func(o *initOptions) { o.dir = strp(dir) } }

// WithConfig adds hyperparameters to the run's config (W&B: config). It
// accepts a map[string]any, a struct or pointer to struct (fields by their
// `wandb` or `json` tag), a *flag.FlagSet (every flag's value), or a string
// naming a YAML file. It may be given several times; later values win.
// A config-defaults.yaml in the working directory is loaded first.
func WithConfig(config any) Option {
	return func(o *initOptions) { o.configs = append(o.configs, config) }
}

// WithConfigIncludeKeys keeps only these top-level keys of the configs given
// to Init (W&B: config_include_keys).
func WithConfigIncludeKeys(keys ...string) Option {
	return func(o *initOptions) { o.include = append(o.include, keys...) }
}

// WithConfigExcludeKeys drops these top-level keys from the configs given to
// Init (W&B: config_exclude_keys).
func WithConfigExcludeKeys(keys ...string) Option {
	return func(o *initOptions) { o.exclude = append(o.exclude, keys...) }
}

// WithReinit says what to do while another run is active (W&B: reinit).
func WithReinit(mode Reinit) Option { return func(o *initOptions) { o.reinit = mode } }

// WithTags sets the run's tags, each 1 to 64 characters (W&B: tags).
func WithTags(tags ...string) Option {
	return func(o *initOptions) { o.tags, o.tagsSet = append([]string(nil), tags...), true }
}

// WithGroup groups runs, such as the workers of one distributed job (W&B: group).
func WithGroup(group string) Option { return func(o *initOptions) { o.group = strp(group) } }

// WithName sets the run's display name (W&B: name). Default: a generated
// adjective-noun-number name.
func WithName(name string) Option { return func(o *initOptions) { o.name = strp(name) } }

// WithNotes sets a longer description of the run (W&B: notes).
func WithNotes(notes string) Option { return func(o *initOptions) { o.notes = strp(notes) } }

// WithMagic turns on auto-logging (W&B: magic): a bool, or a map or JSON
// string of magic settings. The magic package reads it.
func WithMagic(magic any) Option { return func(o *initOptions) { o.magic = magic } }

// WithAnonymous is accepted for compatibility with W&B's anonymous argument
// and does nothing: W&B has deprecated and ignores it.
func WithAnonymous(mode string) Option { return func(o *initOptions) { o.anonymous = strp(mode) } }

// WithMode sets online, offline or disabled (W&B: mode). Disabled returns a
// run whose every call works and writes nothing.
func WithMode(mode Mode) Option { return func(o *initOptions) { o.mode = &mode } }

// WithAllowValChange lets config keys change value after they are set
// (W&B: allow_val_change).
func WithAllowValChange(allow bool) Option {
	return func(o *initOptions) { o.allowValChange = boolp(allow) }
}

// WithResume sets the resume behaviour (W&B: resume).
func WithResume(mode Resume) Option { return func(o *initOptions) { o.resume = &mode } }

// WithForce makes Init fail instead of falling back to offline when no
// server can be used (W&B: force).
func WithForce(force bool) Option { return func(o *initOptions) { o.force = boolp(force) } }

// WithSyncTensorboard asks for TensorBoard event files to be synced into the
// run (W&B: sync_tensorboard). The TensorBoard integration acts on it.
func WithSyncTensorboard(sync bool) Option { return func(o *initOptions) { o.syncTB = boolp(sync) } }

// WithTensorboard is W&B's deprecated tensorboard argument, an alias of
// WithSyncTensorboard.
//
// Deprecated: use WithSyncTensorboard.
func WithTensorboard(sync bool) Option { return WithSyncTensorboard(sync) }

// WithMonitorGym asks for videos of gym environments to be logged (W&B:
// monitor_gym). The gym integration acts on it.
func WithMonitorGym(monitor bool) Option {
	return func(o *initOptions) { o.monitorGym = boolp(monitor) }
}

// WithSaveCode saves the source file that called Init into files/code/ and
// records its path in the config as _wandb.code_path (W&B: save_code).
func WithSaveCode(save bool) Option { return func(o *initOptions) { o.saveCode = boolp(save) } }

// WithID sets the run id, unique within the project (W&B: id). It must not
// contain any of : ; , # ? / ' or surrounding whitespace.
func WithID(id string) Option { return func(o *initOptions) { o.id = strp(id) } }

// WithSettings sets settings by their W&B names, as a settings file or
// wandb.Settings would (for example "console": "wrap", "fsync_interval":
// "0"). Explicit options win over these.
func WithSettings(settings map[string]string) Option {
	return func(o *initOptions) {
		if o.settings == nil {
			o.settings = map[string]string{}
		}
		for k, v := range settings {
			o.settings[strings.ToLower(k)] = v
		}
	}
}

// WithStrictSteps makes Log return ErrStepNotMonotonic for a step lower than
// the current one, instead of only warning. The data is dropped either way.
func WithStrictSteps(strict bool) Option { return func(o *initOptions) { o.strictSteps = strict } }

// WithConsole captures the process's stdout and stderr into files/output.log:
// "off" (default), "wrap" or "redirect" (both capture the file descriptors).
func WithConsole(mode string) Option { return func(o *initOptions) { o.console = strp(mode) } }

// WithFinishTimeout bounds how long Finish waits for an online run's last
// uploads (W&B: finish_timeout; default 60 s, 0 = no bound). What is not
// sent in time stays in the run log, and `wandb sync` sends it later;
// Finish warns "Timed out finishing run." and returns no error. Also the
// setting finish_timeout ($WANDB_FINISH_TIMEOUT).
func WithFinishTimeout(d time.Duration) Option { return func(o *initOptions) { o.finishTimeout = &d } }

// WithFsyncInterval sets how often the run log is fsynced (default 1 s; 0
// means only at Flush and Finish). Records reach the OS within 100 ms
// whatever this is.
func WithFsyncInterval(d time.Duration) Option { return func(o *initOptions) { o.fsync = &d } }

// WithSignalHandler installs (default true) a SIGINT/SIGTERM handler that
// finishes active runs with exit code 255 and then lets the signal end the
// process.
func WithSignalHandler(install bool) Option {
	return func(o *initOptions) { o.signals = boolp(install) }
}

// WithWarnings sends warnings (fallbacks, dropped steps) to w instead of
// standard error. Silent and quiet settings still apply.
func WithWarnings(w io.Writer) Option { return func(o *initOptions) { o.warnOut = w } }

// withClock injects the clock (tests).
func withClock(now func() time.Time) Option { return func(o *initOptions) { o.now = now } }

// WithOnStop sets a function called once, on its own goroutine, when the
// run is stopped from the server (the stop button of the run's page, or
// the StopRun API). An online run learns of a stop within 15 s, from the
// response to its next file_stream request (an idle run sends one every
// 10 s).
//
// W&B's Python SDK interrupts the main thread (KeyboardInterrupt). A Go
// library cannot interrupt a goroutine, so by default a stopped run prints
// a warning and cancels [Run.Context] (its cause is [ErrRunStopped]); a
// training loop that selects on run.Context().Done() ends, and anything
// else goes on logging until the program calls Finish. Finish then ends
// the run as killed on the server, whatever the exit code. fn runs after
// the context is cancelled; it may call run.Finish.
func WithOnStop(fn func(*Run)) Option { return func(o *initOptions) { o.onStop = fn } }
