package wandb_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/wal"
)

// The crash and signal tests run their runs in a child process: the test
// binary re-executed with helperModeEnv naming what TestHelperProcess does.
const (
	helperModeEnv = "GOWANDB_TEST_HELPER_MODE"
	helperDirEnv  = "GOWANDB_TEST_HELPER_DIR"
	helperIDEnv   = "GOWANDB_TEST_HELPER_ID"
	// crashFlushes is how many confirmed flushes the parent waits for
	// before it kills the child.
	crashFlushes = 20
	// crashFlushEvery is how many rows the child logs between flushes.
	crashFlushEvery = 1000
	// crashProgressEvery is how often the child reports progress without
	// flushing; the parent kills it after a random number of these past
	// the last flush it waits for.
	crashProgressEvery = 250
	// signalRows is how many rows the signal child logs before "ready".
	signalRows = 100
)

// TestHelperProcess is the child side of TestCrash, TestCrashResumeCrashResume
// and TestSignal. It does nothing unless started by them.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperModeEnv)
	if mode == "" {
		t.Skip("the child process of the crash and signal tests")
	}
	dir := os.Getenv(helperDirEnv)
	var err error
	switch mode {
	case "crash":
		err = crashChild(dir)
	case "signal":
		err = signalChild(dir)
	case "idle":
		err = idleChild(dir, os.Getenv(helperIDEnv))
	default:
		err = fmt.Errorf("unknown helper mode %q", mode)
	}
	fmt.Fprintln(os.Stderr, "helper:", err)
	os.Exit(3)
}

// crashChild logs rows as fast as it can and confirms every flush on
// stdout, until the parent kills it.
func crashChild(dir string) error {
	ctx := context.Background()
	run, err := wandb.Init(ctx, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false))
	if err != nil {
		return err
	}
	fmt.Printf("id %s\n", run.ID())
	// A cap, in case the parent never kills us.
	for i := range 20_000_000 {
		if err := run.Log(map[string]any{"i": i, "x": float64(i) * 0.5}); err != nil {
			return fmt.Errorf("log %d: %w", i, err)
		}
		if (i+1)%crashProgressEvery == 0 && (i+1)%crashFlushEvery != 0 {
			// Progress without a flush: the parent may kill us here, with
			// rows in memory, being written, or written but not confirmed.
			if _, err := fmt.Printf("logged %d\n", i); err != nil {
				return err
			}
		}
		if (i+1)%crashFlushEvery == 0 {
			if err := run.Flush(ctx); err != nil {
				return fmt.Errorf("flush after %d: %w", i, err)
			}
			// One write of a short line: the pipe delivers it whole.
			if _, err := fmt.Printf("flushed %d\n", i); err != nil {
				return err
			}
		}
	}
	return errors.New("never killed")
}

// isolateEnv keeps the user's WANDB_* variables and global settings file
// out of the test and out of its children (they inherit os.Environ).
func isolateEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
}

// lockedBuffer collects warnings, which runs also write from background
// work.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// helperCmd is the test binary re-executed as the child process in mode.
func helperCmd(mode, dir string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperDirEnv+"="+dir)
	return cmd
}

// startCmd starts cmd with its stdout on a pipe and its stderr collected;
// the child is killed at the end of the test if it is still there.
func startCmd(t *testing.T, cmd *exec.Cmd) (*bufio.Reader, *bytes.Buffer) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return bufio.NewReader(stdout), stderr
}

// readChildLine returns the next whole line from the child; a fragment
// without a newline at the end of the stream does not count.
func readChildLine(r *bufio.Reader) (string, bool) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", false
	}
	return strings.TrimSuffix(line, "\n"), true
}

// TestCrash kills a run with SIGKILL while it logs as fast as it can, and
// checks that every row confirmed by a Flush is in the run log exactly once
// and in order, that the run reads as crashed, that the next Init warns
// about it and that it can be resumed.
func TestCrash(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and flock semantics are Unix-only")
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	isolateEnv(t)
	dir := t.TempDir()
	cmd := helperCmd("crash", dir)
	out, stderr := startCmd(t, cmd)

	childID := ""
	lastConfirmed, flushes := -1, 0
	// After the last flush waited for, kill at once or after up to 40
	// progress lines (10,000 rows), so that the kill finds the writer in
	// different states: rows only in memory, being written, written.
	killAfter := rand.IntN(41)
	killed := false
	kill := func() {
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		killed = true
	}
	for {
		line, ok := readChildLine(out)
		if !ok {
			break
		}
		if id, ok := strings.CutPrefix(line, "id "); ok {
			childID = id
		}
		if _, ok := strings.CutPrefix(line, "logged "); ok && flushes >= crashFlushes && !killed {
			if killAfter--; killAfter <= 0 {
				kill()
			}
		}
		if s, ok := strings.CutPrefix(line, "flushed "); ok {
			i, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("bad line from the child: %q", line)
			}
			if i <= lastConfirmed {
				t.Fatalf("flush confirmations out of order: %d after %d", i, lastConfirmed)
			}
			lastConfirmed = i
			flushes++
			if flushes >= crashFlushes && killAfter == 0 && !killed {
				kill()
			}
			// After the kill, keep reading: lines already in the pipe
			// are confirmations too.
		}
	}
	err := cmd.Wait()
	if flushes < crashFlushes {
		t.Fatalf("the child stopped after %d flushes (%v); stderr:\n%s", flushes, err, stderr)
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("child: %v, want killed by SIGKILL", err)
	}
	if ws, ok := exitErr.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL; stderr:\n%s", exitErr, stderr)
	}
	t.Logf("killed run %s after %d confirmed flushes; last confirmed row %d", childID, flushes, lastConfirmed)

	// (d) rundir.List finds the run.
	runs, err := rundir.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != childID || !runs[0].Offline {
		t.Fatalf("rundir.List = %+v, want the offline run %s", runs, childID)
	}
	crashed := runs[0]
	logPath := crashed.LogPath()
	fi, err := os.Stat(logPath)
	if err != nil {
		t.Fatal(err)
	}

	// (a) Every row up to the last confirmed one, exactly once, in order,
	// with its values; later rows may be there, intact; damage only at
	// the very end.
	next := 0
	info, err := runlog.Replay(logPath, func(r runlog.Row) error {
		m := r.Map()
		if r.Step != int64(next) || m["i"] != int64(next) || m["x"] != float64(next)*0.5 || m["_step"] != int64(next) {
			return fmt.Errorf("row #%d: step %d, values %v; want i=%d x=%v", next, r.Step, m, next, float64(next)*0.5)
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next <= lastConfirmed {
		t.Fatalf("the run log holds rows 0..%d, but rows up to %d were confirmed by Flush", next-1, lastConfirmed)
	}
	if info.Rows != int64(next) || info.LastStep != int64(next-1) {
		t.Errorf("Info.Rows %d LastStep %d, want %d and %d", info.Rows, info.LastStep, next, next-1)
	}
	// Damage only at the tail: no intact record after it.
	end := intactEnd(t, logPath)
	for _, d := range info.Damage {
		if d.Offset < end {
			t.Errorf("damage %v before the end of the intact records (%d) in the %d-byte log", d, end, fi.Size())
		}
	}
	t.Logf("run log: %d bytes, %d rows (%d past the last confirmed), damage %v", fi.Size(), next, next-1-lastConfirmed, info.Damage)

	// (b) Crashed: no exit record, no live lock.
	if info.Exited || info.InUse || info.State() != runlog.StateCrashed {
		t.Errorf("Replay: Exited %v InUse %v state %s, want crashed", info.Exited, info.InUse, info.State())
	}
	st, err := runlog.ReadStatus(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Exited || st.InUse || st.State() != runlog.StateCrashed || st.LastStep != int64(next-1) {
		t.Errorf("ReadStatus = %+v (%s), want crashed at step %d", st, st.State(), next-1)
	}

	// (c) The next Init of the directory warns about the crashed run...
	ctx := context.Background()
	warnings := &lockedBuffer{}
	other, err := wandb.Init(ctx, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
		wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithWarnings(warnings))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Finish(0); err != nil {
		t.Fatal(err)
	}
	if w := warnings.String(); !strings.Contains(w, childID) || !strings.Contains(w, "crashed") {
		t.Errorf("warnings of the next Init:\n%s\nwant one naming the crashed run %s", w, childID)
	}
	if other.ID() == childID {
		t.Errorf("a plain Init reused the crashed run's id")
	}

	// ... and resume "auto" with its id continues it after its last step.
	warnings = &lockedBuffer{}
	resumed, err := wandb.Init(ctx, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
		wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithWarnings(warnings),
		wandb.WithResume(wandb.ResumeAuto), wandb.WithID(childID))
	if err != nil {
		t.Fatal(err)
	}
	if resumed.ID() != childID || !resumed.Resumed() || resumed.StartingStep() != int64(next) || resumed.Step() != int64(next) {
		t.Errorf("resumed run: id %s resumed %v starting step %d step %d; want %s, true, %d, %d",
			resumed.ID(), resumed.Resumed(), resumed.StartingStep(), resumed.Step(), childID, next, next)
	}
	if err := resumed.Log(map[string]any{"i": next, "x": float64(next) * 0.5}); err != nil {
		t.Fatal(err)
	}
	if err := resumed.Finish(0); err != nil {
		t.Fatal(err)
	}
	rinfo, err := runlog.Replay(resumed.LogPath(), func(r runlog.Row) error {
		if r.Step != int64(next) || r.Map()["i"] != int64(next) {
			return fmt.Errorf("resumed row at step %d: %v, want step %d", r.Step, r.Map(), next)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rinfo.ID != childID || !rinfo.Resumed || rinfo.StartingStep != int64(next) || rinfo.Rows != 1 || rinfo.State() != runlog.StateFinished {
		t.Errorf("resumed run log: id %s resumed %v starting step %d rows %d state %s",
			rinfo.ID, rinfo.Resumed, rinfo.StartingStep, rinfo.Rows, rinfo.State())
	}
	if rinfo.Summary["i"] != int64(next) {
		t.Errorf("resumed summary i = %v, want %d", rinfo.Summary["i"], next)
	}

	// (d) Both parts of the run are found by id, the crashed one first, and
	// the crashed log was left as it was.
	parts, err := rundir.FindID(dir, childID)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || parts[0].Dir != crashed.Dir || parts[1].Dir != resumed.SyncDir() {
		t.Errorf("rundir.FindID = %+v, want the crashed run then the resumed one", parts)
	}
	if fi2, err := os.Stat(logPath); err != nil || fi2.Size() != fi.Size() {
		t.Errorf("the crashed run log changed: %v", err)
	}
	if all, err := rundir.List(dir); err != nil || len(all) != 3 {
		t.Errorf("rundir.List = %d runs, %v; want 3", len(all), err)
	}
}

// intactEnd is the offset just past the last intact record of a run log.
func intactEnd(t *testing.T, path string) int64 {
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
	for {
		if _, err := rd.Next(); errors.Is(err, io.EOF) {
			return rd.IntactEnd()
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

// drainOutput reads the rest of the child's output.
func drainOutput(r io.Reader) { _, _ = io.Copy(io.Discard, r) }

// idleChild starts a run (resuming run id when one is given), logs rows
// "i" and "only_first" 0..9 if it is a new run and nothing if it resumes,
// flushes, says "ready <id>" and waits to be killed.
func idleChild(dir, id string) error {
	ctx := context.Background()
	opts := []wandb.Option{wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false)}
	if id != "" {
		opts = append(opts, wandb.WithResume(wandb.ResumeAuto), wandb.WithID(id))
	}
	run, err := wandb.Init(ctx, opts...)
	if err != nil {
		return err
	}
	if id == "" {
		for i := range 10 {
			if err := run.Log(map[string]any{"i": i, "only_first": i}); err != nil {
				return err
			}
		}
	}
	if err := run.Flush(ctx); err != nil {
		return err
	}
	fmt.Printf("ready %s %d\n", run.ID(), run.StartingStep())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return errors.New("stdin closed before the kill")
}

// killWhenReady runs an idle child and kills it with SIGKILL once it is
// ready; it returns the run id and starting step the child reported.
func killWhenReady(t *testing.T, dir, id string) (string, int64) {
	t.Helper()
	cmd := helperCmd("idle", dir)
	cmd.Env = append(cmd.Env, helperIDEnv+"="+id)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, stderr := startCmd(t, cmd)
	for {
		line, ok := readChildLine(out)
		if !ok {
			cmd.Wait()
			t.Fatalf("the child ended before it was ready; stderr:\n%s", stderr)
		}
		var gotID string
		var start int64
		if _, err := fmt.Sscanf(line, "ready %s %d", &gotID, &start); err == nil {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			drainOutput(out)
			cmd.Wait()
			return gotID, start
		}
	}
}

// TestCrashResumeCrashResume: a run crashes, is resumed, and the resumed
// part crashes too before it logs anything. Resuming again must continue
// after the first part's last step and keep its summary: the last part
// alone does not hold them.
func TestCrashResumeCrashResume(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL and flock semantics are Unix-only")
	}
	if testing.Short() {
		t.Skip("starts child processes")
	}
	isolateEnv(t)
	dir := t.TempDir()
	id, start := killWhenReady(t, dir, "")
	if start != 0 {
		t.Fatalf("first part starts at step %d", start)
	}
	if _, start := killWhenReady(t, dir, id); start != 10 {
		t.Fatalf("second part starts at step %d, want 10", start)
	}
	run, err := wandb.Init(context.Background(), wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
		wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithWarnings(io.Discard),
		wandb.WithResume(wandb.ResumeAuto), wandb.WithID(id))
	if err != nil {
		t.Fatal(err)
	}
	if run.StartingStep() != 10 || run.Step() != 10 {
		t.Errorf("third part: starting step %d, step %d; want 10 (after the first part's last row)", run.StartingStep(), run.Step())
	}
	if err := run.Log(map[string]any{"i": 10}); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	info, err := runlog.Replay(run.LogPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Summary["only_first"] != int64(9) || info.Summary["i"] != int64(10) {
		t.Errorf("final summary %v: want only_first=9 from the first part and i=10", info.Summary)
	}
	parts, err := rundir.FindID(dir, id)
	if err != nil || len(parts) != 3 {
		t.Fatalf("rundir.FindID = %d parts, %v; want 3", len(parts), err)
	}
	// The runtime goes on from the first part's too.
	first, err := runlog.Replay(parts[0].LogPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.LastRuntime < first.LastRuntime {
		t.Errorf("third part's _runtime %v is below the first part's %v", info.LastRuntime, first.LastRuntime)
	}
}
