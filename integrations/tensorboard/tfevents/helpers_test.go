package tfevents

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"
)

// fixedClock returns a clock that starts at t0 and moves 1 ms per call.
func fixedClock(t0 time.Time) func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return t0.Add(time.Duration(n) * time.Millisecond)
	}
}

var t0 = time.Unix(1700000000, 0)

// testPNG is a w×h PNG with a gradient.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 40), uint8(y * 40), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// allKinds writes one value of every kind, TF2 or legacy style, and
// returns the file.
func allKinds(t testing.TB, legacy bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WithClock(fixedClock(t0)), Legacy(legacy))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteScalar("loss", 1, 0.5))
	must(w.WriteScalar("loss", 2, 0.25))
	must(w.WriteHistogram("weights", 2, NewHistogram([]float64{1, 2, 2, 3, 3, 3, 4}, 4)))
	must(w.WriteImage("sample", 3, Image{Width: 3, Height: 2, Encoded: testPNG(t, 3, 2)}))
	must(w.WriteText("notes", 3, "hello *world*"))
	must(w.WritePRCurve("pr", 4, PRCurve{
		TruePositives: []float64{3, 2, 0}, FalsePositives: []float64{3, 1, 0},
		TrueNegatives: []float64{0, 2, 3}, FalseNegatives: []float64{0, 1, 3},
		Precision: []float64{0.5, 2.0 / 3, 0}, Recall: []float64{1, 2.0 / 3, 0},
	}))
	must(w.WriteTensor("raw", 5, "", &Tensor{DType: DTInt64, Shape: []int64{2, 2}, Int64Val: []int64{1, 2, 3, 4}}))
	must(w.Close())
	return buf.Bytes()
}

// recordBounds returns the offsets where each record of a well-formed file
// starts, and the file length last.
func recordBounds(t testing.TB, data []byte) []int64 {
	t.Helper()
	r := NewReader(bytes.NewReader(data))
	bounds := []int64{0}
	for {
		if _, err := r.NextRecord(); err != nil {
			break
		}
		bounds = append(bounds, r.Offset())
	}
	if len(r.Damage()) > 0 || bounds[len(bounds)-1] != int64(len(data)) {
		t.Fatalf("not a clean file: damage %v, end %d of %d", r.Damage(), bounds[len(bounds)-1], len(data))
	}
	return bounds
}

// readAll reads every event of data with r's options.
func readAll(t testing.TB, data []byte, opts ...ReaderOption) ([]Event, []Damage) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), opts...)
	var evs []Event
	for {
		ev, err := r.Next()
		if err != nil {
			return evs, r.Damage()
		}
		evs = append(evs, ev)
	}
}
