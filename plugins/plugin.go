package plugins

import (
	"context"
	"errors"
	"fmt"
	"regexp"
)

// Plugin is an integration that runs beside a run. The host calls Start
// once, then Observe and Flush any number of times, then Finish once, and
// never two of them at the same time.
//
// Every call gets a context with the host's deadline (by default 30 s for
// Start, 10 s for the others). A call that outlives it counts as a hang: the host disables the plugin (or
// restarts it, by policy) and the run goes on without it. An error returned
// by Observe or Flush is reported in the run's log and the plugin stays on;
// an error from Start disables it.
//
// Emit of the Emitter given to Start may be called from any goroutine, also
// concurrently, from the moment Start is called until Finish returns; after
// that it returns ErrClosed. Emissions are applied to the run in the order
// of the Emit calls, and an emission that fails Emission.Validate disables
// the plugin. When Flush (or Finish) returns, the host has applied every
// emission made before it returned.
type Plugin interface {
	// Manifest describes the plugin. It is called without a run and must
	// not block.
	Manifest() Manifest
	// Start begins the plugin's part of a run.
	Start(ctx context.Context, run RunInfo, emit Emitter) error
	// Observe hands the plugin a batch of observations, in the order the
	// run's hooks made them. The plugin may keep the batch but must not
	// change tensor or frame data: in-process, other plugins share it.
	Observe(ctx context.Context, batch []Observation) error
	// Flush asks the plugin to emit whatever it holds back (buffered rows,
	// pending files).
	Flush(ctx context.Context) error
	// Finish ends the plugin's part of the run; the host flushes first.
	Finish(ctx context.Context) error
}

// Emitter takes what a plugin sends back to the run. It is safe for
// concurrent use.
type Emitter interface {
	// Emit applies e to the run (in the host, possibly after a trip over
	// gRPC). It returns ErrClosed after Finish, and an error wrapping
	// ErrInvalidEmission for an emission the host refuses.
	Emit(e Emission) error
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(Emission) error

// Emit calls f(e).
func (f EmitterFunc) Emit(e Emission) error { return f(e) }

// Liveness is implemented by Plugins whose transport can fail on its own,
// such as the gRPC client returned by GRPCPlugin.GRPCClient: Done is closed
// when the session stream ends, and Err then says why (nil after a clean
// Finish). The host uses it to notice a plugin process that dies while no
// call is in flight.
type Liveness interface {
	Done() <-chan struct{}
	Err() error
}

// RunInfo is the run a plugin is started for.
type RunInfo struct {
	ID      string
	Name    string
	Project string
	Entity  string
	// Dir is the run's files directory (W&B's run.dir). Files a plugin
	// writes there belong to the run; name them in an Emission's Files.
	Dir string
	// Config is the run's config at Start, nested maps as logged. Numbers
	// are float64, or int64 for integers.
	Config map[string]any
}

// Capabilities a plugin lists in Manifest.Provides: the kinds of records it
// sends back. Plugins may add names of their own (such as "tensorboard" or
// "alerts") to say what they are for.
const (
	ProvidesHistory = "history"
	ProvidesSummary = "summary"
	ProvidesConfig  = "config"
	ProvidesFiles   = "files"
	ProvidesLogs    = "logs"
)

// Manifest is what a plugin says about itself: what the describe subcommand
// prints (as JSON) and `wandb plugins ls` shows.
type Manifest struct {
	// Name is what runs ask for (wandb.WithPlugins(name)) and what the
	// binary is called after: wandb-plugin-<name>. Lower-case letters,
	// digits, '.', '_' and '-', starting with a letter or digit.
	Name string `json:"name"`
	// Version is the plugin's own version, free-form ("1.2.0").
	Version string `json:"version"`
	// ProtocolVersion is the contract version the plugin was built
	// against. Serve fills it in.
	ProtocolVersion int `json:"protocol_version"`
	// Provides lists capabilities (see ProvidesHistory and the others).
	Provides []string `json:"provides"`
	// Description is one line about the plugin.
	Description string `json:"description,omitempty"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate checks the name and the capabilities.
func (m Manifest) Validate() error {
	if !nameRE.MatchString(m.Name) {
		return fmt.Errorf("plugins: manifest: name %q: must be 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit", m.Name)
	}
	for _, p := range m.Provides {
		if p == "" {
			return fmt.Errorf("plugins: manifest %q: empty capability in provides", m.Name)
		}
	}
	return nil
}

var (
	// ErrClosed is returned by Emit after the plugin's Finish, and by calls
	// on a session that has ended.
	ErrClosed = errors.New("plugins: session closed")
	// ErrInvalidEmission is wrapped by Emission.Validate errors.
	ErrInvalidEmission = errors.New("plugins: invalid emission")
	// ErrInvalidObservation is wrapped by Observation.Validate errors.
	ErrInvalidObservation = errors.New("plugins: invalid observation")
	// ErrConnection is wrapped by errors of the gRPC client when the session
	// stream itself failed (the plugin process died or broke the protocol),
	// as opposed to an error the plugin returned.
	ErrConnection = errors.New("plugins: connection to the plugin lost")
)

// RemoteError is an error a plugin returned from a call, carried back over
// gRPC as text.
type RemoteError struct {
	// Op is the call: "start", "observe", "flush" or "finish".
	Op  string
	Msg string
}

func (e *RemoteError) Error() string { return fmt.Sprintf("plugins: plugin %s: %s", e.Op, e.Msg) }
