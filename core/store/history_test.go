package store_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

func TestParseHistoryLine(t *testing.T) {
	step, pts, err := store.ParseHistoryLine(`{"_step":42,"loss":0.5,"n":{"a":1,"b":{"c":2}},"s":"x","ok":true,"nan":NaN,"inf":-Infinity,"img":{"_type":"image-file","width":3}}`, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Point{{"loss", 0.5}, {"n.a", 1}, {"n.b.c", 2}}
	if step != 42 || !reflect.DeepEqual(pts, want) {
		t.Fatalf("got %d %v", step, pts)
	}
	if step, _, _ := store.ParseHistoryLine(`{"x":1}`, 7); step != 7 {
		t.Fatalf("step without _step = %d, want the offset", step)
	}
	for _, bad := range []string{"", "1", "[]", "{", `{"a":1}x`} {
		if _, _, err := store.ParseHistoryLine(bad, 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ParseHistoryLine(%q) = %v", bad, err)
		}
	}
}

func TestChunkRoundTrip(t *testing.T) {
	var c store.Chunk
	steps := []int64{0, 1, 5, 5, 1000, 1 << 40}
	vals := []float64{1, -2, 3.5, 0, math.MaxFloat64, -1e-300}
	for i := range steps {
		c.Add(steps[i], vals[i])
	}
	if c.Count != 6 || c.FirstStep != 0 || c.LastStep != 1<<40 || c.Min != -2 || c.Max != math.MaxFloat64 || c.Last != -1e-300 {
		t.Fatalf("summary %+v", c)
	}
	var gs []int64
	var gv []float64
	if err := c.Points(func(s int64, v float64) { gs, gv = append(gs, s), append(gv, v) }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gs, steps) || !reflect.DeepEqual(gv, vals) {
		t.Fatalf("points %v %v", gs, gv)
	}
	c.Values = c.Values[:8]
	if err := c.Points(func(int64, float64) {}); err == nil {
		t.Fatal("corrupt chunk accepted")
	}
}

func TestSamplerBuckets(t *testing.T) {
	s, err := store.NewSampler(0, 9, 3) // width 4: [0,3] [4,7] [8,9]
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 12; i++ {
		s.AddPoint(i, float64(i%5))
	}
	got := s.Result()
	if len(got) != 3 || got[0].End != 3 || got[2].Start != 8 || got[2].End != 9 || got[1].Min != 0 || got[1].Max != 4 || got[2].Count != 2 {
		t.Fatalf("%+v", got)
	}
}

func FuzzParseHistoryLine(f *testing.F) {
	f.Add(`{"_step":1,"a":{"b":2}}`)
	f.Add(`{"x":NaN}`)
	f.Fuzz(func(t *testing.T, line string) {
		_, pts, err := store.ParseHistoryLine(line, 0)
		if err != nil {
			return
		}
		for _, p := range pts {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				t.Fatalf("non-finite point %v", p)
			}
		}
	})
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"alice", "my-project_2", "über"} {
		if err := store.ValidName("x", ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`, "a\x00", "\xff"} {
		if err := store.ValidName("x", bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q accepted", bad)
		}
	}
}
