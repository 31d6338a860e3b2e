package tfevents

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestTensorFloat64s(t *testing.T) {
	le16 := func(v ...uint16) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint16(b, x)
		}
		return b
	}
	cases := []struct {
		name string
		t    Tensor
		want []float64
	}{
		{"float_val", Tensor{DType: DTFloat, Shape: []int64{2}, FloatVal: []float32{1.5, -2}}, []float64{1.5, -2}},
		{"repeated last", Tensor{DType: DTFloat, Shape: []int64{2, 2}, FloatVal: []float32{1, 7}}, []float64{1, 7, 7, 7}},
		{"none stored", Tensor{DType: DTInt32, Shape: []int64{3}}, []float64{0, 0, 0}},
		{"scalar", Tensor{DType: DTDouble, DoubleVal: []float64{math.Pi}}, []float64{math.Pi}},
		{"int_val", Tensor{DType: DTInt8, Shape: []int64{2}, IntVal: []int32{-3, 4}}, []float64{-3, 4}},
		{"int64_val", Tensor{DType: DTInt64, Shape: []int64{1}, Int64Val: []int64{1 << 40}}, []float64{1 << 40}},
		{"bool_val", Tensor{DType: DTBool, Shape: []int64{2}, BoolVal: []bool{true, false}}, []float64{1, 0}},
		{"uint", Tensor{DType: DTUint64, Shape: []int64{1}, Uint64Val: []uint64{9}}, []float64{9}},
		{"half_val", Tensor{DType: DTHalf, Shape: []int64{4}, HalfVal: []int32{0x3c00, 0xc000, 0x7c00, 0x0001}}, []float64{1, -2, math.Inf(1), math.Ldexp(1, -24)}},
		{"bfloat16_val", Tensor{DType: DTBFloat16, Shape: []int64{1}, HalfVal: []int32{0x3fc0}}, []float64{1.5}},
		{"content double", Tensor{DType: DTDouble, Shape: []int64{1}, Content: binary.LittleEndian.AppendUint64(nil, math.Float64bits(2.25))}, []float64{2.25}},
		{"content int16", Tensor{DType: DTInt16, Shape: []int64{2}, Content: le16(0xffff, 7)}, []float64{-1, 7}},
		{"content half", Tensor{DType: DTHalf, Shape: []int64{1}, Content: le16(0x3800)}, []float64{0.5}},
		{"content uint8", Tensor{DType: DTUint8, Shape: []int64{2}, Content: []byte{255, 1}}, []float64{255, 1}},
	}
	for _, c := range cases {
		got, err := c.t.Float64s()
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	bad := []Tensor{
		{DType: DTString, StringVal: [][]byte{[]byte("x")}},
		{DType: DTFloat, Shape: []int64{-1}},
		{DType: DTFloat, Shape: []int64{1}, FloatVal: []float32{1, 2}},
		{DType: DTFloat, Shape: []int64{3}, Content: []byte{1, 2, 3, 4}},
		{DType: DTFloat, Shape: []int64{1 << 40}, FloatVal: []float32{1}},
		{DType: 99, Shape: []int64{1}, Content: []byte{1}},
		{DType: DTFloat, Shape: []int64{math.MaxInt64, 4}},
	}
	for i, b := range bad {
		if _, err := b.Float64s(); !errors.Is(err, ErrTensor) {
			t.Errorf("bad %d: %v", i, err)
		}
	}
}

func TestTensorStrings(t *testing.T) {
	tt := Tensor{DType: DTString, Shape: []int64{3}, StringVal: [][]byte{[]byte("a"), []byte("b")}}
	s, err := tt.Strings()
	if err != nil || len(s) != 3 || string(s[2]) != "b" {
		t.Errorf("%q %v", s, err)
	}
	if _, err := (&Tensor{DType: DTFloat}).Strings(); !errors.Is(err, ErrTensor) {
		t.Errorf("numbers as strings: %v", err)
	}
}

// Tensors whose layout is not their plugin's stay KindTensor.
func TestPluginLayoutMismatch(t *testing.T) {
	cases := []struct {
		plugin string
		t      *Tensor
	}{
		{PluginScalars, &Tensor{DType: DTFloat, Shape: []int64{2}, FloatVal: []float32{1, 2}}},
		{PluginHistograms, &Tensor{DType: DTDouble, Shape: []int64{2, 2}, DoubleVal: []float64{1, 2, 3, 4}}},
		{PluginImages, &Tensor{DType: DTString, Shape: []int64{2}, StringVal: [][]byte{[]byte("w"), []byte("2")}}},
		{PluginText, &Tensor{DType: DTFloat, Shape: []int64{}, FloatVal: []float32{1}}},
		{PluginPRCurves, &Tensor{DType: DTFloat, Shape: []int64{1, 3}, FloatVal: []float32{1}}},
	}
	for _, c := range cases {
		data, err := EncodeEvent(Event{Step: 1, Values: []Value{{Tag: "x", Plugin: c.plugin, Tensor: c.t}}})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := DecodeEvent(data)
		if err != nil {
			t.Fatal(err)
		}
		if v := ev.Values[0]; v.Kind != KindTensor || v.Plugin != c.plugin {
			t.Errorf("%s: kind %s", c.plugin, v.Kind)
		}
	}
}

// Repeated fields are read packed or not, as protobuf requires.
func TestUnpackedRepeatedFields(t *testing.T) {
	// TensorProto{dtype: DT_FLOAT, float_val: 1.0, float_val: 2.0} unpacked.
	tensor := []byte{0x08, 0x01, 0x2d, 0, 0, 0x80, 0x3f, 0x2d, 0, 0, 0, 0x40}
	tt := &Tensor{}
	err := tensorProto(tensor, tt)
	if err != nil || !slices.Equal(tt.FloatVal, []float32{1, 2}) {
		t.Fatalf("%+v %v", tt, err)
	}
	// HistogramProto with unpacked bucket_limit and bucket.
	h := []byte{0x31, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x39, 0, 0, 0, 0, 0, 0, 0x00, 0x40}
	hp, err := histogramProto(h)
	if err != nil || !slices.Equal(hp.Counts, []float64{2}) || hp.Edges[1] != 1 {
		t.Fatalf("%+v %v", hp, err)
	}
}

func TestKindString(t *testing.T) {
	if KindPRCurve.String() != "prcurve" || Kind(42).String() != "Kind(42)" {
		t.Error(KindPRCurve.String(), Kind(42).String())
	}
}
