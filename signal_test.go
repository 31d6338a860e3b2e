package wandb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/core/runlog"
)

// signalChild starts a run with the default signal handler, logs
// signalRows rows, flushes, says "ready" and waits to be signalled. It
// exits on its own only if its stdin closes (the parent is gone).
func signalChild(dir string) error {
	ctx := context.Background()
	run, err := wandb.Init(ctx, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline))
	if err != nil {
		return err
	}
	for i := range signalRows {
		if err := run.Log(map[string]any{"i": i, "x": float64(i) * 0.5}); err != nil {
			return err
		}
	}
	if err := run.Flush(ctx); err != nil {
		return err
	}
	fmt.Printf("ready %s\n", run.ID())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return errors.New("stdin closed before a signal came")
}

// TestSignal sends SIGTERM or SIGINT to a process with a run: the run must
// be finished with exit code 255 (W&B's code for an interrupt) and the
// process must still die by the signal.
func TestSignal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM/SIGINT delivery to another process on Windows")
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	isolateEnv(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := helperCmd("signal", dir)
			// Held open until the end: the child's guard against
			// outliving us.
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			out, stderr := startCmd(t, cmd)

			id := ""
			for id == "" {
				line, ok := readChildLine(out)
				if !ok {
					cmd.Wait()
					t.Fatalf("the child ended before it was ready; stderr:\n%s", stderr)
				}
				id, _ = strings.CutPrefix(line, "ready ")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			drainOutput(out)
			err = cmd.Wait()
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) {
				t.Fatalf("child after %v: %v, want death by the signal; stderr:\n%s", sig, err, stderr)
			}
			ws, _ := exitErr.Sys().(syscall.WaitStatus)
			if !(ws.Signaled() && ws.Signal() == sig) && ws.ExitStatus() != 128+int(sig) {
				t.Fatalf("child after %v: %v, want killed by %v or exit code %d; stderr:\n%s", sig, exitErr, sig, 128+int(sig), stderr)
			}

			runs, err := rundir.FindID(dir, id)
			if err != nil || len(runs) != 1 {
				t.Fatalf("rundir.FindID(%s) = %v, %v", id, runs, err)
			}
			next := 0
			info, err := runlog.Replay(runs[0].LogPath(), func(r runlog.Row) error {
				m := r.Map()
				if r.Step != int64(next) || m["i"] != int64(next) || m["x"] != float64(next)*0.5 {
					return fmt.Errorf("row #%d: step %d values %v", next, r.Step, m)
				}
				next++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if next != signalRows {
				t.Errorf("%d rows in the run log, want %d", next, signalRows)
			}
			if !info.Exited || wandb.SignalExitCode != 255 || info.ExitCode != 255 || info.State() != runlog.StateFailed {
				t.Errorf("Exited %v ExitCode %d state %s, want an exit record with 255 (failed)", info.Exited, info.ExitCode, info.State())
			}
			if len(info.Damage) != 0 || info.InUse {
				t.Errorf("damage %v InUse %v, want a cleanly closed log", info.Damage, info.InUse)
			}
			if info.Summary["i"] != int64(signalRows-1) {
				t.Errorf("final summary i = %v, want %d", info.Summary["i"], signalRows-1)
			}
			st, err := runlog.ReadStatus(runs[0].LogPath())
			if err != nil || st.State() != runlog.StateFailed || st.ExitCode != 255 {
				t.Errorf("ReadStatus = %+v, %v; want failed with 255", st, err)
			}
		})
	}
}
