package plotting

import (
	"bytes"
	"errors"
	"image/png"
	"io"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func TestRenderIsDeterministic(t *testing.T) {
	for name, c := range fixtures(t) {
		for _, format := range []string{"png", "svg"} {
			a, b := render(t, c, format), render(t, c, format)
			if !bytes.Equal(a, b) {
				t.Errorf("%s.%s: two renderings differ", name, format)
			}
		}
		img, err := png.DecodeConfig(bytes.NewReader(render(t, c, "png")))
		if err != nil || img.Width != DefaultWidth || img.Height != DefaultHeight {
			t.Errorf("%s.png: %dx%d, %v; want %dx%d", name, img.Width, img.Height, err, DefaultWidth, DefaultHeight)
		}
	}
}

func TestNaNAndInfPointsAreDroppedAndCounted(t *testing.T) {
	ys := []float64{0, 1, math.NaN(), 3, 4, math.Inf(1), 6, math.Inf(-1), 8, 9}
	c, err := Line([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, ys, WithTitle("Loss"))
	if err != nil {
		t.Fatal(err)
	}
	// The table keeps the values; only the drawing drops them.
	if v := c.Rows[2][1].(float64); !math.IsNaN(v) {
		t.Fatalf("row 2 = %v", c.Rows[2])
	}
	p, d, err := c.PlotDrops()
	if err != nil {
		t.Fatal(err)
	}
	if d.NonFinite != 3 || d.NonNumeric != 0 {
		t.Fatalf("drops = %+v", d)
	}
	if p.Title.Text != "Loss\n(3 NaN/Inf points dropped)" {
		t.Fatalf("title = %q", p.Title.Text)
	}
	if err := c.Render(io.Discard, "png", 320, 240); err != nil {
		t.Fatal(err)
	}
}

func TestNonNumericCellsAreDroppedAndCounted(t *testing.T) {
	c := NewChart(SpecScatter, []string{"a", "b"}, [][]any{{1, 2}, {"x", 3}, {nil, 1}, {2, math.NaN()}, {3}},
		map[string]string{"x": "a", "y": "b"}, nil)
	p, d, err := c.PlotDrops()
	if err != nil {
		t.Fatal(err)
	}
	if d.NonFinite != 1 || d.NonNumeric != 3 {
		t.Fatalf("drops = %+v", d)
	}
	if p.Title.Text != "(1 NaN/Inf point dropped, 3 non-numeric points dropped)" {
		t.Fatalf("title = %q", p.Title.Text)
	}
}

func TestEveryPresetDropsNaN(t *testing.T) {
	nan := math.NaN()
	charts := map[string]*Chart{}
	charts["scatter"], _ = Scatter([]float64{1, nan}, []float64{1, 2})
	charts["bar"], _ = Bar([]string{"a", "b"}, []float64{1, nan})
	charts["histogram"], _ = Histogram([]float64{1, math.Inf(1)})
	charts["lineseries"], _ = LineSeries([][]float64{{1, 2}}, [][]float64{{nan, 1}})
	charts["confusion"] = NewChart(SpecConfusionMatrix, []string{"Actual", "Predicted", "nPredictions"},
		[][]any{{"a", "a", 1.0}, {"a", "b", nan}}, map[string]string{"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"}, nil)
	// A ROC curve of a class without negatives is NaN (scikit-learn).
	charts["roc"], _ = ROCCurve([]int{1, 1}, [][]float64{{0.1, 0.9}, {0.2, 0.8}})
	for name, c := range charts {
		p, d, err := c.PlotDrops()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d.NonFinite == 0 || !strings.Contains(p.Title.Text, "NaN/Inf point") {
			t.Errorf("%s: drops %+v, title %q", name, d, p.Title.Text)
		}
		if err := RenderPlot(io.Discard, p, "svg", 200, 150); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestOddDataRenders: empty, single, constant, huge and tiny values draw.
func TestOddDataRenders(t *testing.T) {
	for name, ys := range map[string][]float64{
		"empty":    {},
		"single":   {3},
		"constant": {7, 7, 7},
		"huge":     {-math.MaxFloat64, math.MaxFloat64},
		"big":      {1e20, 1e20, 1e20 + 1e5},
		"tiny":     {5e-324, 1e-323},
		"all NaN":  {math.NaN(), math.NaN()},
	} {
		xs := make([]float64, len(ys))
		for i := range xs {
			xs[i] = float64(i)
		}
		for _, build := range []func() (*Chart, error){
			func() (*Chart, error) { return Line(xs, ys) },
			func() (*Chart, error) { return Scatter(ys, ys) },
			func() (*Chart, error) { return Histogram(ys) },
			func() (*Chart, error) { return Bar(make([]string, len(ys)), ys) },
		} {
			c, err := build()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, f := range []string{"png", "svg"} {
				if err := c.Render(io.Discard, f, 200, 150); err != nil {
					t.Errorf("%s %s %s: %v", name, c.Spec, f, err)
				}
			}
		}
	}
	empty, _ := ConfusionMatrix(nil, nil, nil)
	if err := empty.Render(io.Discard, "png", 100, 100); err != nil {
		t.Errorf("empty confusion matrix: %v", err)
	}
}

// TestChunkedLineLooksTheSame: a 10,000-point line drawn in pieces looks
// (within the PNG golden budget) the same as gonum's line drawn in one path.
func TestChunkedLineLooksTheSame(t *testing.T) {
	xs := make([]int, 10000)
	ys := make([]float64, 10000)
	for i := range xs {
		xs[i] = i
		ys[i] = math.Sin(float64(i)/300) + 0.1*math.Sin(float64(i)*1.7)
	}
	c, _ := Line(xs, ys)
	fast := render(t, c, "png")
	p, err := c.Plot()
	if err != nil {
		t.Fatal(err)
	}
	// Swap the chunked line for gonum's own.
	full := newPlot()
	full.X, full.Y, full.Title = p.X, p.Y, p.Title
	l := &plotter.Line{XYs: make(plotter.XYs, len(xs)), LineStyle: plotter.DefaultLineStyle}
	for i := range xs {
		l.XYs[i] = plotter.XY{X: float64(xs[i]), Y: ys[i]}
	}
	l.LineStyle.Color, l.LineStyle.Width = colors[0], vg.Points(1.5)
	full.Add(newGrid(), l)
	var buf bytes.Buffer
	if err := RenderPlot(&buf, full, "png", DefaultWidth, DefaultHeight); err != nil {
		t.Fatal(err)
	}
	diff, total, err := pixelDiff(fast, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if float64(diff) > pngPixelBudget*float64(total) {
		t.Fatalf("%d of %d pixels differ", diff, total)
	}
	if testing.Verbose() {
		t.Logf("%d of %d pixels differ", diff, total)
	}
}

func TestUserSpecs(t *testing.T) {
	c := NewChart("me/custom/v1", []string{"a", "b"}, [][]any{{1, 2}, {2, 3}}, map[string]string{"x": "a", "y": "b"}, nil)
	if _, err := c.Plot(); err != nil {
		t.Fatalf("custom spec with x and y: %v", err)
	}
	c = NewChart("me/custom/v1", []string{"a"}, [][]any{{1}}, map[string]string{"value": "a"}, nil)
	if _, err := c.Plot(); !errors.Is(err, ErrUnsupportedSpec) {
		t.Fatalf("custom spec without x/y: %v", err)
	}
	c = NewChart(SpecLine, []string{"a"}, nil, map[string]string{"x": "a", "y": "nope"}, nil)
	if _, err := c.Plot(); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("missing column: %v", err)
	}
}

func TestRenderPlotRefusesBadArguments(t *testing.T) {
	p := plot.New()
	for name, err := range map[string]error{
		"format": RenderPlot(io.Discard, p, "gif", 10, 10),
		"zero":   RenderPlot(io.Discard, p, "png", 0, 10),
		"huge":   RenderPlot(io.Discard, p, "png", MaxPixels+1, 10),
		"nil":    RenderPlot(io.Discard, nil, "png", 10, 10),
	} {
		if !errors.Is(err, ErrInvalidInput) || !strings.HasPrefix(err.Error(), "plotting: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// panickyPlotter is a plotter gonum cannot draw.
type panickyPlotter struct{}

func (panickyPlotter) Plot(draw.Canvas, *plot.Plot) { panic("boom") }

func TestRenderPlotTurnsPanicsIntoErrors(t *testing.T) {
	p := plot.New()
	p.Add(panickyPlotter{})
	err := RenderPlot(io.Discard, p, "png", 50, 50)
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
}
