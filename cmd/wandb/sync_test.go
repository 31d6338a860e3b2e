package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/rundir"
	"github.com/gowandb/wandb/integrations/tensorboard/tfevents"
)

func writeEvents(t *testing.T, dir string, steps int) {
	t.Helper()
	w, err := tfevents.Create(dir, tfevents.WithHostname("box"), tfevents.WithClock(func() time.Time { return time.Unix(1700000000, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	for s := range steps {
		if err := w.WriteScalar("loss", int64(s), 1/float64(s+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// `wandb sync --tensorboard DIR` makes one offline run per directory with
// event files, named after it, and prints them.
func TestSyncTensorboard(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "logs")
	writeEvents(t, filepath.Join(logs, "train"), 3)
	writeEvents(t, filepath.Join(logs, "validation"), 2)
	root := t.TempDir()
	r := mustCLI(t, nil, "--dir", root, "sync", "--tensorboard", logs)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "(train): 3 rows") || !strings.Contains(lines[1], "(validation): 2 rows") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	runs, err := rundir.List(root)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs %v %v", runs, err)
	}
	for _, run := range runs {
		files, _ := filepath.Glob(filepath.Join(run.FilesPath(), "events.out.tfevents.*"))
		if len(files) != 1 {
			t.Errorf("%s: event files saved %v", run.Dir, files)
		}
	}
	ls := mustCLI(t, nil, "--dir", root, "runs", "ls")
	if !strings.Contains(ls.stdout, "train") || !strings.Contains(ls.stdout, "validation") {
		t.Errorf("runs ls:\n%s", ls.stdout)
	}
}

func TestSyncWithoutTensorboard(t *testing.T) {
	r := cli(t, nil, "--dir", t.TempDir(), "sync", "somewhere")
	if r.code != exitFailure || !strings.Contains(r.stderr, "no API key") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("x"), 0o644)
	r = cli(t, nil, "--dir", t.TempDir(), "sync", "--tensorboard", empty)
	if r.code != exitFailure || !strings.Contains(r.stderr, "no TensorBoard event files") {
		t.Errorf("empty dir: exit %d, stderr %q", r.code, r.stderr)
	}
	r = cli(t, nil, "sync", "--tensorboard", filepath.Join(empty, "missing"))
	if r.code != exitFailure || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("missing dir: exit %d, stderr %q", r.code, r.stderr)
	}
	r = cli(t, nil, "sync", "--tensorboard", empty, "extra")
	if r.code != exitUsage {
		t.Errorf("extra argument: exit %d", r.code)
	}
}
