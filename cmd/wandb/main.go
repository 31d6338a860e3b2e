// Command wandb is the gowandb CLI: W&B's `wandb` command for the runs a
// gowandb program leaves on disk. It switches a directory between online,
// offline and disabled mode (wandb online|offline|disabled), shows the
// resolved settings and where each came from (wandb status), lists the local
// runs with their state (wandb runs ls), shows one run (wandb run show) and
// exports its history as JSON lines or CSV (wandb export).
//
// Everything it says about a run comes from the run log (run-<id>.wandb),
// replayed with package runlog: a run is finished or failed when the log
// holds an exit record, running while a live process holds the log's lock,
// and crashed otherwise. A damaged log is read up to and past the damage;
// the skipped stretches are reported on standard error, not as an error.
//
// Exit codes: 0 on success, 1 when the work failed (a missing run, an
// unreadable file), 2 for a usage mistake (a missing or extra argument, an
// unknown command, flag or format).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}
