package plotting

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"
)

// floats reads little-endian float64s (NaN, ±Inf and subnormals included).
func floats(b []byte) []float64 {
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

func f64bytes(fs ...float64) []byte {
	b := make([]byte, 8*len(fs))
	for i, f := range fs {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(f))
	}
	return b
}

// checkChart draws a chart the builders accepted: it must draw without
// error (gonum panics are errors, see RenderPlot).
func checkChart(t *testing.T, c *Chart, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("error %v does not wrap ErrInvalidInput", err)
		}
		return
	}
	if err := c.Render(io.Discard, "svg", 64, 48); err != nil {
		t.Fatalf("%s: %v", c.Spec, err)
	}
}

func FuzzXYCharts(f *testing.F) {
	f.Add(f64bytes(1, 2, 3, 4), uint8(2))
	f.Add(f64bytes(math.NaN(), math.Inf(1), 0, math.Inf(-1), 5), uint8(3))
	f.Add(f64bytes(), uint8(0))
	f.Add(f64bytes(-math.MaxFloat64, math.MaxFloat64, 5e-324, 1e300, 7), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		vs := floats(data)
		if len(vs) > 2000 {
			vs = vs[:2000]
		}
		k := min(int(split), len(vs))
		xs, ys := vs[:k], vs[k:] // lengths differ unless split is half
		c, err := Line(xs, ys)
		checkChart(t, c, err)
		c, err = Scatter(xs, ys)
		checkChart(t, c, err)
		c, err = Histogram(vs)
		checkChart(t, c, err)
		labels := make([]string, k)
		for i := range labels {
			labels[i] = string(rune('a' + i%26))
		}
		c, err = Bar(labels, ys)
		checkChart(t, c, err)
		if (len(labels) == len(ys)) != (err == nil) {
			t.Fatalf("%d labels, %d values: err = %v", len(labels), len(ys), err)
		}
	})
}

func FuzzLineSeries(f *testing.F) {
	f.Add(f64bytes(0, 1, 2, 3, 4, 5), uint8(2), uint8(3), false)
	f.Add(f64bytes(math.NaN()), uint8(0), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, nx, ny uint8, keys bool) {
		vs := floats(data)
		split := func(n uint8) [][]float64 {
			out := make([][]float64, int(n)%6)
			for i := range out {
				lo := min(len(vs), i*3)
				out[i] = vs[lo:min(len(vs), lo+3+i)]
			}
			return out
		}
		xs, ys := split(nx), split(ny)
		var opts []Option
		if keys {
			opts = append(opts, WithKeys("a", "b"))
		}
		c, err := LineSeries(xs, ys, opts...)
		checkChart(t, c, err)
		if err == nil {
			for _, r := range c.Rows {
				if len(r) != 3 {
					t.Fatalf("row %v", r)
				}
			}
		}
	})
}

// classifierInput turns fuzz bytes into labels (negative ones included)
// and a score matrix, ragged when ragged is set.
func classifierInput(labels, scores []byte, k uint8, ragged bool) ([]int, [][]float64) {
	n := min(len(labels), 300)
	cols := int(k)%6 + 1
	yTrue := make([]int, n)
	for i := range yTrue {
		yTrue[i] = int(int8(labels[i])) % (cols + 1)
	}
	fs := floats(scores)
	probas := make([][]float64, n)
	for i := range probas {
		w := cols
		if ragged && i == n-1 {
			w = cols - 1
		}
		probas[i] = make([]float64, w)
		for j := range probas[i] {
			if len(fs) > 0 {
				probas[i][j] = fs[(i*cols+j)%len(fs)]
			} else {
				probas[i][j] = float64((i*7+j*3)%10) / 10
			}
		}
	}
	return yTrue, probas
}

func FuzzPRAndROCCurves(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0}, f64bytes(0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8), uint8(1), false, uint8(21))
	f.Add([]byte{2, 255, 3}, f64bytes(math.NaN()), uint8(3), true, uint8(0))
	f.Add([]byte{}, []byte{}, uint8(0), false, uint8(1))
	f.Fuzz(func(t *testing.T, labels, scores []byte, k uint8, ragged bool, interp uint8) {
		yTrue, probas := classifierInput(labels, scores, k, ragged)
		c, err := PRCurve(yTrue, probas, WithInterpSize(int(interp)%40))
		checkChart(t, c, err)
		if err == nil {
			if len(c.Rows) > MaxRows {
				t.Fatalf("%d rows", len(c.Rows))
			}
			for _, r := range c.Rows {
				p, rc := r[1].(float64), r[2].(float64)
				if !(p >= 0 && p <= 1) || !(rc >= 0 && rc <= 1) {
					t.Fatalf("row %v out of [0, 1]", r)
				}
			}
		}
		c, err = ROCCurve(yTrue, probas, WithLabels("a", "b", "c", "d", "e", "f", "g"))
		checkChart(t, c, err)
		if err == nil {
			for _, r := range c.Rows {
				for _, v := range r[1:] {
					if f := v.(float64); !math.IsNaN(f) && (f < 0 || f > 1) {
						t.Fatalf("row %v out of [0, 1]", r)
					}
				}
			}
		}
	})
}

func FuzzConfusionMatrix(f *testing.F) {
	f.Add([]byte{0, 1, 2, 2}, []byte{0, 2, 2, 1}, uint8(3), false)
	f.Add([]byte{5, 7}, []byte{7, 9}, uint8(0), true)
	f.Add([]byte{}, []byte{1}, uint8(1), false)
	f.Fuzz(func(t *testing.T, yb, pb []byte, names uint8, probs bool) {
		yTrue := make([]int, min(len(yb), 500))
		for i := range yTrue {
			yTrue[i] = int(int8(yb[i])) % 12
		}
		preds := make([]int, min(len(pb), 500))
		for i := range preds {
			preds[i] = int(int8(pb[i])) % 12
		}
		var classNames []string
		if n := int(names) % 14; n > 0 {
			classNames = make([]string, n)
			for i := range classNames {
				classNames[i] = string(rune('A' + i))
			}
		}
		var c *Chart
		var err error
		if probs {
			rows := make([][]float64, len(preds))
			for i, p := range preds {
				rows[i] = []float64{float64(p), float64(-p), 0.5}
			}
			c, err = ConfusionMatrixFromProbs(yTrue, rows, classNames)
		} else {
			c, err = ConfusionMatrix(yTrue, preds, classNames)
		}
		checkChart(t, c, err)
		if err == nil {
			var sum float64
			for _, r := range c.Rows {
				sum += r[2].(float64)
			}
			if int(sum) != len(yTrue) {
				t.Fatalf("counts sum to %v, want %d", sum, len(yTrue))
			}
		}
	})
}

// FuzzRenderTable draws tables of mixed cells (numbers of any size, NaN,
// strings, nil, short rows) with every built-in spec.
func FuzzRenderTable(f *testing.F) {
	f.Add(f64bytes(1, 2, 3, math.NaN(), 1e308, -1e308, 0, 5e-324, 7), uint8(0))
	f.Add(f64bytes(3, 3, 3, 3, 3, 3), uint8(6))
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		specs := []struct {
			spec   string
			fields map[string]string
		}{
			{SpecLine, map[string]string{"x": "a", "y": "b", "stroke": "c"}},
			{SpecScatter, map[string]string{"x": "a", "y": "b"}},
			{SpecLineSeries, map[string]string{"step": "a", "lineKey": "c", "lineVal": "b"}},
			{SpecAreaUnderCurve, map[string]string{"x": "a", "y": "b", "class": "c"}},
			{SpecBar, map[string]string{"label": "c", "value": "b"}},
			{SpecHistogram, map[string]string{"value": "a"}},
			{SpecConfusionMatrix, map[string]string{"Actual": "c", "Predicted": "a", "nPredictions": "b"}},
		}
		s := specs[int(which)%len(specs)]
		vs := floats(data)
		if len(vs) > 600 {
			vs = vs[:600]
		}
		var rows [][]any
		for i := 0; i+2 < len(vs); i += 3 {
			var cls any = int64(math.Float64bits(vs[i+2]) % 5)
			switch math.Float64bits(vs[i+2]) % 7 {
			case 0:
				cls = nil
			case 1:
				cls = "class"
			}
			row := []any{vs[i], vs[i+1], cls}
			if math.Float64bits(vs[i])%11 == 0 {
				row = row[:1] // a short row
			}
			if math.Float64bits(vs[i+1])%13 == 0 {
				row[0] = "text"
			}
			rows = append(rows, row)
		}
		c := NewChart(s.spec, []string{"a", "b", "c"}, rows, s.fields, map[string]string{"title": "t"})
		if err := c.Render(io.Discard, "svg", 80, 60); err != nil {
			t.Fatalf("%s: %v", s.spec, err)
		}
	})
}
