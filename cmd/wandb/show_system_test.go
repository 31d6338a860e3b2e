package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
)

// run show prints the last system metrics sample under "system:", between
// the summary and the rows; a run without samples has an empty section.
func TestRunShowSystem(t *testing.T) {
	r := startRun(t, t.TempDir())
	finish(t, r, 0)
	out := mustCLI(t, nil, "run", "show", r.SyncDir()).stdout
	sys := regexp.MustCompile(`(?s)\nsystem:\n(.*)last \d+ rows:`).FindStringSubmatch(out)
	if sys == nil {
		t.Fatalf("no system section:\n%s", out)
	}
	for _, want := range []string{"  _runtime: ", "  _timestamp: ", "  cpu: ", "  memory_percent: ", "  proc.memory.rssMB: "} {
		if !strings.Contains(sys[1], want) {
			t.Errorf("system section lacks %q:\n%s", want, sys[1])
		}
	}

	off := startRun(t, t.TempDir(), wandb.WithSystemMetrics(false))
	finish(t, off, 0)
	if out := mustCLI(t, nil, "run", "show", off.SyncDir()).stdout; !strings.Contains(out, "\nsystem:\nlast ") {
		t.Errorf("a run without samples:\n%s", out)
	}
}
