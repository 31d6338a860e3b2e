package settings_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb/core/settings"
)

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "settings-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// `wandb offline` writes mode = offline into the workspace settings file.
	if err := settings.WriteFile(settings.WorkspacePath(dir), "mode", "offline"); err != nil {
		log.Fatal(err)
	}
	env := []string{
		"HOME=" + filepath.Join(dir, "home"), // no global settings file there
		"WANDB_PROJECT=mnist",
		"WANDB_TAGS=baseline, cnn",
	}
	s, err := settings.Load(env, dir) // dir: the Init option "dir"
	if err != nil {
		log.Fatal(err)
	}

	// Explicit Init options go on top, then everything is validated again.
	if err := s.Set("run_name", "first-try", settings.SourceInit); err != nil {
		log.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		log.Fatal(err)
	}

	for _, key := range []string{"mode", "project", "run_tags", "run_name", "base_url"} {
		v, _ := s.Get(key)
		fmt.Printf("%-9s %-22s (%s)\n", key, v, s.Source(key))
	}
	// Output:
	// mode      offline                (workspace file)
	// project   mnist                  (environment)
	// run_tags  baseline,cnn           (environment)
	// run_name  first-try              (init)
	// base_url  https://api.wandb.ai   (default)
}
