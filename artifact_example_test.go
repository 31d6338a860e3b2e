package wandb_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb"
)

// A dataset artifact built from a directory and a generated file, logged
// as an output of the run. The run log carries it to the server (live
// online, `wandb sync` offline), which numbers the version.
func ExampleRun_LogArtifact() {
	dir, err := os.MkdirTemp("", "artifact-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Keep the example's cache and staging copies in its directory.
	os.Setenv("WANDB_CACHE_DIR", filepath.Join(dir, "cache"))
	os.Setenv("WANDB_DATA_DIR", filepath.Join(dir, "data"))
	defer os.Unsetenv("WANDB_CACHE_DIR")
	defer os.Unsetenv("WANDB_DATA_DIR")
	os.MkdirAll(filepath.Join(dir, "mnist", "train"), 0o755)
	os.WriteFile(filepath.Join(dir, "mnist", "train", "part-0.csv"), []byte("label,pixels\n"), 0o644)

	ctx := context.Background()
	run, err := wandb.Init(ctx, wandb.WithDir(dir), wandb.WithMode(wandb.ModeOffline),
		wandb.WithSignalHandler(false), wandb.WithWarnings(io.Discard))
	if err != nil {
		log.Fatal(err)
	}
	defer run.Finish(0)

	art, err := wandb.NewArtifact("mnist", "dataset", wandb.ArtifactDescription("MNIST, as CSV"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := art.AddDir(ctx, filepath.Join(dir, "mnist")); err != nil {
		log.Fatal(err)
	}
	w, _ := art.NewFile("README.md")
	io.WriteString(w, "# MNIST\n")
	w.Close()
	if _, err := run.LogArtifact(ctx, art, wandb.ArtifactAliases("raw")); err != nil {
		log.Fatal(err)
	}
	for _, e := range art.Entries() {
		fmt.Println(e.Path, e.Size, e.Digest)
	}
	fmt.Println("digest", art.Digest())
	// Output:
	// README.md 8 U+uTwHI05+IaZKJF34B6cw==
	// train/part-0.csv 13 GBQ0HU7th2OqUJmauR4bkg==
	// digest 42be5a4b71d8918b4fc5fe8fb4e5c544
}
