package wandb

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/runstate"
)

// clip is t frames of h×w RGB with a moving square (few colours).
func clip(t, h, w int) []uint8 {
	p := make([]uint8, t*h*w*3)
	for f := 0; f < t; f++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := ((f*h+y)*w + x) * 3
				p[i+2] = 200 // blue background
				if x >= f && x < f+2 && y < 2 {
					p[i], p[i+1], p[i+2] = 255, 255, 0
				}
			}
		}
	}
	return p
}

func mustVideo(t testing.TB) func(*Video, error) *Video {
	return func(v *Video, err error) *Video {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestVideoGolden(t *testing.T) {
	v := mustVideo(t)(NewVideoFromPixels(clip(3, 4, 6), []int{3, 4, 6, 3}, Caption("square"), FPS(10)))
	dir, got := bindGolden(t, "video_gif", v)
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(got["path"].(string))))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.Delay[0] != 10 || g.LoopCount != 0 || g.Config.Width != 6 || g.Config.Height != 4 {
		t.Fatalf("gif: %d frames, delay %v, loop %d, %dx%d", len(g.Image), g.Delay, g.LoopCount, g.Config.Width, g.Config.Height)
	}
	// Few colours are kept exactly.
	if c := color.RGBAModel.Convert(g.Image[2].At(2, 0)).(color.RGBA); c != (color.RGBA{255, 255, 0, 255}) {
		t.Errorf("frame 2 (2,0) = %v", c)
	}
	if c := color.RGBAModel.Convert(g.Image[2].At(5, 3)).(color.RGBA); c != (color.RGBA{0, 0, 200, 255}) {
		t.Errorf("frame 2 (5,3) = %v", c)
	}

	// The same clip from images gives the same file.
	frames := make([]image.Image, 3)
	pix := clip(3, 4, 6)
	for i := range frames {
		m := image.NewRGBA(image.Rect(0, 0, 6, 4))
		for j := 0; j < 24; j++ {
			copy(m.Pix[4*j:4*j+3], pix[(i*24+j)*3:])
			m.Pix[4*j+3] = 255
		}
		frames[i] = m
	}
	fromImages := mustVideo(t)(NewVideo(frames, Caption("square"), FPS(10)))
	bindGolden(t, "video_gif", fromImages)

	other := mustVideo(t)(NewVideoFromPixels(clip(2, 4, 6), []int{2, 4, 6, 3}))
	items := []runstate.Binder{other, v}
	j, files, err := other.BindListToRun(runstate.Binding{FilesDir: t.TempDir(), Key: "k", Step: 3}, items)
	if err != nil {
		t.Fatal(err)
	}
	l := compareGolden(t, "videos", j)
	if l["captions"] != false || len(files) != 2 {
		t.Errorf("videos = %v, files %v", l, files)
	}
}

func TestVideoGIFQuantisesManyColours(t *testing.T) {
	// 8 frames of 64×64 with smooth colours: about 30,000 distinct.
	const n, s = 8, 64
	pix := make([]uint8, n*s*s*3)
	for f := 0; f < n; f++ {
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				i := ((f*s+y)*s + x) * 3
				pix[i], pix[i+1], pix[i+2] = uint8(4*x), uint8(4*y), uint8(30*f+x)
			}
		}
	}
	v := mustVideo(t)(NewVideoFromPixels(pix, []int{n, s, s, 3}))
	dir, got := bindGolden(t, "video_gif_many_colours", v)
	f, _ := os.Open(filepath.Join(dir, filepath.FromSlash(got["path"].(string))))
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	// image/gif's usual palette, Plan9, with exact nearest-colour search.
	p9 := color.Palette(palette.Plan9)
	var sq, sqPlan9 float64
	for i := 0; i < len(pix); i += 3 {
		c := p9[p9.Index(color.RGBA{pix[i], pix[i+1], pix[i+2], 255})].(color.RGBA)
		for k, v := range []uint8{c.R, c.G, c.B} {
			d := float64(v) - float64(pix[i+k])
			sqPlan9 += d * d
		}
	}
	for fi, fr := range g.Image {
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				c := color.RGBAModel.Convert(fr.At(x, y)).(color.RGBA)
				i := ((fi*s+y)*s + x) * 3
				for k, v := range []uint8{c.R, c.G, c.B} {
					d := float64(v) - float64(pix[i+k])
					sq += d * d
				}
			}
		}
	}
	rmse, plan9 := math.Sqrt(sq/float64(len(pix))), math.Sqrt(sqPlan9/float64(len(pix)))
	if rmse > 0.8*plan9 {
		t.Errorf("quantisation error %.1f per channel; Plan9 gives %.1f", rmse, plan9)
	}
	t.Logf("quantisation error %.1f per channel (Plan9 %.1f)", rmse, plan9)
}

func TestVideoBatchIsTiled(t *testing.T) {
	// Three 1-frame 2×2 videos: padded to 4, laid out 1 row of 4 (W&B).
	pix := make([]uint8, 3*1*2*2*1)
	for b := 0; b < 3; b++ {
		for i := 0; i < 4; i++ {
			pix[b*4+i] = uint8(50 * (b + 1))
		}
	}
	v := mustVideo(t)(NewVideoFromPixels(pix, []int{3, 1, 2, 2, 1}))
	if v.width != 8 || v.height != 2 {
		t.Fatalf("3 videos tiled to %dx%d, want 8x2", v.width, v.height)
	}
	if got := v.frames.RGB[3*(0*8+2)]; got != 100 {
		t.Errorf("video 1 is not second in the row: %d", got)
	}
	if got := v.frames.RGB[3*(1*8+7)]; got != 0 {
		t.Errorf("the padding video is not black: %d", got)
	}
	// Four videos: 2×2.
	v4 := mustVideo(t)(NewVideoFromPixels(make([]uint8, 4*2*3*5*3), []int{4, 2, 3, 5, 3}))
	if v4.width != 10 || v4.height != 6 || v4.Frames() != 2 {
		t.Errorf("4 videos tiled to %dx%d", v4.width, v4.height)
	}
}

func TestVideoBadInput(t *testing.T) {
	frame := image.NewRGBA(image.Rect(0, 0, 2, 2))
	tests := []struct {
		name string
		make func() (*Video, error)
		want string
	}{
		{"no frames", func() (*Video, error) { return NewVideo(nil) }, "no frames"},
		{"zero-length pixels", func() (*Video, error) { return NewVideoFromPixels(nil, []int{0, 2, 2, 3}) }, "no frames"},
		{"nil frame", func() (*Video, error) { return NewVideo([]image.Image{frame, nil}) }, "frame 1 is nil"},
		{"sizes differ", func() (*Video, error) {
			return NewVideo([]image.Image{frame, image.NewRGBA(image.Rect(0, 0, 3, 2))})
		}, "frame 1 is 3x2 but frame 0 is 2x2"},
		{"empty frames", func() (*Video, error) { return NewVideo([]image.Image{image.NewRGBA(image.Rect(0, 0, 0, 0))}) }, "empty"},
		{"shape rank", func() (*Video, error) { return NewVideoFromPixels(make([]uint8, 12), []int{2, 2, 3}) }, "want T×H×W×C"},
		{"shape mismatch", func() (*Video, error) { return NewVideoFromPixels(make([]uint8, 10), []int{1, 2, 2, 3}) }, "needs 12 values but the buffer holds 10"},
		{"two channels", func() (*Video, error) { return NewVideoFromPixels(make([]uint8, 8), []int{1, 2, 2, 2}) }, "2 channels"},
		{"format", func() (*Video, error) { return NewVideo([]image.Image{frame}, Format("avi")) }, `format "avi"`},
		{"fps", func() (*Video, error) { return NewVideo([]image.Image{frame}, FPS(0)) }, "fps 0"},
		{"option", func() (*Video, error) { return NewVideo([]image.Image{frame}, Grouping(1)) }, "option Grouping does not apply"},
		{"file extension", func() (*Video, error) { return NewVideoFromFile("clip.avi") }, `extension "avi"`},
		{"missing file", func() (*Video, error) { return NewVideoFromFile(filepath.Join(t.TempDir(), "clip.mp4")) }, "no such file"},
	}
	for _, tt := range tests {
		v, err := tt.make()
		if err == nil {
			t.Errorf("%s: accepted (%+v)", tt.name, v)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "wandb: video: ") || !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%s: error %q, want it to name %q and wrap ErrInvalidValue", tt.name, err, tt.want)
		}
	}
}

// The error for a missing ffmpeg does not depend on this machine: the
// look-up is replaced.
func TestVideoWithoutFFmpeg(t *testing.T) {
	saved := ffmpegLookPath
	t.Cleanup(func() { ffmpegLookPath = saved })
	ffmpegLookPath = func(string) (string, error) { return "", exec.ErrNotFound }
	frame := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for _, format := range []string{"mp4", "webm", "ogg"} {
		_, err := NewVideo([]image.Image{frame}, Format(format))
		if err == nil || !errors.Is(err, ErrNoFFmpeg) || !strings.Contains(err.Error(), "ffmpeg is not installed") || !strings.Contains(err.Error(), "format "+format) {
			t.Errorf("%s without ffmpeg: %v", format, err)
		}
	}
	if _, err := NewVideo([]image.Image{frame}); err != nil {
		t.Errorf("gif needs no ffmpeg: %v", err)
	}
}

func TestVideoFFmpegFormats(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg; `make deps` does it with APT_PACKAGES=ffmpeg): skipping mp4/webm/ogg encoding")
	}
	run, warns := mediaRun(t)
	magic := map[string]func([]byte) bool{
		"mp4":  func(b []byte) bool { return len(b) > 8 && string(b[4:8]) == "ftyp" },
		"webm": func(b []byte) bool { return bytes.HasPrefix(b, []byte{0x1a, 0x45, 0xdf, 0xa3}) },
		"ogg":  func(b []byte) bool { return bytes.HasPrefix(b, []byte("OggS")) },
	}
	row := map[string]any{}
	for format := range magic {
		// 5×3: odd sizes are padded for the codecs.
		row[format] = mustVideo(t)(NewVideoFromPixels(clip(4, 3, 5), []int{4, 3, 5, 3}, Format(format), FPS(8)))
	}
	if err := run.Log(row); err != nil {
		t.Fatal(err)
	}
	rows, info := mediaReplay(t, run)
	for format, ok := range magic {
		v, _ := rows[0][format].(map[string]any)
		if v == nil {
			t.Errorf("%s not logged; warnings: %s", format, warns)
			continue
		}
		checkMediaFile(t, run, info, v)
		p := v["path"].(string)
		b, _ := os.ReadFile(filepath.Join(run.Dir(), filepath.FromSlash(p)))
		if !strings.HasSuffix(p, "."+format) || !ok(b) || v["width"] != int64(5) || v["height"] != int64(3) || v["_type"] != "video-file" {
			t.Errorf("%s: %v (%d bytes)", format, v, len(b))
		}
	}
}

func TestVideoRoundTrip(t *testing.T) {
	run, warns := mediaRun(t)
	v := mustVideo(t)(NewVideoFromPixels(clip(3, 4, 6), []int{3, 4, 6, 3}, Caption("c")))
	src := filepath.Join(t.TempDir(), "given.gif")
	if _, _, err := v.BindToRun(runstate.Binding{FilesDir: filepath.Dir(src), Key: "given", Step: 0}); err != nil {
		t.Fatal(err)
	}
	gifs, _ := filepath.Glob(filepath.Join(filepath.Dir(src), "media", "videos", "*.gif"))
	if len(gifs) != 1 {
		t.Fatal(gifs)
	}
	fromFile := mustVideo(t)(NewVideoFromFile(gifs[0]))
	if err := run.Log(map[string]any{"v": v, "vs": []*Video{v, fromFile}, "file": fromFile}); err != nil {
		t.Fatal(err)
	}
	rows, info := mediaReplay(t, run)
	row := rows[0]
	one := row["v"].(map[string]any)
	if one["_type"] != "video-file" || one["caption"] != "c" || one["width"] != int64(6) || one["height"] != int64(4) || !strings.HasPrefix(one["path"].(string), "media/videos/v_0_") {
		t.Errorf("v = %v", one)
	}
	checkMediaFile(t, run, info, one)
	file := row["file"].(map[string]any)
	checkMediaFile(t, run, info, file)
	if file["sha256"] != one["sha256"] || file["width"] != nil {
		t.Errorf("file video = %v", file)
	}
	vs := row["vs"].(map[string]any)
	if vs["_type"] != "videos" || vs["count"] != int64(2) {
		t.Errorf("vs = %v", vs)
	}
	for _, x := range vs["videos"].([]any) {
		checkMediaFile(t, run, info, x)
	}
	if caps := vs["captions"].([]any); caps[0] != "c" || caps[1] != nil {
		t.Errorf("captions = %v", caps)
	}
	if warns.String() != "" {
		t.Errorf("warnings: %s", warns)
	}
}
