// Package plugintest tests gowandb plugins without a plugin process: it
// serves a plugins.Plugin through the real gRPC adapters of package plugins
// over go-plugin's in-process test connection (plugin.TestPluginGRPCConn),
// so a plugin's tests exercise the same conversion and session stream a
// subprocess would, with none of the process handling. It is to plugins
// what net/http/httptest is to handlers.
//
//	h := plugintest.Start(t, &myPlugin{}, plugins.RunInfo{Config: cfg})
//	h.Observe(plugins.Scalar("loss", 3, 0.2))
//	h.Flush() // every emission made so far is now in h.Rec
//	if got := h.Rec.Summary()["alert"]; ...
package plugintest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/gowandb/wandb/plugins"
)

// Connect serves impl over an in-process gRPC connection and returns the
// host's side of it: the same Plugin a host gets for a plugin process. The
// connection is closed when the test ends.
func Connect(t testing.TB, impl plugins.Plugin) plugins.Plugin {
	t.Helper()
	client, _ := goplugin.TestPluginGRPCConn(t, false, plugins.PluginSet(impl))
	// Close stops the server too, through go-plugin's controller service
	// (stopping it here as well would race with that).
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(plugins.PluginName)
	if err != nil {
		t.Fatalf("plugintest: dispense: %v", err)
	}
	return raw.(plugins.Plugin)
}

// CallTimeout bounds each call a Harness makes.
const CallTimeout = 30 * time.Second

// Harness drives a plugin the way the host does, failing the test on an
// error.
type Harness struct {
	t testing.TB
	// Plugin is the host's side of the connection.
	Plugin plugins.Plugin
	// Rec holds what the plugin emitted.
	Rec      *Recorder
	finished bool
}

// Start connects impl (see Connect) and starts it for run. The plugin is
// finished when the test ends, if the test did not finish it.
func Start(t testing.TB, impl plugins.Plugin, run plugins.RunInfo) *Harness {
	t.Helper()
	h := &Harness{t: t, Plugin: Connect(t, impl), Rec: &Recorder{}}
	if run.Dir == "" {
		run.Dir = t.TempDir()
	}
	if err := h.call(func(ctx context.Context) error { return h.Plugin.Start(ctx, run, h.Rec) }); err != nil {
		t.Fatalf("plugintest: start: %v", err)
	}
	t.Cleanup(func() {
		if !h.finished {
			h.Finish()
		}
	})
	return h
}

func (h *Harness) call(fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	defer cancel()
	return fn(ctx)
}

// Observe sends one batch.
func (h *Harness) Observe(batch ...plugins.Observation) {
	h.t.Helper()
	for i := range batch {
		if err := batch[i].Validate(); err != nil {
			h.t.Fatalf("plugintest: %v", err)
		}
	}
	if err := h.call(func(ctx context.Context) error { return h.Plugin.Observe(ctx, batch) }); err != nil {
		h.t.Fatalf("plugintest: observe: %v", err)
	}
}

// Flush flushes the plugin: when it returns, Rec holds every emission the
// plugin made before it acknowledged the flush.
func (h *Harness) Flush() {
	h.t.Helper()
	if err := h.call(h.Plugin.Flush); err != nil {
		h.t.Fatalf("plugintest: flush: %v", err)
	}
}

// Finish flushes and finishes the plugin, as the host does at the end of a
// run, and fails the test if the plugin sent an invalid emission.
func (h *Harness) Finish() {
	h.t.Helper()
	h.finished = true
	h.Flush()
	if err := h.call(h.Plugin.Finish); err != nil {
		h.t.Fatalf("plugintest: finish: %v", err)
	}
	if bad := h.Rec.Invalid(); len(bad) > 0 {
		h.t.Errorf("plugintest: the plugin sent %d invalid emission(s); the host would have disabled it: %v", len(bad), bad[0])
	}
}

// Recorder is an Emitter that keeps what it is given. Like the host, it
// refuses an emission that fails Validate (and remembers the error).
type Recorder struct {
	mu        sync.Mutex
	emissions []plugins.Emission
	invalid   []error
}

var _ plugins.Emitter = (*Recorder)(nil)

// Emit records e.
func (r *Recorder) Emit(e plugins.Emission) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := e.Validate(); err != nil {
		r.invalid = append(r.invalid, err)
		return fmt.Errorf("plugintest: %w", err)
	}
	r.emissions = append(r.emissions, e)
	return nil
}

// Emissions returns the valid emissions in order.
func (r *Recorder) Emissions() []plugins.Emission {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]plugins.Emission(nil), r.emissions...)
}

// Invalid returns the errors of the emissions refused.
func (r *Recorder) Invalid() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.invalid...)
}

// Rows returns the history rows emitted.
func (r *Recorder) Rows() []plugins.HistoryRow {
	var out []plugins.HistoryRow
	for _, e := range r.Emissions() {
		if e.History != nil {
			out = append(out, *e.History)
		}
	}
	return out
}

// Summary returns the summary updates merged in order, values decoded.
func (r *Recorder) Summary() map[string]any {
	return r.merged(func(e plugins.Emission) map[string]json.RawMessage { return e.Summary })
}

// Config returns the config updates merged in order, values decoded.
func (r *Recorder) Config() map[string]any {
	return r.merged(func(e plugins.Emission) map[string]json.RawMessage { return e.Config })
}

func (r *Recorder) merged(part func(plugins.Emission) map[string]json.RawMessage) map[string]any {
	out := map[string]any{}
	for _, e := range r.Emissions() {
		for k, v := range part(e) {
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				x = json.RawMessage(v) // W&B's NaN/Infinity tokens: left as JSON
			}
			out[k] = x
		}
	}
	return out
}

// Logs returns the log lines emitted.
func (r *Recorder) Logs() []plugins.LogLine {
	var out []plugins.LogLine
	for _, e := range r.Emissions() {
		if e.Log != nil {
			out = append(out, *e.Log)
		}
	}
	return out
}

// Files returns the files emitted.
func (r *Recorder) Files() []plugins.File {
	var out []plugins.File
	for _, e := range r.Emissions() {
		out = append(out, e.Files...)
	}
	return out
}
