package main

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/gowandb/wandb"
	"github.com/spf13/cobra"
)

func (a *app) newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the gowandb version",
		Args:  argsNamed(),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(a.stdout, versionString())
			return err
		},
	}
}

// versionString is "wandb <SDK version> (go <Go version>)".
func versionString() string {
	return fmt.Sprintf("wandb %s (go %s)", wandb.Version, strings.TrimPrefix(runtime.Version(), "go"))
}
