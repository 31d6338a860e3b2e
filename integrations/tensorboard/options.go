package tensorboard

import (
	"time"
)

// DefaultPollInterval is how often a Watcher looks for new events (W&B
// checks every 5 s).
const DefaultPollInterval = 5 * time.Second

// Option configures Sync and Watch.
type Option func(*config)

type config struct {
	rootDir   string
	namespace string
	save      bool
	recursive bool
	filter    *Filter
	interval  time.Duration
	idle      time.Duration // < 0: not set
	warn      func(string)
	inProcess bool // WithLogDir: the plugin in this process
}

func newConfig(opts []Option) config {
	c := config{save: true, recursive: true, interval: DefaultPollInterval, idle: -1}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithRootDir sets the root log directory (W&B's root_logdir): a log
// directory's namespace is its path relative to the root, and saved event
// files keep their paths relative to it. Default: the directory given to
// Sync or Watch, so that its own files have no namespace and those of a
// subdirectory such as train/ get "train".
func WithRootDir(dir string) Option { return func(c *config) { c.rootDir = dir } }

// WithNamespace adds a prefix before every namespace (and so before every
// key): "eval" makes "eval/loss", or "eval/train/loss" for a train/
// subdirectory.
func WithNamespace(namespace string) Option { return func(c *config) { c.namespace = namespace } }

// WithSave says whether the event files are saved with the run (default
// true; W&B's save argument), for TensorBoard to show them later.
func WithSave(save bool) Option { return func(c *config) { c.save = save } }

// WithRecursive says whether subdirectories are read too, each as its own
// log directory with its own namespace (default true).
func WithRecursive(recursive bool) Option { return func(c *config) { c.recursive = recursive } }

// WithFilter sets which event files are read (see Filter). Sync reads every
// event file by default; Watch of a run only those named after the run's
// start on this host.
func WithFilter(f Filter) Option { return func(c *config) { c.filter = &f } }

// WithPollInterval sets how often a Watcher polls (default
// DefaultPollInterval). Zero turns the background polling off: the caller
// calls Watcher.Poll.
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.interval = d } }

// WithIdleFlush sets how long a Watcher keeps the row of the last step it
// has read while nothing new arrives in its directory (default: the poll
// interval, DefaultPollInterval when polling manually). A row is written
// when the next step begins or after this much quiet, so that the latest
// values are not held back for a whole step; a value of the same step that
// comes later lands in a second row with the same global_step. Zero keeps
// rows until the next step or Stop.
func WithIdleFlush(d time.Duration) Option { return func(c *config) { c.idle = d } }

// WithWarnings receives warnings: damaged event files, values that cannot
// be converted or logged.
func WithWarnings(warn func(msg string)) Option { return func(c *config) { c.warn = warn } }

// WithInProcess makes WithLogDir run the tensorboard plugin in the
// training process (wandb.WithInProcessPlugin) instead of as the binary
// wandb-plugin-tensorboard: for programs shipped without the binary, and
// tests. It has no effect on Sync, Watch and Patch, which always run in
// the caller's process.
func WithInProcess(inProcess bool) Option { return func(c *config) { c.inProcess = inProcess } }
