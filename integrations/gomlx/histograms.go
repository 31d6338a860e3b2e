package gomlx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/plugins"
)

// HistogramPluginName is HistogramPlugin's manifest name.
const HistogramPluginName = "gomlx-histograms"

// HistogramPluginVersion is HistogramPlugin's version.
const HistogramPluginVersion = "1.0.0"

// HistogramPlugin is the plugin that turns the tensors Attach sends
// (HistogramsEvery) into W&B histograms: every tensor observation whose key
// starts with ParametersPrefix or GradientsPrefix becomes a histogram of its
// finite values (wandb.NewHistogram, 64 bins by default), under the same
// key. The histograms of one GoMLX step make one history row, with
// GlobalStepKey set to that step, added at the run's current step and
// committed (plugins.NextStep): the training loop has moved on by the time
// a plugin answers, so the rows line up with the metrics through
// GlobalStepKey, which Attach makes their x-axis. A step's row is emitted
// when the observations of a later step arrive, and at Flush and Finish.
// Other observations are ignored.
//
// It runs in the process with wandb.WithInProcessPlugin(
// gomlx.NewHistogramPlugin()); served by plugins.Serve from a binary named
// wandb-plugin-gomlx-histograms, the binning leaves the training process.
// One HistogramPlugin serves one run at a time.
type HistogramPlugin struct {
	bins int

	mu      sync.Mutex
	emit    plugins.Emitter
	step    int64
	pending map[string]json.RawMessage
}

var _ plugins.Plugin = (*HistogramPlugin)(nil)

// HistogramOption configures NewHistogramPlugin.
type HistogramOption func(*HistogramPlugin)

// WithBins sets the number of bins, 1 to wandb.MaxHistogramBins (default
// wandb.DefaultHistogramBins); other values keep the default.
func WithBins(n int) HistogramOption {
	return func(p *HistogramPlugin) {
		if n >= 1 && n <= wandb.MaxHistogramBins {
			p.bins = n
		}
	}
}

// NewHistogramPlugin returns the histogram plugin.
func NewHistogramPlugin(opts ...HistogramOption) *HistogramPlugin {
	p := &HistogramPlugin{bins: wandb.DefaultHistogramBins}
	for _, o := range opts {
		if o != nil {
			o(p)
		}
	}
	return p
}

// Manifest describes the plugin.
func (p *HistogramPlugin) Manifest() plugins.Manifest {
	return plugins.Manifest{
		Name:        HistogramPluginName,
		Version:     HistogramPluginVersion,
		Provides:    []string{"histograms", plugins.ProvidesHistory},
		Description: "bins the weight and gradient tensors of integrations/gomlx (HistogramsEvery) into wandb histograms",
	}
}

// Start begins a run.
func (p *HistogramPlugin) Start(_ context.Context, _ plugins.RunInfo, emit plugins.Emitter) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.emit, p.step, p.pending = emit, 0, map[string]json.RawMessage{}
	return nil
}

// Observe bins the tensors of the batch. An error is about one tensor; the
// others are binned all the same.
func (p *HistogramPlugin) Observe(_ context.Context, batch []plugins.Observation) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending == nil {
		return errors.New("gomlx: histogram plugin: observe before start")
	}
	var errs []error
	for i := range batch {
		o := &batch[i]
		if o.Kind != plugins.KindTensor || o.Tensor == nil || !histogramKey(o.Key) {
			continue
		}
		if len(p.pending) > 0 && o.Step != p.step {
			errs = append(errs, p.emitLocked())
		}
		p.step = o.Step
		js, err := p.histogram(o.Tensor)
		if err != nil {
			errs = append(errs, fmt.Errorf("gomlx: histogram plugin: %q: %w", o.Key, err))
			continue
		}
		p.pending[o.Key] = js
	}
	return errors.Join(errs...)
}

// Flush emits the row of the last step seen.
func (p *HistogramPlugin) Flush(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.emitLocked()
}

// Finish emits the row of the last step seen and forgets the run.
func (p *HistogramPlugin) Finish(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := p.emitLocked()
	p.emit, p.pending = nil, nil
	return err
}

func histogramKey(key string) bool {
	return strings.HasPrefix(key, ParametersPrefix) || strings.HasPrefix(key, GradientsPrefix)
}

func (p *HistogramPlugin) histogram(t *plugins.Tensor) (json.RawMessage, error) {
	data := t.Float64
	if t.DType == plugins.Float32 {
		data = make([]float64, len(t.Float32))
		for i, x := range t.Float32 {
			data[i] = float64(x)
		}
	}
	h, err := wandb.NewHistogram(data, p.bins)
	if err != nil {
		return nil, err
	}
	return h.WandbJSON()
}

// emitLocked emits the pending histograms as one row.
func (p *HistogramPlugin) emitLocked() error {
	if len(p.pending) == 0 || p.emit == nil {
		return nil
	}
	row := p.pending
	p.pending = map[string]json.RawMessage{}
	step, err := plugins.Value(p.step)
	if err != nil {
		return fmt.Errorf("gomlx: histogram plugin: %w", err)
	}
	row[GlobalStepKey] = step
	if err := p.emit.Emit(plugins.Emission{History: &plugins.HistoryRow{Step: plugins.NextStep, Row: row}}); err != nil {
		return fmt.Errorf("gomlx: histogram plugin: step %d: %w", p.step, err)
	}
	return nil
}
