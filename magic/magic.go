package magic

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gowandb/wandb"
)

func init() {
	wandb.RegisterRunHook("magic", onInit)
}

// auto is set by the magic/auto import: magic on unless turned off.
var auto atomic.Bool

// EnableByDefault turns magic on for every run that does not turn it off
// (WithMagic(false), WANDB_MAGIC=false). The magic/auto package calls it
// from its init function; call it yourself only in place of that import.
func EnableByDefault() { auto.Store(true) }

// Resolve is the configuration magic uses for run: the defaults, then
// magic/auto, then WANDB_MAGIC, then the run's WithMagic value. A value
// that cannot be read is left out and reported in the error (wrapping
// ErrInvalidConfig); a WANDB_MAGIC that cannot be read still turns magic
// on, since it was set.
func Resolve(run *wandb.Run) (Config, error) {
	env, set := os.LookupEnv(EnvMagic)
	return resolve(run.Magic(), env, set, auto.Load())
}

// backgroundTimeout bounds the code and git capture of one run.
const backgroundTimeout = time.Minute

// session is magic's work for one run, from Init to Finish.
type session struct {
	run   *wandb.Run
	cfg   Config
	warn  func(string)
	flags *flagState
	stops []namedStop
	bg    chan struct{} // closed when the code and git capture are done
}

type namedStop struct {
	name string
	stop func(context.Context) error
}

// onInit is magic's run hook (wandb.RunHook).
func onInit(ctx context.Context, run *wandb.Run, warn func(string)) func(context.Context) {
	cfg, err := Resolve(run)
	if err != nil {
		warn(err.Error())
	}
	if !cfg.Enable {
		return nil
	}
	s := &session{run: run, cfg: cfg, warn: warn}
	if cfg.Flags {
		s.flags = readFlagsAtInit(run, commandLine(), warn)
	}
	var src *sources
	if cfg.Code && !run.Settings().DisableCode {
		if src, err = findSources(); err != nil {
			warn(fmt.Sprintf("magic: save code: %v", err))
		}
	}
	gitOn := cfg.Git && !run.Settings().DisableGit
	if src != nil || gitOn {
		s.bg = make(chan struct{})
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), backgroundTimeout)
		go func() {
			defer close(s.bg)
			defer cancel()
			s.capture(bctx, src, gitOn)
		}()
	}
	if cfg.Integrations {
		s.startIntegrations(ctx)
	}
	return s.finish
}

// capture saves the code and the git diffs (in the background of Init).
func (s *session) capture(ctx context.Context, src *sources, git bool) {
	if src != nil {
		rel, err := src.save(s.run.Dir())
		if err != nil {
			s.warn(fmt.Sprintf("magic: save code: %v", err))
		}
		if rel != "" {
			if _, ok := s.run.Config().GetPath("_wandb", "code_path"); !ok {
				if err := s.run.Config().SetPath([]string{"_wandb", "code_path"}, rel); err != nil {
					s.warn(fmt.Sprintf("magic: save code: %v", err))
				}
			}
		}
	}
	if git {
		if err := writeDiffs(ctx, s.run.Dir()); err != nil {
			s.warn(fmt.Sprintf("magic: git: %v", err))
		}
	}
}

// finish is what Finish calls: it waits for the capture, reads the flags
// again and stops the integrations, newest first.
func (s *session) finish(ctx context.Context) {
	if s.bg != nil {
		select {
		case <-s.bg:
		case <-ctx.Done():
			s.warn("magic: code and git capture not done when Finish's context ended")
		}
	}
	if s.flags != nil {
		s.flags.readAtFinish(s.run, s.warn)
	}
	var errs []error
	for _, st := range slices.Backward(s.stops) {
		if err := st.stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", st.name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.warn(fmt.Sprintf("magic: stopping integrations: %v", err))
	}
}

// integrations is the registry of Register, the package's other state.
var integrations struct {
	sync.Mutex
	byName map[string]Integration
}
