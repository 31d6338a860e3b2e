//go:build unix

package sysinfo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestCollectCancelKillsHangingNvidiaSMI cancels Collect while nvidia-smi
// hangs; the script signals through a FIFO that it has started.
func TestCollectCancelKillsHangingNvidiaSMI(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Setenv("SYSINFO_TEST_FIFO", fifo)
	smi := writeScript(t, "nvidia-smi", `echo started > "$SYSINFO_TEST_FIFO"; exec sleep 600`)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	type result struct {
		m   *Metadata
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := Collect(ctx, Options{DisableGit: true, LookPath: only("nvidia-smi", smi)})
		done <- result{m, err}
	}()
	started, err := os.ReadFile(fifo) // blocks until the script writes
	if err != nil || !bytes.HasPrefix(started, []byte("started")) {
		t.Fatalf("fifo: %q, %v", started, err)
	}
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) || r.m != nil {
		t.Fatalf("Collect = %v, %v; want nil, context.Canceled", r.m, r.err)
	}
}
