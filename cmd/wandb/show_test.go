package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
)

func TestRunShow(t *testing.T) {
	root := t.TempDir()
	dir := goldenRun(t, root)
	r := mustCLI(t, nil, "run", "show", dir, "--rows", "2")
	t.Logf("run show:\n%s", r.stdout)
	for _, want := range []string{
		"id:         golden01\n",
		"name:       golden-run\n",
		"project:    cli-test\n",
		"entity:     -\n",
		"state:      finished\n",
		"exit code:  0\n",
		"steps:      3\n",
		"tags:       a, b\n",
		"group:      grp\n",
		"job type:   train\n",
		"notes:      the golden run\n",
		"config:\n  lr: 0.01\n  model:\n    act: relu\n    layers: 3\n  name: \"123\"\nsummary:\n",
		"  loss: Infinity\n",
		"  nested:\n    a: 2\n    b:\n      c: 2.5\n",
		"  phase: eval\n",
		"last 2 rows:\n{\"_runtime\":",
		`"loss":NaN,`,
		`"loss":Infinity,"neg":-Infinity,"ok":true,"phase":"eval"}` + "\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run show lacks %q", want)
		}
	}
	if strings.Contains(r.stdout, "damage") || r.stderr != "" {
		t.Errorf("an intact run shows damage; stderr %q", r.stderr)
	}
	if got := strings.Count(r.stdout[strings.Index(r.stdout, "last 2 rows:"):], "\n{"); got != 2 {
		t.Errorf("%d rows printed, want 2", got)
	}

	// latest-run and the log file name the same run; --rows 0 prints none.
	latest := mustCLI(t, nil, "run", "show", filepath.Join(root, "wandb", "latest-run"), "--rows", "0").stdout
	if !strings.Contains(latest, "id:         golden01\n") || !strings.HasSuffix(latest, "last 0 rows:\n") {
		t.Errorf("run show latest-run --rows 0:\n%s", latest)
	}
}

// save_code records the code's path in the config under _wandb.
func TestRunShowHidesWandbKeyUnlessAll(t *testing.T) {
	r := startRun(t, t.TempDir(), wandb.WithSaveCode(true), wandb.WithConfig(map[string]any{"lr": 0.1}))
	finish(t, r, 0)
	plain := mustCLI(t, nil, "run", "show", r.SyncDir()).stdout
	all := mustCLI(t, nil, "run", "show", r.SyncDir(), "--all").stdout
	if strings.Contains(plain, "_wandb") || !strings.Contains(plain, "config:\n  lr: 0.1\nsummary:") {
		t.Errorf("without --all:\n%s", plain)
	}
	if !strings.Contains(all, "config:\n  _wandb:\n    code_path: ") {
		t.Errorf("with --all:\n%s", all)
	}
}

func TestRunShowStates(t *testing.T) {
	_, fail, crash := threeRuns(t, t.TempDir())
	if out := mustCLI(t, nil, "run", "show", fail).stdout; !strings.Contains(out, "state:      failed\nexit code:  1\n") {
		t.Errorf("failed run:\n%s", out)
	}
	if out := mustCLI(t, nil, "run", "show", crash).stdout; !strings.Contains(out, "state:      crashed\nexit code:  -\n") {
		t.Errorf("crashed run:\n%s", out)
	}
}
