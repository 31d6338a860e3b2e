package wandb

// Run hooks: the point where packages that import wandb (magic, and
// integrations through magic) are called at every run's Init and Finish.
// The root package cannot import them (they import it), so they register
// themselves from their init functions and Init calls what is registered.

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
)

// RunHook is called by Init for every run it starts (not for disabled
// runs, nor when Init returns an already active run), after the run log,
// metadata collection and plugins have started and the run has become the
// default run, before Init returns. ctx is Init's; warn prints a warning
// the way the run prints its own (WithWarnings, silent and quiet apply).
// It returns the function Finish calls, or nil: Finish calls it first,
// while the run still takes records (so it may log, change the config or
// stop its integrations), with Finish's ctx.
//
// A hook runs on Init's goroutine and should not block: slow work belongs
// on a goroutine that the returned function waits for. A hook that panics
// is reported as a warning and the run goes on.
type RunHook func(ctx context.Context, r *Run, warn func(msg string)) (onFinish func(ctx context.Context))

// runHooks is the process's hook registry (process-wide, like the default
// run): written by the init functions of packages that use
// RegisterRunHook, read by every Init and Finish.
var runHooks struct {
	sync.Mutex
	names []string
	hooks []RunHook
	// finish holds the functions the hooks returned, per active run.
	finish map[*Run][]func(context.Context)
}

// RegisterRunHook adds hook under name, called for every later run in the
// order of registration. It is meant for init functions (package magic
// registers "magic"); registering a name again replaces that hook.
func RegisterRunHook(name string, hook RunHook) {
	if hook == nil {
		return
	}
	runHooks.Lock()
	defer runHooks.Unlock()
	if i := slices.Index(runHooks.names, name); i >= 0 {
		runHooks.hooks[i] = hook
		return
	}
	runHooks.names = append(runHooks.names, name)
	runHooks.hooks = append(runHooks.hooks, hook)
}

// runInitHooks calls the registered hooks for a run Init has started.
func (r *Run) runInitHooks(ctx context.Context) {
	runHooks.Lock()
	names, hooks := slices.Clone(runHooks.names), slices.Clone(runHooks.hooks)
	runHooks.Unlock()
	if !slices.Contains(names, "magic") {
		if v, ok := os.LookupEnv("WANDB_MAGIC"); magicRequested(r.magic) || r.magic == nil && ok && magicRequested(v) {
			r.warn(`magic was asked for, but package magic is not part of this program: add import _ "github.com/gowandb/wandb/magic" (or .../magic/auto)`)
		}
	}
	var fins []func(context.Context)
	for i, h := range hooks {
		if fin := r.callHook(ctx, names[i], h); fin != nil {
			fins = append(fins, fin)
		}
	}
	if len(fins) == 0 {
		return
	}
	runHooks.Lock()
	defer runHooks.Unlock()
	if runHooks.finish == nil {
		runHooks.finish = map[*Run][]func(context.Context){}
	}
	runHooks.finish[r] = fins
}

func (r *Run) callHook(ctx context.Context, name string, h RunHook) (fin func(context.Context)) {
	defer func() {
		if p := recover(); p != nil {
			r.warn("run hook %q panicked at Init: %v", name, p)
			fin = nil
		}
	}()
	return h(ctx, r, func(msg string) { r.warn("%s", msg) })
}

// runFinishHooks calls, once, what the Init hooks returned for the run.
func (r *Run) runFinishHooks(ctx context.Context) {
	runHooks.Lock()
	fins := runHooks.finish[r]
	delete(runHooks.finish, r)
	runHooks.Unlock()
	for _, fin := range fins {
		func() {
			defer func() {
				if p := recover(); p != nil {
					r.warn("run hook panicked at Finish: %v", p)
				}
			}()
			fin(ctx)
		}()
	}
}

// magicRequested says whether a WithMagic value or WANDB_MAGIC asks for
// magic: anything but nil, false, "", "false", "0" and "off".
func magicRequested(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "", "false", "0", "off", "no":
			return false
		}
	}
	return true
}
