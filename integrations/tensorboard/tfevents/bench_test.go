package tfevents

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// benchFileSize is the size of the generated event file of the parsing
// benchmarks.
const benchFileSize = 50 << 20

// writeBenchFile writes a training-like event file of about size bytes:
// per step ten TF2 scalars, every 10 steps a 30-bucket histogram, every
// 1000 steps a 64×64 PNG image. It returns the number of events.
func writeBenchFile(tb testing.TB, path string, size int) int {
	tb.Helper()
	w, err := Create(filepath.Dir(path), WithHostname("bench"), WithClock(fixedClock(t0)))
	if err != nil {
		tb.Fatal(err)
	}
	img := Image{Width: 64, Height: 64, Encoded: testPNG(tb, 64, 64)}
	tags := []string{"loss", "acc", "val/loss", "val/acc", "lr", "grad_norm", "train/throughput", "train/step_time", "eval/f1", "eval/auc"}
	vals := make([]float64, 256)
	events := 1
	var n int64
	for step := int64(0); n < int64(size); step++ {
		for i, tag := range tags {
			if err := w.WriteScalar(tag, step, math.Sin(float64(step)+float64(i))); err != nil {
				tb.Fatal(err)
			}
			events++
		}
		if step%10 == 0 {
			for i := range vals {
				vals[i] = math.Sin(float64(step*int64(i))) * float64(i)
			}
			w.WriteHistogram("weights", step, NewHistogram(vals, 30))
			events++
		}
		if step%1000 == 0 {
			w.WriteImage("samples", step, img)
			events++
		}
		if step%100 == 0 {
			w.Flush()
			st, err := os.Stat(w.Path())
			if err != nil {
				tb.Fatal(err)
			}
			n = st.Size()
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(w.Path(), path); err != nil {
		tb.Fatal(err)
	}
	return events
}

func benchFile(b *testing.B) (string, int64, int) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "events.out.tfevents.1700000000.bench")
	events := writeBenchFile(b, path, benchFileSize)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Size(), events
}

// BenchmarkReadFileBaseline is os.ReadFile of the generated event file:
// the disk (page cache) speed that parsing is compared with.
func BenchmarkReadFileBaseline(b *testing.B) {
	path, size, _ := benchFile(b)
	b.SetBytes(size)
	for b.Loop() {
		if _, err := os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse reads every event of the generated file from disk:
// framing, both CRCs and protobuf decoding into Events.
func BenchmarkParse(b *testing.B) {
	path, size, events := benchFile(b)
	b.SetBytes(size)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(f)
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		f.Close()
		if n != events || len(r.Damage()) > 0 {
			b.Fatalf("%d events of %d, damage %v", n, events, r.Damage())
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkParseInto is BenchmarkParse with NextInto, which reuses the
// event's storage (what Sync and Watch do).
func BenchmarkParseInto(b *testing.B) {
	path, size, events := benchFile(b)
	b.SetBytes(size)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(f)
		n := 0
		var ev Event
		for {
			err := r.NextInto(&ev)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		f.Close()
		if n != events {
			b.Fatalf("%d events of %d", n, events)
		}
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFraming reads the records of the generated file with their CRC
// checks, without decoding them.
func BenchmarkFraming(b *testing.B) {
	path, size, _ := benchFile(b)
	b.SetBytes(size)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(f)
		for {
			if _, err := r.NextRecord(); err != nil {
				break
			}
		}
		f.Close()
	}
}

// BenchmarkDecodeScalarEvent decodes one TF2 scalar event.
func BenchmarkDecodeScalarEvent(b *testing.B) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf)
	w.WriteScalar("train/loss", 12345, 0.5)
	w.Close()
	r := NewReader(bytes.NewReader(buf.Bytes()))
	r.NextRecord()
	rec, _ := r.NextRecord()
	d := newDecoder()
	var ev Event
	b.ReportAllocs()
	for b.Loop() {
		if err := d.event(rec, &ev, true); err != nil {
			b.Fatal(err)
		}
	}
}
