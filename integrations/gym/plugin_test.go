package gym_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/gif"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gym"
	"github.com/gowandb/wandb/integrations/gym/cartpole"
	"github.com/gowandb/wandb/plugins"
	"github.com/gowandb/wandb/plugins/host"
	"github.com/gowandb/wandb/plugins/plugintest"
)

// frame is a w×h frame of one grey.
func frame(w, h int, grey uint8) *plugins.Frame {
	f := &plugins.Frame{Width: w, Height: h, RGBA: make([]byte, 4*w*h)}
	for i := 0; i < len(f.RGBA); i += 4 {
		f.RGBA[i], f.RGBA[i+1], f.RGBA[i+2], f.RGBA[i+3] = grey, grey, grey, 255
	}
	return f
}

// frames are the observations of a video's frames, with the given indices.
func frames(key string, indices ...int) []plugins.Observation {
	var out []plugins.Observation
	for _, i := range indices {
		out = append(out, plugins.FrameObservation(gym.FrameKey(key), int64(i), frame(8, 6, shade(i))))
	}
	return out
}

func end(key string, runStep int64, sent, fps int, format string) plugins.Observation {
	return plugins.Scalar(gym.EndKey(key, fps, format), runStep, float64(sent))
}

// emittedVideo decodes the video the plugin emitted in row, and its file.
func emittedVideo(t *testing.T, dir string, row plugins.HistoryRow, key string) (map[string]any, *gif.GIF) {
	t.Helper()
	if row.Step != plugins.NextStep {
		t.Errorf("row at step %d, want NextStep (the run's current step, committed)", row.Step)
	}
	var m map[string]any
	if err := json.Unmarshal(row.Row[key], &m); err != nil {
		t.Fatalf("row %v: %v", row.Row, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(m["path"].(string))))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m, g
}

func TestPluginEncodesTheFramesItIsSent(t *testing.T) {
	dir := t.TempDir()
	h := plugintest.Start(t, gym.NewPlugin(), plugins.RunInfo{Dir: dir})
	h.Observe(frames("video.3", 0, 1, 2, 3, 4)...)
	h.Observe(plugins.Scalar("loss", 1, 0.5), plugins.FrameObservation("camera", 0, frame(2, 2, 0)))
	h.Observe(end("video.3", 7, 5, 25, "gif"))
	h.Flush()
	rows := h.Rec.Rows()
	if len(rows) != 1 {
		t.Fatalf("rows %v", rows)
	}
	m, g := emittedVideo(t, dir, rows[0], "video.3")
	if m["_type"] != "video-file" || m["width"] != 8.0 || m["height"] != 6.0 {
		t.Errorf("JSON %v", m)
	}
	if p := m["path"].(string); !strings.HasPrefix(p, "media/videos/video.3_7_") || !strings.HasSuffix(p, ".gif") {
		t.Errorf("path %q", p)
	}
	if got := shades(g); !slices.Equal(got, wantShades(5)) {
		t.Errorf("frames %v", got)
	}
	if g.Delay[0] != 4 {
		t.Errorf("delay %d, want 4 (25 fps)", g.Delay[0])
	}
	files := h.Rec.Files()
	if len(files) != 1 || files[0].Path != m["path"] || files[0].Data != nil {
		t.Errorf("files %v: want the video's path, written by the plugin", files)
	}
	if logs := h.Rec.Logs(); len(logs) != 0 {
		t.Errorf("logs %v", logs)
	}
}

func TestPluginReportsLostFrames(t *testing.T) {
	dir := t.TempDir()
	h := plugintest.Start(t, gym.NewPlugin(), plugins.RunInfo{Dir: dir})
	h.Observe(frames("video.0", 0, 1, 3, 4)...) // frame 2 dropped by the hub
	h.Observe(end("video.0", 0, 6, 30, "gif"))  // and frame 5
	h.Observe(end("video.1", 0, 3, 30, "gif"))  // every frame lost
	h.Flush()
	rows := h.Rec.Rows()
	if len(rows) != 1 {
		t.Fatalf("rows %v", rows)
	}
	if _, g := emittedVideo(t, dir, rows[0], "video.0"); !slices.Equal(shades(g), []uint8{shade(0), shade(1), shade(3), shade(4)}) {
		t.Errorf("frames %v", shades(g))
	}
	logs := h.Rec.Logs()
	if len(logs) != 2 || logs[0].Level != plugins.LevelWarn ||
		!strings.Contains(logs[0].Text, `video "video.0": 2 of its 6 frames are missing`) ||
		!strings.Contains(logs[1].Text, `video "video.1": all of its 3 frames were lost`) {
		t.Errorf("logs %v", logs)
	}
}

func TestPluginLogsUnendedVideos(t *testing.T) {
	dir := t.TempDir()
	h := plugintest.Start(t, gym.NewPlugin(), plugins.RunInfo{Dir: dir})
	// Under one key: the end of the first video is lost, the second starts.
	h.Observe(frames("videos", 0, 1, 2)...)
	h.Observe(frames("videos", 0, 1)...)
	h.Flush()
	if rows := h.Rec.Rows(); len(rows) != 1 {
		t.Fatalf("rows after the second video began: %v", rows)
	}
	h.Finish() // the second never ends either
	rows := h.Rec.Rows()
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
	for i, want := range []int{3, 2} {
		if _, g := emittedVideo(t, dir, rows[i], "videos"); len(g.Image) != want {
			t.Errorf("video %d: %d frames, want %d", i, len(g.Image), want)
		}
	}
	if logs := h.Rec.Logs(); len(logs) != 2 || !strings.Contains(logs[1].Text, "its end never came") {
		t.Errorf("logs %v", logs)
	}
}

func TestPluginFormatNeedsFFmpegInItsProcess(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no ffmpeg
	h := plugintest.Connect(t, gym.NewPlugin())
	rec := &plugintest.Recorder{}
	ctx := t.Context()
	if err := h.Start(ctx, plugins.RunInfo{Dir: t.TempDir()}, rec); err != nil {
		t.Fatal(err)
	}
	batch := append(frames("video.0", 0, 1), end("video.0", 0, 2, 30, "mp4"))
	err := h.Observe(ctx, batch)
	if err == nil || !strings.Contains(err.Error(), "ffmpeg") {
		t.Errorf("Observe = %v, want an error naming ffmpeg", err)
	}
	if err := h.Finish(ctx); err != nil {
		t.Error(err)
	}
}

func TestWireKeys(t *testing.T) {
	for _, key := range []string{"video.0", "videos", "a/b?c", "x y"} {
		k, fps, format, ok := gym.ParseEnd(gym.EndKey(key, 50, "mp4"))
		if !ok || k != key || fps != 50 || format != "mp4" {
			t.Errorf("%q: %q %d %q %v", key, k, fps, format, ok)
		}
	}
	for _, bad := range []string{"video.0", "gym/end/", "gym/end/?fps=1", "gym/end/v?fps=x", gym.FrameKey("v")} {
		if _, _, _, ok := gym.ParseEnd(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestManifest(t *testing.T) {
	m := gym.NewPlugin().Manifest()
	if err := m.Validate(); err != nil || m.Name != "gym" {
		t.Errorf("%+v: %v", m, err)
	}
}

// recordCartPole plays episodes of CartPole, recording each, and returns
// the run's videos.
func recordCartPole(t *testing.T, run *wandb.Run, opts ...gym.Option) []logged {
	t.Helper()
	env, err := gym.RecordVideo(cartpole.New(), run, append([]gym.Option{gym.EveryNEpisodes(1), gym.MaxFrames(120)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	for ep := range 3 {
		playEpisode(t, env, int64(ep), 0, balanceSometimes(ep))
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	return videos(t, run, finishRows(t, run))
}

func TestBothTransportsLogTheSameVideos(t *testing.T) {
	runA, _ := startRun(t)
	direct := recordCartPole(t, runA)
	runB, warns := startRun(t, wandb.WithInProcessPlugin(gym.NewPlugin()))
	viaPlugin := recordCartPole(t, runB, gym.ViaPlugin())
	if len(direct) != 3 || len(viaPlugin) != 3 {
		t.Fatalf("videos %v and %v", keysOf(direct), keysOf(viaPlugin))
	}
	for i := range direct {
		a, b := direct[i], viaPlugin[i]
		if a.key != b.key || a.row != b.row {
			t.Errorf("video %d: %s in row %d vs %s in row %d", i, a.key, a.row, b.key, b.row)
		}
		for _, k := range []string{"_type", "sha256", "size", "width", "height"} {
			if fmt.Sprint(a.json[k]) != fmt.Sprint(b.json[k]) {
				t.Errorf("%s %s: %v in-process, %v through the plugin", a.key, k, a.json[k], b.json[k])
			}
		}
		// The step in the file name is the run's step when the recorder
		// ended the video: through the plugin, rows of earlier videos may
		// not have landed yet (the plugin hub is asynchronous).
		if pa, pb := stepless(a.json["path"]), stepless(b.json["path"]); pa != pb {
			t.Errorf("%s: path %v in-process, %v through the plugin", a.key, a.json["path"], b.json["path"])
		}
		if len(b.gif.Image) != len(a.gif.Image) {
			t.Errorf("%s: %d frames vs %d", a.key, len(a.gif.Image), len(b.gif.Image))
		}
	}
	if w := warns.String(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}

// TestPluginHelperProcess is the gym plugin as a process, for
// TestVideosThroughThePluginProcess; it does nothing unless that test's
// wrapper script started it.
func TestPluginHelperProcess(t *testing.T) {
	if os.Getenv("GOWANDB_TEST_GYM_PLUGIN") != "1" {
		t.Skip("the plugin process of TestVideosThroughThePluginProcess")
	}
	plugins.Serve(gym.NewPlugin())
	os.Exit(0)
}

func TestVideosThroughThePluginProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pdir := t.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nGOWANDB_TEST_GYM_PLUGIN=1 exec %q -test.run='^TestPluginHelperProcess$' -- \"$@\"\n", exe)
	if err := os.WriteFile(filepath.Join(pdir, "wandb-plugin-gym"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(host.EnvPluginPath, pdir)
	run, warns := startRun(t, wandb.WithPlugins("gym"))
	vs := recordCartPole(t, run, gym.ViaPlugin(), gym.MaxFrames(40))
	if got := keysOf(vs); !slices.Equal(got, []string{"video.0", "video.1", "video.2"}) {
		t.Fatalf("videos %v (warnings %s)", got, warns)
	}
	for _, v := range vs {
		if n := len(v.gif.Image); n < 2 || n > 40 {
			t.Errorf("%s: %d frames", v.key, n)
		}
	}
	// Episode 1 balances: it fills MaxFrames.
	if n := len(vs[1].gif.Image); n != 40 {
		t.Errorf("video.1: %d frames, want 40", n)
	}
	if w := warns.String(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}

var stepRE = regexp.MustCompile(`_[0-9]+_([0-9a-f]{20})\.`)

// stepless is a media path without its step.
func stepless(path any) string { return stepRE.ReplaceAllString(fmt.Sprint(path), "_S_$1.") }
