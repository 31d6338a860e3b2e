package wandb_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"log"
	"os"
	"strings"

	"github.com/gowandb/wandb"
)

// mediaExampleRun starts an offline run in a temporary directory.
func mediaExampleRun() (run *wandb.Run, cleanup func()) {
	dir, err := os.MkdirTemp("", "wandb-media-example-")
	if err != nil {
		log.Fatal(err)
	}
	run, err = wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard), wandb.WithConsole("off"),
		wandb.WithReinit(wandb.ReinitCreateNew))
	if err != nil {
		log.Fatal(err)
	}
	return run, func() {
		_ = run.Finish(0)
		_ = os.RemoveAll(dir)
	}
}

func ExampleNewImage() {
	run, cleanup := mediaExampleRun()
	defer cleanup()

	// An image.Image: here a 32×16 gradient.
	img := image.NewNRGBA(image.Rect(0, 0, 32, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 32; x++ {
			img.Set(x, y, color.NRGBA{uint8(8 * x), uint8(16 * y), 128, 255})
		}
	}
	sample, err := wandb.NewImage(img, wandb.Caption("a gradient"),
		wandb.Boxes("predictions", wandb.BoundingBoxes{
			Boxes:       []wandb.Box{{Position: wandb.BoxCorners(0.1, 0.2, 0.5, 0.8), ClassID: 1, Caption: "thing"}},
			ClassLabels: map[int]string{1: "thing"},
		}))
	if err != nil {
		log.Fatal(err)
	}
	// A float tensor in [0, 1], H×W×C, as a model produces it.
	pixels := make([]float32, 8*8*3)
	for i := range pixels {
		pixels[i] = float32(i%3) / 2
	}
	fromTensor, err := wandb.NewImageFromPixels(pixels, []int{8, 8, 3})
	if err != nil {
		log.Fatal(err)
	}
	// Bad input is refused when the image is made.
	_, err = wandb.NewImageFromPixels(pixels, []int{8, 8, 2})
	fmt.Println(err)

	_ = run.Log(map[string]any{"sample": sample, "batch": []*wandb.Image{fromTensor, fromTensor}})
	rows, _ := run.History(context.Background())
	s := rows[0]["sample"].(map[string]any)
	fmt.Println(s["_type"], s["width"], s["height"], s["caption"])
	fmt.Println(strings.HasPrefix(s["path"].(string), "media/images/sample_0_"))
	b := rows[0]["batch"].(map[string]any)
	fmt.Println(b["_type"], b["count"])
	// Output:
	// wandb: image: media: invalid value: shape [8 8 2] has 2 channels; want 1 (grey), 3 (RGB) or 4 (RGBA)
	// image-file 32 16 a gradient
	// true
	// images/separated 2
}

func ExampleNewTable() {
	run, cleanup := mediaExampleRun()
	defer cleanup()

	table, err := wandb.NewTable([]string{"epoch", "loss"}, [][]any{{1, 0.9}, {2, 0.5}})
	if err != nil {
		log.Fatal(err)
	}
	_ = table.AddRow(3, 0.3)
	_ = table.AddColumn("note", []any{"warm-up", nil, "best"})
	fmt.Println(table.Columns(), table.NumRows())

	_ = run.Log(map[string]any{"losses": table})
	rows, _ := run.History(context.Background())
	t := rows[0]["losses"].(map[string]any)
	fmt.Println(t["_type"], t["ncols"], t["nrows"], t["log_mode"])
	fmt.Println(strings.HasPrefix(t["path"].(string), "media/table/losses_0_"))
	// Output:
	// [epoch loss note] 3
	// table-file 3 3 IMMUTABLE
	// true
}
