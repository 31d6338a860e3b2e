package store

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// DefaultChunkSize is the number of points per key chunk.
const DefaultChunkSize = 1024

// MaxBuckets bounds SampledHistory's bucket count.
const MaxBuckets = 100_000

// Point is one numeric value of a history line.
type Point struct {
	Key   string
	Value float64
}

// Chunk is a run of up to ChunkSize points of one key, in step order, with
// its summary. Steps are stored as zigzag varint deltas, values as
// little-endian float64. Steps are assumed non-decreasing within a key
// (W&B's _step is monotonic); FirstStep and LastStep are the steps of the
// first and last points.
type Chunk struct {
	Seq                 int
	FirstStep, LastStep int64
	Count               int
	Min, Max, Last      float64
	Steps, Values       []byte
}

// Add appends a point and updates the summary.
func (c *Chunk) Add(step int64, v float64) {
	prev := int64(0)
	if c.Count == 0 {
		c.FirstStep, c.Min, c.Max = step, v, v
	} else {
		prev = c.LastStep
		c.Min, c.Max = math.Min(c.Min, v), math.Max(c.Max, v)
	}
	c.Steps = binary.AppendVarint(c.Steps, step-prev)
	c.Values = binary.LittleEndian.AppendUint64(c.Values, math.Float64bits(v))
	c.LastStep, c.Last = step, v
	c.Count++
}

// Points calls fn for each point in order. It fails on a corrupt encoding.
func (c *Chunk) Points(fn func(step int64, v float64)) error {
	if len(c.Values) != 8*c.Count {
		return fmt.Errorf("store: corrupt chunk %d: %d value bytes for %d points", c.Seq, len(c.Values), c.Count)
	}
	b, step := c.Steps, int64(0)
	for i := 0; i < c.Count; i++ {
		d, n := binary.Varint(b)
		if n <= 0 {
			return fmt.Errorf("store: corrupt chunk %d: bad step at point %d", c.Seq, i)
		}
		b, step = b[n:], step+d
		fn(step, math.Float64frombits(binary.LittleEndian.Uint64(c.Values[8*i:])))
	}
	return nil
}

// Sampler computes SampledHistory buckets from chunk summaries and points.
// Feed it chunks in step order.
type Sampler struct {
	min, max, width int64
	buckets         []Bucket
}

// NewSampler validates the range and bucket count.
func NewSampler(minStep, maxStep int64, buckets int) (*Sampler, error) {
	if minStep < 0 || maxStep < minStep {
		return nil, fmt.Errorf("%w: step range [%d, %d]", ErrInvalid, minStep, maxStep)
	}
	if buckets < 1 || buckets > MaxBuckets {
		return nil, fmt.Errorf("%w: %d buckets (want 1..%d)", ErrInvalid, buckets, MaxBuckets)
	}
	span := maxStep - minStep + 1
	if span <= 0 { // overflow
		return nil, fmt.Errorf("%w: step range [%d, %d] too wide", ErrInvalid, minStep, maxStep)
	}
	w := span / int64(buckets)
	if span%int64(buckets) != 0 {
		w++
	}
	n := int((span + w - 1) / w)
	s := &Sampler{min: minStep, max: maxStep, width: w, buckets: make([]Bucket, n)}
	for i := range s.buckets {
		b := &s.buckets[i]
		b.Start = minStep + int64(i)*w
		b.End = min(b.Start+w-1, maxStep)
	}
	return s, nil
}

// Width is the number of steps per bucket.
func (s *Sampler) Width() int64 { return s.width }

// Whole reports whether the chunk lies inside one bucket, so that its
// summary answers for all its points.
func (s *Sampler) Whole(c *Chunk) bool {
	return c.FirstStep >= s.min && c.LastStep <= s.max &&
		(c.FirstStep-s.min)/s.width == (c.LastStep-s.min)/s.width
}

// AddChunk adds a chunk: from its summary when Whole, else point by point.
func (s *Sampler) AddChunk(c *Chunk) error {
	if c.Count == 0 {
		return nil
	}
	if s.Whole(c) {
		b := &s.buckets[(c.FirstStep-s.min)/s.width]
		if b.Count == 0 {
			b.FirstStep, b.Min, b.Max = c.FirstStep, c.Min, c.Max
		} else {
			b.Min, b.Max = math.Min(b.Min, c.Min), math.Max(b.Max, c.Max)
		}
		b.LastStep, b.Last, b.X = c.LastStep, c.Last, float64(c.LastStep)
		b.Count += c.Count
		return nil
	}
	return s.addPoints(c)
}

// addPoints is Points+AddPoint fused: the hot loop of a sampled query when
// buckets are narrower than chunks. Values are finite (ParseHistoryLine
// drops NaN and ±Inf), so plain comparisons replace math.Min/Max.
func (s *Sampler) addPoints(c *Chunk) error {
	if len(c.Values) != 8*c.Count {
		return fmt.Errorf("store: corrupt chunk %d: %d value bytes for %d points", c.Seq, len(c.Values), c.Count)
	}
	buf, step := c.Steps, int64(0)
	var b *Bucket
	var end int64 = math.MinInt64
	for i := 0; i < c.Count; i++ {
		d, n := binary.Varint(buf)
		if n <= 0 {
			return fmt.Errorf("store: corrupt chunk %d: bad step at point %d", c.Seq, i)
		}
		buf, step = buf[n:], step+d
		if step < s.min || step > s.max {
			continue
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(c.Values[8*i:]))
		if b == nil || step > end || step < b.Start {
			b = &s.buckets[(step-s.min)/s.width]
			end = b.End
		}
		if b.Count == 0 {
			b.FirstStep, b.Min, b.Max = step, v, v
		} else if v < b.Min {
			b.Min = v
		} else if v > b.Max {
			b.Max = v
		}
		b.LastStep, b.Last, b.X = step, v, float64(step)
		b.Count++
	}
	return nil
}

// AddPoint adds one point; points outside the range are ignored.
func (s *Sampler) AddPoint(step int64, v float64) {
	if step < s.min || step > s.max {
		return
	}
	b := &s.buckets[(step-s.min)/s.width]
	if b.Count == 0 {
		b.FirstStep, b.Min, b.Max = step, v, v
	} else {
		b.Min, b.Max = math.Min(b.Min, v), math.Max(b.Max, v)
	}
	b.LastStep, b.Last, b.X = step, v, float64(step)
	b.Count++
}

// Result returns the buckets that hold points.
func (s *Sampler) Result() []Bucket {
	out := make([]Bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		if b.Count > 0 {
			out = append(out, b)
		}
	}
	return out
}

// SetX replaces each bucket's X by the Last of the bucket with the same
// Start in xs (the same sampling run over the x key); buckets whose x key
// has no point there keep their step.
func SetX(bs, xs []Bucket) {
	j := 0
	for i := range bs {
		for j < len(xs) && xs[j].Start < bs[i].Start {
			j++
		}
		if j < len(xs) && xs[j].Start == bs[i].Start {
			bs[i].X = xs[j].Last
		}
	}
}

// ValidName checks an entity, project, run or user name: non-empty, at most
// 128 bytes, valid UTF-8 without "/", "\\", control characters, and not "."
// or "..".
func ValidName(kind, s string) error {
	if s == "" || len(s) > 128 || s == "." || s == ".." || strings.ContainsAny(s, "/\\") || !utf8Valid(s) {
		return invalidf("%s name %q", kind, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return invalidf("%s name %q", kind, s)
		}
	}
	return nil
}
