package wandb

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/wal"
)

// sysmonRun starts an offline run in a clean environment plus env.
func sysmonRun(t *testing.T, env map[string]string, opts ...Option) *Run {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	for k, v := range env {
		t.Setenv(k, v)
	}
	run, err := Init(context.Background(), append([]Option{WithDir(t.TempDir()), WithMode(ModeOffline),
		WithSignalHandler(false), WithWarnings(io.Discard), WithReinit(ReinitCreateNew), WithConsole("off")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// recordKinds lists the run log's record types in order.
func recordKinds(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := wal.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for {
		b, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return kinds
		}
		if err != nil {
			t.Fatal(err)
		}
		rec, err := record.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		switch rec.RecordType.(type) {
		case *recordpb.Record_Stats:
			kinds = append(kinds, "stats")
		case *recordpb.Record_Exit:
			kinds = append(kinds, "exit")
		default:
			kinds = append(kinds, "other")
		}
	}
}

// A run with a 100 ms interval samples into its log (here on demand, the
// ticker itself is covered by core/sysmon's synctest tests), takes a last
// sample at Finish, and every sample lands before the exit record.
func TestSystemMetricsInRunLog(t *testing.T) {
	run := sysmonRun(t, nil, WithSettings(map[string]string{"x_stats_sampling_interval": "100ms"}))
	m := run.systemMonitor()
	if m == nil {
		t.Fatal("no monitor")
	}
	if m.Interval() != 100*time.Millisecond {
		t.Errorf("interval %v, want x_stats_sampling_interval", m.Interval())
	}
	for range 2 {
		if err := m.SampleNow(context.Background()); err != nil {
			t.Errorf("SampleNow: %v", err)
		}
	}
	if err := run.Log(map[string]any{"loss": 1.0}); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	if run.systemMonitor() != nil {
		t.Error("the monitor outlives Finish")
	}
	kinds := recordKinds(t, run.LogPath())
	stats := strings.Count(strings.Join(kinds, " "), "stats")
	if stats < 3 || kinds[len(kinds)-1] != "exit" {
		t.Errorf("records %v: want at least 3 stats records, then the exit record last", kinds)
	}
	info, err := runlog.Replay(run.LogPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.StatsSamples != stats {
		t.Errorf("Replay counts %d samples, the log has %d", info.StatsSamples, stats)
	}
	last := info.LastStats
	if last.Time.Before(info.StartTime) || last.Time.After(time.Now()) {
		t.Errorf("last sample at %v, run started %v", last.Time, info.StartTime)
	}
	for _, k := range []string{"cpu", "memory_percent", "proc.memory.rssMB", "proc.cpu.threads", "disk./.usagePercent", "network.sent"} {
		if _, ok := last.Values[k]; !ok {
			t.Errorf("last sample lacks %s: %v", k, last.Values)
		}
	}
	for k := range last.Values {
		if strings.HasPrefix(k, "system.") {
			t.Errorf("key %s: the record keeps bare keys", k)
		}
	}
	t.Logf("last sample (%d keys): %v", len(last.Values), last.Values)
}

func TestSystemMetricsOff(t *testing.T) {
	for name, tc := range map[string]struct {
		env  string
		opts []Option
		on   bool
	}{
		"option off":              {opts: []Option{WithSystemMetrics(false)}},
		"env off":                 {env: "true"},
		"env off (1)":             {env: "1"},
		"option wins over env":    {env: "true", opts: []Option{WithSystemMetrics(true)}, on: true},
		"last option wins":        {opts: []Option{WithSystemMetrics(false), WithSystemMetrics(true)}, on: true},
		"default on":              {on: true},
		"bad env keeps it on":     {env: "maybe", on: true},
		"env on, option disables": {env: "false", opts: []Option{WithSystemMetrics(false)}},
	} {
		t.Run(name, func(t *testing.T) {
			run := sysmonRun(t, map[string]string{"WANDB_X_DISABLE_STATS": tc.env}, tc.opts...)
			if on := run.systemMonitor() != nil; on != tc.on {
				t.Errorf("monitor running = %v, want %v", on, tc.on)
			}
			if err := run.Finish(0); err != nil {
				t.Fatal(err)
			}
			info, err := runlog.Replay(run.LogPath(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if (info.StatsSamples > 0) != tc.on {
				t.Errorf("%d stats records with the monitor on=%v", info.StatsSamples, tc.on)
			}
		})
	}
	// Disabled runs have no monitor at all.
	run := sysmonRun(t, map[string]string{"WANDB__DISABLE_STATS": "false"}, WithMode(ModeDisabled))
	if run.systemMonitor() != nil {
		t.Error("a disabled run has a monitor")
	}
	run.Finish(0)
}

// A choice whose Init never takes it is forgotten with the options.
func TestSystemMetricsChoiceTable(t *testing.T) {
	var tbl choiceTable
	o := &initOptions{}
	tbl.set(o, false)
	tbl.set(o, true)
	if on, set := tbl.take(o); !on || !set {
		t.Errorf("take = %v, %v", on, set)
	}
	if _, set := tbl.take(o); set {
		t.Error("a choice is taken twice")
	}
}
