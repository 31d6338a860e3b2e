package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/gowandb/wandb/core/settings"
	"github.com/spf13/cobra"
)

// newStatusCmd is `wandb status`: every setting as Load resolves it for a
// run started here, with its source, and the settings files consulted.
func (a *app) newStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the resolved settings and where each value comes from",
		Args:  argsNamed(),
		RunE:  func(*cobra.Command, []string) error { return a.status() },
	}
}

func (a *app) status() error {
	s, err := settings.Load(a.env, a.dir)
	if err != nil {
		return fmt.Errorf("resolving settings: %w", err)
	}
	w := a.stdout
	for _, key := range settings.Keys() {
		v, _ := s.Get(key)
		if key == "api_key" {
			v = maskKey(v)
		}
		if v == "" {
			v = `""`
		}
		fmt.Fprintf(w, "%s: %s  (%s)\n", key, v, s.Source(key))
	}
	fmt.Fprintln(w, "settings files:")
	fmt.Fprintf(w, "  global:    %s\n", describeFile(settings.GlobalPath(a.env)))
	fmt.Fprintf(w, "  workspace: %s\n", describeFile(settings.WorkspacePath(s.RootDir)))
	return nil
}

// maskKey keeps the first 4 characters of an API key.
func maskKey(k string) string {
	switch {
	case k == "":
		return ""
	case len(k) <= 4:
		return "****"
	}
	return k[:4] + "****"
}

// describeFile is the path, noting when there is no such file.
func describeFile(path string) string {
	if path == "" {
		return "(none: no home directory)"
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return path + " (not found)"
	}
	return path
}
