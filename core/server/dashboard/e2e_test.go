package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/server/dashboard"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

const (
	aliceKey = "alice-key-0123456789abcdef"
	bobKey   = "bob-key-0123456789abcdef00"
	chromium = "/usr/bin/chromium"
)

// testEnv is a tracking server and the dashboard on one mux, over SQLite
// and a blob directory, with users alice and bob.
type testEnv struct {
	st    store.Store
	blobs store.Blobs
	srv   *httptest.Server
}

func newTestEnv(t testing.TB, opts ...dashboard.Option) *testEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := localblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, key string }{{"alice", aliceKey}, {"bob", bobKey}} {
		usr, err := st.CreateUser(ctx, u.name, u.name+"@example.com", u.name == "alice")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAPIKey(ctx, usr.ID, u.key, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// As wandb server serves it: the tracker's routes, and the dashboard
	// for every path they do not take.
	srv := httptest.NewServer(server.New(st, blobs, server.WithDashboard(opts...)).Handler())
	t.Cleanup(srv.Close)
	return &testEnv{st: st, blobs: blobs, srv: srv}
}

// webDir is the frontend's source folder.
func webDir(t testing.TB) string {
	t.Helper()
	d, err := filepath.Abs("web")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// buildAssets installs the npm packages when missing and builds dist/ when
// it has no index.html, and returns the dist folder.
func buildAssets(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("dashboard e2e: node is not installed: run `make deps` (Debian: apt-get install nodejs npm), then `make web`")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("dashboard e2e: %s is missing: run `make deps` (Debian: apt-get install chromium)", chromium)
	}
	web := webDir(t)
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core")); err != nil {
		run(t, web, "npm", "ci", "--no-audit", "--no-fund")
	}
	dist, _ := filepath.Abs("dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		run(t, web, "node", "build.mjs")
	}
	return dist
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dashboard e2e: %s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
}

// testLogWriter shows the SDK's warnings in the test log.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log("sdk: " + strings.TrimSpace(string(p)))
	return len(p), nil
}

// sdkRun starts an online run of the root package against url.
func sdkRun(t *testing.T, url, key, name string, opts ...wandb.Option) *wandb.Run {
	t.Helper()
	all := append([]wandb.Option{wandb.WithDir(t.TempDir()), wandb.WithMode(wandb.ModeOnline),
		wandb.WithSignalHandler(false), wandb.WithReinit(wandb.ReinitCreateNew), wandb.WithProject("vision"),
		wandb.WithConsole("off"), wandb.WithName(name), wandb.WithWarnings(testLogWriter{t}),
		wandb.WithSettings(map[string]string{"base_url": url, "api_key": key, "disable_git": "true"})}, opts...)
	r, err := wandb.Init(context.Background(), all...)
	if err != nil {
		t.Fatalf("wandb.Init %s: %v", name, err)
	}
	return r
}

func gradient(w, h int, shift uint8) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x*255/w) + shift, uint8(y * 255 / h), 160, 255})
		}
	}
	return img
}

// logFinished logs a finished run: steps of train/loss, train/acc and
// val/loss, and, when media is set, images with captions, a table and a
// model artifact; the run uses the artifacts named in uses.
func logFinished(t *testing.T, url, name string, lr float64, tags []string, group string, steps int, media bool, uses ...string) string {
	t.Helper()
	r := sdkRun(t, url, aliceKey, name, wandb.WithConfig(map[string]any{"lr": lr, "batch_size": 64, "optimizer": "adam"}),
		wandb.WithTags(tags...), wandb.WithGroup(group), wandb.WithJobType("train"))
	for _, u := range uses {
		if _, err := r.UseArtifact(context.Background(), u); err != nil {
			t.Fatalf("%s uses %s: %v", name, u, err)
		}
	}
	for i := 0; i < steps; i++ {
		row := map[string]any{"train/loss": 2.0/(1+lr*100*float64(i)/10) + 0.05*float64(i%7)/7,
			"train/acc": 1 - 1/(1+lr*float64(i)), "val/loss": 2.2 / (1 + lr*float64(i)*8)}
		if media && i == 0 {
			mask := wandb.ImageMask{Data: make([]uint8, 96*72), Width: 96, Height: 72, ClassLabels: map[int]string{1: "road"}}
			for p := range mask.Data {
				if p/96 > 48 {
					mask.Data[p] = 1
				}
			}
			det, err := wandb.NewImage(gradient(96, 72, 40), wandb.Caption("detections"),
				wandb.Boxes("predictions", wandb.BoundingBoxes{Boxes: []wandb.Box{
					{Position: wandb.BoxCorners(0.1, 0.1, 0.5, 0.6), ClassID: 1, Caption: "cat 0.92"},
					{Position: wandb.BoxCenter(70, 30, 30, 24), Pixel: true, ClassID: 2, Caption: "dog 0.71"},
				}, ClassLabels: map[int]string{1: "cat", 2: "dog"}}),
				wandb.Mask("segmentation", mask))
			if err != nil {
				t.Fatal(err)
			}
			row["detections"] = det
			// A point cloud: a spiral of 2,000 points with class colours.
			var pts [][]float64
			for k := 0; k < 2000; k++ {
				a := float64(k) / 60
				pts = append(pts, []float64{math.Cos(a) * (1 + a/10), math.Sin(a) * (1 + a/10), a / 10, float64(1 + k/400)})
			}
			cloud, err := wandb.NewPointCloud(pts, wandb.Caption("lidar sweep"))
			if err != nil {
				t.Fatal(err)
			}
			row["cloud"] = cloud
			// An html report (its script must run sandboxed) and a tone.
			page, err := wandb.NewHTML(`<h1 id="t">Eval report</h1><script>document.getElementById("t").textContent += " (script ran)"; try { parent.document.title = "pwned" } catch (e) {}</script>`)
			if err != nil {
				t.Fatal(err)
			}
			row["report"] = page
			tone := make([]float64, 8000)
			for k := range tone {
				tone[k] = 0.3 * math.Sin(2*math.Pi*440*float64(k)/8000)
			}
			audio, err := wandb.NewAudio(tone, 8000, wandb.Caption("440 Hz"))
			if err != nil {
				t.Fatal(err)
			}
			row["tone"] = audio
			frames := []image.Image{gradient(48, 32, 0), gradient(48, 32, 80), gradient(48, 32, 160)}
			clip, err := wandb.NewVideo(frames, wandb.Caption("rollout"), wandb.FPS(4))
			if err != nil {
				t.Fatal(err)
			}
			row["rollout"] = clip
		}
		if media && i%50 == 0 {
			im, err := wandb.NewImage(gradient(64, 48, uint8(i)), wandb.Caption(fmt.Sprintf("prediction at step %d", i)))
			if err != nil {
				t.Fatal(err)
			}
			row["examples"] = im
		}
		if err := r.Log(row); err != nil {
			t.Fatal(err)
		}
	}
	if media {
		// A model artifact, which the next run uses.
		f := filepath.Join(t.TempDir(), "model.txt")
		if err := os.WriteFile(f, []byte("layer1: 0.25 0.5\nlayer2: 0.75\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		art, err := wandb.NewArtifact("resnet-weights", "model", wandb.ArtifactMetadata(map[string]any{"depth": 50}),
			wandb.ArtifactCacheDir(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := art.AddFile(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		if _, err := r.LogArtifact(context.Background(), art); err != nil {
			t.Fatal(err)
		}
		// Custom charts: a ROC curve and a confusion matrix.
		yTrue := []int{0, 1, 2, 1, 0, 2, 1, 1, 0, 2, 2, 0}
		probs := make([][]float64, len(yTrue))
		for i, y := range yTrue {
			probs[i] = []float64{0.1, 0.1, 0.1}
			probs[i][(y+i%4/3)%3] = 0.8
		}
		roc, err := wandb.PlotROCCurve(yTrue, probs)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := wandb.PlotConfusionMatrixFromProbs(yTrue, probs, []string{"cat", "dog", "bird"})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Log(map[string]any{"roc": roc, "confusion": cm}); err != nil {
			t.Fatal(err)
		}
		rows := [][]any{}
		for i := 0; i < 23; i++ {
			rows = append(rows, []any{i, fmt.Sprintf("class_%d", i%5), 0.5 + float64(i)/50})
		}
		tbl, err := wandb.NewTable([]string{"id", "label", "score"}, rows)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Log(map[string]any{"predictions": tbl}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(0); err != nil {
		t.Fatal(err)
	}
	return r.ID()
}

// TestBrowser drives the dashboard in Debian's Chromium with playwright-core
// (web/e2e/e2e.mjs) against a real server holding runs logged through the
// SDK: sign in, find and filter runs, check a chart's points, see an image
// and a table, see a live chart grow, stop a running run.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("dashboard e2e: skipped in -short mode")
	}
	dist := buildAssets(t)
	e := newTestEnv(t, dashboard.WithAssets(os.DirFS(dist)))
	url := e.srv.URL

	logFinished(t, url, "resnet-lr-0.001", 0.001, []string{"baseline"}, "resnet", 300, false)
	mediaID := logFinished(t, url, "resnet-lr-0.01", 0.01, []string{"baseline", "sweep"}, "resnet", 300, true)
	// Console output and system metrics as file_stream stores them (the
	// SDK runs here with the console capture off).
	ctx0 := context.Background()
	mr, err := e.st.Run(ctx0, "alice", "vision", mediaID)
	if err != nil {
		t.Fatal(err)
	}
	var output, events []string
	for i := 0; i < 40; i++ {
		output = append(output, fmt.Sprintf("epoch %d: loss=%.3f acc=%.3f", i, 2/(1+float64(i)), float64(i)/40))
		events = append(events, fmt.Sprintf(`{"system.cpu":%d,"system.memory_percent":%d,"_runtime":%d,"_timestamp":%d}`, 20+i%30, 40+i/2, i*2, 1700000000+i*2))
	}
	if _, err := e.st.AppendLines(ctx0, mr.ID, store.StreamOutput, mr.LogLineCount, output); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AppendLines(ctx0, mr.ID, store.StreamEvents, mr.EventsLineCount, events); err != nil {
		t.Fatal(err)
	}
	logFinished(t, url, "resnet-lr-0.1", 0.1, []string{"sweep"}, "resnet", 300, false, "resnet-weights:latest")

	// A live run: logs until it is stopped from the dashboard.
	live := sdkRun(t, url, aliceKey, "live-run", wandb.WithConfig(map[string]any{"lr": 0.05}), wandb.WithGroup("live"))
	liveDone := make(chan error, 1)
	go func() {
		ctx := live.Context()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				liveDone <- live.Finish(0)
				return
			case <-tick.C:
			}
			_ = live.Log(map[string]any{"train/loss": 1 / (1 + 0.01*float64(i)), "train/acc": 0.01 * float64(i%100)})
		}
	}()
	t.Cleanup(func() {
		_ = live.Finish(0)
	})
	// The online uploader sends every few seconds: wait until the server
	// has the live run's first rows.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		r, err := e.st.Run(context.Background(), "alice", "vision", live.ID())
		if err == nil && r.HistoryLineCount > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the live run has no history on the server after a minute (last error: %v)", err)
		}
	}

	art := os.Getenv("WANDB_E2E_ARTIFACTS")
	if art == "" {
		art = t.TempDir()
	}
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("dashboard e2e: screenshots in %s", art)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("e2e", "e2e.mjs"))
	cmd.Dir = webDir(t)
	cmd.WaitDelay = 10 * time.Second // Chromium's children must not hold the output pipe open
	cmd.Env = append(os.Environ(), "BASE_URL="+url, "API_KEY="+aliceKey, "ENTITY=alice", "PROJECT=vision",
		"LIVE_RUN="+live.ID(), "MEDIA_RUN=resnet-lr-0.01", "ART_DIR="+art, "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("e2e.mjs output:\n%s", out)
	if err != nil {
		t.Fatalf("dashboard e2e: the browser script failed (%v); screenshots in %s", err, art)
	}
	select {
	case err := <-liveDone:
		if err != nil && !errors.Is(err, wandb.ErrRunFinished) {
			t.Fatalf("live run finish: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the live run did not see the stop from the dashboard")
	}
	r, err := e.st.Run(context.Background(), "alice", "vision", live.ID())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Stopped || r.State == store.StateRunning {
		t.Fatalf("live run after stop: stopped=%v state=%s, want stopped and not running", r.Stopped, r.State)
	}
}
