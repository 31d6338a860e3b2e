package wandb

import "github.com/gowandb/wandb/core/runstate"

// DefaultHistogramBins is W&B's default number of histogram bins
// (wandb.Histogram's num_bins).
const DefaultHistogramBins = 64

// MaxHistogramBins is the most bins a histogram may have; more is an
// error, as in W&B.
const MaxHistogramBins = runstate.MaxHistogramBins

// NewHistogramDefault bins values into DefaultHistogramBins bins: W&B's
// wandb.Histogram(values). See NewHistogram for the binning rules and
// NaN/Inf handling.
func NewHistogramDefault(values []float64) (*Histogram, error) {
	return NewHistogram(values, DefaultHistogramBins)
}
