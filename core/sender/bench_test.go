package sender

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/sender/sendertest"
)

// BenchmarkFileStreamLines pushes history lines (~60 bytes, a typical
// scalar row) through a FileStream to the fake server and reports lines/s.
// The transmit interval is 1 ms so that the wire, not the rate limit, is
// measured; the producer backs off on ErrQueueFull.
func BenchmarkFileStreamLines(b *testing.B) {
	for _, mode := range []string{"inprocess", "httptest"} {
		b.Run(mode, func(b *testing.B) {
			s := sendertest.New()
			s.DiscardBodies = true
			hc := &http.Client{Transport: s.Transport()}
			if mode == "httptest" {
				ts := sendertest.NewHTTPServer(s)
				defer ts.Close()
				hc = ts.Client()
			}
			f := NewFileStream(FileStreamConfig{URL: FileStreamURL(s.URL, "e", "p", "r"), HTTP: hc,
				TransmitInterval: time.Millisecond, MaxQueuedLines: 16384})
			batch := make([]string, 64)
			for i := range batch {
				batch[i] = fmt.Sprintf(`{"_step":%d,"loss":0.%06d,"acc":0.9%05d,"_runtime":12.5}`, i, i, i)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i += len(batch) {
				for {
					err := f.Push(HistoryUpdate{Lines: batch})
					if err == nil {
						break
					}
					if !errors.Is(err, ErrQueueFull) {
						b.Fatal(err)
					}
					runtime.Gosched()
				}
			}
			if err := f.Finish(context.Background(), 0); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			n := f.Offsets().History
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(f.Requests()), "requests")
		})
	}
}
