package plotting

import (
	"io"
	"math"
	"testing"
)

// BenchmarkLineChart10k renders a 10,000-point line chart to a 640×480 PNG
// (target ≤ 50 ms, docs/BENCHMARKS.md).
func BenchmarkLineChart10k(b *testing.B) {
	xs := make([]int, 10000)
	ys := make([]float64, 10000)
	for i := range xs {
		xs[i] = i
		ys[i] = math.Sin(float64(i)/300) + 0.1*math.Sin(float64(i)*1.7)
	}
	c, err := Line(xs, ys, WithTitle("loss"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Render(io.Discard, "png", DefaultWidth, DefaultHeight); err != nil {
			b.Fatal(err)
		}
	}
}
