package plotting

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// fixtures are one chart per preset, from fixed data.
func fixtures(t testing.TB) map[string]*Chart {
	t.Helper()
	must := func(c *Chart, err error) *Chart {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	xs := make([]int, 50)
	ys := make([]float64, 50)
	for i := range xs {
		xs[i] = i
		ys[i] = math.Sin(float64(i)/8) + 0.02*float64(i)
	}
	sx := make([]float64, 80)
	sy := make([]float64, 80)
	for i := range sx {
		sx[i] = float64((i*37)%80) / 8
		sy[i] = math.Cos(sx[i]) + float64((i*13)%7)/10
	}
	hist := make([]float64, 500)
	for i := range hist {
		// A deterministic bell shape: sums of a low-discrepancy sequence.
		u := math.Mod(float64(i)*0.6180339887, 1)
		v := math.Mod(float64(i)*0.4142135623, 1)
		hist[i] = u + v
	}
	yTrue, probas := classifier(120, 3)
	lsx := [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	lsy := [][]float64{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{0, 1, 4, 9, 16, 25, 36, 49, 64, 81},
		{0, 0.5, 2, 4.5, 8, 12.5, 18, 24.5, 32, 40.5},
	}
	preds := make([]int, len(yTrue))
	for i := range preds {
		preds[i] = argmax(probas[i])
	}
	return map[string]*Chart{
		"line":      must(Line(xs, ys, WithTitle("Loss"))),
		"scatter":   must(Scatter(sx, sy, WithTitle("Altitude vs Temperature"))),
		"bar":       must(Bar([]string{"car", "bus", "road", "person"}, []float64{0.8, 0.35, 0.6, -0.1}, WithTitle("Accuracy"))),
		"histogram": must(Histogram(hist, WithTitle("Scores"))),
		"lineseries": must(LineSeries(lsx, lsy, WithKeys("Linear", "Quadratic", "Half"),
			WithTitle("Growth"), WithXName("step"))),
		"pr_curve":  must(PRCurve(yTrue, probas, WithLabels("cat", "dog", "owl"))),
		"roc_curve": must(ROCCurve(yTrue, probas, WithLabels("cat", "dog", "owl"))),
		"confusion_matrix": must(ConfusionMatrix(yTrue, preds, []string{"cat", "dog", "owl"},
			WithTitle("Confusion"))),
	}
}

// classifier makes n samples of k classes with deterministic, imperfect
// scores.
func classifier(n, k int) ([]int, [][]float64) {
	yTrue := make([]int, n)
	probas := make([][]float64, n)
	for i := range n {
		yTrue[i] = (i * 7) % k
		row := make([]float64, k)
		sum := 0.0
		for j := range k {
			noise := math.Mod(float64(i*31+j*17)*0.6180339887, 1)
			row[j] = noise
			if j == yTrue[i] {
				row[j] += 0.3 + 0.1*float64(j)
			}
			sum += row[j]
		}
		for j := range row {
			row[j] /= sum
		}
		probas[i] = row
	}
	return yTrue, probas
}

func render(t testing.TB, c *Chart, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(&buf, format, DefaultWidth, DefaultHeight); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoldenSVG compares every preset's SVG with testdata exactly
// (go test -update rewrites them).
func TestGoldenSVG(t *testing.T) {
	for name, c := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			got := render(t, c, "svg")
			path := filepath.Join("testdata", name+".svg")
			if *update {
				writeGolden(t, path, got)
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendering (%d vs %d bytes); inspect it and run go test -update if the change is wanted", path, len(want), len(got))
			}
		})
	}
}

// PNG goldens are compared pixel by pixel with a budget: a pixel differs
// when a channel is off by more than pngChannelTolerance, and at most
// pngPixelBudget of the pixels may differ (anti-aliasing and font
// rasterisation vary a little across platforms).
const (
	pngChannelTolerance = 16
	pngPixelBudget      = 0.005
)

func TestGoldenPNG(t *testing.T) {
	for name, c := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			got := render(t, c, "png")
			path := filepath.Join("testdata", name+".png")
			if *update {
				writeGolden(t, path, got)
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			diff, total, err := pixelDiff(got, want)
			if err != nil {
				t.Fatal(err)
			}
			if float64(diff) > pngPixelBudget*float64(total) {
				t.Errorf("%s: %d of %d pixels differ by more than %d (budget %.1f%%)", path, diff, total, pngChannelTolerance, 100*pngPixelBudget)
			}
		})
	}
}

func writeGolden(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pixelDiff counts the pixels of two PNGs that differ by more than the
// channel tolerance.
func pixelDiff(a, b []byte) (diff, total int, err error) {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return 0, 0, err
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	if ia.Bounds() != ib.Bounds() {
		return 0, 0, fmt.Errorf("size %v, golden %v", ia.Bounds(), ib.Bounds())
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !pixelClose(ia, ib, x, y) {
				diff++
			}
		}
	}
	return diff, r.Dx() * r.Dy(), nil
}

func pixelClose(a, b image.Image, x, y int) bool {
	r1, g1, b1, a1 := a.At(x, y).RGBA()
	r2, g2, b2, a2 := b.At(x, y).RGBA()
	for _, d := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
		v := int(d[0]>>8) - int(d[1]>>8)
		if v > pngChannelTolerance || -v > pngChannelTolerance {
			return false
		}
	}
	return true
}
