package console_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/gowandb/wandb/core/console"
)

func ExampleFormatLine() {
	t := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
	fmt.Println(console.FormatLine(console.Line{Stream: console.StreamStdout, Time: t, Text: "epoch 1"}))
	fmt.Println(console.FormatLine(console.Line{Stream: console.StreamStderr, Time: t, Text: "warning"}))
	fmt.Println(console.FormatLine(console.Line{Stream: console.StreamStdout, Time: t, Text: "x", Label: "rank0"}))
	// Output:
	// 2026-01-02T03:04:05.678901 epoch 1
	// ERROR 2026-01-02T03:04:05.678901 warning
	// 2026-01-02T03:04:05.678901 [rank0] x
}

// Capture both streams into a run's output.log for the length of a run.
func ExampleCapture() {
	c, err := console.Capture(console.Options{
		Stdout: true,
		Stderr: true,
		File:   "wandb/run-20260102_030405-abc123/files/output.log",
	})
	if err != nil {
		log.Printf("console capture off: %v", err)
		return
	}
	fmt.Println("training...") // shown on the terminal and logged

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		log.Print(err)
	}
}
