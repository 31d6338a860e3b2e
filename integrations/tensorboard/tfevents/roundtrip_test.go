package tfevents

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every kind written by the Writer reads back as that kind, in TF2 and
// TF1 (legacy) style.
func TestWriterReaderRoundTrip(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		name := "tf2"
		if legacy {
			name = "tf1"
		}
		t.Run(name, func(t *testing.T) {
			evs, damage := readAll(t, allKinds(t, legacy))
			if len(damage) > 0 {
				t.Fatal(damage)
			}
			if len(evs) != 8 || evs[0].FileVersion != FileVersion {
				t.Fatalf("%d events (first %+v), want the version and 7", len(evs), evs[0])
			}
			for i, ev := range evs {
				want := float64(t0.Add(time.Duration(i+1)*time.Millisecond).UnixNano()) / 1e9
				if ev.WallTime != want {
					t.Errorf("event %d: wall time %f, want %f", i, ev.WallTime, want)
				}
			}
			val := func(i int) Value {
				t.Helper()
				if len(evs[i].Values) != 1 {
					t.Fatalf("event %d: %d values", i, len(evs[i].Values))
				}
				return evs[i].Values[0]
			}
			wantPlugin := func(v Value, p string) {
				t.Helper()
				if legacy && (p == PluginScalars || p == PluginHistograms || p == PluginImages) {
					p = ""
				}
				if v.Plugin != p {
					t.Errorf("%s: plugin %q, want %q", v.Tag, v.Plugin, p)
				}
			}

			// Scalars: the second has no metadata in the file, the reader
			// remembers the plugin.
			for i, want := range map[int]float64{1: 0.5, 2: 0.25} {
				v := val(i)
				if v.Tag != "loss" || v.Kind != KindScalar || v.Scalar != want || evs[i].Step != int64(i) {
					t.Errorf("event %d: %+v at step %d, want loss = %v", i, v, evs[i].Step, want)
				}
				wantPlugin(v, PluginScalars)
			}
			if v := val(2); len(v.PluginContent) != 0 {
				t.Errorf("second scalar carries metadata")
			}

			h := val(3)
			wantPlugin(h, PluginHistograms)
			if h.Kind != KindHistogram || evs[3].Step != 2 {
				t.Fatalf("histogram: %+v", h)
			}
			wantEdges, wantCounts := []float64{1, 1.75, 2.5, 3.25, 4}, []float64{1, 2, 3, 1}
			if legacy {
				// TF1: a left-open first bucket, empty, then ours.
				wantEdges = append([]float64{math.Inf(-1)}, wantEdges...)
				wantCounts = append([]float64{0}, wantCounts...)
				if h.Histogram.Min != 1 || h.Histogram.Max != 4 || h.Histogram.Num != 7 || h.Histogram.Sum != 18 || h.Histogram.SumSquares != 52 {
					t.Errorf("histogram statistics %+v", *h.Histogram)
				}
			}
			if !slices.Equal(h.Histogram.Edges, wantEdges) || !slices.Equal(h.Histogram.Counts, wantCounts) {
				t.Errorf("histogram %v / %v, want %v / %v", h.Histogram.Edges, h.Histogram.Counts, wantEdges, wantCounts)
			}

			im := val(4)
			wantPlugin(im, PluginImages)
			if im.Kind != KindImage || len(im.Images) != 1 || im.Images[0].Width != 3 || im.Images[0].Height != 2 ||
				!bytes.Equal(im.Images[0].Encoded, testPNG(t, 3, 2)) {
				t.Errorf("image: %+v", im)
			}

			tx := val(5)
			wantPlugin(tx, PluginText)
			if tx.Kind != KindText || !slices.Equal(tx.Text, []string{"hello *world*"}) {
				t.Errorf("text: %+v", tx)
			}

			pr := val(6)
			wantPlugin(pr, PluginPRCurves)
			c := pr.PRCurve
			if pr.Kind != KindPRCurve || c.NumThresholds != 3 ||
				!slices.Equal(c.Recall, []float64{1, float64(float32(2.0 / 3)), 0}) ||
				!slices.Equal(c.Precision, []float64{0.5, float64(float32(2.0 / 3)), 0}) ||
				!slices.Equal(c.TruePositives, []float64{3, 2, 0}) || !slices.Equal(c.FalseNegatives, []float64{0, 1, 3}) {
				t.Errorf("pr curve: %+v", c)
			}

			raw := val(7)
			if raw.Kind != KindTensor || raw.Plugin != "" {
				t.Fatalf("raw tensor: %+v", raw)
			}
			if x, err := raw.Tensor.Float64s(); err != nil || !slices.Equal(x, []float64{1, 2, 3, 4}) || !slices.Equal(raw.Tensor.Shape, []int64{2, 2}) {
				t.Errorf("raw tensor %v %v %v", x, raw.Tensor.Shape, err)
			}
		})
	}
}

// Several images under one tag: one tensor in TF2 style; in TF1 style,
// one Summary.Image each, tagged <tag>/image/<i>.
func TestWriteSeveralImages(t *testing.T) {
	ims := []Image{{Width: 3, Height: 2, Encoded: testPNG(t, 3, 2)}, {Width: 3, Height: 2, Encoded: testPNG(t, 3, 2)[:20]}}
	for _, legacy := range []bool{false, true} {
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, Legacy(legacy))
		if err := w.WriteImage("batch", 7, ims...); err != nil {
			t.Fatal(err)
		}
		w.Close()
		evs, _ := readAll(t, buf.Bytes())
		vals := evs[1].Values
		if !legacy {
			if len(vals) != 1 || len(vals[0].Images) != 2 || !bytes.Equal(vals[0].Images[1].Encoded, ims[1].Encoded) {
				t.Errorf("tf2: %+v", vals)
			}
			continue
		}
		if len(vals) != 2 || vals[0].Tag != "batch/image/0" || vals[1].Tag != "batch/image/1" || vals[1].Images[0].Width != 3 {
			t.Errorf("tf1: %+v", vals)
		}
	}
}

// Create names the file as TensorBoard does and Close is idempotent.
func TestCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs", "train")
	w, err := Create(dir, WithClock(fixedClock(t0)), WithHostname("box"), WithFileSuffix(".v2"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "events.out.tfevents.1700000000.box.v2"); w.Path() != want {
		t.Errorf("path %s, want %s", w.Path(), want)
	}
	if err := w.WriteScalar("x", 1, 2); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.WriteScalar("x", 2, 2); err == nil {
		t.Error("write after Close succeeded")
	}
	evs, damage, err := ReadFile(w.Path())
	if err != nil || len(damage) > 0 || len(evs) != 2 || evs[1].Values[0].Scalar != 2 {
		t.Errorf("read back %v %v %v", evs, damage, err)
	}
	if _, err := Create(dir, WithClock(fixedClock(t0)), WithHostname("box"), WithFileSuffix(".v2")); err == nil {
		t.Error("Create over an existing file succeeded")
	}
	if _, _, err := ReadFile(filepath.Join(dir, "missing")); err == nil || !strings.HasPrefix(err.Error(), "tfevents: ") {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
	if _, err := os.Stat(w.Path()); err != nil {
		t.Fatal(err)
	}
}

// A histogram tensor from a TF1 histogram closes the open first bucket at
// Min, or drops it when empty.
func TestHistogramTensor(t *testing.T) {
	h := Histogram{Edges: []float64{math.Inf(-1), 0, 1}, Counts: []float64{2, 3}, Min: -1}
	tt, err := HistogramTensor(h)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tt.Float64s()
	if !slices.Equal(x, []float64{-1, 0, 2, 0, 1, 3}) {
		t.Errorf("got %v", x)
	}
	h.Counts[0] = 0
	tt, _ = HistogramTensor(h)
	if x, _ := tt.Float64s(); !slices.Equal(x, []float64{0, 1, 3}) {
		t.Errorf("empty first bucket: got %v", x)
	}
	if _, err := HistogramTensor(Histogram{Edges: []float64{1}, Counts: []float64{1}}); err == nil {
		t.Error("a histogram of the wrong shape was accepted")
	}
}

func TestNewHistogram(t *testing.T) {
	h := NewHistogram([]float64{5, 5, math.NaN()}, 0)
	if len(h.Counts) != DefaultHistogramBins || h.Edges[0] != 4.5 || h.Edges[30] != 5.5 || h.Num != 2 || h.Min != 5 || h.Max != 5 {
		t.Errorf("one-valued: %+v", h)
	}
	var total float64
	for _, c := range h.Counts {
		total += c
	}
	if total != 2 {
		t.Errorf("total %v", total)
	}
	if e := NewHistogram(nil, 4); len(e.Counts) != 0 || len(e.Edges) != 1 {
		t.Errorf("empty: %+v", e)
	}
}
