package tensorboard

import (
	"context"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
)

// BenchmarkPluginTransport imports a 5 MB log directory (writeBenchLog:
// about 85 k events, 8 k rows, histograms and images) into an offline run
// three ways: Sync in the caller (RunSink), and the tensorboard plugin
// started by WithLogDir in-process (EmitterSink through the run's plugin
// host, no gRPC) and as the wandb-plugin-tensorboard process (gRPC over a
// Unix socket, media written by the plugin process). Init and Finish are
// timed in all three: the plugins read the whole log at Finish (no
// polling), and starting the plugin process is part of the cost.
func BenchmarkPluginTransport(b *testing.B) {
	dir := b.TempDir()
	writeBenchLog(b, dir, 5<<20)
	st, err := SyncTo(context.Background(), discardSink{}, dir)
	if err != nil {
		b.Fatal(err)
	}
	pdir := b.TempDir()
	buildPluginBinary(b, pdir)
	b.Setenv("WANDB_PLUGIN_PATH", pdir)
	opts := []Option{WithFilter(Filter{}), WithPollInterval(0)}
	cases := []struct {
		name string
		run  func(b *testing.B)
	}{
		{"sync", func(b *testing.B) {
			run := startRunB(b)
			if _, err := Sync(context.Background(), run, dir); err != nil {
				b.Fatal(err)
			}
			finishB(b, run, st.Rows)
		}},
		{"plugin-inprocess", func(b *testing.B) {
			finishB(b, startRunB(b, WithLogDir(dir, append(opts, WithInProcess(true))...)), st.Rows)
		}},
		{"plugin-subprocess", func(b *testing.B) {
			finishB(b, startRunB(b, WithLogDir(dir, opts...)), st.Rows)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.run(b)
			}
			b.ReportMetric(float64(st.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(st.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// finishB finishes run and checks, untimed, that it has every row.
func finishB(b *testing.B, run *wandb.Run, rows int64) {
	b.Helper()
	if err := run.Finish(0); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	defer b.StartTimer()
	info, err := runlog.Replay(run.LogPath(), nil)
	if err != nil {
		b.Fatal(err)
	}
	if info.Rows != rows {
		b.Fatalf("%d rows in the run, want %d", info.Rows, rows)
	}
}
