package sysmon

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gowandb/wandb/core/record/recordpb"
)

// counter is a collector that counts its samples.
type counter struct {
	name   string
	n      int
	err    error
	block  chan struct{} // when not nil, Sample waits for it
	closed bool
}

func (c *counter) Name() string { return c.name }
func (c *counter) Sample(context.Context) (map[string]float64, error) {
	if c.block != nil {
		<-c.block
	}
	c.n++
	return map[string]float64{c.name + ".n": float64(c.n)}, c.err
}
func (c *counter) Close() error { c.closed = true; return nil }

// sink collects emitted records.
type sink struct {
	mu   sync.Mutex
	recs []*recordpb.StatsRecord
}

func (s *sink) emit(r *recordpb.StatsRecord) { s.mu.Lock(); s.recs = append(s.recs, r); s.mu.Unlock() }
func (s *sink) len() int                     { s.mu.Lock(); defer s.mu.Unlock(); return len(s.recs) }
func (s *sink) all() []*recordpb.StatsRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*recordpb.StatsRecord(nil), s.recs...)
}

func TestMonitorEmitsOneRecordPerInterval(t *testing.T) {
	for _, final := range []bool{false, true} {
		t.Run(map[bool]string{false: "ticker only", true: "final sample"}[final], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := &counter{name: "a"}, &counter{name: "b"}
				var s sink
				m, err := New(Options{Collectors: []Collector{a, b}, Emit: s.emit, FinalSample: final})
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				m.Start(t.Context())
				const n = 4
				time.Sleep(n*DefaultInterval + time.Millisecond)
				synctest.Wait()
				if got := s.len(); got != n {
					t.Fatalf("%d records after %d intervals", got, n)
				}
				if err := m.Stop(t.Context()); err != nil {
					t.Fatal(err)
				}
				if err := m.Stop(t.Context()); err != nil {
					t.Errorf("second Stop = %v", err)
				}
				want := n
				if final {
					want++
				}
				time.Sleep(3 * DefaultInterval)
				synctest.Wait()
				recs := s.all()
				if len(recs) != want {
					t.Fatalf("%d records after Stop, want %d", len(recs), want)
				}
				for i, r := range recs[:n] {
					if at := r.Timestamp.AsTime(); !at.Equal(start.Add(time.Duration(i+1) * DefaultInterval)) {
						t.Errorf("record %d at %v, want start+%d intervals", i, at.Sub(start), i+1)
					}
					if len(r.Item) != 2 || r.Item[0].Key != "a.n" || r.Item[1].Key != "b.n" || r.StatsType != recordpb.StatsRecord_SYSTEM {
						t.Errorf("record %d = %v", i, r)
					}
				}
				if !a.closed || !b.closed {
					t.Error("collectors not closed at Stop")
				}
			})
		})
	}
}

func TestMonitorSampleNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		m, _ := New(Options{Interval: MinInterval, Collectors: []Collector{&counter{name: "a"}}, Emit: s.emit})
		if err := m.SampleNow(t.Context()); err == nil {
			t.Error("SampleNow before Start succeeded")
		}
		m.Start(t.Context())
		if err := m.SampleNow(t.Context()); err != nil {
			t.Fatal(err)
		}
		if s.len() != 1 {
			t.Errorf("%d records after SampleNow", s.len())
		}
		if m.Interval() != MinInterval {
			t.Errorf("Interval = %v", m.Interval())
		}
		m.Stop(t.Context())
		if err := m.SampleNow(t.Context()); err == nil {
			t.Error("SampleNow after Stop succeeded")
		}
	})
}

// Stop waits for the sample in flight, but no longer than its context.
func TestMonitorStopHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &counter{name: "slow", block: make(chan struct{})}
		var s sink
		m, _ := New(Options{Collectors: []Collector{slow}, Emit: s.emit})
		m.Start(t.Context())
		time.Sleep(DefaultInterval)
		synctest.Wait() // the first sample is stuck in the collector
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := m.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "sysmon: stop: ") {
			t.Errorf("Stop with a stuck collector = %v", err)
		}
		close(slow.block)
		if err := m.Stop(t.Context()); err != nil {
			t.Errorf("Stop once the collector returned = %v", err)
		}
		if !slow.closed {
			t.Error("collector not closed")
		}
	})
}

// The context given to Start ends the monitor too (without a final sample).
func TestMonitorStartContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		m, _ := New(Options{Collectors: []Collector{&counter{name: "a"}}, Emit: s.emit, FinalSample: true})
		ctx, cancel := context.WithCancel(t.Context())
		m.Start(ctx)
		m.Start(ctx) // a second Start does nothing
		cancel()
		synctest.Wait()
		time.Sleep(2 * DefaultInterval)
		if s.len() != 0 {
			t.Errorf("%d records after the context ended", s.len())
		}
		if err := m.Stop(t.Context()); err != nil {
			t.Error(err)
		}
	})
}

func TestMonitorStopBeforeStart(t *testing.T) {
	m, _ := New(Options{Collectors: []Collector{}, Emit: func(*recordpb.StatsRecord) {}})
	if err := m.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Start(context.Background()) // does nothing after Stop
	if err := m.SampleNow(context.Background()); err == nil {
		t.Error("a stopped monitor sampled")
	}
}

// A failing collector is reported once; the others' values still go out.
func TestMonitorReportsEachCollectorErrorOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bad := &counter{name: "bad", err: errors.New("sysmon: bad: broken")}
		var s sink
		var reported []error
		m, _ := New(Options{Collectors: []Collector{bad, &counter{name: "good"}}, Emit: s.emit,
			OnError: func(err error) { reported = append(reported, err) }})
		m.Start(t.Context())
		for range 3 {
			if err := m.SampleNow(t.Context()); err == nil {
				t.Error("SampleNow hid the collector's error")
			}
		}
		m.Stop(t.Context())
		if len(reported) != 1 || reported[0].Error() != "sysmon: bad: broken" {
			t.Errorf("reported %v", reported)
		}
		if s.len() != 3 || len(s.all()[2].Item) != 2 {
			t.Errorf("records %v", s.all())
		}
	})
}

func TestNewValidates(t *testing.T) {
	emit := func(*recordpb.StatsRecord) {}
	if _, err := New(Options{Emit: emit, Interval: 99 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "at least 100ms") {
		t.Errorf("99ms: %v", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("no Emit accepted")
	}
	m, err := New(Options{Emit: emit})
	if err != nil || m.Interval() != 15*time.Second {
		t.Errorf("default interval: %v, %v", m.Interval(), err)
	}
}

func TestRecord(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	r := Record(at, map[string]float64{"cpu": 12.5, "proc.cpu.threads": 14, "gpu.0.memoryAllocatedBytes": 21474836480, "bad": nan(), "tiny": 1e-7, "big": 1e300})
	var got []string
	for _, it := range r.Item {
		got = append(got, it.Key+"="+it.ValueJson)
	}
	want := "big=1e+300 cpu=12.5 gpu.0.memoryAllocatedBytes=21474836480 proc.cpu.threads=14 tiny=1e-7"
	if strings.Join(got, " ") != want {
		t.Errorf("items %v, want %s", got, want)
	}
	if !r.Timestamp.AsTime().Equal(at) || r.StatsType != recordpb.StatsRecord_SYSTEM {
		t.Errorf("record %v", r)
	}
}

func nan() float64 { var z float64; return z / z }
