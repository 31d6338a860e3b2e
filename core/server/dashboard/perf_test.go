package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/server/dashboard"
	"github.com/gowandb/wandb/core/store"
)

// seedWide stores runs runs of project "wide", each with keys summary
// values (in 5 sections), 10 config values and steps history rows of all
// keys.
func seedWide(t *testing.T, e *testEnv, runs, keys, steps int) {
	t.Helper()
	ctx := context.Background()
	key := func(k int) string { return fmt.Sprintf("s%d/metric_%03d", k%5, k) }
	for i := 0; i < runs; i++ {
		cfg := map[string]any{}
		for c := 0; c < 10; c++ {
			cfg[fmt.Sprintf("param_%d", c)] = map[string]any{"value": float64(i*c%97) / 10}
		}
		cfg["lr"] = map[string]any{"value": 0.001 * float64(1+i%10)}
		sum := map[string]any{"_step": steps - 1}
		for k := 0; k < keys; k++ {
			sum[key(k)] = float64((i*31+k*17)%1000) / 1000
		}
		cb, _ := json.Marshal(cfg)
		sb, _ := json.Marshal(sum)
		fin := store.StateFinished
		r, err := e.st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "wide", Name: fmt.Sprintf("run-%04d", i),
			Config: cb, Summary: sb, State: &fin})
		if err != nil {
			t.Fatal(err)
		}
		lines := make([]string, steps)
		for s := range lines {
			b := []byte(`{"_step":`)
			b = strconv.AppendInt(b, int64(s), 10)
			for k := 0; k < keys; k++ {
				b = append(b, `,"`...)
				b = append(b, key(k)...)
				b = append(b, `":`...)
				b = strconv.AppendFloat(b, math.Sin(float64(s+k+i))/float64(1+s), 'f', 4, 64)
			}
			lines[s] = string(append(b, '}'))
		}
		if _, err := e.st.AppendHistory(ctx, r.ID, 0, lines); err != nil {
			t.Fatal(err)
		}
	}
}

// seedDeep stores one run of project "deep" with keys metrics over steps
// steps, and returns its name.
func seedDeep(t *testing.T, e *testEnv, keys, steps int) string { return seedDeepTB(t, e, keys, steps) }

func seedDeepTB(t testing.TB, e *testEnv, keys, steps int) string {
	t.Helper()
	ctx := context.Background()
	fin := store.StateFinished
	r, err := e.st.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "deep", Name: "deep-run", State: &fin})
	if err != nil {
		t.Fatal(err)
	}
	const batch = 20000
	lines := make([]string, 0, batch)
	var b []byte
	for off := 0; off < steps; off += batch {
		lines = lines[:0]
		for s := off; s < min(off+batch, steps); s++ {
			b = append(b[:0], `{"_step":`...)
			b = strconv.AppendInt(b, int64(s), 10)
			for k := 0; k < keys; k++ {
				b = append(b, `,"`...)
				b = append(b, fmt.Sprintf("g%d/k%02d", k/10, k)...)
				b = append(b, `":`...)
				v := math.Exp(-float64(s)/3e5)*float64(k+1) + 0.1*math.Sin(float64(s)/50+float64(k))
				b = strconv.AppendFloat(b, v, 'f', 3, 64)
			}
			lines = append(lines, string(append(b, '}')))
		}
		if _, err := e.st.AppendHistory(ctx, r.ID, off, lines); err != nil {
			t.Fatal(err)
		}
	}
	return r.Name
}

// TestBrowserPerf measures the dashboard in Chromium (web/e2e/perf.mjs):
// a project of 1,000 runs × 200 metric keys (table and first charts), a
// run page of 50 charts over 10^6 steps, and a zoom. It seeds about 5·10^7
// points, so it runs only with WANDB_DASHBOARD_PERF=1; it reports timings
// and asserts none.
func TestBrowserPerf(t *testing.T) {
	if os.Getenv("WANDB_DASHBOARD_PERF") == "" {
		t.Skip("dashboard perf: set WANDB_DASHBOARD_PERF=1 to run (seeds ~5e7 points, minutes)")
	}
	runs, keys, wideSteps := envInt("PERF_RUNS", 1000), envInt("PERF_KEYS", 200), envInt("PERF_WIDE_STEPS", 20)
	deepKeys, deepSteps := envInt("PERF_DEEP_KEYS", 50), envInt("PERF_DEEP_STEPS", 1_000_000)
	dist := buildAssets(t)
	e := newTestEnv(t, dashboard.WithAssets(os.DirFS(dist)))
	start := time.Now()
	seedWide(t, e, runs, keys, wideSteps)
	t.Logf("seeded %d runs × %d keys × %d steps in %v", runs, keys, wideSteps, time.Since(start).Round(time.Second))
	start = time.Now()
	deep := seedDeep(t, e, deepKeys, deepSteps)
	t.Logf("seeded 1 run × %d keys × %d steps in %v", deepKeys, deepSteps, time.Since(start).Round(time.Second))

	art := os.Getenv("WANDB_E2E_ARTIFACTS")
	if art == "" {
		art = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("e2e", "perf.mjs"))
	cmd.Dir = webDir(t)
	cmd.WaitDelay = 10 * time.Second // Chromium's children must not hold the output pipe open
	cmd.Env = append(os.Environ(), "BASE_URL="+e.srv.URL, "API_KEY="+aliceKey, "DEEP_RUN="+deep, "ART_DIR="+art,
		"CHROMIUM="+chromium, fmt.Sprintf("RUNS=%d", runs), fmt.Sprintf("DEEP_KEYS=%d", deepKeys))
	out, err := cmd.CombinedOutput()
	t.Logf("perf.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("dashboard perf: %v", err)
	}
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkSeries is one chart's request: a key of a run of
// PERF_DEEP_STEPS steps (default 200,000) in 400 buckets, through HTTP.
func BenchmarkSeries(b *testing.B) {
	e := newTestEnv(b)
	steps := envInt("PERF_DEEP_STEPS", 200_000)
	seedDeepTB(b, e, 2, steps)
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/ui/projects/alice/deep/series?runs=deep-run&keys=g0/k00&buckets=400", nil)
	req.SetBasicAuth("api", aliceKey)
	b.ResetTimer()
	for b.Loop() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatal(res.Status)
		}
	}
}
