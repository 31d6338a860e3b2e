package media

import (
	"fmt"
	"image"
	"image/draw"
	"math/bits"
	"reflect"
)

// Frames is a video as RGB bytes, frame after frame, row after row
// (T×H×W×3).
type Frames struct {
	RGB     []byte
	T, H, W int
}

// FramesFromPixels converts a T×H×W×C byte buffer (C = 1, 3 or 4; alpha is
// dropped) into Frames. A five-dimensional B×T×H×W×C buffer is a batch of
// videos, tiled into a grid as W&B does (tensorboardX's logic: the batch is
// padded with black videos to a power of two and laid out 2^⌊(bitlen(B)-1)/2⌋
// rows high).
func FramesFromPixels(pix []uint8, shape []int) (Frames, error) {
	var b, t, h, w, c int
	switch len(shape) {
	case 4:
		b, t, h, w, c = 1, shape[0], shape[1], shape[2], shape[3]
	case 5:
		b, t, h, w, c = shape[0], shape[1], shape[2], shape[3], shape[4]
	default:
		return Frames{}, fmt.Errorf("%w: video shape %v: want T×H×W×C or B×T×H×W×C", ErrInvalid, shape)
	}
	if t <= 0 || b <= 0 {
		return Frames{}, fmt.Errorf("%w: video shape %v has no frames", ErrInvalid, shape)
	}
	if err := CheckSize(w, h); err != nil {
		return Frames{}, fmt.Errorf("video shape %v: %w", shape, err)
	}
	switch c {
	case 1, 3, 4:
	default:
		return Frames{}, fmt.Errorf("%w: video shape %v has %d channels; want 1, 3 or 4", ErrInvalid, shape, c)
	}
	// Multiply step by step so that a huge shape cannot overflow.
	want := 1
	for _, d := range []int{b, t, h, w, c} {
		if want > (1<<48)/d {
			return Frames{}, fmt.Errorf("%w: video shape %v is too large", ErrInvalid, shape)
		}
		want *= d
	}
	if want != len(pix) {
		return Frames{}, fmt.Errorf("%w: video shape %v needs %d values but the buffer holds %d", ErrInvalid, shape, want, len(pix))
	}
	rows, cols := 1, 1
	if b > 1 {
		padded := b
		if padded&(padded-1) != 0 {
			padded = 1 << bits.Len(uint(padded))
		}
		rows = 1 << ((bits.Len(uint(b)) - 1) / 2)
		cols = padded / rows
	}
	H, W := rows*h, cols*w
	if err := CheckSize(W, H); err != nil {
		return Frames{}, fmt.Errorf("video shape %v tiled: %w", shape, err)
	}
	f := Frames{RGB: make([]byte, t*H*W*3), T: t, H: H, W: W}
	for bi := 0; bi < b; bi++ {
		r0, c0 := (bi/cols)*h, (bi%cols)*w
		for ti := 0; ti < t; ti++ {
			src := pix[((bi*t+ti)*h*w)*c:]
			dst := f.RGB[ti*H*W*3:]
			for y := 0; y < h; y++ {
				drow := dst[((r0+y)*W+c0)*3:]
				srow := src[y*w*c:]
				for x := 0; x < w; x++ {
					s := srow[x*c:]
					d := drow[x*3 : x*3+3 : x*3+3]
					if c == 1 {
						d[0], d[1], d[2] = s[0], s[0], s[0]
					} else {
						d[0], d[1], d[2] = s[0], s[1], s[2]
					}
				}
			}
		}
	}
	return f, nil
}

// FramesFromImages converts images of one size into Frames.
func FramesFromImages(frames []image.Image) (Frames, error) {
	if len(frames) == 0 {
		return Frames{}, fmt.Errorf("%w: video has no frames", ErrInvalid)
	}
	for i, img := range frames {
		if img == nil || reflect.ValueOf(img).Kind() == reflect.Pointer && reflect.ValueOf(img).IsNil() {
			return Frames{}, fmt.Errorf("%w: video frame %d is nil", ErrInvalid, i)
		}
	}
	b0 := frames[0].Bounds()
	w, h := b0.Dx(), b0.Dy()
	if err := CheckSize(w, h); err != nil {
		return Frames{}, fmt.Errorf("video frame 0: %w", err)
	}
	f := Frames{RGB: make([]byte, len(frames)*h*w*3), T: len(frames), H: h, W: w}
	var tmp *image.NRGBA
	for i, img := range frames {
		b := img.Bounds()
		if b.Dx() != w || b.Dy() != h {
			return Frames{}, fmt.Errorf("%w: video frame %d is %dx%d but frame 0 is %dx%d", ErrInvalid, i, b.Dx(), b.Dy(), w, h)
		}
		var pix []byte
		stride := 0
		switch m := img.(type) {
		case *image.NRGBA:
			pix, stride = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride
		case *image.RGBA:
			pix, stride = m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride
		default:
			if tmp == nil {
				tmp = image.NewNRGBA(image.Rect(0, 0, w, h))
			}
			draw.Draw(tmp, tmp.Rect, img, b.Min, draw.Src)
			pix, stride = tmp.Pix, tmp.Stride
		}
		dst := f.RGB[i*h*w*3:]
		for y := 0; y < h; y++ {
			srow := pix[y*stride:]
			drow := dst[y*w*3:]
			for x := 0; x < w; x++ {
				s := srow[4*x : 4*x+3 : 4*x+3]
				d := drow[3*x : 3*x+3 : 3*x+3]
				d[0], d[1], d[2] = s[0], s[1], s[2]
			}
		}
	}
	return f, nil
}
