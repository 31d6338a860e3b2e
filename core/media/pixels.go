package media

import (
	"fmt"
	"image"
	"math"

	"github.com/gowandb/wandb/core/runstate"
)

// ErrInvalid is wrapped by every error about bad media input (shapes,
// values, formats, files). It wraps runstate.ErrInvalidValue.
var ErrInvalid = fmt.Errorf("media: %w", runstate.ErrInvalidValue)

// MaxDimension is the largest image width or height W&B accepts (PIL's
// limit, Image.MAX_DIMENSION).
const MaxDimension = 65500

// CheckSize refuses empty images and sides over MaxDimension.
func CheckSize(width, height int) error {
	if width <= 0 || height <= 0 {
		return fmt.Errorf("%w: image is empty (%dx%d)", ErrInvalid, width, height)
	}
	if width > MaxDimension || height > MaxDimension {
		return fmt.Errorf("%w: image is %dx%d; each side must be at most %d", ErrInvalid, width, height, MaxDimension)
	}
	return nil
}

// PixelShape is a pixel buffer's shape resolved to height, width and
// channels.
type PixelShape struct {
	H, W, C int
	// CHW says the channel dimension comes first.
	CHW bool
}

// ParseShape checks a pixel buffer's shape: [H W], [H W C] with C = 1, 3
// or 4, or with chw [C H W]. n is the buffer length.
func ParseShape(shape []int, n int, chw bool) (PixelShape, error) {
	var s PixelShape
	switch {
	case len(shape) == 2:
		s = PixelShape{H: shape[0], W: shape[1], C: 1}
	case len(shape) == 3 && chw:
		s = PixelShape{C: shape[0], H: shape[1], W: shape[2], CHW: true}
	case len(shape) == 3:
		s = PixelShape{H: shape[0], W: shape[1], C: shape[2]}
	default:
		layout := "HW or HWC"
		if chw {
			layout = "CHW"
		}
		return s, fmt.Errorf("%w: shape %v: want %s", ErrInvalid, shape, layout)
	}
	if err := CheckSize(s.W, s.H); err != nil {
		return s, fmt.Errorf("shape %v: %w", shape, err)
	}
	switch s.C {
	case 1, 3, 4:
	default:
		return s, fmt.Errorf("%w: shape %v has %d channels; want 1 (grey), 3 (RGB) or 4 (RGBA)", ErrInvalid, shape, s.C)
	}
	if want := s.H * s.W * s.C; want != n {
		return s, fmt.Errorf("%w: shape %v needs %d values but the buffer holds %d", ErrInvalid, shape, want, n)
	}
	return s, nil
}

// PixelsToImage converts a pixel buffer into an image: *image.Gray for one
// channel, *image.NRGBA (opaque for RGB) otherwise. pix is []uint8 (used
// as is) or []float32/[]float64, which are scaled like W&B's Image: values
// in [0, 1] are multiplied by 255, values in [-1, 1] are mapped from -1..1
// to 0..255, anything else is clipped to [0, 255]; the result is truncated
// to an integer as numpy's astype(uint8) does. NaN and ±Inf are refused.
func PixelsToImage(pix any, shape []int, chw bool) (image.Image, error) {
	switch p := pix.(type) {
	case []uint8:
		s, err := ParseShape(shape, len(p), chw)
		if err != nil {
			return nil, err
		}
		return bytesToImage(p, s), nil
	case []float32:
		return floatsToImage(p, shape, chw)
	case []float64:
		return floatsToImage(p, shape, chw)
	case nil:
		return nil, fmt.Errorf("%w: no pixels", ErrInvalid)
	}
	return nil, fmt.Errorf("%w: pixels of type %T: want []uint8, []float32 or []float64", ErrInvalid, pix)
}

// bytesToImage lays pixel bytes out as an image.
func bytesToImage(p []uint8, s PixelShape) image.Image {
	r := image.Rect(0, 0, s.W, s.H)
	if s.C == 1 {
		g := image.NewGray(r)
		copy(g.Pix, p)
		return g
	}
	m := image.NewNRGBA(r)
	plane := s.H * s.W
	for y := 0; y < s.H; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*s.W]
		for x := 0; x < s.W; x++ {
			o := row[4*x : 4*x+4 : 4*x+4]
			if s.CHW {
				i := y*s.W + x
				o[0], o[1], o[2] = p[i], p[plane+i], p[2*plane+i]
				if s.C == 4 {
					o[3] = p[3*plane+i]
				} else {
					o[3] = 0xff
				}
				continue
			}
			i := (y*s.W + x) * s.C
			o[0], o[1], o[2] = p[i], p[i+1], p[i+2]
			if s.C == 4 {
				o[3] = p[i+3]
			} else {
				o[3] = 0xff
			}
		}
	}
	return m
}

// scaleByte is one pixel of floatsToImage.
func scaleByte(x, offset, scale float64, clip bool) uint8 {
	v := (x + offset) * scale
	if clip {
		v = max(0, min(255, v))
	}
	return uint8(v)
}

type float interface{ ~float32 | ~float64 }

func floatsToImage[F float](p []F, shape []int, chw bool) (image.Image, error) {
	s, err := ParseShape(shape, len(p), chw)
	if err != nil {
		return nil, err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	nan := false
	for _, x := range p {
		v := float64(x)
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
		nan = nan || v != v
	}
	if nan || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		for i, x := range p {
			if v := float64(x); v-v != 0 {
				return nil, fmt.Errorf("%w: pixel value %v at index %d", ErrInvalid, v, i)
			}
		}
	}
	// W&B's _guess_and_rescale_to_0_255.
	scale, offset, clip := 255.0, 0.0, false
	switch {
	case lo >= 0 && hi <= 1:
	case lo >= -1 && hi <= 1:
		scale, offset = 127.5, 1
	default:
		scale, clip = 1, true
	}
	r := image.Rect(0, 0, s.W, s.H)
	if s.C == 1 {
		g := image.NewGray(r)
		for i, x := range p {
			g.Pix[i] = scaleByte(float64(x), offset, scale, clip)
		}
		return g, nil
	}
	m := image.NewNRGBA(r)
	plane := s.H * s.W
	for y := 0; y < s.H; y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*s.W]
		for x := 0; x < s.W; x++ {
			o := row[4*x : 4*x+4 : 4*x+4]
			if s.CHW {
				i := y*s.W + x
				o[0], o[1], o[2] = scaleByte(float64(p[i]), offset, scale, clip), scaleByte(float64(p[plane+i]), offset, scale, clip), scaleByte(float64(p[2*plane+i]), offset, scale, clip)
				if s.C == 4 {
					o[3] = scaleByte(float64(p[3*plane+i]), offset, scale, clip)
				} else {
					o[3] = 0xff
				}
				continue
			}
			i := (y*s.W + x) * s.C
			o[0], o[1], o[2] = scaleByte(float64(p[i]), offset, scale, clip), scaleByte(float64(p[i+1]), offset, scale, clip), scaleByte(float64(p[i+2]), offset, scale, clip)
			if s.C == 4 {
				o[3] = scaleByte(float64(p[i+3]), offset, scale, clip)
			} else {
				o[3] = 0xff
			}
		}
	}
	return m, nil
}
