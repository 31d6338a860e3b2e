package wandb

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/rundir"
)

// Finish ends the run (W&B's finish): it commits the pending row, writes the
// summary and the exit record, fsyncs the run log and writes config.yaml
// and wandb-summary.json. exitCode 0 marks the run finished, anything else
// failed. It is idempotent: later calls return the first call's result.
// The documented pattern is
//
//	defer run.Finish(0)
func (r *Run) Finish(exitCode int) error {
	return r.FinishContext(context.Background(), exitCode)
}

// Join is a deprecated alias of Finish, as in W&B.
//
// Deprecated: use Finish.
func (r *Run) Join(exitCode int) error { return r.Finish(exitCode) }

// FinishContext is Finish bounded by ctx: if ctx ends first, Finish returns
// its error and whatever was not yet fsynced is still written by the OS.
func (r *Run) FinishContext(ctx context.Context, exitCode int) error {
	if r == nil {
		return ErrNotInitialized
	}
	r.finishMu.Lock()
	defer r.finishMu.Unlock()
	if r.finishDone {
		return r.finishErr
	}
	r.finishDone = true
	r.finishErr = r.finish(ctx, exitCode)
	unregister(r)
	return r.finishErr
}

func (r *Run) finish(ctx context.Context, exitCode int) error {
	if r.disabled {
		r.finished.Store(true)
		return nil
	}
	r.runFinishHooks(ctx)
	r.stopPlugins(ctx) // plugins.go: flush and stop them while the run still takes records
	r.stopSystemMetrics(ctx)
	var errs []error
	if r.capture != nil {
		errs = append(errs, r.capture.Stop(ctx))
	}
	// Metadata is written by then (or given up on), so it lands before exit.
	waitGroup(ctx, &r.bg)
	runtime := r.now().Sub(r.startTime)
	r.handler.Close(&recordpb.Record{RecordType: &recordpb.Record_Exit{Exit: &recordpb.RunExitRecord{
		ExitCode: int32(exitCode), Runtime: int32(runtime.Seconds()),
	}}})
	r.finished.Store(true)
	errs = append(errs, r.log.Close(ctx))
	r.configDirty.Store(true)
	errs = append(errs, r.writeFiles())
	r.finishUpload(ctx) // online.go: after the log is closed and the files written
	if exitCode == 0 && r.settings.Resume != "" {
		errs = append(errs, rundir.RemoveResume(r.root))
	}
	return wrap("finish", errors.Join(errs...))
}

func waitGroup(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// The process's runs: the default run (W&B's wandb.run) and every active
// run, for the signal handler.
var registry struct {
	sync.Mutex
	current *Run
	active  map[*Run]struct{}
}

func register(r *Run, mode Reinit) {
	registry.Lock()
	defer registry.Unlock()
	if registry.active == nil {
		registry.active = map[*Run]struct{}{}
	}
	registry.active[r] = struct{}{}
	if registry.current == nil || mode != ReinitCreateNew {
		registry.current = r
	}
}

func unregister(r *Run) {
	registry.Lock()
	defer registry.Unlock()
	delete(registry.active, r)
	if registry.current == r {
		registry.current = nil
	}
}

func currentRun() *Run {
	registry.Lock()
	defer registry.Unlock()
	return registry.current
}

func activeRuns() []*Run {
	registry.Lock()
	defer registry.Unlock()
	runs := make([]*Run, 0, len(registry.active))
	for r := range registry.active {
		runs = append(runs, r)
	}
	return runs
}

// SignalExitCode is the exit code runs get when SIGINT or SIGTERM ends the
// process (W&B uses 255 for KeyboardInterrupt).
const SignalExitCode = 255

var signalOnce sync.Once

// installSignalHandler finishes every active run when SIGINT or SIGTERM
// arrives, then lets the signal take its default course.
func installSignalHandler() {
	signalOnce.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		go func() {
			sig := <-ch
			// A second signal while the runs finish ends the process at
			// once, as a second Ctrl-C does in W&B.
			go func() {
				again := <-ch
				os.Exit(128 + int(again.(syscall.Signal)))
			}()
			finishAll(SignalExitCode, 30*time.Second)
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			if p, err := os.FindProcess(os.Getpid()); err == nil {
				_ = p.Signal(sig)
			}
			// The signal is now delivered with its default action; exit in
			// case it was ignored.
			time.Sleep(time.Second)
			os.Exit(128 + int(sig.(syscall.Signal)))
		}()
	})
}

func finishAll(code int, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, r := range activeRuns() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = r.FinishContext(ctx, code)
		}()
	}
	wg.Wait()
}
