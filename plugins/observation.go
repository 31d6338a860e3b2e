package plugins

import (
	"fmt"
	"unicode/utf8"
)

// Kind is what an Observation holds.
type Kind uint8

// Observation kinds.
const (
	KindScalar Kind = iota + 1
	KindTensor
	KindFrame
)

func (k Kind) String() string {
	switch k {
	case KindScalar:
		return "scalar"
	case KindTensor:
		return "tensor"
	case KindFrame:
		return "frame"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Observation is one value an in-process hook saw at a step: a scalar (a
// loss), a tensor (weights, gradients) or an image frame (a rendered
// environment). Exactly the field Kind names is set.
type Observation struct {
	Kind   Kind
	Key    string
	Step   int64
	Scalar float64
	Tensor *Tensor
	Frame  *Frame
}

// DType is a tensor's element type.
type DType string

// Element types.
const (
	Float32 DType = "float32"
	Float64 DType = "float64"
)

// Tensor is a dense row-major tensor. DType says which of Float32 and
// Float64 holds the data.
type Tensor struct {
	Shape   []int
	DType   DType
	Float32 []float32
	Float64 []float64
}

// Len is the number of elements the data holds.
func (t *Tensor) Len() int {
	if t.DType == Float32 {
		return len(t.Float32)
	}
	return len(t.Float64)
}

// Frame is an RGBA image, 4 bytes per pixel, rows top to bottom.
type Frame struct {
	Width, Height int
	RGBA          []byte
}

// Scalar returns a scalar observation.
func Scalar(key string, step int64, v float64) Observation {
	return Observation{Kind: KindScalar, Key: key, Step: step, Scalar: v}
}

// TensorObservation returns a tensor observation.
func TensorObservation(key string, step int64, t *Tensor) Observation {
	return Observation{Kind: KindTensor, Key: key, Step: step, Tensor: t}
}

// FrameObservation returns a frame observation.
func FrameObservation(key string, step int64, f *Frame) Observation {
	return Observation{Kind: KindFrame, Key: key, Step: step, Frame: f}
}

// maxFrameSide bounds a frame's width and height (and MaxDataSize its
// bytes).
const maxFrameSide = 1 << 14

// Validate checks the key, the step and that the data matches the kind:
// a tensor's data length is the product of its shape, a frame's is
// width×height×4; neither is over MaxDataSize bytes. Errors wrap
// ErrInvalidObservation.
func (o *Observation) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %q: %s", ErrInvalidObservation, o.Key, fmt.Sprintf(format, args...))
	}
	if o.Key == "" || !utf8.ValidString(o.Key) {
		return fmt.Errorf("%w: key %q must be non-empty UTF-8", ErrInvalidObservation, o.Key)
	}
	if o.Step < 0 {
		return bad("negative step %d", o.Step)
	}
	switch o.Kind {
	case KindScalar:
	case KindTensor:
		t := o.Tensor
		if t == nil {
			return bad("tensor observation without a tensor")
		}
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return bad("negative dimension in shape %v", t.Shape)
			}
			if d > 0 && n > MaxDataSize/4/d {
				return bad("shape %v holds more than %d bytes", t.Shape, MaxDataSize)
			}
			n *= d
		}
		switch t.DType {
		case Float32:
			if t.Float64 != nil {
				return bad("float32 tensor with float64 data")
			}
		case Float64:
			if t.Float32 != nil {
				return bad("float64 tensor with float32 data")
			}
		default:
			return bad("dtype %q: must be float32 or float64", t.DType)
		}
		if t.Len() != n {
			return bad("shape %v needs %d elements, the data has %d", t.Shape, n, t.Len())
		}
		if t.DType == Float64 && n*8 > MaxDataSize {
			return bad("%d float64 elements are more than %d bytes", n, MaxDataSize)
		}
	case KindFrame:
		f := o.Frame
		if f == nil {
			return bad("frame observation without a frame")
		}
		if f.Width <= 0 || f.Height <= 0 || f.Width > maxFrameSide || f.Height > maxFrameSide {
			return bad("frame size %dx%d: each side must be 1 to %d", f.Width, f.Height, maxFrameSide)
		}
		if f.Width*f.Height*4 > MaxDataSize {
			return bad("frame %dx%d is more than %d bytes", f.Width, f.Height, MaxDataSize)
		}
		if len(f.RGBA) != f.Width*f.Height*4 {
			return bad("frame %dx%d needs %d RGBA bytes, has %d", f.Width, f.Height, f.Width*f.Height*4, len(f.RGBA))
		}
	default:
		return bad("unknown kind %v", o.Kind)
	}
	return nil
}
