package wandb

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"weak"

	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/sysmon"
)

// System metrics (package core/sysmon, wandb-behaviour.md §10): a monitor
// samples the process and the machine (CPU, memory, disk, network, NVIDIA
// GPUs) every x_stats_sampling_interval (15 s by default) from Init to
// Finish, and each sample becomes a stats record in the run log, before the
// exit record. A last sample is taken at Finish, so that a run shorter than
// the interval has one too. Disabled runs have no monitor.

// WithSystemMetrics turns the system metrics monitor on (the default) or off
// (W&B's x_disable_stats). The environment variable WANDB_X_DISABLE_STATS
// (or WANDB__DISABLE_STATS) set to true also turns it off; this option wins
// over it.
func WithSystemMetrics(on bool) Option {
	return func(o *initOptions) { sysmonChoices.set(o, on) }
}

// sysmonChoices holds WithSystemMetrics's choice for the Init call whose
// options it is, until that Init takes it. Keys are weak and removed when
// the options are collected, so an Init that fails early leaks nothing.
var sysmonChoices choiceTable

type choiceTable struct {
	mu sync.Mutex
	m  map[weak.Pointer[initOptions]]bool
}

func (t *choiceTable) set(o *initOptions, on bool) {
	k := weak.Make(o)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[weak.Pointer[initOptions]]bool{}
	}
	if _, ok := t.m[k]; !ok {
		runtime.AddCleanup(o, t.forget, k)
	}
	t.m[k] = on
}

// take returns and forgets the choice for o.
func (t *choiceTable) take(o *initOptions) (on, set bool) {
	k := weak.Make(o)
	t.mu.Lock()
	defer t.mu.Unlock()
	on, set = t.m[k]
	delete(t.m, k)
	return on, set
}

func (t *choiceTable) forget(k weak.Pointer[initOptions]) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, k)
}

// monitors holds each live run's monitor, from Init to Finish.
var monitors = struct {
	sync.Mutex
	m map[*Run]*sysmon.Monitor
}{m: map[*Run]*sysmon.Monitor{}}

// statsDisabledByEnv reads W&B's x_disable_stats from the environment.
func (r *Run) statsDisabledByEnv() bool {
	for _, name := range []string{"WANDB__DISABLE_STATS", "WANDB_X_DISABLE_STATS"} {
		if v := os.Getenv(name); v != "" {
			off, err := strconv.ParseBool(v)
			if err != nil {
				r.warn("%s=%q is not a boolean: system metrics stay on", name, v)
				return false
			}
			return off
		}
	}
	return false
}

// startSystemMetrics starts the run's monitor (Init, after the run log).
func (r *Run) startSystemMetrics(ctx context.Context, o *initOptions) {
	on, set := sysmonChoices.take(o)
	if !set {
		on = !r.statsDisabledByEnv()
	}
	if !on {
		return
	}
	h := r.handler
	m, err := sysmon.New(sysmon.Options{
		Interval:    r.settings.StatsSamplingInterval,
		Now:         r.now,
		FinalSample: true,
		Emit: func(s *recordpb.StatsRecord) {
			h.Emit(&recordpb.Record{RecordType: &recordpb.Record_Stats{Stats: s}})
		},
		OnError: func(err error) { r.warn("system metrics: %v", err) },
	})
	if err != nil {
		r.warn("system metrics are off: %v", err)
		return
	}
	m.Start(context.WithoutCancel(ctx))
	monitors.Lock()
	monitors.m[r] = m
	monitors.Unlock()
}

// stopSystemMetrics takes the last sample and stops the monitor (Finish,
// before the exit record).
func (r *Run) stopSystemMetrics(ctx context.Context) {
	m := r.systemMonitor()
	if m == nil {
		return
	}
	if err := m.Stop(ctx); err != nil {
		r.warn("system metrics: %v", err)
	}
	monitors.Lock()
	delete(monitors.m, r)
	monitors.Unlock()
}

// systemMonitor is the run's monitor, or nil.
func (r *Run) systemMonitor() *sysmon.Monitor {
	monitors.Lock()
	defer monitors.Unlock()
	return monitors.m[r]
}
