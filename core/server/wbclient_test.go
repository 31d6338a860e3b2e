package server_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

// wbclientDir holds a script using W&B's own JavaScript SDK (@wandb/sdk,
// pinned in its package-lock.json).
const wbclientDir = "testdata/wbclient"

// npmInstall installs the script's dependencies from the lockfile when
// node_modules is missing; it fails the test, naming what to install, when
// node or npm are missing.
func npmInstall(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("this test runs W&B's JavaScript SDK and needs Node.js 18 or later: install node and npm (apt-get install nodejs npm): %v", err)
	}
	if _, err := os.Stat(filepath.Join(wbclientDir, "node_modules", "@wandb", "sdk")); err == nil {
		return node
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("this test installs W&B's JavaScript SDK with npm: install npm: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = wbclientDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", wbclientDir, err, out)
	}
	return node
}

// TestRealWandbJSClient: W&B's JavaScript SDK logs a run to the server
// (Viewer for the default entity, UpsertBucket with a plain JSON config,
// file_stream history rows with the summary, complete), and the run, its
// rows, config and summary arrive.
func TestRealWandbJSClient(t *testing.T) {
	node := npmInstall(t)
	e := newEnv(t)
	const id = "jsrun001"
	cmd := exec.CommandContext(t.Context(), node, "log.mjs")
	cmd.Dir = wbclientDir
	cmd.Env = append(os.Environ(), "WANDB_BASE_URL="+e.srv.URL, "WANDB_API_KEY="+aliceKey, "RUN_ID="+id,
		"WANDB_MODE=online", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node log.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "logged run alice/js-proj/"+id) || strings.Contains(string(out), "rror") {
		t.Fatalf("node log.mjs said:\n%s", out)
	}
	ctx := context.Background()
	run, err := e.st.Run(ctx, "alice", "js-proj", id)
	if err != nil {
		t.Fatalf("the run did not arrive: %v\nnode said:\n%s", err, out)
	}
	if run.State != store.StateFinished || run.DisplayName != "from-js" {
		t.Errorf("run state %s display name %q", run.State, run.DisplayName)
	}
	var cfg map[string]map[string]any
	if err := json.Unmarshal(run.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["lr"]["value"] != 0.01 || cfg["opt"]["value"].(map[string]any)["name"] != "adam" {
		t.Errorf("config %s", run.Config)
	}
	rows, err := e.st.HistoryRows(ctx, run.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d history rows, want 4: %+v", len(rows), rows)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(rows[3].JSON), &last); err != nil {
		t.Fatal(err)
	}
	// The JS SDK counts a step for every log call, commit false included.
	if last["loss"] != 0.1 || last["part"] != 1.0 || last["_step"] != 4.0 || rows[3].Step != 4 {
		t.Errorf("last row %s (step %d)", rows[3].JSON, rows[3].Step)
	}
	var sum map[string]any
	if err := json.Unmarshal(run.Summary, &sum); err != nil {
		t.Fatal(err)
	}
	if sum["loss"] != 0.1 || sum["acc"] != 0.5 {
		t.Errorf("summary %s", run.Summary)
	}
}
