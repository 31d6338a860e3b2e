package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // the command line is wrong
)

// app is one invocation of the CLI: its environment, its output streams and
// the persistent flags. Commands are methods on it so that tests can run the
// whole CLI in-process.
type app struct {
	env    []string // like os.Environ(); the CLI never reads the process environment itself
	stdout io.Writer
	stderr io.Writer
	dir    string // --dir
}

// usageError is a mistake in the command line; run exits with exitUsage.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// run executes the CLI with args (without the program name) and returns the
// exit code. Errors are printed to stderr as "wandb: error: <message>".
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) int {
	a := &app{env: env, stdout: stdout, stderr: stderr}
	root := a.newRootCmd()
	if args == nil {
		args = []string{} // nil makes cobra read os.Args
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "wandb: error: %s\n", err)
	if _, ok := errors.AsType[*usageError](err); ok {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return exitUsage
	}
	return exitFailure
}

func (a *app) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "wandb",
		Short:         "Manage gowandb runs and settings on this machine",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })
	root.PersistentFlags().StringVar(&a.dir, "dir", "", "the directory whose wandb/ holds the settings and runs (default $WANDB_DIR, else .)")
	asGroup(root)

	runs := asGroup(&cobra.Command{Use: "runs", Short: "List runs (local, or on a server)"})
	runs.AddCommand(a.newRunsLsCmd())
	runCmd := asGroup(&cobra.Command{Use: "run", Short: "Inspect one run"})
	runCmd.AddCommand(a.newRunShowCmd())

	root.AddCommand(
		a.newModeCmd("online"), a.newModeCmd("offline"), a.newModeCmd("disabled"),
		a.newStatusCmd(), runs, runCmd, a.newExportCmd(), a.newVersionCmd(),
	)
	root.AddCommand(a.newPluginsCmd()) // plugins.go
	root.AddCommand(a.newSyncCmd())
	root.AddCommand(a.newServerCmd())  // server.go
	root.AddCommand(a.newAdminCmd())   // admin.go
	root.AddCommand(a.newHistoryCmd()) // history.go
	root.AddCommand(a.newLoginCmd())   // login.go

	root.AddCommand(a.newArtifactCmd()) // artifact.go
	return root
}

// asGroup makes cmd a command that only holds subcommands: alone it prints
// its help; with an argument that names no subcommand it is a usage error
// (cobra would otherwise print the help and succeed).
func asGroup(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.SuggestionsMinimumDistance = 2
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, ", "))
		}
		return usagef("%s", msg)
	}
	return cmd
}

// argsNamed accepts exactly the positional arguments named (none when
// called without names), naming the missing or extra one otherwise.
func argsNamed(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return usagef("%s: missing %s", cmd.CommandPath(), strings.Join(names[len(args):], " "))
		case len(args) > len(names):
			return usagef("%s: unexpected argument %q", cmd.CommandPath(), args[len(names)])
		}
		return nil
	}
}

// getenv returns the last value of name in the invocation's environment.
func (a *app) getenv(name string) string {
	v := ""
	for _, kv := range a.env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}

// rootDir is the directory whose wandb/ the command works on: --dir, else
// $WANDB_DIR, else the working directory.
func (a *app) rootDir() string {
	if a.dir != "" {
		return a.dir
	}
	if d := a.getenv("WANDB_DIR"); d != "" {
		return d
	}
	return "."
}

// warnf prints a warning line to stderr.
func (a *app) warnf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "wandb: warning: "+format+"\n", args...)
}
