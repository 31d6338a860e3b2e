package host_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/host"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// The plugin channel's benchmarks, each over three transports: a plugin
// called directly in-process, the same over the gRPC adapters on an
// in-process connection (plugintest), and a real plugin process.
//
//	go test -run='^$' -bench=. -benchtime=2s ./plugins/host/

// benchSink counts rows and signals each one.
type benchSink struct {
	rows chan struct{}
}

func (s *benchSink) LogRow(int64, map[string]any) error {
	if s.rows != nil {
		s.rows <- struct{}{}
	}
	return nil
}
func (s *benchSink) UpdateSummary(map[string]any) error { return nil }
func (s *benchSink) UpdateConfig(map[string]any) error  { return nil }
func (s *benchSink) AddFile(string) error               { return nil }
func (s *benchSink) LogLine(plugins.Level, string)      {}

// benchPlugin is the in-process twin of the helper's count and echo kinds.
type benchPlugin struct {
	echo bool
	emit plugins.Emitter
	n    int
}

func (p *benchPlugin) Manifest() plugins.Manifest {
	return plugins.Manifest{Name: "bench", Version: "0"}
}
func (p *benchPlugin) Start(_ context.Context, _ plugins.RunInfo, emit plugins.Emitter) error {
	p.emit = emit
	return nil
}
func (p *benchPlugin) Observe(_ context.Context, batch []plugins.Observation) error {
	p.n += len(batch)
	if !p.echo {
		return nil
	}
	for _, o := range batch {
		v, _ := plugins.Value(o.Scalar)
		if err := p.emit.Emit(plugins.Emission{History: &plugins.HistoryRow{Step: o.Step, Row: map[string]json.RawMessage{o.Key + "_echo": v}}}); err != nil {
			return err
		}
	}
	return nil
}
func (p *benchPlugin) Flush(context.Context) error  { return nil }
func (p *benchPlugin) Finish(context.Context) error { return nil }

// benchSession starts a session with one plugin over transport; echo makes
// it answer every scalar with a history row.
func benchSession(b *testing.B, transport string, echo bool, sink host.RunSink) *host.Session {
	b.Helper()
	dir := b.TempDir()
	kind := "count"
	if echo {
		kind = "echo"
	}
	writePlugin(b, dir, kind, kind)
	h := host.New(host.WithSearchPath(dir), host.WithQueueSize(1<<20))
	s := h.NewSession(context.Background(), plugins.RunInfo{ID: "bench", Dir: b.TempDir()}, sink)
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	var err error
	switch transport {
	case "inprocess":
		err = s.Attach(context.Background(), &benchPlugin{echo: echo})
	case "grpc-inmemory":
		err = s.Attach(context.Background(), plugintest.Connect(b, &benchPlugin{echo: echo}))
	case "subprocess":
		err = s.Start(context.Background(), kind)
	}
	if err != nil {
		b.Fatal(err)
	}
	return s
}

var transports = []string{"inprocess", "grpc-inmemory", "subprocess"}

// BenchmarkObserveThroughput: scalar observations per second from Observe
// to the plugin's Observe, in chunks of 4096 each closed by a Flush (so
// nothing is dropped and everything is counted as delivered).
func BenchmarkObserveThroughput(b *testing.B) {
	for _, tr := range transports {
		b.Run(tr, func(b *testing.B) {
			s := benchSession(b, tr, false, &benchSink{})
			ctx := context.Background()
			obs := plugins.Scalar("loss", 0, 0.5)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				obs.Step = int64(n)
				s.Observe(obs)
				n++
				if n%4096 == 0 {
					s.Flush(ctx)
				}
			}
			s.Flush(ctx)
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkEchoThroughput: observations in and one history row out per
// observation, applied to the sink: the channel in both directions.
func BenchmarkEchoThroughput(b *testing.B) {
	for _, tr := range transports {
		b.Run(tr, func(b *testing.B) {
			s := benchSession(b, tr, true, &benchSink{})
			ctx := context.Background()
			obs := plugins.Scalar("loss", 0, 0.5)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				obs.Step = int64(n)
				s.Observe(obs)
				n++
				if n%4096 == 0 {
					s.Flush(ctx)
				}
			}
			s.Flush(ctx)
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkRoundTrip: one observation to the emission it causes, applied
// to the run (the sink's LogRow), one at a time.
func BenchmarkRoundTrip(b *testing.B) {
	for _, tr := range transports {
		b.Run(tr, func(b *testing.B) {
			sink := &benchSink{rows: make(chan struct{}, 1)}
			s := benchSession(b, tr, true, sink)
			obs := plugins.Scalar("loss", 0, 0.5)
			b.ReportAllocs()
			for b.Loop() {
				obs.Step++
				s.Observe(obs)
				<-sink.rows
			}
		})
	}
}
