package runlog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/wal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// writeLog writes recs as a complete run log at path and returns path.
func writeLog(t testing.TB, path string, recs ...*recordpb.Record) string {
	t.Helper()
	w, err := Create(path, Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		r.Num = int64(i + 1)
		w.Append(marshal(t, r))
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return path
}

func ptr[T any](v T) *T { return &v }

func runRec(id string) *recordpb.Record {
	return &recordpb.Record{RecordType: &recordpb.Record_Run{Run: &recordpb.RunRecord{
		RunId: id, Entity: "ent", Project: "proj", DisplayName: "brave-owl-1", Notes: "n",
		RunGroup: "g", JobType: "train", SweepId: "sw", Host: "box", Tags: []string{"a", "b"},
		StartTime:    timestamppb.New(time.Unix(1700000000, 0)),
		StartingStep: 0,
		Config: &recordpb.ConfigRecord{Update: []*recordpb.ConfigItem{
			{Key: "lr", ValueJson: "0.1"},
			{NestedKey: []string{"opt", "name"}, ValueJson: `"adam"`},
		}},
	}}}
}

func configRec(update map[string]string, remove ...string) *recordpb.Record {
	c := &recordpb.ConfigRecord{}
	for _, k := range slices.Sorted(mapsKeys(update)) {
		c.Update = append(c.Update, &recordpb.ConfigItem{Key: k, ValueJson: update[k]})
	}
	for _, k := range remove {
		c.Remove = append(c.Remove, &recordpb.ConfigItem{Key: k})
	}
	return &recordpb.Record{RecordType: &recordpb.Record_Config{Config: c}}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// historyRec is a row as gowandb writes it: binary numbers, _step,
// _runtime and _timestamp.
func historyRec(step int64, loss float64, top1 float64) *recordpb.Record {
	return &recordpb.Record{RecordType: &recordpb.Record_History{History: &recordpb.HistoryRecord{
		Item: []*recordpb.HistoryItem{
			{Key: "loss", ValueDouble: ptr(loss)},
			{NestedKey: []string{"acc", "top1"}, ValueDouble: ptr(top1)},
			{Key: "label", ValueJson: fmt.Sprintf(`"row %d"`, step)},
			{Key: "_timestamp", ValueDouble: ptr(1700000000 + float64(step))},
			{Key: "_runtime", ValueDouble: ptr(float64(step) / 2)},
			{Key: "_step", ValueInt: ptr(step)},
		},
		Step: &recordpb.HistoryStep{Num: step},
	}}}
}

func summaryRec(update map[string]string, remove ...string) *recordpb.Record {
	s := &recordpb.SummaryRecord{}
	for _, k := range slices.Sorted(mapsKeys(update)) {
		s.Update = append(s.Update, &recordpb.SummaryItem{Key: k, ValueJson: update[k]})
	}
	for _, k := range remove {
		s.Remove = append(s.Remove, &recordpb.SummaryItem{Key: k})
	}
	return &recordpb.Record{RecordType: &recordpb.Record_Summary{Summary: s}}
}

func metricRec(name string) *recordpb.Record {
	return &recordpb.Record{RecordType: &recordpb.Record_Metric{Metric: &recordpb.MetricRecord{
		Name: name, Summary: &recordpb.MetricSummary{Min: true},
	}}}
}

func filesRec(paths ...string) *recordpb.Record {
	f := &recordpb.FilesRecord{}
	for _, p := range paths {
		f.Files = append(f.Files, &recordpb.FilesItem{Path: p})
	}
	return &recordpb.Record{RecordType: &recordpb.Record_Files{Files: f}}
}

func exitRec(code int32) *recordpb.Record {
	return &recordpb.Record{RecordType: &recordpb.Record_Exit{Exit: &recordpb.RunExitRecord{ExitCode: code, Runtime: 3}}}
}

// runRecords is a whole run: the records before the final summary and exit.
func runRecords() []*recordpb.Record {
	return []*recordpb.Record{
		{RecordType: &recordpb.Record_Header{Header: &recordpb.HeaderRecord{}}},
		runRec("abc123"),
		configRec(map[string]string{"batch": "32"}, "lr"),
		metricRec("loss"),
		filesRec("wandb-metadata.json", "code/train.py"),
		historyRec(0, 0.9, 0.1),
		summaryRec(map[string]string{"best": "0.75"}),
		historyRec(1, 0.5, 0.4),
		filesRec("model.pt", "wandb-metadata.json"),
		historyRec(2, 0.7, 0.6),
		outputRec("hello\n"),
	}
}

func TestReplayFinishedRun(t *testing.T) {
	recs := append(runRecords(),
		summaryRec(map[string]string{"loss": "0.5", "best": "0.75", "only_final": "1"}),
		exitRec(0),
	)
	path := writeLog(t, filepath.Join(t.TempDir(), "run-abc123.wandb"), recs...)
	var steps []int64
	info, err := Replay(path, func(r Row) error {
		steps = append(steps, r.Step)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.Path != path || info.ID != "abc123" || info.Entity != "ent" || info.Project != "proj" ||
		info.Name != "brave-owl-1" || info.Notes != "n" || info.Group != "g" || info.JobType != "train" ||
		info.SweepID != "sw" || info.Host != "box" || !slices.Equal(info.Tags, []string{"a", "b"}) {
		t.Errorf("run fields: %+v", info)
	}
	if !info.StartTime.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("StartTime = %v", info.StartTime)
	}
	wantCfg := map[string]any{"batch": int64(32), "opt": map[string]any{"name": "adam"}}
	if !reflect.DeepEqual(info.Config, wantCfg) {
		t.Errorf("Config = %#v, want %#v (run record config, then the update and the removal)", info.Config, wantCfg)
	}
	if !slices.Equal(steps, []int64{0, 1, 2}) || info.Rows != 3 || info.LastStep != 2 {
		t.Errorf("rows: steps %v Rows %d LastStep %d", steps, info.Rows, info.LastStep)
	}
	if info.LastRuntime != 1 || info.LastTimestamp != 1700000002 {
		t.Errorf("LastRuntime %v LastTimestamp %v, want 1 and 1700000002", info.LastRuntime, info.LastTimestamp)
	}
	if len(info.Metrics) != 1 || info.Metrics[0].Name != "loss" || !info.Metrics[0].Summary.GetMin() {
		t.Errorf("Metrics = %v", info.Metrics)
	}
	if want := []string{"wandb-metadata.json", "code/train.py", "model.pt"}; !slices.Equal(info.Files, want) {
		t.Errorf("Files = %q, want %q (in order, each once)", info.Files, want)
	}
	if !info.Exited || info.ExitCode != 0 || info.State() != StateFinished {
		t.Errorf("exit: Exited %v code %d state %s", info.Exited, info.ExitCode, info.State())
	}
	// After exit the final summary record is the summary: history values
	// it does not hold (acc, label) are not added back.
	wantSum := map[string]any{"loss": 0.5, "best": 0.75, "only_final": int64(1)}
	if !reflect.DeepEqual(info.Summary, wantSum) {
		t.Errorf("Summary = %#v, want the final summary %#v", info.Summary, wantSum)
	}
	if info.Records != len(recs) || info.Unknown != 0 || len(info.Damage) != 0 || info.InUse {
		t.Errorf("Records %d (want %d) Unknown %d Damage %v InUse %v", info.Records, len(recs), info.Unknown, info.Damage, info.InUse)
	}
}

func TestReplayFailedRun(t *testing.T) {
	recs := append(runRecords(), summaryRec(map[string]string{"loss": "0.7"}), exitRec(1))
	path := writeLog(t, filepath.Join(t.TempDir(), "run-abc123.wandb"), recs...)
	info, err := Replay(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Exited || info.ExitCode != 1 || info.State() != StateFailed {
		t.Errorf("Exited %v code %d state %s, want failed with 1", info.Exited, info.ExitCode, info.State())
	}
	st, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.State() != StateFailed || st.ExitCode != 1 || st.LastStep != 2 || st.LastTimestamp != 1700000002 {
		t.Errorf("ReadStatus = %+v (%s), want failed, code 1, last step 2", st, st.State())
	}
}

func TestReplayCrashedRunSummaryFromHistoryAndUpdates(t *testing.T) {
	recs := append(runRecords(),
		summaryRec(map[string]string{"loss": "0.25"}), // explicit, after the last row
		summaryRec(nil, "label"),                      // an explicit removal
	)
	path := writeLog(t, filepath.Join(t.TempDir(), "run-abc123.wandb"), recs...)
	info, err := Replay(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Exited || info.State() != StateCrashed {
		t.Fatalf("Exited %v state %s, want crashed", info.Exited, info.State())
	}
	want := map[string]any{
		"loss":       0.25,                        // explicit update after the row
		"acc":        map[string]any{"top1": 0.6}, // last row
		"best":       0.75,                        // explicit update kept
		"_timestamp": float64(1700000002),         // last row
		"_runtime":   1.0,                         // last row
		"_step":      int64(2),                    // last row
	}
	if !reflect.DeepEqual(info.Summary, want) {
		t.Errorf("Summary = %#v\nwant %#v", info.Summary, want)
	}
	st, err := ReadStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Exited || st.State() != StateCrashed || st.LastStep != 2 {
		t.Errorf("ReadStatus = %+v (%s), want crashed at step 2", st, st.State())
	}
}

func TestReplayLiveRunIsRunning(t *testing.T) {
	if !lockSupported {
		t.Skip("no flock on this platform")
	}
	path := filepath.Join(t.TempDir(), "run-abc123.wandb")
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	w.Append(marshal(t, runRec("abc123")))
	w.Append(marshal(t, historyRec(0, 1, 1)))
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	info, err := Replay(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !info.InUse || info.State() != StateRunning || info.Rows != 1 {
		t.Errorf("InUse %v state %s rows %d, want a running run with 1 row", info.InUse, info.State(), info.Rows)
	}
}

func TestReplayOnRowErrorStops(t *testing.T) {
	path := writeLog(t, filepath.Join(t.TempDir(), "run-abc123.wandb"), runRecords()...)
	stop := errors.New("enough")
	n := 0
	_, err := Replay(path, func(Row) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("Replay = %v after %d rows, want the callback's error after 1", err, n)
	}
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Replay(filepath.Join(dir, "missing.wandb"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	notLog := filepath.Join(dir, "x.wandb")
	if err := os.WriteFile(notLog, []byte("hello world"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Replay(notLog, nil); !errors.Is(err, wal.ErrBadHeader) {
		t.Errorf("not a run log: %v, want wal.ErrBadHeader", err)
	}
	if _, err := ReadStatus(notLog); !errors.Is(err, wal.ErrBadHeader) {
		t.Errorf("ReadStatus(not a run log): %v, want wal.ErrBadHeader", err)
	}
}

// manyRows writes a crashed run of n rows and returns its path.
func manyRows(t testing.TB, n int) string {
	recs := []*recordpb.Record{runRec("abc123")}
	for i := range n {
		recs = append(recs, historyRec(int64(i), float64(i), float64(i)/10))
	}
	return writeLog(t, filepath.Join(t.TempDir(), "run-abc123.wandb"), recs...)
}

// checkRows replays path and checks that the rows it returns are intact
// rows of manyRows, in order, without duplicates.
func checkRows(t *testing.T, path string) ([]int64, *Info) {
	t.Helper()
	var steps []int64
	info, err := Replay(path, func(r Row) error {
		m := r.Map()
		if m["loss"] != float64(r.Step) || m["_step"] != r.Step || m["label"] != fmt.Sprintf("row %d", r.Step) {
			return fmt.Errorf("row %d is wrong: %v", r.Step, m)
		}
		if len(steps) > 0 && r.Step <= steps[len(steps)-1] {
			return fmt.Errorf("row %d after row %d", r.Step, steps[len(steps)-1])
		}
		steps = append(steps, r.Step)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return steps, info
}

func TestReplayDamagedMiddleKeepsIntactRows(t *testing.T) {
	const n = 3000 // about 6 blocks
	path := manyRows(t, n)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 4*wal.BlockSize {
		t.Fatalf("log is only %d bytes; want at least 4 blocks", len(b))
	}
	// Flip bytes in the middle of block 2.
	for i := 2*wal.BlockSize + 1000; i < 2*wal.BlockSize+1010; i++ {
		b[i] ^= 0xFF
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	steps, info := checkRows(t, path)
	if len(info.Damage) == 0 {
		t.Fatal("no damage reported")
	}
	for _, d := range info.Damage {
		// The rest of block 2 is skipped, and the tail of a record that
		// began there is dropped at the start of block 3.
		if d.Offset < 2*wal.BlockSize || d.Offset > 3*wal.BlockSize {
			t.Errorf("damage %v outside the damaged block", d)
		}
	}
	if len(steps) >= n || len(steps) < n-wal.BlockSize/100 {
		t.Errorf("%d of %d rows read; want all but one block's worth", len(steps), n)
	}
	if steps[0] != 0 || steps[len(steps)-1] != n-1 {
		t.Errorf("rows %d..%d, want the first and last rows kept", steps[0], steps[len(steps)-1])
	}
	if info.LastStep != n-1 || info.Rows != int64(len(steps)) {
		t.Errorf("LastStep %d Rows %d", info.LastStep, info.Rows)
	}
}

func TestReplayTornTail(t *testing.T) {
	const n = 500
	path := manyRows(t, n)
	size := fileSize(t, path)
	for _, cut := range []int64{1, 3, 8, 20, 41} {
		t.Run(fmt.Sprint("cut", cut), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "run-abc123.wandb")
			b, _ := os.ReadFile(path)
			if err := os.WriteFile(p, b[:size-cut], 0o644); err != nil {
				t.Fatal(err)
			}
			steps, info := checkRows(t, p)
			if len(steps) != n-1 || steps[len(steps)-1] != n-2 {
				t.Errorf("%d rows ending at %d, want %d rows ending at %d", len(steps), steps[len(steps)-1], n-1, n-2)
			}
			if len(info.Damage) != 1 || info.Damage[0].Offset+info.Damage[0].Length != size-cut {
				t.Errorf("damage %v, want one stretch running to the end (%d)", info.Damage, size-cut)
			}
			if info.State() != StateCrashed {
				t.Errorf("state %s, want crashed", info.State())
			}
		})
	}
}

func TestRowMapNests(t *testing.T) {
	r := Row{Step: 4, Items: []Item{
		{Path: []string{"a", "b"}, ValueJSON: "1"},
		{Path: []string{"a", "c"}, ValueJSON: `"x"`},
		{Path: []string{"a", "d", "e"}, ValueJSON: "2.5"},
		{Path: []string{"n"}, ValueJSON: "NaN"},
		{Path: []string{"inf"}, ValueJSON: "-Infinity"},
		{Path: []string{"obj"}, ValueJSON: `{"k": [1, 2]}`},
		{Path: []string{"bad"}, ValueJSON: "{not json"},
	}}
	m := r.Map()
	a, _ := m["a"].(map[string]any)
	if a["b"] != int64(1) || a["c"] != "x" || !reflect.DeepEqual(a["d"], map[string]any{"e": 2.5}) {
		t.Errorf("nested: %#v", m["a"])
	}
	if f, ok := m["n"].(float64); !ok || !math.IsNaN(f) {
		t.Errorf("n = %#v, want NaN", m["n"])
	}
	if f, ok := m["inf"].(float64); !ok || !math.IsInf(f, -1) {
		t.Errorf("inf = %#v, want -Inf", m["inf"])
	}
	if !reflect.DeepEqual(m["obj"], map[string]any{"k": []any{int64(1), int64(2)}}) {
		t.Errorf("obj = %#v", m["obj"])
	}
	if m["bad"] != "{not json" {
		t.Errorf("undecodable value = %#v, want the raw text", m["bad"])
	}
}

// TestReadStatusLargeFinalSummary: the final summary is bigger than a
// block, so the exit record after it is far from where the summary starts;
// reading the tail still finds it.
func TestReadStatusLargeFinalSummary(t *testing.T) {
	for _, size := range []int{wal.BlockSize + 100, 3*wal.BlockSize - 50, 5 * wal.BlockSize} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			big := map[string]string{}
			for i := 0; len(big)*40 < size; i++ {
				big[fmt.Sprintf("metric_%06d", i)] = fmt.Sprintf(`"%020d"`, i)
			}
			recs := append(runRecords(), summaryRec(big), exitRec(7))
			path := writeLog(t, filepath.Join(t.TempDir(), "run-abc123.wandb"), recs...)
			if fileSize(t, path) < int64(size) {
				t.Fatalf("log is %d bytes, want over %d", fileSize(t, path), size)
			}
			st, err := ReadStatus(path)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Exited || st.ExitCode != 7 || st.State() != StateFailed {
				t.Errorf("ReadStatus = %+v (%s), want exited with 7", st, st.State())
			}
			info, err := Replay(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(info.Summary) != len(big) || len(info.Damage) != 0 {
				t.Errorf("Replay: %d summary keys (want %d), damage %v", len(info.Summary), len(big), info.Damage)
			}
		})
	}
}

const realRun = "../../../shared/testdata/wandb-offline-run/offline-run-20210216_154407-g9dvvkua/run-g9dvvkua.wandb"

// TestReplayRealWandbOfflineRun replays a run log written by W&B's Python
// client (0.10.20), checked in under the shared test data.
func TestReplayRealWandbOfflineRun(t *testing.T) {
	if _, err := os.Stat(realRun); err != nil {
		t.Skipf("the shared W&B offline run is not here (%v); it lives in /work/shared/testdata", err)
	}
	info, err := Replay(realRun, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "g9dvvkua" || info.Project != "code-toad" || info.Host != "cvp" {
		t.Errorf("id %q project %q host %q", info.ID, info.Project, info.Host)
	}
	if !info.StartTime.Equal(time.Unix(1613519047, 0)) {
		t.Errorf("StartTime = %v", info.StartTime)
	}
	wb, _ := info.Config["_wandb"].(map[string]any)
	if wb["code_path"] != "code/standalone_tests/code-toad.py" {
		t.Errorf("config _wandb = %#v, want code_path", info.Config["_wandb"])
	}
	for _, f := range []string{"wandb-metadata.json", "code/standalone_tests/code-toad.py", "diff.patch"} {
		if !slices.Contains(info.Files, f) {
			t.Errorf("Files %q lack %s", info.Files, f)
		}
	}
	// header, run, files, artifact, telemetry, exit, stats, summary,
	// final, footer: all ten decode, the artifact record included.
	if info.Records != 10 || info.Unknown != 0 {
		t.Errorf("Records %d Unknown %d, want 10 and 0", info.Records, info.Unknown)
	}
	if !info.Exited || info.ExitCode != 0 || info.State() != StateFinished {
		t.Errorf("Exited %v code %d state %s", info.Exited, info.ExitCode, info.State())
	}
	if info.Rows != 0 || len(info.Damage) != 0 || len(info.Summary) != 0 {
		t.Errorf("Rows %d Damage %v Summary %v, want none", info.Rows, info.Damage, info.Summary)
	}
	st, err := ReadStatus(realRun)
	if err != nil {
		t.Fatal(err)
	}
	if st.State() != StateFinished {
		t.Errorf("ReadStatus state %s, want finished", st.State())
	}
}

func TestFindLog(t *testing.T) {
	dir := t.TempDir()
	if _, err := FindLog(dir); err == nil || !strings.Contains(err.Error(), "no run log") {
		t.Errorf("FindLog(empty) = %v", err)
	}
	os.Mkdir(filepath.Join(dir, "run-dir.wandb"), 0o755) // a directory is not a log
	os.WriteFile(filepath.Join(dir, "run-abc.wandb"), nil, 0o644)
	got, err := FindLog(dir)
	if err != nil || got != filepath.Join(dir, "run-abc.wandb") {
		t.Errorf("FindLog = %q, %v", got, err)
	}
}

// TestReplayLegacyOrder: W&B's Python client wrote the final summary after
// the exit record; it still wins.
func TestReplayLegacyOrder(t *testing.T) {
	recs := append(runRecords(), exitRec(0), summaryRec(map[string]string{"loss": "0.1"}))
	path := writeLog(t, filepath.Join(t.TempDir(), "run-abc123.wandb"), recs...)
	info, err := Replay(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"loss": 0.1}; !reflect.DeepEqual(info.Summary, want) || info.State() != StateFinished {
		t.Errorf("Summary %#v state %s, want %#v finished", info.Summary, info.State(), want)
	}
}
