package gorgonia

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gowandb/wandb"
)

// data is a value's elements: one of f32 and f64 is set.
type data struct {
	f32 []float32
	f64 []float64
}

// floats returns v's elements without copying them, for float32 and
// float64 values (tensors and scalars).
func floats(v G.Value) (data, bool) {
	if v == nil {
		return data{}, false
	}
	n := v.Size()
	if t, ok := v.(*tensor.Dense); ok && !t.IsScalar() {
		// Data builds its slice through reflect; the typed views do not.
		switch t.Dtype() {
		case tensor.Float64:
			d := t.Float64s()
			return data{f64: d[:min(n, len(d))]}, true
		case tensor.Float32:
			d := t.Float32s()
			return data{f32: d[:min(n, len(d))]}, true
		}
	}
	switch d := v.Data().(type) {
	case []float64:
		return data{f64: d[:min(n, len(d))]}, true
	case []float32:
		return data{f32: d[:min(n, len(d))]}, true
	case float64:
		return data{f64: []float64{d}}, true
	case float32:
		return data{f32: []float32{d}}, true
	}
	return data{}, false
}

// scalarOf reads a one-element float value.
func scalarOf(v G.Value) (float64, bool) {
	d, ok := floats(v)
	switch {
	case !ok:
		return 0, false
	case len(d.f64) == 1:
		return d.f64[0], true
	case len(d.f32) == 1:
		return float64(d.f32[0]), true
	}
	return 0, false
}

func (d data) sumSquares() float64 {
	var s float64
	for _, x := range d.f64 {
		s += x * x
	}
	for _, x := range d.f32 {
		s += float64(x) * float64(x)
	}
	return s
}

// histogram bins the elements.
func (d data) histogram(bins int) (*wandb.Histogram, error) {
	xs := d.f64
	if d.f32 != nil {
		xs = make([]float64, len(d.f32))
		for i, x := range d.f32 {
			xs[i] = float64(x)
		}
	}
	return wandb.NewHistogram(xs, bins)
}
