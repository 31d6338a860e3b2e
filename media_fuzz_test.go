package wandb

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/core/wjson"
)

// fuzzShape turns fuzz bytes into a shape of up to 5 small dimensions,
// zero and negative ones included.
func fuzzShape(dims []byte) []int {
	if len(dims) > 5 {
		dims = dims[:5]
	}
	shape := make([]int, len(dims))
	for i, d := range dims {
		shape[i] = int(int8(d)) % 40
	}
	return shape
}

// fuzzFloats reads little-endian float64s (any bits: NaN, ±Inf, huge).
func fuzzFloats(b []byte) []float64 {
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

// fuzzBind binds v into a files directory and checks that the JSON decodes
// and that the file it names exists.
func fuzzBind(t *testing.T, dir string, v runstate.Binder) (map[string]any, []byte) {
	t.Helper()
	j, files, err := v.BindToRun(runstate.Binding{FilesDir: dir, Key: "f", Step: 1})
	if err != nil {
		t.Fatalf("a value the constructor accepted does not bind: %v", err)
	}
	x, err := wjson.Decode(j)
	if err != nil {
		t.Fatalf("JSON %s: %v", j, err)
	}
	m := x.(map[string]any)
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(m["path"].(string))))
	if err != nil || len(files) == 0 {
		t.Fatalf("file: %v (files %v)", err, files)
	}
	return m, b
}

func FuzzNewImageFromPixels(f *testing.F) {
	f.Add([]byte{2, 3, 3}, uint8(0), false, bytes.Repeat([]byte{7}, 18))
	f.Add([]byte{3, 1, 2}, uint8(2), true, make([]byte, 48))
	f.Add([]byte{1, 1}, uint8(1), false, []byte{0, 0, 0x80, 0x7f}) // float32 +Inf
	f.Add([]byte{0, 5}, uint8(0), false, []byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, dims []byte, kind uint8, chw bool, data []byte) {
		shape := fuzzShape(dims)
		var pix any
		switch kind % 3 {
		case 0:
			pix = data
		case 1:
			p := make([]float32, len(data)/4)
			for i := range p {
				p[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			}
			pix = p
		case 2:
			pix = fuzzFloats(data)
		}
		var opts []MediaOption
		if chw {
			opts = append(opts, ChannelsFirst())
		}
		im, err := NewImageFromPixels(pix, shape, opts...)
		if err != nil {
			return
		}
		m, b := fuzzBind(t, dir, im)
		got, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds().Dx() != im.Width() || got.Bounds().Dy() != im.Height() || m["width"] != int64(im.Width()) {
			t.Fatalf("shape %v: PNG %v, JSON %v", shape, got.Bounds(), m)
		}
	})
}

func FuzzNewVideoFromPixels(f *testing.F) {
	f.Add([]byte{2, 2, 3, 3}, uint8(4), bytes.Repeat([]byte{1, 2, 3}, 12))
	f.Add([]byte{3, 1, 2, 2, 1}, uint8(1), make([]byte, 12))
	f.Add([]byte{0, 2, 2, 3}, uint8(4), []byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, dims []byte, fps uint8, data []byte) {
		v, err := NewVideoFromPixels(data, fuzzShape(dims), FPS(int(fps)))
		if err != nil {
			return
		}
		_, b := fuzzBind(t, dir, v)
		g, err := gif.DecodeAll(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Image) != v.Frames() || g.Config.Width != v.width || g.Config.Height != v.height {
			t.Fatalf("gif of %d frames %dx%d for %d frames %dx%d", len(g.Image), g.Config.Width, g.Config.Height, v.Frames(), v.width, v.height)
		}
	})
}

func FuzzNewAudio(f *testing.F) {
	f.Add(make([]byte, 16), int32(8000), uint8(1))
	f.Add(make([]byte, 24), int32(-1), uint8(3))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, rate int32, channels uint8) {
		a, err := NewAudio(fuzzFloats(data), int(rate), Channels(int(channels)))
		if err != nil {
			return
		}
		_, b := fuzzBind(t, dir, a)
		if len(b) != 44+2*(len(data)/8) {
			t.Fatalf("WAV of %d bytes for %d samples", len(b), len(data)/8)
		}
	})
}

func FuzzNewPointCloud(f *testing.F) {
	f.Add(make([]byte, 48), uint8(3))
	f.Add(make([]byte, 8), uint8(5))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, cols uint8) {
		vals := fuzzFloats(data)
		n := int(cols%8) + 1
		var points [][]float64
		for i := 0; i+n <= len(vals); i += n {
			points = append(points, vals[i:i+n])
		}
		o, err := NewPointCloud(points)
		if err != nil {
			return
		}
		_, b := fuzzBind(t, dir, o)
		var back [][]float64
		if err := json.Unmarshal(b, &back); err != nil || len(back) != len(points) {
			t.Fatalf("pts.json %s: %v", b, err)
		}
	})
}

func FuzzNewHistogram(f *testing.F) {
	f.Add(make([]byte, 80), int16(64))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, int16(1)) // NaN
	f.Add(make([]byte, 8), int16(513))
	f.Fuzz(func(t *testing.T, data []byte, bins int16) {
		vals := fuzzFloats(data)
		h, err := NewHistogram(vals, int(bins))
		if bins < 1 || bins > MaxHistogramBins {
			if err == nil {
				t.Fatalf("%d bins accepted", bins)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		finite := 0
		for _, v := range vals {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				finite++
			}
		}
		total := 0.0
		for _, c := range h.Values {
			total += c
		}
		if int(total) != finite || len(h.Bins) != len(h.Values)+1 {
			t.Fatalf("counts add to %v for %d finite values", total, finite)
		}
		for i := 1; i < len(h.Bins); i++ {
			if !(h.Bins[i] >= h.Bins[i-1]) {
				t.Fatalf("edges %v", h.Bins)
			}
		}
		if _, err := h.WandbJSON(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzTableAddRow(f *testing.F) {
	f.Add("a", "b", []byte("x"), 1.5, true)
	f.Add("a", "a", []byte{0xff}, math.NaN(), false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, c1, c2 string, s []byte, x float64, b bool) {
		tb, err := NewTable([]string{c1, c2}, nil)
		if err != nil {
			return
		}
		if err := tb.AddRow(string(s), []any{x, b, nil}); err != nil {
			return
		}
		_, file := fuzzBind(t, dir, tb)
		back, err := wjson.Decode(file)
		if err != nil {
			t.Fatalf("table file %s: %v", file, err)
		}
		if rows := back.(map[string]any)["data"].([]any); len(rows) != 1 {
			t.Fatalf("rows %v", rows)
		}
	})
}
