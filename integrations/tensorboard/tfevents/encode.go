package tfevents

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// EncodeEvent serialises ev as a tensorflow.Event. A value with a Tensor
// is written as that tensor. Otherwise a value with a Plugin is written TF2
// style, as the tensor of its plugin's layout (ScalarTensor,
// HistogramTensor, ImageTensor, TextTensor, PRCurveTensor), and one
// without TF1 style: simple_value, HistogramProto, one Summary.Image (text
// and PR curves have no TF1 form and are tensors either way). Plugin
// metadata is written when Plugin or PluginContent is set. Zero fields are
// left out, as proto3 does.
func EncodeEvent(ev Event) ([]byte, error) {
	return appendEvent(nil, ev)
}

func appendEvent(b []byte, ev Event) ([]byte, error) {
	if ev.WallTime != 0 {
		b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(ev.WallTime))
	}
	if ev.Step != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(ev.Step))
	}
	if ev.FileVersion != "" {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendString(b, ev.FileVersion)
	}
	if len(ev.Values) > 0 {
		var sum []byte
		for i, v := range ev.Values {
			val, err := appendValue(nil, v)
			if err != nil {
				return nil, fmt.Errorf("tfevents: value %d (%q): %w", i, v.Tag, err)
			}
			sum = protowire.AppendTag(sum, 1, protowire.BytesType)
			sum = protowire.AppendBytes(sum, val)
		}
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, sum)
	}
	return b, nil
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendValue(b []byte, v Value) ([]byte, error) {
	b = appendBytesField(b, 1, []byte(v.Tag))
	if v.Plugin != "" || len(v.PluginContent) > 0 || v.DisplayName != "" {
		var md []byte
		if v.Plugin != "" || len(v.PluginContent) > 0 {
			var pd []byte
			pd = appendBytesField(pd, 1, []byte(v.Plugin))
			if len(v.PluginContent) > 0 {
				pd = appendBytesField(pd, 2, v.PluginContent)
			}
			md = appendBytesField(md, 1, pd)
		}
		if v.DisplayName != "" {
			md = appendBytesField(md, 2, []byte(v.DisplayName))
		}
		b = appendBytesField(b, 9, md)
	}
	if v.Tensor != nil {
		return appendBytesField(b, 8, appendTensor(nil, v.Tensor)), nil
	}
	t, err := pluginTensor(v)
	if err != nil {
		return nil, err
	}
	if t != nil {
		return appendBytesField(b, 8, appendTensor(nil, t)), nil
	}
	// TF1: no plugin.
	switch v.Kind {
	case KindScalar:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		return protowire.AppendFixed32(b, math.Float32bits(float32(v.Scalar))), nil
	case KindHistogram:
		h, err := appendHistogramProto(nil, v.Histogram)
		if err != nil {
			return nil, err
		}
		return appendBytesField(b, 5, h), nil
	case KindImage:
		if len(v.Images) != 1 {
			return nil, fmt.Errorf("a Summary.Image holds one image, not %d (use the images plugin for several)", len(v.Images))
		}
		return appendBytesField(b, 4, appendImageProto(nil, v.Images[0])), nil
	}
	return nil, fmt.Errorf("cannot encode a %s value without a Tensor", v.Kind)
}

// pluginTensor is the tensor a value of a plugin kind is written as: its
// plugin's layout when Plugin is set (TF2), and always for text and PR
// curves, which have no TF1 form. nil means the TF1 form.
func pluginTensor(v Value) (*Tensor, error) {
	switch v.Kind {
	case KindScalar:
		if v.Plugin != "" {
			return ScalarTensor(v.Scalar), nil
		}
	case KindHistogram:
		if v.Histogram == nil {
			return nil, fmt.Errorf("histogram value without a Histogram")
		}
		if v.Plugin != "" {
			return HistogramTensor(*v.Histogram)
		}
	case KindImage:
		if v.Plugin != "" {
			return ImageTensor(v.Images...), nil
		}
	case KindText:
		return TextTensor(v.Text...), nil
	case KindPRCurve:
		if v.PRCurve == nil {
			return nil, fmt.Errorf("pr curve value without a PRCurve")
		}
		return PRCurveTensor(*v.PRCurve)
	}
	return nil, nil
}

// appendHistogramProto writes a HistogramProto. Edges[0] is not a bucket
// limit (TF1's first bucket is open on the left): a histogram whose
// Edges[0] is finite gets a first, empty bucket that ends at Edges[0].
func appendHistogramProto(b []byte, h *Histogram) ([]byte, error) {
	if len(h.Edges) != len(h.Counts)+1 {
		return nil, fmt.Errorf("histogram: %d edges for %d counts", len(h.Edges), len(h.Counts))
	}
	limits, counts := h.Edges[1:], h.Counts
	if !math.IsInf(h.Edges[0], -1) {
		limits = h.Edges
		counts = append([]float64{0}, h.Counts...)
	}
	for i, x := range []float64{h.Min, h.Max, h.Num, h.Sum, h.SumSquares} {
		if x != 0 {
			b = protowire.AppendTag(b, protowire.Number(i+1), protowire.Fixed64Type)
			b = protowire.AppendFixed64(b, math.Float64bits(x))
		}
	}
	b = appendPackedDoubles(b, 6, limits)
	b = appendPackedDoubles(b, 7, counts)
	return b, nil
}

func appendPackedDoubles(b []byte, num protowire.Number, x []float64) []byte {
	if len(x) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(8*len(x)))
	for _, v := range x {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func appendImageProto(b []byte, im Image) []byte {
	for i, x := range []int{im.Height, im.Width, im.Colorspace} {
		if x != 0 {
			b = protowire.AppendTag(b, protowire.Number(i+1), protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(int64(int32(x))))
		}
	}
	if len(im.Encoded) > 0 {
		b = appendBytesField(b, 4, im.Encoded)
	}
	return b
}

func appendTensor(b []byte, t *Tensor) []byte {
	if t.DType != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(t.DType)))
	}
	if t.Shape != nil {
		var shape []byte
		for _, d := range t.Shape {
			var dim []byte
			if d != 0 {
				dim = protowire.AppendTag(dim, 1, protowire.VarintType)
				dim = protowire.AppendVarint(dim, uint64(d))
			}
			shape = appendBytesField(shape, 2, dim)
		}
		b = appendBytesField(b, 2, shape)
	}
	if len(t.Content) > 0 {
		b = appendBytesField(b, 4, t.Content)
	}
	if len(t.FloatVal) > 0 {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(4*len(t.FloatVal)))
		for _, v := range t.FloatVal {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	b = appendPackedDoubles(b, 6, t.DoubleVal)
	b = appendPackedVarints(b, 7, t.IntVal, func(v int32) uint64 { return uint64(int64(v)) })
	for _, s := range t.StringVal {
		b = appendBytesField(b, 8, s)
	}
	b = appendPackedVarints(b, 10, t.Int64Val, func(v int64) uint64 { return uint64(v) })
	b = appendPackedVarints(b, 11, t.BoolVal, protowire.EncodeBool)
	b = appendPackedVarints(b, 13, t.HalfVal, func(v int32) uint64 { return uint64(int64(v)) })
	b = appendPackedVarints(b, 16, t.Uint32Val, func(v uint32) uint64 { return uint64(v) })
	b = appendPackedVarints(b, 17, t.Uint64Val, func(v uint64) uint64 { return v })
	return b
}

func appendPackedVarints[T any](b []byte, num protowire.Number, x []T, conv func(T) uint64) []byte {
	if len(x) == 0 {
		return b
	}
	var body []byte
	for _, v := range x {
		body = protowire.AppendVarint(body, conv(v))
	}
	return appendBytesField(b, num, body)
}

// ScalarTensor is the rank-0 float tensor that tf.summary.scalar writes.
func ScalarTensor(v float64) *Tensor {
	return &Tensor{DType: DTFloat, Shape: []int64{}, FloatVal: []float32{float32(v)}}
}

// HistogramTensor is the [k,3] float64 tensor of (left, right, count) rows
// that tf.summary.histogram writes. Edges[0] = -Inf (a TF1 histogram) is
// replaced by h.Min, or dropped with its bucket when that is empty.
func HistogramTensor(h Histogram) (*Tensor, error) {
	if len(h.Edges) != len(h.Counts)+1 {
		return nil, fmt.Errorf("tfevents: histogram: %d edges for %d counts", len(h.Edges), len(h.Counts))
	}
	edges, counts := h.Edges, h.Counts
	if len(counts) > 0 && math.IsInf(edges[0], -1) {
		if counts[0] == 0 {
			edges, counts = edges[1:], counts[1:]
		} else {
			edges = append([]float64{h.Min}, edges[1:]...)
		}
	}
	k := len(counts)
	content := make([]byte, 0, 24*k)
	for i := range k {
		for _, x := range []float64{edges[i], edges[i+1], counts[i]} {
			content = binary.LittleEndian.AppendUint64(content, math.Float64bits(x))
		}
	}
	return &Tensor{DType: DTDouble, Shape: []int64{int64(k), 3}, Content: content}, nil
}

// ImageTensor is the string tensor [width, height, image…] that
// tf.summary.image writes; the images share the first one's size.
func ImageTensor(ims ...Image) *Tensor {
	t := &Tensor{DType: DTString, Shape: []int64{int64(2 + len(ims))}}
	w, h := 0, 0
	if len(ims) > 0 {
		w, h = ims[0].Width, ims[0].Height
	}
	t.StringVal = append(t.StringVal, []byte(strconv.Itoa(w)), []byte(strconv.Itoa(h)))
	for _, im := range ims {
		t.StringVal = append(t.StringVal, im.Encoded)
	}
	return t
}

// TextTensor is a string tensor: rank 0 for one string, else a vector.
func TextTensor(text ...string) *Tensor {
	t := &Tensor{DType: DTString, Shape: []int64{}}
	if len(text) != 1 {
		t.Shape = []int64{int64(len(text))}
	}
	for _, s := range text {
		t.StringVal = append(t.StringVal, []byte(s))
	}
	return t
}

// PRCurveTensor is the [6,n] float tensor of the pr_curves plugin. Missing
// count rows are written as zeros.
func PRCurveTensor(c PRCurve) (*Tensor, error) {
	n := len(c.Precision)
	if len(c.Recall) != n {
		return nil, fmt.Errorf("tfevents: pr curve: %d precisions for %d recalls", n, len(c.Recall))
	}
	rows := [][]float64{c.TruePositives, c.FalsePositives, c.TrueNegatives, c.FalseNegatives, c.Precision, c.Recall}
	t := &Tensor{DType: DTFloat, Shape: []int64{6, int64(n)}, Content: make([]byte, 0, 24*n)}
	for i, row := range rows {
		if row != nil && len(row) != n {
			return nil, fmt.Errorf("tfevents: pr curve: row %d has %d values, want %d", i, len(row), n)
		}
		for j := range n {
			x := 0.0
			if row != nil {
				x = row[j]
			}
			t.Content = binary.LittleEndian.AppendUint32(t.Content, math.Float32bits(float32(x)))
		}
	}
	return t, nil
}

// prCurveContent is PrCurvePluginData{version: 0, num_thresholds: n}.
func prCurveContent(n int) []byte {
	b := protowire.AppendTag(nil, 2, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(uint32(n)))
}

// appendRecord frames data as a TFRecord.
func appendRecord(b, data []byte) []byte {
	var h [headerSize]byte
	binary.LittleEndian.PutUint64(h[0:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(h[8:12], MaskedCRC(h[0:8]))
	b = append(b, h[:]...)
	b = append(b, data...)
	return binary.LittleEndian.AppendUint32(b, MaskedCRC(data))
}
