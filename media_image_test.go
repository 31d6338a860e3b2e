package wandb

import (
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// gradient is an h×w×3 byte image with every pixel different.
func gradient(h, w int) []uint8 {
	p := make([]uint8, h*w*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := (y*w + x) * 3
			p[i], p[i+1], p[i+2] = uint8(40*y), uint8(40*x), uint8(10*(x+y))
		}
	}
	return p
}

// mustImage(t)(NewImage(…)) fails the test on an error.
func mustImage(t testing.TB) func(*Image, error) *Image {
	return func(im *Image, err error) *Image {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return im
	}
}

func TestImageGolden(t *testing.T) {
	boxes := BoundingBoxes{
		Boxes: []Box{
			{Position: BoxCorners(0.1, 0.3, 0.2, 0.4), ClassID: 1, Caption: "car", Scores: map[string]float64{"acc": 0.2, "loss": 1.2}},
			{Position: BoxCenter(3, 2, 2, 1), Pixel: true, ClassID: 3},
		},
		ClassLabels: map[int]string{0: "person", 1: "car", 3: "building"},
	}
	mask := ImageMask{Width: 6, Height: 4, Data: make([]uint8, 24)}
	for i := range mask.Data {
		mask.Data[i] = uint8(i % 3)
	}
	grey := image.NewGray(image.Rect(0, 0, 3, 2))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(50 * i)
	}
	chw := make([]float64, 3*2*2)
	for i := range chw {
		chw[i] = float64(i) / 11
	}
	tests := []struct {
		name string
		img  func() (*Image, error)
	}{
		{"image_png", func() (*Image, error) {
			return NewImageFromPixels(gradient(4, 6), []int{4, 6, 3}, Caption("a gradient"), Grouping(2))
		}},
		{"image_grey", func() (*Image, error) { return NewImage(grey) }},
		{"image_float_chw", func() (*Image, error) { return NewImageFromPixels(chw, []int{3, 2, 2}, ChannelsFirst()) }},
		{"image_jpeg", func() (*Image, error) {
			return NewImageFromPixels(gradient(4, 6), []int{4, 6, 3}, Format("jpeg"), JPEGQuality(90))
		}},
		{"image_boxes_masks", func() (*Image, error) {
			return NewImageFromPixels(gradient(4, 6), []int{4, 6, 3}, Boxes("predictions", boxes), Mask("truth", mask))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, got := bindGolden(t, tt.name, mustImage(t)(tt.img()))
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(got["path"].(string))))
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(strings.NewReader(string(b)))
			if err != nil || cfg.Width != int(got["width"].(float64)) || cfg.Height != int(got["height"].(float64)) || !strings.HasPrefix(got["format"].(string), format[:3]) {
				t.Errorf("file decodes as %s %dx%d (%v); JSON says %v", format, cfg.Width, cfg.Height, err, got)
			}
		})
	}

	// The boxes file is W&B's {"box_data":[…],"class_labels":{…}}.
	dir, got := bindGolden(t, "image_boxes_masks", mustImage(t)(NewImageFromPixels(gradient(4, 6), []int{4, 6, 3}, Boxes("predictions", boxes), Mask("truth", mask))))
	bp := got["boxes"].(map[string]any)["predictions"].(map[string]any)["path"].(string)
	bf, _ := os.ReadFile(filepath.Join(dir, bp))
	want := `{"box_data":[{"position":{"minX":0.1,"maxX":0.2,"minY":0.3,"maxY":0.4},"class_id":1,"box_caption":"car","scores":{"acc":0.2,"loss":1.2}},` +
		`{"position":{"middle":[3.0,2.0],"width":2.0,"height":1.0},"domain":"pixel","class_id":3}],"class_labels":{"0":"person","1":"car","3":"building"}}`
	if string(bf) != want {
		t.Errorf("boxes file\n got %s\nwant %s", bf, want)
	}
	mp := got["masks"].(map[string]any)["truth"].(map[string]any)["path"].(string)
	if !strings.HasPrefix(mp, "media/images/mask/k_3_") || !strings.HasSuffix(mp, ".mask.png") {
		t.Errorf("mask path %s", mp)
	}
	mf, _ := os.Open(filepath.Join(dir, mp))
	defer mf.Close()
	m, err := png.Decode(mf)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := m.(*image.Gray); !ok || g.Pix[5] != 2 || g.Pix[4] != 1 {
		t.Errorf("mask decodes as %T", m)
	}
}

func TestImageFromFileGolden(t *testing.T) {
	src := mustImage(t)(NewImageFromPixels(gradient(4, 6), []int{4, 6, 3}))
	b, err := media.EncodePNG(src.img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "pic.png")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	im := mustImage(t)(NewImageFromFile(p, Caption("from a file")))
	bindGolden(t, "image_file", im)
	if im.Width() != 6 || im.Height() != 4 || im.Format() != "png" {
		t.Errorf("file image %dx%d %s", im.Width(), im.Height(), im.Format())
	}
}

func TestImageListGolden(t *testing.T) {
	mk := func(caption string, opts ...MediaOption) *Image {
		return mustImage(t)(NewImageFromPixels(gradient(2, 3), []int{2, 3, 3}, append(opts, Caption(caption))...))
	}
	b := BoundingBoxes{Boxes: []Box{{Position: BoxCorners(0, 0, 1, 1), ClassID: 2}}}
	pix := gradient(2, 3)
	pix[0] = 255
	other := mustImage(t)(NewImageFromPixels(pix, []int{2, 3, 3}))
	items := []runstate.Binder{mk("first"), other, mk("third", Boxes("pred", b))}
	dir := t.TempDir()
	j, files, err := items[0].(runstate.ListBinder).BindListToRun(runstate.Binding{FilesDir: dir, Key: "k", Step: 3}, items)
	if err != nil {
		t.Fatal(err)
	}
	got := compareGolden(t, "images_separated", j)
	if got["count"] != 3.0 || len(got["filenames"].([]any)) != 3 || len(files) != 3 /* the first and third image are one file */ {
		t.Errorf("list JSON %v, files %v", got, files)
	}
}

func TestImagePixelConversion(t *testing.T) {
	at := func(im *Image, x, y int) color.NRGBA {
		return color.NRGBAModel.Convert(im.img.At(x, y)).(color.NRGBA)
	}
	// HWC bytes, CHW bytes, grey.
	hwc := mustImage(t)(NewImageFromPixels([]uint8{1, 2, 3, 4, 5, 6}, []int{1, 2, 3}))
	if c := at(hwc, 1, 0); c != (color.NRGBA{4, 5, 6, 255}) {
		t.Errorf("HWC pixel (1,0) = %v", c)
	}
	chw := mustImage(t)(NewImageFromPixels([]uint8{1, 2, 3, 4, 5, 6}, []int{3, 1, 2}, ChannelsFirst()))
	if c := at(chw, 1, 0); c != (color.NRGBA{2, 4, 6, 255}) {
		t.Errorf("CHW pixel (1,0) = %v", c)
	}
	rgba := mustImage(t)(NewImageFromPixels([]uint8{1, 2, 3, 4}, []int{1, 1, 4}))
	if c := at(rgba, 0, 0); c != (color.NRGBA{1, 2, 3, 4}) {
		t.Errorf("RGBA pixel = %v", c)
	}
	for _, shape := range [][]int{{2, 1}, {2, 1, 1}} {
		g := mustImage(t)(NewImageFromPixels([]uint8{7, 9}, shape))
		if gi, ok := g.img.(*image.Gray); !ok || gi.Pix[1] != 9 {
			t.Errorf("shape %v: %T", shape, g.img)
		}
	}
	// Floats are scaled as W&B does.
	tests := []struct {
		pix  []float64
		want [3]uint8
	}{
		{[]float64{0, 0.5, 1}, [3]uint8{0, 127, 255}},      // [0, 1] × 255, truncated
		{[]float64{-1, 0, 1}, [3]uint8{0, 127, 255}},       // [-1, 1] onto 0..255
		{[]float64{-5, 100.7, 300}, [3]uint8{0, 100, 255}}, // clipped
	}
	for _, tt := range tests {
		im := mustImage(t)(NewImageFromPixels(tt.pix, []int{1, 1, 3}))
		c := at(im, 0, 0)
		if [3]uint8{c.R, c.G, c.B} != tt.want {
			t.Errorf("%v → %v, want %v", tt.pix, c, tt.want)
		}
		im32 := mustImage(t)(NewImageFromPixels([]float32{float32(tt.pix[0]), float32(tt.pix[1]), float32(tt.pix[2])}, []int{1, 1, 3}))
		if c32 := at(im32, 0, 0); c32 != c {
			t.Errorf("float32 %v → %v, float64 gave %v", tt.pix, c32, c)
		}
	}
	// NewImage copies: changing the source later does not change the Image.
	src := image.NewRGBA(image.Rect(5, 5, 7, 6))
	src.Pix[0] = 10
	im := mustImage(t)(NewImage(src))
	src.Pix[0] = 99
	if c := im.img.At(0, 0).(color.RGBA); c.R != 10 || im.Width() != 2 || im.Height() != 1 {
		t.Errorf("NewImage kept %v, %dx%d", c, im.Width(), im.Height())
	}
	// Other image types are converted.
	pal := image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.RGBA{9, 8, 7, 255}})
	if c := at(mustImage(t)(NewImage(pal)), 0, 0); c != (color.NRGBA{9, 8, 7, 255}) {
		t.Errorf("paletted → %v", c)
	}
}

func TestImageBadInput(t *testing.T) {
	dir := t.TempDir()
	notPNG := filepath.Join(dir, "fake.png")
	_ = os.WriteFile(notPNG, []byte("not a png"), 0o644)
	tooWide := make([]uint8, MaxImageDimension+1)
	okBoxes := BoundingBoxes{Boxes: []Box{{Position: BoxCorners(0, 0, 1, 1)}}}
	tests := []struct {
		name string
		make func() (*Image, error)
		want string
	}{
		{"nil image", func() (*Image, error) { return NewImage(nil) }, "nil image"},
		{"empty image", func() (*Image, error) { return NewImage(image.NewRGBA(image.Rect(0, 0, 0, 3))) }, "empty"},
		{"empty pixels", func() (*Image, error) { return NewImageFromPixels([]uint8{}, []int{0, 0}) }, "empty"},
		{"nil pixels", func() (*Image, error) { return NewImageFromPixels(nil, []int{1, 1}) }, "no pixels"},
		{"pixel type", func() (*Image, error) { return NewImageFromPixels([]int{1}, []int{1, 1}) }, "[]int"},
		{"shape rank", func() (*Image, error) { return NewImageFromPixels([]uint8{1}, []int{1}) }, "want HW or HWC"},
		{"shape mismatch", func() (*Image, error) { return NewImageFromPixels(gradient(2, 2), []int{2, 3, 3}) }, "needs 18 values but the buffer holds 12"},
		{"two channels", func() (*Image, error) { return NewImageFromPixels(make([]uint8, 4), []int{1, 2, 2}) }, "2 channels"},
		{"five channels CHW", func() (*Image, error) {
			return NewImageFromPixels(make([]uint8, 5), []int{5, 1, 1}, ChannelsFirst())
		}, "5 channels"},
		{"NaN", func() (*Image, error) { return NewImageFromPixels([]float64{0, math.NaN(), 0}, []int{1, 1, 3}) }, "NaN at index 1"},
		{"Inf", func() (*Image, error) { return NewImageFromPixels([]float32{float32(math.Inf(1))}, []int{1, 1}) }, "+Inf at index 0"},
		{"too wide", func() (*Image, error) { return NewImageFromPixels(tooWide, []int{1, MaxImageDimension + 1}) }, "at most 65500"},
		{"negative", func() (*Image, error) { return NewImageFromPixels([]uint8{}, []int{-1, 0}) }, "empty"},
		{"format", func() (*Image, error) { return NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}, Format("bmp")) }, `format "bmp"`},
		{"option of another type", func() (*Image, error) { return NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}, FPS(3)) }, "option FPS does not apply"},
		{"quality", func() (*Image, error) {
			return NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}, Format("jpeg"), JPEGQuality(0))
		}, "quality 0"},
		{"missing file", func() (*Image, error) { return NewImageFromFile(filepath.Join(dir, "nope.png")) }, "no such file"},
		{"directory", func() (*Image, error) { return NewImageFromFile(dir + "/x.png/..") }, "extension"},
		{"not a png", func() (*Image, error) { return NewImageFromFile(notPNG) }, "not a readable png"},
		{"unknown extension", func() (*Image, error) { return NewImageFromFile(filepath.Join(dir, "a.tiff")) }, `extension "tiff"`},
		{"format option on a file", func() (*Image, error) { return NewImageFromFile(notPNG, Format("png")) }, "option Format does not apply"},
		{"box without position", func() (*Image, error) {
			return NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}, Boxes("b", BoundingBoxes{Boxes: []Box{{ClassID: 1}}}))
		}, "box 0 has no position"},
		{"NaN box", func() (*Image, error) {
			return NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}, Boxes("b", BoundingBoxes{Boxes: []Box{{Position: BoxCorners(math.NaN(), 0, 1, 1)}}}))
		}, "position is NaN"},
		{"NaN score", func() (*Image, error) {
			return NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}, Boxes("b", BoundingBoxes{Boxes: []Box{{Position: BoxCorners(0, 0, 1, 1), Scores: map[string]float64{"s": math.Inf(-1)}}}}))
		}, "score s is -Inf"},
		{"repeated layer", func() (*Image, error) {
			return NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}, Boxes("b", okBoxes), Boxes("b", okBoxes))
		}, `"b" is empty, not UTF-8 or repeated`},
		{"mask size", func() (*Image, error) {
			return NewImageFromPixels(gradient(2, 2), []int{2, 2, 3}, Mask("m", ImageMask{Width: 1, Height: 1, Data: []uint8{0}}))
		}, "mask \"m\" is 1x1 but the image is 2x2"},
		{"mask data", func() (*Image, error) {
			return NewImageFromPixels(gradient(2, 2), []int{2, 2, 3}, Mask("m", ImageMask{Width: 2, Height: 2, Data: []uint8{0}}))
		}, "needs 4 class ids, Data holds 1"},
	}
	for _, tt := range tests {
		im, err := tt.make()
		if err == nil {
			t.Errorf("%s: accepted (%+v)", tt.name, im)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "wandb: image: ") {
			t.Errorf("%s: error %q, want it to name %q", tt.name, err, tt.want)
		}
		if !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%s: error %q does not wrap ErrInvalidValue", tt.name, err)
		}
	}
}

func TestImageRoundTrip(t *testing.T) {
	run, warns := mediaRun(t)
	img := mustImage(t)(NewImageFromPixels(gradient(4, 6), []int{4, 6, 3}, Caption("one")))
	b := BoundingBoxes{Boxes: []Box{{Position: BoxCorners(0.1, 0.1, 0.5, 0.5), ClassID: 1}}}
	boxed := mustImage(t)(NewImageFromPixels(gradient(4, 6), []int{4, 6, 3}, Boxes("pred", b)))
	list := []*Image{img, boxed}
	err := run.Log(map[string]any{
		"img":    img,
		"list":   list,
		"nested": map[string]any{"deep": img},
		"loss":   0.5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Summary().Set("best", boxed); err != nil {
		t.Fatal(err)
	}
	rows, info := mediaReplay(t, run)
	if len(rows) != 1 || rows[0]["loss"] != 0.5 {
		t.Fatalf("rows = %v", rows)
	}
	row := rows[0]
	one := row["img"].(map[string]any)
	if one["_type"] != "image-file" || one["caption"] != "one" || one["width"] != int64(6) || one["height"] != int64(4) || one["format"] != "png" {
		t.Errorf("img = %v", one)
	}
	if p := one["path"].(string); !strings.HasPrefix(p, "media/images/img_0_") || !strings.HasSuffix(p, ".png") {
		t.Errorf("img path = %s", p)
	}
	checkMediaFile(t, run, info, one)
	deep := row["nested"].(map[string]any)["deep"].(map[string]any)
	if p := deep["path"].(string); !strings.HasPrefix(p, "media/images/nested/deep_0_") {
		t.Errorf("nested path = %s", p)
	}
	checkMediaFile(t, run, info, deep)
	l := row["list"].(map[string]any)
	if l["_type"] != "images/separated" || l["count"] != int64(2) {
		t.Errorf("list = %v", l)
	}
	for _, f := range l["filenames"].([]any) {
		checkListedFile(t, run, info, f.(string))
	}
	if ab := l["all_boxes"].([]any); ab[0] != nil || ab[1].(map[string]any)["pred"] == nil {
		t.Errorf("all_boxes = %v", ab)
	}
	best := info.Summary["best"].(map[string]any)
	if p := best["path"].(string); !strings.HasPrefix(p, "media/images/best_summary_") {
		t.Errorf("summary image path = %s", p)
	}
	checkMediaFile(t, run, info, best)
	checkMediaFile(t, run, info, best["boxes"].(map[string]any)["pred"])
	// The file decodes to the logged pixels.
	f, _ := os.Open(filepath.Join(run.Dir(), filepath.FromSlash(one["path"].(string))))
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if c := color.NRGBAModel.Convert(m.At(5, 3)).(color.NRGBA); c != (color.NRGBA{120, 200, 80, 255}) {
		t.Errorf("pixel (5,3) = %v", c)
	}
	if w := warns.String(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}

func TestImageListLimit(t *testing.T) {
	items := make([]runstate.Binder, MaxImagesPerList+5)
	for i := range items {
		pix := []uint8{uint8(i), uint8(i >> 8), 0}
		items[i] = mustImage(t)(NewImageFromPixels(pix, []int{1, 1, 3}))
	}
	j, files, err := items[0].(*Image).BindListToRun(runstate.Binding{FilesDir: t.TempDir(), Key: "many", Step: 0}, items)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(j), `"count":108`) || len(files) != MaxImagesPerList {
		t.Errorf("a list of %d images logged %d files: %s", len(items), len(files), j[:80])
	}
	// A list that mixes types is refused.
	h, _ := NewHTML("<p>x</p>")
	if _, _, err := items[0].(*Image).BindListToRun(runstate.Binding{FilesDir: t.TempDir(), Key: "mixed"}, []runstate.Binder{items[0], h}); err == nil {
		t.Error("a mixed list was logged")
	}
}

// A bad key or an unwritable files directory drops the key with a warning;
// the rest of the row lands.
func TestImageWriteFailureIsAWarning(t *testing.T) {
	run, warns := mediaRun(t)
	img := mustImage(t)(NewImageFromPixels(gradient(1, 1), []int{1, 1, 3}))
	if err := run.Log(map[string]any{"..": img, "ok": 1}); err != nil {
		t.Fatal(err)
	}
	rows, _ := mediaReplay(t, run)
	if _, ok := rows[0][".."]; ok || rows[0]["ok"] != int64(1) {
		t.Errorf("row = %v", rows[0])
	}
	if !strings.Contains(warns.String(), `".."`) {
		t.Errorf("warnings = %q", warns)
	}
}
