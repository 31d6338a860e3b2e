package runstate

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// slowBin is the definition numpy implements: bin i holds edges[i] <= x <
// edges[i+1], the last bin also holds its right edge.
func slowBin(h *Histogram, data []float64) []float64 {
	n := len(h.Values)
	out := make([]float64, n)
	for _, x := range data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		for i := range n {
			if x >= h.Bins[i] && (x < h.Bins[i+1] || i == n-1 && x <= h.Bins[n]) {
				out[i]++
				break
			}
		}
	}
	return out
}

func TestHistogramMatchesNumpy(t *testing.T) {
	tests := []struct {
		name   string
		data   []float64
		n      int
		values []float64
		bins   []float64
	}{
		// numpy.histogram([0.5, 1.5, 1.7, 3.2, 4], 4)
		{"basic", []float64{0.5, 1.5, 1.7, 3.2, 4}, 4, []float64{1, 2, 0, 2}, []float64{0.5, 1.375, 2.25, 3.125, 4}},
		// numpy.histogram([1, 1, 1], 2): the range is widened by 0.5.
		{"one value", []float64{1, 1, 1}, 2, []float64{0, 3}, []float64{0.5, 1, 1.5}},
		// numpy.histogram([], 2)
		{"empty", nil, 2, []float64{0, 0}, []float64{0, 0.5, 1}},
		// The right edge belongs to the last bin, other edges to the bin above.
		{"edges", []float64{0, 1, 2, 3}, 3, []float64{1, 1, 2}, []float64{0, 1, 2, 3}},
		{"non-finite left out", []float64{math.NaN(), 0, math.Inf(1), 2, math.Inf(-1)}, 2, []float64{1, 1}, []float64{0, 1, 2}},
		{"only non-finite", []float64{math.NaN(), math.Inf(1)}, 1, []float64{0}, []float64{0, 1}},
	}
	for _, tt := range tests {
		h, err := NewHistogram(tt.data, tt.n)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !reflect.DeepEqual(h.Values, tt.values) || !reflect.DeepEqual(h.Bins, tt.bins) {
			t.Errorf("%s: values %v bins %v, want %v %v", tt.name, h.Values, h.Bins, tt.values, tt.bins)
		}
	}
}

func TestHistogramEdgesDecide(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + r.IntN(MaxHistogramBins)
		data := make([]float64, 1+r.IntN(500))
		scale := math.Pow(10, float64(r.IntN(40)-20))
		for i := range data {
			data[i] = (r.Float64() - 0.3) * scale
			if i%7 == 0 && i > 0 {
				data[i] = data[i-1] // repeated values land on the same bin
			}
		}
		h, err := NewHistogram(data, n)
		if err != nil {
			t.Fatal(err)
		}
		// Put values exactly on every edge too.
		data = append(data, h.Bins...)
		h, _ = NewHistogram(data, n)
		if want := slowBin(h, data); !reflect.DeepEqual(h.Values, want) {
			t.Fatalf("trial %d (%d bins): counts differ from the edge definition", trial, n)
		}
	}
}

func TestHistogramHugeRange(t *testing.T) {
	data := []float64{-math.MaxFloat64, 0, math.MaxFloat64}
	h, err := NewHistogram(data, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range h.Bins {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			t.Fatalf("bins %v", h.Bins)
		}
	}
	if want := slowBin(h, data); !reflect.DeepEqual(h.Values, want) || h.Values[0]+h.Values[1]+h.Values[2]+h.Values[3] != 3 {
		t.Fatalf("values %v, want %v", h.Values, want)
	}
}

func TestHistogramBinLimits(t *testing.T) {
	for _, n := range []int{0, -1, MaxHistogramBins + 1} {
		if _, err := NewHistogram([]float64{1}, n); err == nil {
			t.Errorf("%d bins accepted", n)
		}
	}
	if _, err := NewHistogram([]float64{1}, MaxHistogramBins); err != nil {
		t.Error(err)
	}
}

// BenchmarkHistogram1M is the target: 10^6 float64 into 64 bins ≤ 5 ms.
func BenchmarkHistogram1M(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]float64, 1_000_000)
	for i := range data {
		data[i] = r.NormFloat64()
	}
	b.ReportAllocs()
	b.SetBytes(8 * int64(len(data)))
	for b.Loop() {
		if _, err := NewHistogram(data, 64); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHistogramSubnormalRange(t *testing.T) {
	data := []float64{math.Float64frombits(48), math.Float64frombits(88), math.Float64frombits(60)}
	h, err := NewHistogram(data, 64)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(h.Bins); i++ {
		if h.Bins[i] < h.Bins[i-1] {
			t.Fatalf("edges not sorted at %d: %v", i, h.Bins)
		}
	}
	if want := slowBin(h, data); !reflect.DeepEqual(h.Values, want) {
		t.Fatalf("values %v, want %v", h.Values, want)
	}
}
