package wandb

import (
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gowandb/wandb/core/runstate"
)

// photo is an h×w×3 float image in [0, 1]: smooth shapes plus noise of
// the given amplitude (0.05 is camera-like grain).
func photo(h, w int, noise float64) []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	p := make([]float64, h*w*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				v := 0.5 + 0.4*math.Sin(float64(x)/30+float64(c))*math.Cos(float64(y)/40) + noise*(r.Float64()-0.5)
				p[(y*w+x)*3+c] = max(0, min(1, v))
			}
		}
	}
	return p
}

// BenchmarkImage512FloatToPNG is the target (≤ 15 ms): a 512×512
// RGB float tensor to a PNG file in the run, all of it: conversion (the
// caller's part), PNG encoding, sha256 and the atomic write (the writer's
// part). Each iteration writes a new file.
func BenchmarkImage512FloatToPNG(b *testing.B) {
	for _, bc := range []struct {
		name  string
		noise float64
	}{{"smooth", 0}, {"grain", 0.05}, {"noise", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			pix := photo(512, 512, bc.noise)
			dir := b.TempDir()
			b.ReportAllocs()
			step := int64(0)
			for b.Loop() {
				im, err := NewImageFromPixels(pix, []int{512, 512, 3})
				if err != nil {
					b.Fatal(err)
				}
				j, _, err := im.BindToRun(runstate.Binding{FilesDir: dir, Key: "img", Step: step})
				if err != nil || len(j) == 0 {
					b.Fatal(err)
				}
				step++
			}
		})
	}
}

// BenchmarkImage512FloatCaller is the caller's part alone: NewImageFromPixels.
func BenchmarkImage512FloatCaller(b *testing.B) {
	pix := photo(512, 512, 0.05)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewImageFromPixels(pix, []int{512, 512, 3}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHistogram1M is the target (≤ 5 ms): 10^6 float64 into
// W&B's default 64 bins.
func BenchmarkHistogram1M(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]float64, 1_000_000)
	for i := range data {
		data[i] = r.NormFloat64()
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewHistogramDefault(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGIF is a 100-frame 84×84 video (an Atari frame's size) to a GIF
// file: few colours (a game screen, kept exactly) and many (camera-like,
// median cut).
func BenchmarkGIF(b *testing.B) {
	const t, s = 100, 84
	few := make([]uint8, t*s*s*3)
	many := make([]uint8, t*s*s*3)
	r := rand.New(rand.NewPCG(5, 6))
	for f := 0; f < t; f++ {
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				i := ((f*s+y)*s + x) * 3
				switch {
				case x > f%s-4 && x < f%s+4 && y > 40 && y < 48:
					few[i], few[i+1], few[i+2] = 200, 72, 72
				case y > 70:
					few[i], few[i+1], few[i+2] = 50, 132, 50
				default:
					few[i], few[i+1], few[i+2] = 0, 0, 0
				}
				many[i] = uint8(2*x + f)
				many[i+1] = uint8(3*y + r.IntN(8))
				many[i+2] = uint8(x*y/30 + 2*f)
			}
		}
	}
	for _, bc := range []struct {
		name string
		pix  []uint8
	}{{"few_colours", few}, {"many_colours", many}} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			b.ReportAllocs()
			step := int64(0)
			for b.Loop() {
				v, err := NewVideoFromPixels(bc.pix, []int{t, s, s, 3})
				if err != nil {
					b.Fatal(err)
				}
				j, _, err := v.BindToRun(runstate.Binding{FilesDir: dir, Key: "v", Step: step})
				if err != nil || len(j) == 0 {
					b.Fatal(err)
				}
				step++
			}
		})
	}
}

// BenchmarkGIFStdlibPlan9 is the reference BenchmarkGIF is measured
// against: image/gif's usual recipe, frames drawn onto the Plan9 palette
// (nearest colour per pixel), same 100 frames of 84×84 (many colours).
func BenchmarkGIFStdlibPlan9(b *testing.B) {
	const t, s = 100, 84
	frames := make([]*image.RGBA, t)
	for f := range frames {
		m := image.NewRGBA(image.Rect(0, 0, s, s))
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				m.Set(x, y, color.RGBA{uint8(2*x + f), uint8(3 * y), uint8(x*y/30 + 2*f), 255})
			}
		}
		frames[f] = m
	}
	for b.Loop() {
		g := &gif.GIF{}
		for _, fr := range frames {
			p := image.NewPaletted(fr.Rect, palette.Plan9)
			draw.Draw(p, p.Rect, fr, image.Point{}, draw.Src)
			g.Image = append(g.Image, p)
			g.Delay = append(g.Delay, 25)
		}
		if err := gif.EncodeAll(io.Discard, g); err != nil {
			b.Fatal(err)
		}
	}
}
