// Package magic is auto-logging: what W&B's magic=True did (§9.4 of
// wandb-behaviour.md), as far as Go allows it without code changes.
//
// # Turning it on
//
// Magic is on for a run when one of these says so, from low to high
// precedence (a higher one may turn it off again):
//
//	import _ "github.com/gowandb/wandb/magic/auto"   every run, no option needed
//	WANDB_MAGIC=true                                 (or a configuration, below)
//	wandb.Init(ctx, wandb.WithMagic(true))           with magic linked in:
//	import _ "github.com/gowandb/wandb/magic"
//
// The root package cannot import magic (magic imports it), so magic is
// linked into a program only by importing it, and registers itself with
// Init through wandb.RegisterRunHook from its init function. Without the
// import, WithMagic(true) and WANDB_MAGIC only print a warning saying
// which import is missing.
//
// WANDB_MAGIC and WithMagic take true or false, or a configuration: JSON
// ({"code": false}), key=value pairs (code=false,git=false) or the name of
// a .yaml or .json file. The keys turn parts off or on: enable, flags,
// code, git, integrations and integrations.<name>; W&B's nested form
// ({"flags": {"enable": false}}) works too, and W&B's own keys are accepted
// (args.argparse is flags; keras.* is ignored). A configuration turns magic
// on unless it sets enable. WithMagic also takes a map[string]any or a
// Config. Resolve says what applies to a run.
//
// # What it does
//
// At Init, for a run it is on for:
//
//   - flags: every flag of the standard flag set (flag.CommandLine; go
//     test's own test.* flags left out) goes into the config under its name
//     at the top level, as W&B puts argparse arguments: values given to
//     Init with WithConfig win. Flags not parsed yet at Init are read at
//     Finish; at Finish flags are read again, and a value changed since
//     Init (flag.Set) replaces the one in the config.
//   - integrations: every registered Integration starts if the environment
//     asks for it. Built in: WANDB_SYNC_TENSORBOARD_DIR=<log dir> watches
//     TensorBoard logs into the run (package integrations/tensorboard).
//     Integration packages register themselves from init functions
//     (Register), so importing one is all it takes.
//   - code (W&B's save_code): the *.go files of the main package (the
//     directory of the main.main frame on Init's call stack, else of Init's
//     caller) are copied to files/code/<their directory in the git
//     repository, or in the main module>/, and _wandb.code_path names the
//     file that called Init. WANDB_DISABLE_CODE turns it off. It needs the
//     sources where the binary was built (not with -trimpath).
//   - git: files/diff.patch from `git diff HEAD`, and
//     files/diff_<upstream commit>.patch against the branch's upstream, when
//     git is on PATH and the working directory is in a repository.
//     WANDB_DISABLE_GIT turns it off. The remote and commit are in
//     wandb-metadata.json, which every run writes.
//
// Code and git are captured on a goroutine, so Init does not wait for git;
// Finish waits for them. At Finish magic reads the flags again and stops
// the integrations it started, before the run's last records.
//
// # What Go cannot patch
//
// W&B's magic patched Python: argparse's parse_args, Keras's fit, and
// TensorFlow's summary writers, so that no line of the program changed. Go
// has no monkey-patching: a function's code is fixed at build time, and a
// library's values are the program's own. So:
//
//   - flag.Parse cannot be intercepted: the flags are read at Init and
//     again at Finish, not at the moment they are parsed. Flags parsed
//     after Init are in the config only after Finish.
//   - Training loops cannot be found: a GoMLX train.Loop or a Gorgonia
//     solver is an ordinary value that magic never sees (W&B wrapped
//     Keras's fit). Each needs one call, where the loop or solver is made:
//     gomlx.Attach(loop, wandb.CurrentRun()) or
//     gorgonia.WrapSolver(solver, wandb.CurrentRun()) (packages
//     integrations/gomlx and integrations/gorgonia). The run is the default
//     run, which Init sets, so no run needs to be passed down to the loop.
//   - TensorBoard writers cannot be patched: the log directory must be
//     named (WANDB_SYNC_TENSORBOARD_DIR or tensorboard.Patch).
//   - An OpenAI client's HTTP layer cannot be swapped from outside: one
//     call, integrations/openai.WrapConfig(cfg, nil), logs its calls into
//     the default run.
//   - Other flag packages (pflag, cobra, kingpin) are not read: pass their
//     values with WithConfig.
//
// # Package state
//
// Go offers no other place for it: magic keeps two process-wide values
// besides the hook it registers with the root package, both written at
// program start (init functions) and read at each Init: the registry of
// Integrations (Register) and the magic/auto switch (EnableByDefault).
package magic
