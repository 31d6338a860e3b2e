package runstate

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/gowandb/wandb/core/wjson"
)

// MaxHistogramBins is W&B's limit on histogram bins.
const MaxHistogramBins = 512

// Histogram is W&B's histogram JSON: counts per bin and the bin edges
// (len(Bins) == len(Values)+1).
type Histogram struct {
	Values []float64
	Bins   []float64
}

// NewHistogram bins data into n equal-width bins over [min, max] with
// numpy.histogram's rules: the edges are numpy.linspace(min, max, n+1); a
// value x falls in bin i when Bins[i] <= x < Bins[i+1], and the last bin also
// holds max; an empty or one-valued range is widened by 0.5 on each side
// (an empty slice bins over [0, 1]).
//
// NaN and ±Inf are left out of both the range and the counts (numpy would
// refuse them; W&B users log tensors that contain them), so the counts add
// up to the number of finite values.
func NewHistogram(data []float64, n int) (*Histogram, error) {
	if n <= 0 || n > MaxHistogramBins {
		return nil, fmt.Errorf("histogram: %d bins: must be between 1 and %d", n, MaxHistogramBins)
	}
	lo, hi, finite := finiteRange(data)
	if finite == 0 {
		lo, hi = 0, 1
	}
	if lo == hi {
		// numpy widens an empty range by 0.5 on each side.
		lo, hi = lo-0.5, hi+0.5
	}
	h := &Histogram{Values: make([]float64, n), Bins: make([]float64, n+1)}
	step := (hi - lo) / float64(n)
	for i := range h.Bins {
		h.Bins[i] = float64(i)*step + lo
	}
	if math.IsInf(step, 0) {
		// A range wider than the largest float64 (numpy overflows here).
		for i := range h.Bins {
			t := float64(i) / float64(n)
			h.Bins[i] = lo*(1-t) + hi*t
		}
	}
	h.Bins[n] = hi
	for i := n - 1; i > 0 && h.Bins[i] > hi; i-- {
		// Rounding (subnormal ranges) may overshoot the last edge.
		h.Bins[i] = hi
	}
	if finite == 0 {
		return h, nil
	}
	counts := make([]int64, n)
	if scale := float64(n) / (hi - lo); math.IsInf(hi-lo, 0) || math.IsInf(scale, 0) {
		binSearch(counts, h.Bins, data)
	} else {
		binInto(counts, h.Bins, data, lo, hi)
	}
	for i, c := range counts {
		h.Values[i] = float64(c)
	}
	return h, nil
}

// finiteRange returns the smallest and largest finite values and how many
// there are.
func finiteRange(data []float64) (lo, hi float64, finite int) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range data {
		// x-x is 0 for finite x and NaN for NaN and ±Inf.
		if x-x != 0 {
			continue
		}
		finite++
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi, finite
}

// binInto counts the finite values of data into len(counts) bins with the
// given edges. The bin is first estimated arithmetically and then corrected
// against the edges, as numpy does, so that the edges alone decide.
func binInto(counts []int64, edges, data []float64, lo, hi float64) {
	n := len(counts)
	last := n - 1
	scale := float64(n) / (hi - lo)
	edges = edges[:n+1]
	for _, x := range data {
		if x-x != 0 {
			continue
		}
		i := int((x - lo) * scale)
		if i > last {
			i = last
		} else if i < 0 {
			i = 0
		}
		if x < edges[i] {
			if i > 0 {
				i--
			}
		} else if i < last && x >= edges[i+1] {
			i++
		}
		counts[i]++
	}
}

// binSearch is binInto by binary search over the edges, for ranges too wide
// or too narrow (subnormal) for the arithmetic estimate.
func binSearch(counts []int64, edges, data []float64) {
	last := len(counts) - 1
	for _, x := range data {
		if x-x != 0 {
			continue
		}
		// The first edge above x closes x's bin.
		i := sort.Search(len(edges), func(j int) bool { return edges[j] > x }) - 1
		counts[max(0, min(i, last))]++
	}
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
