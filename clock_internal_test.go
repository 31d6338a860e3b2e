package wandb

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The run's clock is private (withClock); through it the run directory's
// timestamp, StartTime, _timestamp and _runtime become exact.
func TestClockDrivesStartTimeDirNameAndRuntime(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())

	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local)
	var mu sync.Mutex
	now := start
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}

	run, err := Init(context.Background(), WithDir(t.TempDir()), WithMode(ModeOffline), WithID("clock001"),
		WithSignalHandler(false), WithWarnings(io.Discard), WithReinit(ReinitCreateNew), withClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Finish(0) })

	if !run.StartTime().Equal(start) {
		t.Errorf("StartTime = %v, want %v", run.StartTime(), start)
	}
	if got := filepath.Base(run.SyncDir()); got != "offline-run-20240102_030405-clock001" {
		t.Errorf("SyncDir = %s", got)
	}

	advance(1500 * time.Millisecond)
	if err := run.Log(map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	advance(time.Second)
	if err := run.Log(map[string]any{"x": 2}); err != nil {
		t.Fatal(err)
	}
	rows, err := run.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows = %v", rows)
	}
	for i, want := range []float64{1.5, 2.5} {
		if rows[i]["_runtime"] != want {
			t.Errorf("row %d _runtime = %v, want %v", i, rows[i]["_runtime"], want)
		}
		ts := float64(start.Add(time.Duration(want*float64(time.Second))).UnixNano()) / 1e9
		if rows[i]["_timestamp"] != ts {
			t.Errorf("row %d _timestamp = %v, want %v", i, rows[i]["_timestamp"], ts)
		}
	}
	if v, _ := run.Summary().Get("_runtime"); v != 2.5 {
		t.Errorf("summary _runtime = %v", v)
	}
}
