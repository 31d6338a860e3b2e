package sysinfo_test

import (
	"context"
	"log"
	"time"

	"github.com/gowandb/wandb/core/sysinfo"
)

// Describe the machine in the background while the run starts, then write
// files/wandb-metadata.json.
func ExampleCollect() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan *sysinfo.Metadata, 1)
	go func() {
		m, err := sysinfo.Collect(ctx, sysinfo.Options{})
		if err != nil {
			log.Print(err)
		}
		done <- m
	}()
	// ... start the run ...
	if m := <-done; m != nil {
		m.WriterID = "abc123"
		if err := m.WriteFile("wandb/run-20260102_030405-abc123/files/wandb-metadata.json"); err != nil {
			log.Print(err)
		}
	}
}
