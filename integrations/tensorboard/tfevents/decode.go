package tfevents

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrBadEvent is wrapped by the errors of events whose protobuf cannot be
// decoded.
var ErrBadEvent = errors.New("tfevents: bad event")

// errTruncated is a field that runs past the end of its message.
var errTruncated = errors.New("field runs past the end of the message")

// fields walks the fields of a message: after next returns true, num,
// typ and u (varint and fixed values) or b (the payload of a
// length-delimited field) describe the current field. The one-byte tags,
// varints and lengths that make up most of an event take a fast path.
type fields struct {
	rest []byte
	num  protowire.Number
	typ  protowire.Type
	u    uint64
	b    []byte
	err  error
}

func (it *fields) next() bool {
	r := it.rest
	if len(r) == 0 {
		return false
	}
	var tag uint64
	if r[0] < 0x80 {
		tag, r = uint64(r[0]), r[1:]
	} else {
		v, n := protowire.ConsumeVarint(r)
		if n < 0 {
			return it.fail(protowire.ParseError(n))
		}
		tag, r = v, r[n:]
	}
	it.num, it.typ, it.b = protowire.Number(tag>>3), protowire.Type(tag&7), nil
	if tag>>3 < uint64(protowire.MinValidNumber) || tag>>3 > uint64(protowire.MaxValidNumber) {
		return it.fail(fmt.Errorf("invalid field number %d", tag>>3))
	}
	switch it.typ {
	case protowire.VarintType:
		if len(r) > 0 && r[0] < 0x80 {
			it.u, it.rest = uint64(r[0]), r[1:]
			return true
		}
		v, n := protowire.ConsumeVarint(r)
		if n < 0 {
			return it.fail(protowire.ParseError(n))
		}
		it.u, r = v, r[n:]
	case protowire.Fixed64Type:
		if len(r) < 8 {
			return it.fail(errTruncated)
		}
		it.u, r = binary.LittleEndian.Uint64(r), r[8:]
	case protowire.Fixed32Type:
		if len(r) < 4 {
			return it.fail(errTruncated)
		}
		it.u, r = uint64(binary.LittleEndian.Uint32(r)), r[4:]
	case protowire.BytesType:
		var l uint64
		if len(r) > 0 && r[0] < 0x80 {
			l, r = uint64(r[0]), r[1:]
		} else {
			v, n := protowire.ConsumeVarint(r)
			if n < 0 {
				return it.fail(protowire.ParseError(n))
			}
			l, r = v, r[n:]
		}
		if l > uint64(len(r)) {
			return it.fail(errTruncated)
		}
		it.b, r = r[:l:l], r[l:]
	default:
		n := protowire.ConsumeFieldValue(it.num, it.typ, r)
		if n < 0 {
			return it.fail(protowire.ParseError(n))
		}
		r = r[n:]
	}
	it.rest = r
	return true
}

// fail records err (naming the field) and ends the walk.
func (it *fields) fail(err error) bool {
	it.err = fmt.Errorf("field %d: %w", it.num, err)
	it.rest = nil
	return false
}

// decoder decodes events; it remembers each tag's plugin name, which
// TensorFlow writes only with a tag's first value in a file, and interns
// tags.
type decoder struct {
	tags    map[string]*tagInfo // by tag
	names   map[string]string   // interned plugin names
	scratch Tensor              // tensors are decoded here and copied only if kept
	slab    []Value             // Values are carved from here, valueSlab at a time
	vals    []Value             // the values of the event being decoded
}

// valueSlab is how many Values one allocation holds. Events take capped
// subslices, so appending to one never touches another's.
const valueSlab = 64

// tagInfo is what a decoder knows of a tag: its interned name and the
// plugin it was last given.
type tagInfo struct {
	tag, plugin string
}

func newDecoder() *decoder {
	return &decoder{tags: map[string]*tagInfo{}, names: map[string]string{}}
}

// tag returns the tag's info, made on first sight.
func (d *decoder) tag(b []byte) *tagInfo {
	if t, ok := d.tags[string(b)]; ok {
		return t
	}
	t := &tagInfo{tag: string(b)}
	d.tags[t.tag] = t
	return t
}

// intern returns b as a string, shared with earlier equal ones (of a
// bounded set).
func (d *decoder) intern(b []byte) string {
	if s, ok := d.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.names) < 1<<10 {
		d.names[s] = s
	}
	return s
}

// DecodeEvent decodes one serialised tensorflow.Event. Plugin names are
// not remembered across calls; use a Reader for whole files.
func DecodeEvent(data []byte) (Event, error) {
	var ev Event
	err := newDecoder().event(data, &ev, false)
	return ev, err
}

// event decodes b into ev. With reuse, ev's slices are reused; without,
// ev's Values come from the decoder's slab.
func (d *decoder) event(b []byte, ev *Event, reuse bool) error {
	*ev = Event{Values: ev.Values[:0], Other: ev.Other[:0]}
	if !reuse {
		ev.Values, ev.Other = nil, nil
	}
	it := fields{rest: b}
	for it.next() {
		f := &it
		switch {
		case f.num == 1 && f.typ == protowire.Fixed64Type:
			ev.WallTime = math.Float64frombits(f.u)
		case f.num == 2 && f.typ == protowire.VarintType:
			ev.Step = int64(f.u)
		case f.num == 3 && f.typ == protowire.BytesType:
			ev.FileVersion = string(f.b)
		case f.num == 5 && f.typ == protowire.BytesType:
			if err := d.summary(ev, f.b, reuse); err != nil {
				return fmt.Errorf("%w: summary: %w", ErrBadEvent, err)
			}
		default:
			if !slices.Contains(ev.Other, int(f.num)) {
				ev.Other = append(ev.Other, int(f.num))
			}
		}
	}
	if it.err != nil {
		return fmt.Errorf("%w: %w", ErrBadEvent, it.err)
	}
	return nil
}

func (d *decoder) summary(ev *Event, b []byte, reuse bool) error {
	d.vals = d.vals[:0]
	it := fields{rest: b}
	for it.next() {
		f := &it
		if f.num == 1 && f.typ == protowire.BytesType {
			v, err := d.value(f.b)
			if err != nil {
				return fmt.Errorf("value %d: %w", len(d.vals), err)
			}
			d.vals = append(d.vals, v)
		}
	}
	if it.err != nil {
		return it.err
	}
	n := len(d.vals)
	switch {
	case n == 0:
	case reuse || ev.Values != nil || n > valueSlab/4: // reuse, a second summary, or many values
		ev.Values = append(ev.Values, d.vals...)
	default:
		if len(d.slab) < n {
			d.slab = make([]Value, valueSlab)
		}
		ev.Values = d.slab[:n:n]
		d.slab = d.slab[n:]
		copy(ev.Values, d.vals)
	}
	return nil
}

// which field of Summary.Value's oneof was set.
const (
	oneofNone = iota
	oneofSimple
	oneofHisto
	oneofImage
	oneofTensor
	oneofOther
)

func (d *decoder) value(b []byte) (Value, error) {
	var (
		v                 Value
		nodeName, tag     []byte
		set               = oneofNone
		simple            float32
		histo, img, tens  []byte
		pluginSeen        bool
		pluginName        string
		pluginContent     []byte
		displayName       string
		hasTag, hasNodeNm bool
	)
	it := fields{rest: b}
	for it.next() {
		f := &it
		if f.typ == protowire.BytesType {
			switch f.num {
			case 1:
				tag, hasTag = f.b, true
			case 7:
				nodeName, hasNodeNm = f.b, true
			case 9:
				var err error
				pluginName, pluginContent, displayName, pluginSeen, err = d.metadata(f.b)
				if err != nil {
					return Value{}, fmt.Errorf("metadata: %w", err)
				}
			case 3, 6:
				set = oneofOther
			case 4:
				set, img = oneofImage, f.b
			case 5:
				set, histo = oneofHisto, f.b
			case 8:
				set, tens = oneofTensor, f.b
			}
			continue
		}
		if f.num == 2 && f.typ == protowire.Fixed32Type {
			set, simple = oneofSimple, math.Float32frombits(uint32(f.u))
		}
	}
	if it.err != nil {
		return Value{}, it.err
	}
	if !hasTag || len(tag) == 0 && hasNodeNm {
		tag = nodeName
	}
	ti := d.tag(tag)
	if pluginSeen && pluginName != "" {
		ti.plugin = pluginName
	}
	v.Tag, v.Plugin = ti.tag, ti.plugin
	if len(pluginContent) > 0 {
		v.PluginContent = bytes.Clone(pluginContent)
	}
	v.DisplayName = displayName

	switch set {
	case oneofSimple:
		v.Kind, v.Scalar = KindScalar, float64(simple)
	case oneofHisto:
		h, err := histogramProto(histo)
		if err != nil {
			return Value{}, fmt.Errorf("histo: %w", err)
		}
		v.Kind, v.Histogram = KindHistogram, h
	case oneofImage:
		im, err := imageProto(img)
		if err != nil {
			return Value{}, fmt.Errorf("image: %w", err)
		}
		v.Kind, v.Images = KindImage, []Image{im}
	case oneofTensor:
		t := &d.scratch
		if err := tensorProto(tens, t); err != nil {
			return Value{}, fmt.Errorf("tensor: %w", err)
		}
		classify(&v, t)
	default:
		v.Kind = KindOther
	}
	return v, nil
}

// metadata decodes a SummaryMetadata.
func (d *decoder) metadata(b []byte) (plugin string, content []byte, display string, seen bool, err error) {
	it := fields{rest: b}
	for it.next() {
		f := &it
		if f.typ != protowire.BytesType {
			continue
		}
		switch f.num {
		case 1: // plugin_data
			seen = true
			pd := f.b
			jt := fields{rest: pd}
			for jt.next() {
				g := &jt
				if g.typ != protowire.BytesType {
					continue
				}
				switch g.num {
				case 1:
					plugin = d.intern(g.b)
				case 2:
					content = g.b
				}
			}
			if jt.err != nil {
				return "", nil, "", false, fmt.Errorf("plugin_data: %w", jt.err)
			}
		case 2:
			display = string(f.b)
		}
	}
	if it.err != nil {
		return "", nil, "", false, it.err
	}
	return plugin, content, display, seen, nil
}

func histogramProto(b []byte) (*Histogram, error) {
	h := &Histogram{}
	var limits, counts []float64
	it := fields{rest: b}
	for it.next() {
		f := &it
		var err error
		switch f.num {
		case 1, 2, 3, 4, 5:
			if f.typ != protowire.Fixed64Type {
				continue
			}
			x := math.Float64frombits(f.u)
			switch f.num {
			case 1:
				h.Min = x
			case 2:
				h.Max = x
			case 3:
				h.Num = x
			case 4:
				h.Sum = x
			case 5:
				h.SumSquares = x
			}
		case 6:
			if limits, err = appendDoubles(limits, f); err != nil {
				return nil, fmt.Errorf("bucket_limit: %w", err)
			}
		case 7:
			if counts, err = appendDoubles(counts, f); err != nil {
				return nil, fmt.Errorf("bucket: %w", err)
			}
		}
	}
	if it.err != nil {
		return nil, it.err
	}
	if len(limits) != len(counts) {
		return nil, fmt.Errorf("%d bucket limits for %d buckets", len(limits), len(counts))
	}
	// The first bucket runs from -∞ to the first limit.
	h.Edges = make([]float64, 0, len(limits)+1)
	h.Edges = append(h.Edges, math.Inf(-1))
	h.Edges = append(h.Edges, limits...)
	h.Counts = counts
	if h.Counts == nil {
		h.Counts = []float64{}
	}
	return h, nil
}

func imageProto(b []byte) (Image, error) {
	var im Image
	it := fields{rest: b}
	for it.next() {
		f := &it
		switch {
		case f.num == 1 && f.typ == protowire.VarintType:
			im.Height = int(int32(f.u))
		case f.num == 2 && f.typ == protowire.VarintType:
			im.Width = int(int32(f.u))
		case f.num == 3 && f.typ == protowire.VarintType:
			im.Colorspace = int(int32(f.u))
		case f.num == 4 && f.typ == protowire.BytesType:
			im.Encoded = bytes.Clone(f.b)
		}
	}
	if it.err != nil {
		return Image{}, it.err
	}
	return im, nil
}

// tensorProto decodes a TensorProto into t, reusing t's storage. Content
// and the strings alias b.
func tensorProto(b []byte, t *Tensor) error {
	t.reset()
	hasShape := false
	it := fields{rest: b}
	for it.next() {
		f := &it
		var err error
		switch f.num {
		case 1:
			if f.typ == protowire.VarintType {
				t.DType = DType(int32(f.u))
			}
		case 2:
			if f.typ == protowire.BytesType {
				if t.Shape, err = tensorShape(t.Shape[:0], f.b); err != nil {
					return fmt.Errorf("tensor_shape: %w", err)
				}
				hasShape = true
			}
		case 4:
			if f.typ == protowire.BytesType {
				t.Content = f.b
			}
		case 5:
			err = appendPacked(&t.FloatVal, f, protowire.Fixed32Type, 4, func(u uint64) float32 { return math.Float32frombits(uint32(u)) })
		case 6:
			t.DoubleVal, err = appendDoubles(t.DoubleVal, f)
		case 7:
			err = appendPacked(&t.IntVal, f, protowire.VarintType, 0, func(u uint64) int32 { return int32(u) })
		case 8:
			if f.typ == protowire.BytesType {
				t.StringVal = append(t.StringVal, f.b)
			}
		case 10:
			err = appendPacked(&t.Int64Val, f, protowire.VarintType, 0, func(u uint64) int64 { return int64(u) })
		case 11:
			err = appendPacked(&t.BoolVal, f, protowire.VarintType, 0, func(u uint64) bool { return u != 0 })
		case 13:
			err = appendPacked(&t.HalfVal, f, protowire.VarintType, 0, func(u uint64) int32 { return int32(u) })
		case 16:
			err = appendPacked(&t.Uint32Val, f, protowire.VarintType, 0, func(u uint64) uint32 { return uint32(u) })
		case 17:
			err = appendPacked(&t.Uint64Val, f, protowire.VarintType, 0, func(u uint64) uint64 { return u })
		}
		if err != nil {
			return fmt.Errorf("field %d: %w", f.num, err)
		}
	}
	if it.err != nil {
		return it.err
	}
	if !hasShape {
		t.Shape = nil
	}
	return nil
}

func tensorShape(shape []int64, b []byte) ([]int64, error) {
	if shape == nil {
		shape = []int64{}
	}
	it := fields{rest: b}
	for it.next() {
		f := &it
		if f.num != 2 || f.typ != protowire.BytesType {
			continue
		}
		size := int64(0)
		dim := f.b
		jt := fields{rest: dim}
		for jt.next() {
			g := &jt
			if g.num == 1 && g.typ == protowire.VarintType {
				size = int64(g.u)
			}
		}
		if jt.err != nil {
			return nil, fmt.Errorf("dim: %w", jt.err)
		}
		shape = append(shape, size)
	}
	if it.err != nil {
		return nil, it.err
	}
	return shape, nil
}

func appendDoubles(dst []float64, f *fields) ([]float64, error) {
	err := appendPacked(&dst, f, protowire.Fixed64Type, 8, math.Float64frombits)
	return dst, err
}

// appendPacked appends a repeated scalar field, packed (one length-delimited
// field) or not (one field per element). size is the width of fixed-size
// elements, 0 for varints.
func appendPacked[T any](dst *[]T, f *fields, elem protowire.Type, size int, conv func(uint64) T) error {
	if f.typ == elem {
		*dst = append(*dst, conv(f.u))
		return nil
	}
	if f.typ != protowire.BytesType {
		return nil // wrong wire type: ignored, as unknown fields are
	}
	b := f.b
	if size > 0 {
		if len(b)%size != 0 {
			return fmt.Errorf("packed field of %d bytes is not a multiple of %d", len(b), size)
		}
		*dst = slices.Grow(*dst, len(b)/size)
	}
	for len(b) > 0 {
		var u uint64
		var n int
		switch elem {
		case protowire.Fixed64Type:
			u, n = protowire.ConsumeFixed64(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			u = uint64(v)
		default:
			u, n = protowire.ConsumeVarint(b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		*dst = append(*dst, conv(u))
		b = b[n:]
	}
	return nil
}

// classify sets the Kind of a tensor value from its plugin and copies the
// data out of t (the decoder's scratch tensor). A tensor of no plugin, or
// not in its plugin's layout, is kept whole as KindTensor.
func classify(v *Value, t *Tensor) {
	switch v.Plugin {
	case PluginScalars:
		if x, ok := t.scalar(); ok {
			v.Kind, v.Scalar = KindScalar, x
			return
		}
	case PluginHistograms:
		if h, ok := tensorHistogram(t); ok {
			v.Kind, v.Histogram = KindHistogram, h
			return
		}
	case PluginImages:
		if ims, ok := tensorImages(t); ok {
			v.Kind, v.Images = KindImage, ims
			return
		}
	case PluginText:
		if s, err := t.Strings(); err == nil {
			v.Text = make([]string, len(s))
			for i, x := range s {
				v.Text[i] = string(x)
			}
			v.Kind = KindText
			return
		}
	case PluginPRCurves:
		if c, ok := tensorPRCurve(t, v.PluginContent); ok {
			v.Kind, v.PRCurve = KindPRCurve, c
			return
		}
	}
	v.Kind, v.Tensor = KindTensor, t.clone()
}

// tensorHistogram reads a [k,3] tensor of (left, right, count) rows.
func tensorHistogram(t *Tensor) (*Histogram, bool) {
	if len(t.Shape) != 2 || t.Shape[1] != 3 {
		return nil, false
	}
	x, err := t.Float64s()
	if err != nil {
		return nil, false
	}
	k := len(x) / 3
	h := &Histogram{Edges: make([]float64, 0, k+1), Counts: make([]float64, k)}
	for i := range k {
		h.Edges = append(h.Edges, x[3*i])
		h.Counts[i] = x[3*i+2]
	}
	if k > 0 {
		h.Edges = append(h.Edges, x[3*k-2])
	}
	return h, true
}

// tensorImages reads a string tensor [width, height, image…].
func tensorImages(t *Tensor) ([]Image, bool) {
	s, err := t.Strings()
	if err != nil || len(s) < 2 {
		return nil, false
	}
	w, err1 := strconv.Atoi(string(s[0]))
	h, err2 := strconv.Atoi(string(s[1]))
	if err1 != nil || err2 != nil {
		return nil, false
	}
	ims := make([]Image, 0, len(s)-2)
	for _, enc := range s[2:] {
		ims = append(ims, Image{Width: w, Height: h, Encoded: bytes.Clone(enc)})
	}
	return ims, true
}

// tensorPRCurve reads a pr_curves tensor: [6,n], or at least two rows with
// precision and recall last.
func tensorPRCurve(t *Tensor, content []byte) (*PRCurve, bool) {
	if len(t.Shape) != 2 || t.Shape[0] < 2 {
		return nil, false
	}
	x, err := t.Float64s()
	if err != nil {
		return nil, false
	}
	rows, n := int(t.Shape[0]), int(t.Shape[1])
	row := func(i int) []float64 { return x[i*n : (i+1)*n : (i+1)*n] }
	c := &PRCurve{Precision: row(rows - 2), Recall: row(rows - 1), NumThresholds: n}
	if rows == 6 {
		c.TruePositives, c.FalsePositives, c.TrueNegatives, c.FalseNegatives = row(0), row(1), row(2), row(3)
	}
	// PrCurvePluginData{version = 1, num_thresholds = 2}.
	it := fields{rest: content}
	for it.next() {
		f := &it
		if f.num == 2 && f.typ == protowire.VarintType {
			c.NumThresholds = int(uint32(f.u))
		}
	}
	return c, true
}
