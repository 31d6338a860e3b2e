// Command media logs one of every W&B data type to a run (offline, or to
// the server in WANDB_BASE_URL): a
// histogram, images (with boxes and a mask), a video, audio, a point cloud,
// HTML, a table with an image cell, a gonum/plot figure, and every chart
// preset (line, scatter, bar, histogram, line series, PR and ROC curves,
// confusion matrix), then prints where the run is.
package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"log"
	"math"
	"math/rand/v2"
	"os"

	"github.com/gowandb/wandb"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, opts ...wandb.Option) error {
	// Online to the server named by WANDB_BASE_URL (make demo starts one), else offline.
	mode := wandb.ModeOffline
	if os.Getenv("WANDB_BASE_URL") != "" {
		mode = wandb.ModeOnline
	}
	opts = append([]wandb.Option{wandb.WithProject("media"), wandb.WithMode(mode)}, opts...)
	r, err := wandb.Init(ctx, opts...)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	row := map[string]any{}
	add := func(key string, v any, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		row[key] = v
		return nil
	}

	normal := make([]float64, 10_000)
	for i := range normal {
		normal[i] = rng.NormFloat64()
	}
	h, err := wandb.NewHistogramDefault(normal)
	if err := add("histogram", h, err); err != nil {
		return err
	}

	img := gradient(64, 48)
	boxed, err := wandb.NewImage(img, wandb.Caption("a gradient with a box"),
		wandb.Boxes("predictions", wandb.BoundingBoxes{
			Boxes:       []wandb.Box{{Position: wandb.BoxCorners(8, 8, 32, 24), Pixel: true, ClassID: 1, Scores: map[string]float64{"confidence": 0.9}}},
			ClassLabels: map[int]string{1: "square"},
		}),
		wandb.Mask("segmentation", wandb.ImageMask{Data: halfMask(64, 48), Width: 64, Height: 48, ClassLabels: map[int]string{0: "left", 1: "right"}}))
	if err := add("images/boxed", boxed, err); err != nil {
		return err
	}
	var frames []image.Image
	for f := range 12 {
		frames = append(frames, circle(48, 48, 4+f*2))
	}
	v, err := wandb.NewVideo(frames, wandb.FPS(6), wandb.Caption("a growing circle"))
	if err := add("video", v, err); err != nil {
		return err
	}
	tone := make([]float64, 8000)
	for i := range tone {
		tone[i] = 0.3 * math.Sin(2*math.Pi*440*float64(i)/8000)
	}
	a, err := wandb.NewAudio(tone, 8000, wandb.Caption("A4, one second"))
	if err := add("audio", a, err); err != nil {
		return err
	}
	var points [][]float64
	for range 500 {
		x, y := rng.Float64()*2-1, rng.Float64()*2-1
		points = append(points, []float64{x, y, x*x - y*y})
	}
	pc, err := wandb.NewPointCloud(points)
	if err := add("point_cloud", pc, err); err != nil {
		return err
	}
	html, err := wandb.NewHTML("<h1>Hello from Go</h1><p>This is an <b>HTML</b> panel.</p>")
	if err := add("html", html, err); err != nil {
		return err
	}
	thumb, err := wandb.NewImage(gradient(16, 16))
	if err != nil {
		return err
	}
	table, err := wandb.NewTable([]string{"id", "score", "label", "thumbnail"}, [][]any{
		{1, 0.91, "cat", thumb},
		{2, 0.35, "dog", nil},
	})
	if err := add("predictions", table, err); err != nil {
		return err
	}

	p := plot.New()
	p.Title.Text = "a gonum/plot figure"
	var xys plotter.XYs
	for i := range 100 {
		xys = append(xys, plotter.XY{X: float64(i), Y: math.Sin(float64(i) / 10)})
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	p.Add(line)
	row["figure"] = p

	xy, err := wandb.NewTable([]string{"x", "y"}, nil)
	if err != nil {
		return err
	}
	for i := range 50 {
		if err := xy.AddRow(float64(i), math.Exp(-float64(i)/15)); err != nil {
			return err
		}
	}
	row["charts/line"] = wandb.PlotLine(xy, "x", "y")
	row["charts/scatter"] = wandb.PlotScatter(xy, "x", "y")
	bars, err := wandb.NewTable([]string{"label", "value"}, [][]any{{"a", 3}, {"b", 5}, {"c", 2}})
	if err != nil {
		return err
	}
	row["charts/bar"] = wandb.PlotBar(bars, "label", "value")
	hist, err := wandb.NewTable([]string{"value"}, nil)
	if err != nil {
		return err
	}
	for _, x := range normal[:500] {
		if err := hist.AddRow(x); err != nil {
			return err
		}
	}
	row["charts/histogram"] = wandb.PlotHistogram(hist, "value")
	series, err := wandb.PlotLineSeries([][]int{{0, 1, 2, 3}, {0, 1, 2, 3}}, [][]float64{{1, 0.8, 0.5, 0.4}, {1, 0.9, 0.7, 0.6}})
	if err := add("charts/line_series", series, err); err != nil {
		return err
	}
	yTrue, probs := classifierOutput(rng, 200)
	prc, err := wandb.PlotPRCurve(yTrue, probs)
	if err := add("charts/pr", prc, err); err != nil {
		return err
	}
	roc, err := wandb.PlotROCCurve(yTrue, probs)
	if err := add("charts/roc", roc, err); err != nil {
		return err
	}
	cm, err := wandb.PlotConfusionMatrixFromProbs(yTrue, probs, []string{"negative", "positive"})
	if err := add("charts/confusion", cm, err); err != nil {
		return err
	}

	if err := r.Log(row); err != nil {
		return err
	}
	if err := r.Finish(0); err != nil {
		return err
	}
	fmt.Printf("logged %d media and chart values to %s\n", len(row), r.SyncDir())
	fmt.Printf("look at them with:\n  go run ./cmd/wandb run show %s\n  ls %s/media\n", r.SyncDir(), r.Dir())
	return nil
}

func gradient(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(255 * x / w), uint8(255 * y / h), 128, 255})
		}
	}
	return img
}

func halfMask(w, h int) []uint8 {
	m := make([]uint8, w*h)
	for y := range h {
		for x := w / 2; x < w; x++ {
			m[y*w+x] = 1
		}
	}
	return m
}

func circle(w, h, r int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			dx, dy := x-w/2, y-h/2
			if dx*dx+dy*dy <= r*r {
				img.Set(x, y, color.RGBA{240, 120, 0, 255})
			} else {
				img.Set(x, y, color.RGBA{20, 20, 40, 255})
			}
		}
	}
	return img
}

// classifierOutput makes labels and a noisy classifier's probabilities.
func classifierOutput(rng *rand.Rand, n int) ([]int, [][]float64) {
	yTrue := make([]int, n)
	probs := make([][]float64, n)
	for i := range n {
		yTrue[i] = rng.IntN(2)
		p := min(0.99, max(0.01, 0.3+0.4*float64(yTrue[i])+0.8*(rng.Float64()-0.5)))
		probs[i] = []float64{1 - p, p}
	}
	return yTrue, probs
}
