package wandb

import (
	"context"

	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/runstate"
)

// History returns every committed row of the run so far, in step order,
// read back from the run log (W&B's run.history). Each row is nested as it
// was logged and holds _step, _runtime and _timestamp. The pending,
// uncommitted row is not included.
func (r *Run) History(ctx context.Context) ([]map[string]any, error) {
	if r == nil {
		return nil, ErrNotInitialized
	}
	if r.disabled {
		return nil, nil
	}
	if !r.finished.Load() {
		if err := r.log.Flush(ctx); err != nil {
			return nil, wrap("history", err)
		}
	}
	var rows []map[string]any
	_, err := runlog.Replay(r.dir.LogPath(), func(row runlog.Row) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows = append(rows, row.Map())
		return nil
	})
	if err != nil {
		return nil, wrap("history", err)
	}
	return rows, nil
}

// Histogram is a distribution logged as W&B's histogram: counts per bin and
// the bin edges.
type Histogram = runstate.Histogram

// NewHistogram bins values into numBins equal-width bins (W&B's default is
// 64, the most 512). NaN and ±Inf values are left out of the counts.
func NewHistogram(values []float64, numBins int) (*Histogram, error) {
	h, err := runstate.NewHistogram(values, numBins)
	return h, wrap("histogram", err)
}

// NewHistogramFromCounts makes a histogram from precomputed counts and bin
// edges (W&B's np_histogram); len(edges) must be len(counts)+1.
func NewHistogramFromCounts(counts, edges []float64) (*Histogram, error) {
	h := &Histogram{Values: counts, Bins: edges}
	if _, err := h.WandbJSON(); err != nil {
		return nil, wrap("histogram", err)
	}
	return h, nil
}
