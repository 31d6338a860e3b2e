package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/plugintest"
)

func alertConfig(metric string, threshold float64, when string) map[string]any {
	return map[string]any{"alert": map[string]any{"metric": metric, "threshold": threshold, "when": when}}
}

// losses crosses 0.5 downwards at step 3, goes back at step 5 and crosses
// again at step 6.
var losses = []float64{0.9, 0.7, 0.6, 0.45, 0.4, 0.55, 0.3, 0.2}

func TestThresholdInProcess(t *testing.T) {
	h := plugintest.Start(t, &Threshold{}, plugins.RunInfo{Config: alertConfig("loss", 0.5, "below")})
	for i, l := range losses {
		h.Observe(plugins.Scalar("loss", int64(i), l), plugins.Scalar("acc", int64(i), 1-l))
	}
	h.Flush()
	got, ok := h.Rec.Summary()["alert/loss"].(map[string]any)
	if !ok {
		t.Fatalf("summary %v", h.Rec.Summary())
	}
	if got["step"] != 3.0 || got["value"] != 0.45 || got["crossings"] != 2.0 || got["when"] != "below" {
		t.Errorf("alert/loss = %v", got)
	}
	logs := h.Rec.Logs()
	if len(logs) != 2 || logs[0].Level != plugins.LevelWarn || logs[0].Text != "threshold: loss went below 0.5 at step 3 (0.45)" {
		t.Errorf("logs %+v", logs)
	}
}

func TestThresholdWithoutRuleIsIdle(t *testing.T) {
	for _, cfg := range []map[string]any{
		{},
		{"alert": map[string]any{"metric": "loss"}},
		{"alert": map[string]any{"metric": "loss", "threshold": 1.0, "when": "sideways"}},
	} {
		h := plugintest.Start(t, &Threshold{}, plugins.RunInfo{Config: cfg})
		h.Observe(plugins.Scalar("loss", 0, 100))
		h.Flush()
		logs := h.Rec.Logs()
		if len(logs) != 1 || !strings.HasPrefix(logs[0].Text, "threshold: idle: ") || len(h.Rec.Summary()) != 0 {
			t.Errorf("config %v: logs %+v, summary %v", cfg, logs, h.Rec.Summary())
		}
	}
}

// buildPlugin builds this example into dir as wandb-plugin-threshold.
func buildPlugin(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the plugin with")
	}
	bin := filepath.Join(dir, "wandb-plugin-threshold")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestThresholdBinaryInARun builds the plugin and uses it in a real run
// through WANDB_PLUGIN_PATH, as a user would.
func TestThresholdBinaryInARun(t *testing.T) {
	pdir := t.TempDir()
	bin := buildPlugin(t, pdir)

	// describe prints the manifest without starting gRPC.
	out, err := exec.Command(bin, "describe").Output()
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	var m plugins.Manifest
	if err := json.Unmarshal(out, &m); err != nil || m.Name != "threshold" || m.Version != Version || m.ProtocolVersion != plugins.ProtocolVersion {
		t.Fatalf("describe printed %s (%v)", out, err)
	}
	// Started by hand, it refuses.
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "This binary is a plugin") {
		t.Errorf("run by hand: %v\n%s", err, out)
	}

	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "WANDB_") {
			t.Setenv(name, "")
		}
	}
	t.Setenv("WANDB_CONFIG_DIR", t.TempDir())
	t.Setenv("WANDB_PLUGIN_PATH", pdir)
	var warns syncBuffer
	run, err := wandb.Init(context.Background(),
		wandb.WithDir(t.TempDir()), wandb.WithMode(wandb.ModeOffline), wandb.WithSignalHandler(false),
		wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithWarnings(&warns),
		wandb.WithConfig(alertConfig("loss", 0.5, "below")),
		wandb.WithPlugins("threshold"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range losses {
		if err := run.Log(map[string]any{"loss": l}); err != nil {
			t.Fatal(err)
		}
		if err := run.Observe("loss", int64(i), l); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Finish(0); err != nil {
		t.Fatal(err)
	}
	info, err := runlog.Replay(run.LogPath(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := info.Summary["alert/loss"].(map[string]any)
	if !ok || a["step"] != int64(3) || a["value"] != 0.45 || a["crossings"] != int64(2) {
		t.Errorf("summary alert/loss = %v (summary %v)", info.Summary["alert/loss"], info.Summary)
	}
	if info.Rows != int64(len(losses)) || info.Summary["loss"] != 0.2 {
		t.Errorf("the run's own data: %d rows, loss %v", info.Rows, info.Summary["loss"])
	}
	if w := warns.String(); !strings.Contains(w, "[threshold] threshold: loss went below 0.5 at step 3 (0.45)") || strings.Count(w, "went below") != 2 {
		t.Errorf("warnings:\n%s", w)
	}
}
