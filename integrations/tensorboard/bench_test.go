package tensorboard

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"testing"

	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

// writeBenchLog writes a training-like event file of about size bytes into
// dir (as the tfevents benchmarks do): per step ten scalars, every 10
// steps a 30-bucket histogram, every 1000 steps a 64×64 PNG image.
func writeBenchLog(tb testing.TB, dir string, size int64) string {
	tb.Helper()
	w, err := tfevents.Create(dir, tfevents.WithHostname("bench"), tfevents.WithClock(clock(t0)))
	if err != nil {
		tb.Fatal(err)
	}
	img := tfevents.Image{Width: 64, Height: 64, Encoded: testPNG(tb, 64, 64)}
	tags := []string{"loss", "acc", "val/loss", "val/acc", "lr", "grad_norm", "train/throughput", "train/step_time", "eval/f1", "eval/auc"}
	vals := make([]float64, 256)
	var n int64
	for step := int64(0); n < size; step++ {
		for i, tag := range tags {
			w.WriteScalar(tag, step, math.Sin(float64(step)+float64(i)))
		}
		if step%10 == 0 {
			for i := range vals {
				vals[i] = math.Sin(float64(step*int64(i))) * float64(i)
			}
			w.WriteHistogram("weights", step, tfevents.NewHistogram(vals, 30))
		}
		if step%1000 == 0 {
			w.WriteImage("samples", step, img)
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
	return w.Path()
}

func readEvents(tb testing.TB, path string) []tfevents.Event {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := tfevents.NewReader(f)
	var evs []tfevents.Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err != nil {
			tb.Fatal(err)
		}
		evs = append(evs, ev)
	}
}

// BenchmarkConvert converts decoded events into rows (no I/O): events/s.
func BenchmarkConvert(b *testing.B) {
	evs := readEvents(b, writeBenchLog(b, b.TempDir(), 5<<20))
	b.ResetTimer()
	rows := 0
	for b.Loop() {
		c := NewConverter("train", nil)
		for _, ev := range evs {
			if _, ok := c.Add(ev); ok {
				rows++
			}
		}
		c.Flush()
	}
	b.ReportMetric(float64(len(evs))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

type discardSink struct{}

func (discardSink) WriteRow(context.Context, Row) error            { return nil }
func (discardSink) SaveFile(context.Context, string, string) error { return nil }

// BenchmarkSyncToDiscard reads and converts a 50 MB log directory from
// disk into a sink that drops the rows: events/s and MB/s.
func BenchmarkSyncToDiscard(b *testing.B) {
	dir := b.TempDir()
	path := writeBenchLog(b, dir, 50<<20)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	var events int64
	for b.Loop() {
		s, err := SyncTo(context.Background(), discardSink{}, dir)
		if err != nil {
			b.Fatal(err)
		}
		events += s.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSyncRun imports a 5 MB log directory into an offline run
// (run.Log of every row, media written, files saved): events/s and rows/s.
func BenchmarkSyncRun(b *testing.B) {
	dir := b.TempDir()
	writeBenchLog(b, dir, 5<<20)
	var events, rows int64
	for b.Loop() {
		b.StopTimer()
		run := startRunB(b)
		b.StartTimer()
		s, err := Sync(context.Background(), run, dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := run.Finish(0); err != nil {
			b.Fatal(err)
		}
		events += s.Events
		rows += s.Rows
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
