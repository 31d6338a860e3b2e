package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/host"
)

// pluginEntry is one line of `wandb plugins ls` (and one object of --json).
type pluginEntry struct {
	Name            string   `json:"name"`
	Version         string   `json:"version"`
	ProtocolVersion int      `json:"protocol_version"`
	Provides        []string `json:"provides"`
	Description     string   `json:"description,omitempty"`
	Path            string   `json:"path"`
	Shadowed        bool     `json:"shadowed,omitempty"`
	Error           string   `json:"error,omitempty"`
}

// newPluginsCmd is `wandb plugins`, the group of plugin commands.
func (a *app) newPluginsCmd() *cobra.Command {
	cmd := asGroup(&cobra.Command{Use: "plugins", Short: "List the plugins runs can use"})
	cmd.AddCommand(a.newPluginsLsCmd())
	return cmd
}

// newPluginsLsCmd is `wandb plugins ls`.
func (a *app) newPluginsLsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the plugin binaries on $" + host.EnvPluginPath + " and beside wandb",
		Long: "List the plugin binaries (" + host.BinaryPrefix + "<name>) found in the directories of $" + host.EnvPluginPath +
			" (colon-separated), then beside the wandb binary, with the name, version, protocol version and capabilities " +
			"each reports when run with \"describe\". A binary shadowed by an earlier one of the same name is marked " +
			"(runs start the first); one that cannot describe itself is listed and its error printed on stderr.",
		Args: argsNamed(),
		RunE: func(cmd *cobra.Command, _ []string) error { return a.pluginsLs(cmd.Context(), asJSON) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func (a *app) pluginsLs(ctx context.Context, asJSON bool) error {
	dirs := host.SearchPath(a.getenv(host.EnvPluginPath))
	found, err := host.New(host.WithSearchPath(dirs...)).Discover(ctx)
	if err != nil {
		return err
	}
	entries := make([]pluginEntry, 0, len(found))
	for _, f := range found {
		e := pluginEntry{
			Name: f.Name, Version: f.Manifest.Version, ProtocolVersion: f.Manifest.ProtocolVersion,
			Provides: f.Manifest.Provides, Description: f.Manifest.Description, Path: f.Path, Shadowed: f.Shadowed,
		}
		if e.Provides == nil {
			e.Provides = []string{}
		}
		if f.Err != nil {
			e.Error = f.Err.Error()
			a.warnf("%s", strings.TrimPrefix(f.Err.Error(), "plugins: "))
		}
		entries = append(entries, e)
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	return a.printPlugins(entries, dirs)
}

func (a *app) printPlugins(entries []pluginEntry, dirs []string) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintf(a.stdout, "no plugins in %s\n", strings.Join(dirs, string(filepath.ListSeparator)))
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tPROTOCOL\tPROVIDES\tPATH")
	for _, e := range entries {
		if e.Error != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t(describe failed)\t%s\n", e.Name, e.Path)
			continue
		}
		proto := strconv.Itoa(e.ProtocolVersion)
		if e.ProtocolVersion != plugins.ProtocolVersion {
			proto += fmt.Sprintf(" (this wandb speaks %d)", plugins.ProtocolVersion)
		}
		path := e.Path
		if e.Shadowed {
			path += " (shadowed)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Name, orDash(e.Version), proto, orDash(strings.Join(e.Provides, ",")), path)
	}
	return tw.Flush()
}
