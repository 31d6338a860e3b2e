package tfevents

import "math"

// DefaultHistogramBins is TensorBoard's default bucket count
// (tf.summary.histogram's buckets).
const DefaultHistogramBins = 30

// NewHistogram bins values into n equal-width buckets over their range, as
// tf.summary.histogram does (a one-valued range is widened by 0.5 on each
// side; n < 1 means DefaultHistogramBins). NaN and ±Inf are left out.
func NewHistogram(values []float64, n int) Histogram {
	if n < 1 {
		n = DefaultHistogramBins
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	finite := 0
	for _, x := range values {
		if x-x != 0 {
			continue
		}
		finite++
		lo, hi = min(lo, x), max(hi, x)
	}
	if finite == 0 {
		return Histogram{Edges: []float64{0}, Counts: []float64{}}
	}
	h := Histogram{Edges: make([]float64, n+1), Counts: make([]float64, n), Min: lo, Max: hi, Num: float64(finite)}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	width := (hi - lo) / float64(n)
	for i := range h.Edges {
		h.Edges[i] = lo + float64(i)*width
	}
	h.Edges[n] = hi
	for _, x := range values {
		if x-x != 0 {
			continue
		}
		i := min(int((x-lo)/width), n-1)
		h.Counts[max(i, 0)]++
		h.Sum += x
		h.SumSquares += x * x
	}
	return h
}
