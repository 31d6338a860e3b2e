package tensorboard

import (
	"math"
	"slices"
	"testing"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

func scalarEvent(step int64, wall float64, tag string, v float64) tfevents.Event {
	return tfevents.Event{Step: step, WallTime: wall, Values: []tfevents.Value{{Tag: tag, Kind: tfevents.KindScalar, Scalar: v}}}
}

// Consecutive events of one step make one row; a step seen again later
// makes a new row; events without values change nothing.
func TestConverterMergesConsecutiveSteps(t *testing.T) {
	c := NewConverter("train", nil)
	var rows []Row
	add := func(ev tfevents.Event) {
		if r, ok := c.Add(ev); ok {
			rows = append(rows, r)
		}
	}
	add(tfevents.Event{FileVersion: tfevents.FileVersion, WallTime: 1})
	add(scalarEvent(0, 10, "loss", 1))
	add(scalarEvent(0, 11, "acc", 0.5))
	add(tfevents.Event{Step: 7, WallTime: 11.5, Other: []int{4}}) // a graph: no row
	add(scalarEvent(1, 12, "loss", 0.5))
	add(scalarEvent(0, 13, "loss", 0.9))
	if r, ok := c.Flush(); ok {
		rows = append(rows, r)
	}
	if _, ok := c.Flush(); ok {
		t.Error("second Flush returned a row")
	}
	want := []Row{
		{Step: 0, WallTime: 11, Values: map[string]Value{"train/loss": {Kind: Number, Number: 1}, "train/acc": {Kind: Number, Number: 0.5}}},
		{Step: 1, WallTime: 12, Values: map[string]Value{"train/loss": {Kind: Number, Number: 0.5}}},
		{Step: 0, WallTime: 13, Values: map[string]Value{"train/loss": {Kind: Number, Number: 0.9}}},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if rows[i].Step != want[i].Step || rows[i].WallTime != want[i].WallTime || len(rows[i].Values) != len(want[i].Values) {
			t.Fatalf("row %d: %+v, want %+v", i, rows[i], want[i])
		}
		for k, v := range want[i].Values {
			if got := rows[i].Values[k]; got.Kind != v.Kind || got.Number != v.Number {
				t.Errorf("row %d %s: %+v, want %+v", i, k, rows[i].Values[k], v)
			}
		}
	}
}

func TestConvertHistogram(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name         string
		in           tfevents.Histogram
		edges, count []float64
	}{
		{"tensor", tfevents.Histogram{Edges: []float64{0, 1, 2}, Counts: []float64{3, 4}}, []float64{0, 1, 2}, []float64{3, 4}},
		{"empty open first bucket dropped", tfevents.Histogram{Edges: []float64{-inf, 0, 1}, Counts: []float64{0, 5}}, []float64{0, 1}, []float64{5}},
		{"open first bucket closed at min", tfevents.Histogram{Edges: []float64{-inf, 0, 1}, Counts: []float64{2, 5}, Min: -3}, []float64{-3, 0, 1}, []float64{2, 5}},
		{"open last bucket closed at max", tfevents.Histogram{Edges: []float64{0, 1, inf}, Counts: []float64{5, 1}, Max: 9}, []float64{0, 1, 9}, []float64{5, 1}},
		{"empty open last bucket dropped", tfevents.Histogram{Edges: []float64{0, 1, inf}, Counts: []float64{5, 0}}, []float64{0, 1}, []float64{5}},
	}
	for _, c := range cases {
		h, err := convertHistogram(&c.in)
		if err != nil || !slices.Equal(h.Bins, c.edges) || !slices.Equal(h.Values, c.count) {
			t.Errorf("%s: %+v %v, want %v / %v", c.name, h, err, c.edges, c.count)
		}
	}
	if h, err := convertHistogram(&tfevents.Histogram{Edges: []float64{0}, Counts: []float64{}}); h != nil || err != nil {
		t.Errorf("no data: %v %v", h, err)
	}
	bad := []tfevents.Histogram{
		{Edges: []float64{-inf, 0}, Counts: []float64{2}, Min: 1},
		{Edges: []float64{0, 1}, Counts: []float64{1, 2}},
		{Edges: []float64{0, math.NaN()}, Counts: []float64{1}},
	}
	for i, b := range bad {
		if _, err := convertHistogram(&b); err == nil {
			t.Errorf("bad %d accepted", i)
		}
	}
}

// Histograms over 512 buckets are re-binned to 512, keeping the total and
// the range; TF1's buckets up to ±MaxFloat64 do not overflow.
func TestRebin(t *testing.T) {
	m := 1000
	edges := make([]float64, m+1)
	counts := make([]float64, m)
	total := 0.0
	for i := range edges {
		edges[i] = float64(i) / 10
	}
	for i := range counts {
		counts[i] = float64(i % 7)
		total += counts[i]
	}
	h, err := convertHistogram(&tfevents.Histogram{Edges: edges, Counts: counts})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Values) != 512 || h.Bins[0] != 0 || h.Bins[512] != 100 {
		t.Fatalf("%d bins over %v..%v", len(h.Values), h.Bins[0], h.Bins[len(h.Bins)-1])
	}
	sum := 0.0
	for _, v := range h.Values {
		sum += v
	}
	if math.Abs(sum-total) > 1e-9*total {
		t.Errorf("total %v, want %v", sum, total)
	}
	for i := 1; i < len(h.Bins); i++ {
		if h.Bins[i] <= h.Bins[i-1] {
			t.Fatalf("edges not increasing at %d", i)
		}
	}
	// Exactly halving: each new bin is two old ones.
	e2, c2 := Rebin([]float64{0, 1, 2, 3, 4}, []float64{1, 2, 3, 4}, 2)
	if !slices.Equal(e2, []float64{0, 2, 4}) || !slices.Equal(c2, []float64{3, 7}) {
		t.Errorf("halving: %v %v", e2, c2)
	}
	// Three into two: the middle bin is split.
	e3, c3 := Rebin([]float64{0, 1, 2, 3}, []float64{3, 6, 9}, 2)
	if !slices.Equal(e3, []float64{0, 1.5, 3}) || !slices.Equal(c3, []float64{6, 12}) {
		t.Errorf("three into two: %v %v", e3, c3)
	}
	big := []float64{-math.MaxFloat64, -1, 0, 1, math.MaxFloat64}
	e4, c4 := Rebin(big, []float64{1, 1, 1, 1}, 3)
	for _, x := range e4 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("edges %v", e4)
		}
	}
	if c4[0]+c4[1]+c4[2] != 4 {
		t.Errorf("counts %v", c4)
	}
	if e, c := Rebin([]float64{0, 1}, []float64{1}, 5); !slices.Equal(e, []float64{0, 1}) || !slices.Equal(c, []float64{1}) {
		t.Errorf("no reduction needed: %v %v", e, c)
	}
}

// Values that cannot be converted are left out with one warning per key.
func TestConverterWarnings(t *testing.T) {
	var warns []string
	c := NewConverter("", func(m string) { warns = append(warns, m) })
	bad := tfevents.Value{Tag: "h", Kind: tfevents.KindTensor, Plugin: tfevents.PluginHistograms,
		Tensor: &tfevents.Tensor{DType: tfevents.DTFloat, Shape: []int64{2}}}
	for range 2 {
		c.Add(tfevents.Event{Step: 1, Values: []tfevents.Value{bad, {Kind: tfevents.KindScalar}, {Tag: "other", Kind: tfevents.KindTensor, Plugin: "hparams"}}})
	}
	c.Add(tfevents.Event{Step: 2, Values: []tfevents.Value{{Tag: "h2", Kind: tfevents.KindTensor, Plugin: tfevents.PluginPRCurves, Tensor: bad.Tensor}}})
	if _, ok := c.Flush(); ok {
		t.Error("a row without values")
	}
	if len(warns) != 3 {
		t.Errorf("warnings %q", warns)
	}
	if Number.String() != "number" || ValueKind(9).String() != "ValueKind(9)" {
		t.Error("ValueKind.String")
	}
}
