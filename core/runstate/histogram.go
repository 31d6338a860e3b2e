package runstate

import (
	"errors"
	"fmt"
	"github.com/gowandb/wandb/core/wjson"
	"math"
	"strconv"
)

// MaxHistogramBins is W&B's limit on histogram bins.
const MaxHistogramBins = 512

// Histogram is W&B's histogram JSON: counts per bin and the bin edges
// (len(Bins) == len(Values)+1).
type Histogram struct {
	Values []float64
	Bins   []float64
}

// NewHistogram bins data into n equal-width bins over [min, max], like
// numpy.histogram. NaN and ±Inf are left out of the counts (numpy would
// refuse them; W&B users log tensors that contain them).
func NewHistogram(data []float64, n int) (*Histogram, error) {
	if n <= 0 || n > MaxHistogramBins {
		return nil, fmt.Errorf("histogram: %d bins: must be between 1 and %d", n, MaxHistogramBins)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	finite := 0
	for _, x := range data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		finite++
		lo = min(lo, x)
		hi = max(hi, x)
	}
	if finite == 0 {
		lo, hi = 0, 1
	}
	if lo == hi {
		// numpy widens an empty range by 0.5 on each side.
		lo, hi = lo-0.5, hi+0.5
	}
	h := &Histogram{Values: make([]float64, n), Bins: make([]float64, n+1)}
	width := (hi - lo) / float64(n)
	for i := range h.Bins {
		h.Bins[i] = lo + float64(i)*width
	}
	h.Bins[n] = hi
	for _, x := range data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		i := int((x - lo) / width)
		if i >= n {
			i = n - 1
		}
		if i < 0 {
			i = 0
		}
		h.Values[i]++
	}
	return h, nil
}

// ErrBadHistogram is returned for precomputed histograms of the wrong shape.
var ErrBadHistogram = errors.New("histogram: len(bins) must be len(values)+1")

// WandbJSON encodes {"_type":"histogram","values":[...],"bins":[...]}.
func (h *Histogram) WandbJSON() ([]byte, error) {
	if len(h.Bins) != len(h.Values)+1 {
		return nil, ErrBadHistogram
	}
	if len(h.Values) > MaxHistogramBins {
		return nil, fmt.Errorf("histogram: %d bins: must be at most %d", len(h.Values), MaxHistogramBins)
	}
	b := make([]byte, 0, 32+24*(len(h.Values)+len(h.Bins)))
	b = append(b, `{"_type":"histogram","values":[`...)
	for i, v := range h.Values {
		if i > 0 {
			b = append(b, ',')
		}
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			b = strconv.AppendInt(b, int64(v), 10)
		} else {
			b = wjson.AppendFloat(b, v)
		}
	}
	b = append(b, `],"bins":[`...)
	for i, v := range h.Bins {
		if i > 0 {
			b = append(b, ',')
		}
		b = wjson.AppendFloat(b, v)
	}
	return append(b, "]}"...), nil
}
