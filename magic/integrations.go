package magic

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/gowandb/wandb"
)

// Integration is auto-logging that magic starts for a run when the
// environment or the run's settings ask for it. An integration package
// registers one from its init function, so that importing the package is
// all it takes:
//
//	func init() { magic.Register("gym", magic.IntegrationFunc(startFromEnv)) }
type Integration interface {
	// Start is called by Init, for each run magic is on for, on Init's
	// goroutine: it looks at the environment and run.Settings() and starts
	// what they ask for. It returns the function Finish calls to stop it,
	// while the run still takes records, or nil when it started nothing.
	// ctx is Init's: it bounds the start; work that lives on must not use
	// it. An error is reported as a warning and the run goes on.
	Start(ctx context.Context, run *wandb.Run) (stop func(ctx context.Context) error, err error)
}

// IntegrationFunc is a function as an Integration.
type IntegrationFunc func(ctx context.Context, run *wandb.Run) (stop func(ctx context.Context) error, err error)

// Start calls f.
func (f IntegrationFunc) Start(ctx context.Context, run *wandb.Run) (func(context.Context) error, error) {
	return f(ctx, run)
}

// Register adds an integration under name, started for every later run
// magic is on for, in name order. It panics if name is empty or taken or
// in is nil, as registering twice is a programming error (like
// database/sql.Register).
func Register(name string, in Integration) {
	if name == "" || in == nil {
		panic("magic: Register with an empty name or a nil integration")
	}
	integrations.Lock()
	defer integrations.Unlock()
	if integrations.byName == nil {
		integrations.byName = map[string]Integration{}
	}
	if _, dup := integrations.byName[name]; dup {
		panic(fmt.Sprintf("magic: Register called twice for %q", name))
	}
	integrations.byName[name] = in
}

// Registered lists the registered integrations' names, sorted.
func Registered() []string {
	integrations.Lock()
	defer integrations.Unlock()
	return slices.Sorted(maps.Keys(integrations.byName))
}

// startIntegrations starts every registered integration not turned off.
func (s *session) startIntegrations(ctx context.Context) {
	integrations.Lock()
	byName := maps.Clone(integrations.byName)
	integrations.Unlock()
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		if slices.Contains(s.cfg.Off, name) {
			continue
		}
		stop, err := startOne(ctx, s.run, byName[name])
		if err != nil {
			s.warn(fmt.Sprintf("magic: integration %s: %v", name, err))
		}
		if stop != nil {
			s.stops = append(s.stops, namedStop{name, stop})
		}
	}
}

func startOne(ctx context.Context, run *wandb.Run, in Integration) (stop func(context.Context) error, err error) {
	defer func() {
		if p := recover(); p != nil {
			stop, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	return in.Start(ctx, run)
}
