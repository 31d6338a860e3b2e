package tfevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// DType is a TensorFlow data type (tensorflow.DataType).
type DType int32

// The data types this package can read numbers or strings from.
const (
	DTInvalid  DType = 0
	DTFloat    DType = 1
	DTDouble   DType = 2
	DTInt32    DType = 3
	DTUint8    DType = 4
	DTInt16    DType = 5
	DTInt8     DType = 6
	DTString   DType = 7
	DTInt64    DType = 9
	DTBool     DType = 10
	DTBFloat16 DType = 14
	DTUint16   DType = 17
	DTHalf     DType = 19
	DTUint32   DType = 22
	DTUint64   DType = 23
)

// ErrTensor is wrapped by the errors of Tensor's accessors.
var ErrTensor = errors.New("tfevents: tensor")

// maxTensorFill bounds how many elements a tensor may expand to from fewer
// stored values (TensorFlow repeats the last one), so that a corrupt shape
// cannot make a reader allocate gigabytes.
const maxTensorFill = 1 << 24

// Tensor is a tensorflow.TensorProto. Its elements are in Content (packed
// little-endian, TensorFlow's tensor_content) or in the typed field that
// matches DType; TensorFlow allows fewer stored values than the shape has
// elements, the last one standing for the rest.
type Tensor struct {
	DType DType
	// Shape is the size of each dimension (-1 where unknown); empty for a
	// scalar.
	Shape []int64

	Content   []byte
	FloatVal  []float32
	DoubleVal []float64
	IntVal    []int32 // int32, int16, int8, uint8, uint16
	Int64Val  []int64
	BoolVal   []bool
	HalfVal   []int32 // the bits of half and bfloat16 values
	StringVal [][]byte
	Uint32Val []uint32
	Uint64Val []uint64
}

// NumElements is the product of the shape (1 for a scalar), or -1 when a
// dimension is unknown or the product overflows.
func (t *Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return -1
		}
		if d != 0 && n > math.MaxInt64/d {
			return -1
		}
		n *= d
	}
	return n
}

// elemSize is the width of one element of tensor_content.
func (d DType) elemSize() int {
	switch d {
	case DTDouble, DTInt64, DTUint64:
		return 8
	case DTFloat, DTInt32, DTUint32:
		return 4
	case DTInt16, DTUint16, DTHalf, DTBFloat16:
		return 2
	case DTInt8, DTUint8, DTBool:
		return 1
	}
	return 0
}

// Float64s returns the elements as float64s (numbers and bools; bools as
// 0 and 1), expanding stored values to the shape as TensorFlow does.
func (t *Tensor) Float64s() ([]float64, error) {
	if t.DType == DTString {
		return nil, fmt.Errorf("%w: a string tensor has no numbers", ErrTensor)
	}
	n := t.NumElements()
	if n < 0 {
		return nil, fmt.Errorf("%w: shape %v has no element count", ErrTensor, t.Shape)
	}
	if len(t.Content) > 0 {
		size := t.DType.elemSize()
		if size == 0 {
			return nil, fmt.Errorf("%w: dtype %d: not a number type", ErrTensor, t.DType)
		}
		if int64(len(t.Content)) != n*int64(size) {
			return nil, fmt.Errorf("%w: %d content bytes for shape %v of %d-byte elements", ErrTensor, len(t.Content), t.Shape, size)
		}
		out := make([]float64, n)
		b := t.Content
		for i := range out {
			out[i] = decodeElem(t.DType, b[i*size:])
		}
		return out, nil
	}
	var vals []float64
	switch t.DType {
	case DTFloat:
		vals = convert(t.FloatVal, func(v float32) float64 { return float64(v) })
	case DTDouble:
		vals = append([]float64(nil), t.DoubleVal...)
	case DTInt32, DTInt16, DTInt8, DTUint8, DTUint16:
		vals = convert(t.IntVal, func(v int32) float64 { return float64(v) })
	case DTInt64:
		vals = convert(t.Int64Val, func(v int64) float64 { return float64(v) })
	case DTUint32:
		vals = convert(t.Uint32Val, func(v uint32) float64 { return float64(v) })
	case DTUint64:
		vals = convert(t.Uint64Val, func(v uint64) float64 { return float64(v) })
	case DTBool:
		vals = convert(t.BoolVal, func(v bool) float64 {
			if v {
				return 1
			}
			return 0
		})
	case DTHalf:
		vals = convert(t.HalfVal, func(v int32) float64 { return halfToFloat(uint16(v)) })
	case DTBFloat16:
		vals = convert(t.HalfVal, func(v int32) float64 { return float64(math.Float32frombits(uint32(uint16(v)) << 16)) })
	default:
		return nil, fmt.Errorf("%w: dtype %d: not a number type", ErrTensor, t.DType)
	}
	return fill(vals, n, 0.0)
}

// scalar returns the only element of a one-element number tensor without
// allocating.
func (t *Tensor) scalar() (float64, bool) {
	if t.NumElements() != 1 || t.DType == DTString {
		return 0, false
	}
	if len(t.Content) > 0 {
		if size := t.DType.elemSize(); size == 0 || len(t.Content) != size {
			return 0, false
		}
		return decodeElem(t.DType, t.Content), true
	}
	switch t.DType {
	case DTFloat:
		return first(t.FloatVal, func(v float32) float64 { return float64(v) })
	case DTDouble:
		return first(t.DoubleVal, func(v float64) float64 { return v })
	case DTInt32, DTInt16, DTInt8, DTUint8, DTUint16:
		return first(t.IntVal, func(v int32) float64 { return float64(v) })
	case DTInt64:
		return first(t.Int64Val, func(v int64) float64 { return float64(v) })
	}
	x, err := t.Float64s()
	if err != nil {
		return 0, false
	}
	return x[0], true
}

func first[T any](vals []T, f func(T) float64) (float64, bool) {
	switch len(vals) {
	case 0:
		return 0, true
	case 1:
		return f(vals[0]), true
	}
	return 0, false
}

// clone returns a deep copy.
func (t *Tensor) clone() *Tensor {
	c := &Tensor{DType: t.DType}
	c.Shape = cloneSlice(t.Shape)
	c.Content = cloneSlice(t.Content)
	c.FloatVal = cloneSlice(t.FloatVal)
	c.DoubleVal = cloneSlice(t.DoubleVal)
	c.IntVal = cloneSlice(t.IntVal)
	c.Int64Val = cloneSlice(t.Int64Val)
	c.BoolVal = cloneSlice(t.BoolVal)
	c.HalfVal = cloneSlice(t.HalfVal)
	c.Uint32Val = cloneSlice(t.Uint32Val)
	c.Uint64Val = cloneSlice(t.Uint64Val)
	if t.StringVal != nil {
		c.StringVal = make([][]byte, len(t.StringVal))
		for i, s := range t.StringVal {
			c.StringVal[i] = append([]byte{}, s...)
		}
	}
	return c
}

// cloneSlice copies s, keeping nil nil and empty empty.
func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// reset empties t, keeping its slices' storage for reuse.
func (t *Tensor) reset() {
	*t = Tensor{
		Shape: t.Shape[:0], FloatVal: t.FloatVal[:0], DoubleVal: t.DoubleVal[:0], IntVal: t.IntVal[:0],
		Int64Val: t.Int64Val[:0], BoolVal: t.BoolVal[:0], HalfVal: t.HalfVal[:0], StringVal: t.StringVal[:0],
		Uint32Val: t.Uint32Val[:0], Uint64Val: t.Uint64Val[:0],
	}
}

// Strings returns the elements of a string tensor, expanded to the shape.
// The returned slices share the tensor's bytes.
func (t *Tensor) Strings() ([][]byte, error) {
	if t.DType != DTString {
		return nil, fmt.Errorf("%w: dtype %d is not a string", ErrTensor, t.DType)
	}
	n := t.NumElements()
	if n < 0 {
		return nil, fmt.Errorf("%w: shape %v has no element count", ErrTensor, t.Shape)
	}
	return fill(t.StringVal, n, nil)
}

// fill returns vals expanded to n elements: TensorFlow stores fewer when
// the rest repeat the last one (none stored means all zero).
func fill[T any](vals []T, n int64, zero T) ([]T, error) {
	switch {
	case int64(len(vals)) == n:
		return vals, nil
	case int64(len(vals)) > n:
		return nil, fmt.Errorf("%w: %d values for %d elements", ErrTensor, len(vals), n)
	case n > maxTensorFill:
		return nil, fmt.Errorf("%w: %d values cannot fill %d elements", ErrTensor, len(vals), n)
	}
	out := make([]T, n)
	copy(out, vals)
	last := zero
	if len(vals) > 0 {
		last = vals[len(vals)-1]
	}
	for i := len(vals); i < len(out); i++ {
		out[i] = last
	}
	return out, nil
}

func convert[T any](in []T, f func(T) float64) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func decodeElem(d DType, b []byte) float64 {
	switch d {
	case DTDouble:
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case DTFloat:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case DTInt64:
		return float64(int64(binary.LittleEndian.Uint64(b)))
	case DTUint64:
		return float64(binary.LittleEndian.Uint64(b))
	case DTInt32:
		return float64(int32(binary.LittleEndian.Uint32(b)))
	case DTUint32:
		return float64(binary.LittleEndian.Uint32(b))
	case DTInt16:
		return float64(int16(binary.LittleEndian.Uint16(b)))
	case DTUint16:
		return float64(binary.LittleEndian.Uint16(b))
	case DTHalf:
		return halfToFloat(binary.LittleEndian.Uint16(b))
	case DTBFloat16:
		return float64(math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16))
	case DTInt8:
		return float64(int8(b[0]))
	case DTUint8:
		return float64(b[0])
	case DTBool:
		if b[0] != 0 {
			return 1
		}
		return 0
	}
	return math.NaN()
}

// halfToFloat converts IEEE 754 binary16 bits.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}
