package wandb_test

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// TestLogMediaExamples is the media half of the reference's log
// documentation, example by example: histogram, image list with caption,
// video, matplotlib plot (a gonum/plot here), PR curve, 3D objects.
func TestLogMediaExamples(t *testing.T) {
	run, _ := start(t)
	dir := t.TempDir()

	// wandb.log({"gradients": wandb.Histogram(numpy_array_or_sequence)})
	grads, err := wandb.NewHistogramDefault([]float64{0.1, -0.2, 0.3, 0.05, -0.4})
	if err != nil {
		t.Fatal(err)
	}
	// wandb.log({"examples": [wandb.Image(numpy_array_or_pil, caption="Label")]})
	pix := make([]float64, 8*8*3)
	for i := range pix {
		pix[i] = float64(i%7) / 7
	}
	img, err := wandb.NewImageFromPixels(pix, []int{8, 8, 3}, wandb.Caption("Label"))
	if err != nil {
		t.Fatal(err)
	}
	// wandb.log({"video": wandb.Video(numpy_array_or_video_path, fps=4, format="gif")})
	var frames []image.Image
	for f := range 3 {
		fr := image.NewRGBA(image.Rect(0, 0, 6, 6))
		fr.Set(f, f, color.RGBA{255, 255, 255, 255})
		frames = append(frames, fr)
	}
	video, err := wandb.NewVideo(frames, wandb.FPS(4), wandb.Format("gif"))
	if err != nil {
		t.Fatal(err)
	}
	// wandb.log({"chart": plt})
	p := plot.New()
	pts := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 0.5}, {X: 2, Y: 0.2}}
	line, err := plotter.NewLine(pts)
	if err != nil {
		t.Fatal(err)
	}
	p.Add(line)
	// wandb.log({'pr': wandb.plots.precision_recall(y_test, y_probas, labels)})
	pr, err := wandb.PlotPRCurve([]int{0, 1, 1, 0}, [][]float64{{0.9, 0.1}, {0.2, 0.8}, {0.4, 0.6}, {0.6, 0.4}})
	if err != nil {
		t.Fatal(err)
	}
	// wandb.log({"generated_samples": [wandb.Object3D(open("sample.obj")), …gltf, …glb]})
	obj := filepath.Join(dir, "sample.obj")
	writeFile(t, obj, "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
	gltf := filepath.Join(dir, "sample.gltf")
	writeFile(t, gltf, `{"asset":{"version":"2.0"}}`)
	glb := filepath.Join(dir, "sample.glb")
	if err := os.WriteFile(glb, []byte("glTF\x02\x00\x00\x00\x0c\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	var objects []*wandb.Object3D
	for _, f := range []string{obj, gltf, glb} {
		o, err := wandb.NewObject3DFromFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		objects = append(objects, o)
	}

	if err := run.Log(map[string]any{
		"gradients":         grads,
		"examples":          []*wandb.Image{img},
		"video":             video,
		"chart":             p,
		"pr":                pr,
		"generated_samples": objects,
	}); err != nil {
		t.Fatal(err)
	}
	finish(t, run)
	info, rows := replay(t, run)
	if len(rows) != 1 {
		t.Fatalf("rows = %d", len(rows))
	}
	row := rows[0]
	typeOf := func(key string) string {
		m, _ := row[key].(map[string]any)
		s, _ := m["_type"].(string)
		return s
	}
	for key, want := range map[string]string{
		"gradients":         "histogram",
		"examples":          "images/separated",
		"video":             "video-file",
		"chart":             "image-file",
		"pr_table":          "table-file",
		"pr_png":            "image-file",
		"generated_samples": "object3D",
	} {
		if got := typeOf(key); got != want {
			t.Errorf("%s: _type %q, want %q (row %v)", key, got, want, row[key])
		}
	}
	if caps, _ := row["examples"].(map[string]any)["captions"].([]any); len(caps) != 1 || caps[0] != "Label" {
		t.Errorf("captions = %v", row["examples"])
	}
	viz, _ := info.Config["_wandb"].(map[string]any)["visualize"].(map[string]any)
	if viz["pr"] == nil {
		t.Errorf("no _wandb.visualize.pr in config: %v", info.Config["_wandb"])
	}
	// Every file a row refers to is in the run and in a files record.
	for _, f := range info.Files {
		if strings.HasPrefix(f, "media/") {
			if _, err := os.Stat(filepath.Join(run.Dir(), filepath.FromSlash(f))); err != nil {
				t.Errorf("files record names %s: %v", f, err)
			}
		}
	}
	if len(info.Files) < 7 {
		t.Errorf("files = %v", info.Files)
	}
}
