package wandb

import (
	"image"
	"image/color"
	"reflect"
	"strings"
	"testing"
)

func smallImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	return img
}

// TestClassLabelsReachTheConfig: as in W&B, the class labels of box and
// mask layers are in the run config under _wandb, keyed by the history key
// and the layer name.
func TestClassLabelsReachTheConfig(t *testing.T) {
	run, _ := mediaRun(t)
	img, err := NewImage(smallImage(),
		Boxes("predictions", BoundingBoxes{
			Boxes:       []Box{{Position: BoxCorners(0, 2, 0, 2), Pixel: true, ClassID: 1}},
			ClassLabels: map[int]string{1: "cat"},
		}),
		Mask("truth", ImageMask{Data: make([]uint8, 16), Width: 4, Height: 4, ClassLabels: map[int]string{0: "background"}}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Log(map[string]any{"val/img": img}); err != nil {
		t.Fatal(err)
	}
	_, info := mediaReplay(t, run)
	wb, _ := info.Config["_wandb"].(map[string]any)
	boxes, _ := wb["bounding_box/class_labels"].(map[string]any)
	masks, _ := wb["mask/class_labels"].(map[string]any)
	if !reflect.DeepEqual(boxes["val/img_wandb_delimeter_predictions"], map[string]any{"1": "cat"}) {
		t.Fatalf("box labels in config = %v", wb)
	}
	if !reflect.DeepEqual(masks["val/img_wandb_delimeter_truth"], map[string]any{"0": "background"}) {
		t.Fatalf("mask labels in config = %v", wb)
	}
}

// TestImageListLimitWarns: past 108 images the first 108 are logged and a
// warning says so.
func TestImageListLimitWarns(t *testing.T) {
	run, warns := mediaRun(t)
	var imgs []*Image
	for range MaxImagesPerList + 2 {
		img, err := NewImage(smallImage())
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	if err := run.Log(map[string]any{"many": imgs}); err != nil {
		t.Fatal(err)
	}
	rows, _ := mediaReplay(t, run)
	got := rows[0]["many"].(map[string]any)
	if got["count"] != int64(MaxImagesPerList) {
		t.Fatalf("count = %v", got["count"])
	}
	if !strings.Contains(warns.String(), "only the first 108 of 110 images") {
		t.Fatalf("warnings = %q", warns.String())
	}
}
