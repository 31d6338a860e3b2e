package tensorboard

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

func steps(rows []Row) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.Step
	}
	return out
}

// The background loop polls on its ticker: appended events show up one
// poll later, a rotated file is followed after the old one is read to its
// end, and a new subdirectory gets its own namespace. Time is synctest's.
func TestWatchFollowsAppendsAndRotation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logDir := t.TempDir()
		sink := &memSink{}
		w, err := WatchTo(t.Context(), sink, logDir, WithPollInterval(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		tick := func() {
			time.Sleep(5 * time.Second)
			synctest.Wait()
		}
		tick() // the directory is empty: nothing

		a, err := tfevents.Create(logDir, tfevents.WithHostname("box"))
		if err != nil {
			t.Fatal(err)
		}
		a.WriteScalar("loss", 1, 1)
		a.WriteScalar("loss", 2, 0.5)
		a.WriteScalar("acc", 2, 0.1) // step 2 stays pending: more may come
		a.Flush()
		tick()
		if got := steps(sink.Rows()); !slices.Equal(got, []int64{1}) {
			t.Fatalf("after the first writes: steps %v, want [1]", got)
		}
		tick() // nothing new for a whole interval: step 2 is written
		if got := steps(sink.Rows()); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("after an idle poll: steps %v, want [1 2]", got)
		}

		// The writer restarts: the old file gets its last events, then a
		// newer file starts (a later time in its name).
		a.WriteScalar("loss", 3, 0.25)
		a.Close()
		time.Sleep(time.Second)
		b, err := tfevents.Create(logDir, tfevents.WithHostname("box"))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteScalar("loss", 4, 0.125)
		b.WriteScalar("loss", 5, 0.0625)
		b.Flush()
		// And a train/ subdirectory appears.
		c, err := tfevents.Create(filepath.Join(logDir, "train"), tfevents.WithHostname("box"))
		if err != nil {
			t.Fatal(err)
		}
		c.WriteScalar("loss", 1, 9)
		c.Close()
		tick()
		rows := sink.Rows()
		if got := steps(rows); !slices.Equal(got, []int64{1, 2, 3, 4}) {
			t.Fatalf("after rotation: steps %v, want [1 2 3 4] (step 5 pending, train/ pending)", got)
		}
		if rows[2].Values["loss"].Number != 0.25 || rows[3].Values["loss"].Number != 0.125 {
			t.Errorf("rows %+v", rows[2:])
		}
		b.WriteScalar("loss", 6, 0.03)
		b.Close()
		if err := w.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		rows = sink.Rows()
		if got := steps(rows); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6, 1}) {
			t.Fatalf("after Stop: steps %v", got)
		}
		if v, ok := rows[6].Values["train/loss"]; !ok || v.Number != 9 {
			t.Errorf("train row %+v", rows[6])
		}
		st := w.Stats()
		if st.Files != 3 || st.Events != 11 || st.Rows != 7 { // 3 file versions, 8 scalars
			t.Errorf("stats %+v", st)
		}
		if len(sink.saved) != 3 {
			t.Errorf("saved %v", sink.saved)
		}
		if err := w.Stop(context.Background()); err != nil {
			t.Errorf("second Stop: %v", err)
		}
		if err := w.Poll(context.Background()); err != nil {
			t.Errorf("Poll after Stop: %v", err)
		}
	})
}

// A record written in pieces is picked up once whole; a torn record left
// at Stop is reported as damage.
func TestWatchPartialRecord(t *testing.T) {
	logDir := t.TempDir()
	sink := &memSink{}
	w, err := WatchTo(context.Background(), sink, logDir, WithPollInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	path := writeLog(t, t.TempDir())
	data, _ := os.ReadFile(path)
	dst := filepath.Join(logDir, filepath.Base(path))
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for off := 0; off < len(data); off += 50 {
		f.Write(data[off:min(off+50, len(data))])
		if err := w.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	f.Write(data[:30]) // a torn write
	if err := w.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(w.Stats().Damage) != 0 {
		t.Fatalf("damage while tailing: %v", w.Stats().Damage)
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if got := steps(sink.Rows()); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("steps %v", got)
	}
	if len(st.Damage) != 1 || st.Damage[0].Offset != int64(len(data)) || st.Damage[0].Length != 30 || st.Damage[0].Path != dst {
		t.Errorf("damage %v", st.Damage)
	}
}

// Watch of a run reads only this run's files (named after its start, on
// this host), logs them into the run and saves them at Stop.
func TestWatchRun(t *testing.T) {
	run := startRun(t)
	logDir := t.TempDir()
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname")
	}
	w, err := Watch(context.Background(), run, logDir, WithPollInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	start := run.StartTime()
	later := start.Add(time.Second)
	files := []struct {
		when   time.Time
		host   string
		suffix string
		step   int64
	}{
		{start.Add(-time.Hour), host, "", 100}, // an earlier run's
		{later, "elsewhere", "", 200},          // another machine's
		{later, host, "", 1},                   // ours
		{later, host, ".1234.0.v2", 2},         // ours, as TensorFlow 2 names it
	}
	for _, f := range files {
		wr, err := tfevents.Create(logDir, tfevents.WithClock(func() time.Time { return f.when }),
			tfevents.WithHostname(f.host), tfevents.WithFileSuffix(f.suffix))
		if err != nil {
			t.Fatal(err)
		}
		wr.WriteScalar("loss", f.step, float64(f.step))
		wr.Close()
	}
	if err := w.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := run.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, r := range rows {
		got = append(got, num(t, r["global_step"]))
		if r["loss"] != r["global_step"] && num(t, r["loss"]) != num(t, r["global_step"]) {
			t.Errorf("row %v", r)
		}
	}
	if !slices.Equal(got, []float64{1, 2}) {
		t.Errorf("global steps %v, want [1 2]", got)
	}
	secs := strconv.FormatInt(later.Unix(), 10)
	for _, name := range []string{"events.out.tfevents." + secs + "." + host, "events.out.tfevents." + secs + "." + host + ".1234.0.v2"} {
		if _, err := os.Stat(filepath.Join(run.Dir(), name)); err != nil {
			t.Errorf("not saved: %v", err)
		}
	}
	entries, _ := os.ReadDir(run.Dir())
	n := 0
	for _, e := range entries {
		if (Filter{}).Match(e.Name()) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d event files saved, want 2", n)
	}
}

// Patch needs the log directory, and Enabled reports the setting.
func TestPatch(t *testing.T) {
	run := startRun(t, wandb.WithSyncTensorboard(true))
	if !Enabled(run) {
		t.Error("sync_tensorboard not seen")
	}
	if _, err := Patch(context.Background(), run, ""); err == nil {
		t.Error("Patch without a log directory")
	}
	w, err := Patch(context.Background(), run, t.TempDir(), WithPollInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if Enabled(nil) || Enabled(startRun(t)) {
		t.Error("Enabled without the setting")
	}
	if _, err := Watch(context.Background(), nil, "x"); err == nil {
		t.Error("Watch of a nil run")
	}
	if _, err := WatchTo(context.Background(), &memSink{}, "x", WithPollInterval(-1)); err == nil {
		t.Error("negative poll interval")
	}
}
