package host

import (
	"errors"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Policy says what happens to a plugin that crashes, hangs or sends
// garbage.
type Policy int

const (
	// Disable stops the plugin for the rest of the run (the default).
	Disable Policy = iota
	// RestartOnce starts a new process for the plugin the first time it
	// fails (it gets Start again with the run's info) and disables it the
	// second time. In-process plugins are never restarted.
	RestartOnce
)

func (p Policy) String() string {
	if p == RestartOnce {
		return "restart-once"
	}
	return "disable"
}

// Defaults.
const (
	DefaultCallTimeout     = 10 * time.Second
	DefaultStartTimeout    = 30 * time.Second
	DefaultDescribeTimeout = 10 * time.Second
	DefaultQueueSize       = 8192
	// EnvPluginPath names the environment variable with the plugin
	// directories, colon-separated.
	EnvPluginPath = "WANDB_PLUGIN_PATH"
	// BinaryPrefix starts the file name of every plugin binary.
	BinaryPrefix = "wandb-plugin-"
)

// Batching of observations: at most this many, or about this many bytes of
// tensor and frame data, per Observe call.
const (
	maxBatch      = 512
	maxBatchBytes = 8 << 20
)

// ErrNotFound is wrapped by Find and Session.Start errors for a plugin name
// that no binary on the search path has.
var ErrNotFound = errors.New("plugins: plugin not found")

// Host finds and launches plugins. It is safe for concurrent use; one Host
// can serve many sessions.
type Host struct {
	cfg config
}

type config struct {
	searchPath      []string
	logger          hclog.Logger
	callTimeout     time.Duration
	startTimeout    time.Duration
	describeTimeout time.Duration
	policy          Policy
	queueSize       int
}

// Option configures a Host.
type Option func(*config)

// WithSearchPath sets the directories searched for plugin binaries, in
// order. Default: SearchPath($WANDB_PLUGIN_PATH).
func WithSearchPath(dirs ...string) Option {
	return func(c *config) { c.searchPath = append([]string(nil), dirs...) }
}

// WithLogger sets the logger for the host's own messages and the plugins'
// log output (go-plugin relays each plugin's standard error into it, as a
// sub-logger named after the plugin). Default: none.
func WithLogger(l hclog.Logger) Option { return func(c *config) { c.logger = l } }

// WithCallTimeout sets the deadline of each call to a plugin (Observe,
// Flush, Finish): a call that outlives it is a hang. Default 10 s.
func WithCallTimeout(d time.Duration) Option { return func(c *config) { c.callTimeout = d } }

// WithStartTimeout bounds starting a plugin process up to its handshake,
// and then its Start call. Default 30 s.
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimeout = d } }

// WithDescribeTimeout bounds one `describe` run. Default 10 s.
func WithDescribeTimeout(d time.Duration) Option { return func(c *config) { c.describeTimeout = d } }

// WithFailurePolicy sets what happens to a failing plugin. Default Disable.
func WithFailurePolicy(p Policy) Option { return func(c *config) { c.policy = p } }

// WithQueueSize bounds the observations queued for one plugin; more are
// dropped and counted (Status.Dropped, and a line in the run's log at
// Close). Default 8192.
func WithQueueSize(n int) Option { return func(c *config) { c.queueSize = n } }

// New returns a Host. Defaults, then the environment (WANDB_PLUGIN_PATH),
// then opts.
func New(opts ...Option) *Host {
	c := config{
		searchPath:      SearchPath(os.Getenv(EnvPluginPath)),
		callTimeout:     DefaultCallTimeout,
		startTimeout:    DefaultStartTimeout,
		describeTimeout: DefaultDescribeTimeout,
		queueSize:       DefaultQueueSize,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = hclog.NewNullLogger()
	}
	if c.callTimeout <= 0 {
		c.callTimeout = DefaultCallTimeout
	}
	if c.startTimeout <= 0 {
		c.startTimeout = DefaultStartTimeout
	}
	if c.describeTimeout <= 0 {
		c.describeTimeout = DefaultDescribeTimeout
	}
	if c.queueSize <= 0 {
		c.queueSize = DefaultQueueSize
	}
	return &Host{cfg: c}
}

// SearchPath returns the directories to search for plugins: those of
// pluginPath (a WANDB_PLUGIN_PATH value, colon-separated; empty entries
// skipped), then the directory of the running executable.
func SearchPath(pluginPath string) []string {
	var dirs []string
	for _, d := range filepathSplitList(pluginPath) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, exeDir(exe))
	}
	return dirs
}
