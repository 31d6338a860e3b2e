package gym_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/integrations/gym"
	"github.com/gowandb/wandb/integrations/gym/cartpole"
)

func TestRecordedCartPoleVideoHasTheCapturedFrames(t *testing.T) {
	run, warns := startRun(t)
	env, err := gym.RecordVideo(cartpole.New(), run, gym.EveryNEpisodes(1))
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	for ep := range 3 {
		steps = append(steps, playEpisode(t, env, int64(ep), 0, balanceSometimes(ep)))
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	rows := finishRows(t, run)
	vs := videos(t, run, rows)
	if got := keysOf(vs); !slices.Equal(got, []string{"video.0", "video.1", "video.2"}) {
		t.Fatalf("video keys %v", got)
	}
	for i, v := range vs {
		// A frame after Reset and one after every step.
		if n := len(v.gif.Image); n != steps[i]+1 {
			t.Errorf("%s: %d frames, want %d (an episode of %d steps)", v.key, n, steps[i]+1, steps[i])
		}
		if v.gif.Config.Width != 160 || v.gif.Config.Height != 120 || v.json["width"] != int64(160) || v.json["height"] != int64(120) {
			t.Errorf("%s: size %dx%d, JSON %v", v.key, v.gif.Config.Width, v.gif.Config.Height, v.json)
		}
		// 50 fps: GIF delays of 2 hundredths.
		if v.gif.Delay[0] != 2 {
			t.Errorf("%s: delay %d, want 2 (CartPole's 50 fps)", v.key, v.gif.Delay[0])
		}
		sum := sha256.Sum256(v.file)
		if v.json["sha256"] != hex.EncodeToString(sum[:]) || v.json["size"] != int64(len(v.file)) {
			t.Errorf("%s: sha256/size %v %v do not match the file", v.key, v.json["sha256"], v.json["size"])
		}
		if p := v.json["path"].(string); !strings.HasPrefix(p, "media/videos/"+v.key+"_") || !strings.HasSuffix(p, ".gif") {
			t.Errorf("%s: path %q", v.key, p)
		}
	}
	// Each video is its own committed row, as W&B's run.log makes it.
	if len(rows) != 3 {
		t.Errorf("%d rows, want 3", len(rows))
	}
	if w := warns.String(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}

// balanceSometimes balances well in odd episodes and pushes left in even
// ones, for episodes of different lengths.
func balanceSometimes(ep int) func([]float64) int {
	if ep%2 == 1 {
		return balance
	}
	return func([]float64) int { return 0 }
}

func TestFramesAreTheStepsInOrder(t *testing.T) {
	run, _ := startRun(t)
	env, err := gym.RecordVideo(newCounter(20), run, gym.EveryNEpisodes(1))
	if err != nil {
		t.Fatal(err)
	}
	playEpisode(t, env, 0, 0, zero)
	vs := videos(t, run, finishRows(t, run))
	if len(vs) != 1 {
		t.Fatalf("videos %v", keysOf(vs))
	}
	if got := shades(vs[0].gif); !slices.Equal(got, wantShades(21)) {
		t.Errorf("frames show steps %v, want %v", got, wantShades(21))
	}
	// Without an fps of its own an env's videos play at 30 fps: delay 3.
	if vs[0].gif.Delay[0] != 3 {
		t.Errorf("delay %d", vs[0].gif.Delay[0])
	}
}

func TestMaxFramesCapsTheVideoAndLogsItAtOnce(t *testing.T) {
	run, _ := startRun(t)
	env, err := gym.RecordVideo(newCounter(100), run, gym.EveryNEpisodes(1), gym.MaxFrames(10))
	if err != nil {
		t.Fatal(err)
	}
	env.Reset(0)
	for range 9 {
		if !env.Recording() {
			t.Fatal("stopped recording before the cap")
		}
		env.Step(0)
	}
	// Reset's frame and 9 steps' make 10: the video is logged now, mid-episode.
	if env.Recording() {
		t.Error("still recording past MaxFrames")
	}
	rows, err := run.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0]["video.0"] == nil {
		t.Fatalf("rows before the episode ended: %v", rows)
	}
	for range 50 {
		env.Step(0)
	}
	vs := videos(t, run, finishRows(t, run))
	if len(vs) != 1 || len(vs[0].gif.Image) != 10 {
		t.Fatalf("videos %v", keysOf(vs))
	}
	if got := shades(vs[0].gif); !slices.Equal(got, wantShades(10)) {
		t.Errorf("frames %v", got)
	}
}

func TestEpisodesNotRecordedLogNothing(t *testing.T) {
	for _, c := range []struct {
		name     string
		opts     []gym.Option
		episodes int
		want     []string
	}{
		{"every 2nd", []gym.Option{gym.EveryNEpisodes(2)}, 5, []string{"video.0", "video.2", "video.4"}},
		{"capped cubic by default", nil, 10, []string{"video.0", "video.1", "video.8"}},
		{"trigger", []gym.Option{gym.EpisodeTrigger(func(ep int) bool { return ep == 3 })}, 5, []string{"video.3"}},
		{"none", []gym.Option{gym.EpisodeTrigger(func(int) bool { return false })}, 4, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, _ := startRun(t)
			env, err := gym.RecordVideo(newCounter(3), run, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			for ep := range c.episodes {
				env.Reset(int64(ep))
				if env.Episode() != ep {
					t.Fatalf("Episode() = %d, want %d", env.Episode(), ep)
				}
				if env.Recording() != slices.Contains(c.want, "video."+strconv.Itoa(ep)) {
					t.Errorf("episode %d: Recording() = %v", ep, env.Recording())
				}
				for range 3 {
					env.Step(0)
				}
			}
			env.Close()
			rows := finishRows(t, run)
			if got := keysOf(videos(t, run, rows)); !slices.Equal(got, c.want) {
				t.Errorf("videos %v, want %v", got, c.want)
			}
			if len(rows) != len(c.want) {
				t.Errorf("%d rows for %d videos: unrecorded episodes logged something", len(rows), len(c.want))
			}
		})
	}
}

func TestKeyPutsEveryVideoUnderOneKey(t *testing.T) {
	run, _ := startRun(t)
	env, err := gym.RecordVideo(newCounter(2), run, gym.EveryNEpisodes(1), gym.Key(gym.KeyVideos))
	if err != nil {
		t.Fatal(err)
	}
	for ep := range 2 {
		playEpisode(t, env, int64(ep), 0, zero)
	}
	vs := videos(t, run, finishRows(t, run))
	if got := keysOf(vs); !slices.Equal(got, []string{"videos", "videos"}) {
		t.Errorf("keys %v", got)
	}
}

func TestCloseLogsTheEpisodeCutShort(t *testing.T) {
	run, _ := startRun(t)
	inner := newCounter(100)
	env, err := gym.RecordVideo(inner, run, gym.EveryNEpisodes(1))
	if err != nil {
		t.Fatal(err)
	}
	env.Reset(0)
	for range 5 {
		env.Step(0)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil || inner.closed != 1 {
		t.Errorf("second Close: %v; env closed %d times", err, inner.closed)
	}
	if _, _, _, _, err := env.Step(0); !errors.Is(err, gym.ErrClosed) {
		t.Errorf("Step after Close: %v", err)
	}
	vs := videos(t, run, finishRows(t, run))
	if len(vs) != 1 || len(vs[0].gif.Image) != 6 {
		t.Fatalf("videos %v", keysOf(vs))
	}
}

func TestResetMidEpisodeLogsTheVideoSoFar(t *testing.T) {
	run, _ := startRun(t)
	env, _ := gym.RecordVideo(newCounter(100), run, gym.EveryNEpisodes(1))
	env.Reset(0)
	env.Step(0)
	env.Step(0)
	env.Reset(1) // episode 1 starts; episode 0's 3 frames are logged
	env.Close()
	vs := videos(t, run, finishRows(t, run))
	if got := keysOf(vs); !slices.Equal(got, []string{"video.0", "video.1"}) || len(vs[0].gif.Image) != 3 || len(vs[1].gif.Image) != 1 {
		t.Fatalf("videos %v", got)
	}
}

func TestRenderFailureCutsTheVideoAndCloseReportsIt(t *testing.T) {
	run, _ := startRun(t)
	inner := newCounter(10)
	inner.failAt = 4
	env, _ := gym.RecordVideo(inner, run, gym.EveryNEpisodes(1))
	n := playEpisode(t, env, 0, 0, zero)
	if n != 10 {
		t.Fatalf("the episode stopped after %d steps: recording must not disturb it", n)
	}
	err := env.Close()
	if err == nil || !strings.Contains(err.Error(), "gym: episode 0: render frame 4") || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Close = %v", err)
	}
	vs := videos(t, run, finishRows(t, run))
	if len(vs) != 1 || !slices.Equal(shades(vs[0].gif), wantShades(4)) {
		t.Fatalf("videos %v", keysOf(vs))
	}
}

func TestFrameOfAnotherSizeCutsTheVideo(t *testing.T) {
	run, _ := startRun(t)
	inner := newCounter(10)
	inner.growAt = 3
	env, _ := gym.RecordVideo(inner, run, gym.EveryNEpisodes(1))
	playEpisode(t, env, 0, 0, zero)
	if err := env.Close(); err == nil || !strings.Contains(err.Error(), "frame 3 is 9x7, the first was 8x6") {
		t.Errorf("Close = %v", err)
	}
	vs := videos(t, run, finishRows(t, run))
	if len(vs) != 1 || len(vs[0].gif.Image) != 3 {
		t.Fatalf("videos %v", keysOf(vs))
	}
}

func TestFinishedRunErrorComesFromClose(t *testing.T) {
	run, _ := startRun(t)
	env, _ := gym.RecordVideo(newCounter(3), run, gym.EveryNEpisodes(1))
	env.Reset(0)
	run.Finish(0)
	env.Step(0)
	env.Step(0)
	env.Step(0) // the episode ends: its video cannot be logged
	if err := env.Close(); !errors.Is(err, wandb.ErrRunFinished) {
		t.Errorf("Close = %v, want ErrRunFinished", err)
	}
	if n := env.Pending(); n != 0 {
		t.Errorf("%d videos pending: the refused one still counts", n)
	}
}

func TestDisabledRunRecordsNothing(t *testing.T) {
	run, _ := startRun(t, wandb.WithMode(wandb.ModeDisabled))
	inner := newCounter(3)
	inner.failAt = 1 // would be reported if rendered
	env, err := gym.RecordVideo(inner, run, gym.EveryNEpisodes(1))
	if err != nil {
		t.Fatal(err)
	}
	playEpisode(t, env, 0, 0, zero)
	if env.Recording() {
		t.Error("recording for a disabled run")
	}
	if err := env.Close(); err != nil {
		t.Error(err)
	}
}

func TestWrapFollowsMonitorGym(t *testing.T) {
	t.Run("on", func(t *testing.T) {
		run, _ := startRun(t, wandb.WithMonitorGym(true))
		env, err := gym.Wrap(cartpole.New(), run, gym.EveryNEpisodes(1))
		if err != nil {
			t.Fatal(err)
		}
		rec, ok := env.(*gym.Recorder[[]float64, int])
		if !ok {
			t.Fatalf("Wrap returned %T, want the recorder", env)
		}
		if _, ok := rec.Unwrap().(*cartpole.CartPole); !ok {
			t.Errorf("Unwrap = %T", rec.Unwrap())
		}
		playEpisode(t, env, 0, 0, balance)
		env.Close()
		if vs := videos(t, run, finishRows(t, run)); len(vs) != 1 {
			t.Errorf("videos %v", keysOf(vs))
		}
	})
	t.Run("from the settings", func(t *testing.T) {
		run, _ := startRun(t, wandb.WithSettings(map[string]string{"monitor_gym": "true"}))
		env, _ := gym.Wrap(cartpole.New(), run)
		if _, ok := env.(*gym.Recorder[[]float64, int]); !ok {
			t.Fatalf("Wrap returned %T", env)
		}
	})
	t.Run("off", func(t *testing.T) {
		run, _ := startRun(t)
		inner := cartpole.New()
		env, err := gym.Wrap(inner, run, gym.EveryNEpisodes(1))
		if err != nil {
			t.Fatal(err)
		}
		if env != gym.Env[[]float64, int](inner) {
			t.Fatalf("Wrap returned %T, want the env itself", env)
		}
	})
	t.Run("bad options fail either way", func(t *testing.T) {
		run, _ := startRun(t)
		if _, err := gym.Wrap(cartpole.New(), run, gym.MaxFrames(0)); !errors.Is(err, gym.ErrInvalidOption) {
			t.Errorf("Wrap = %v", err)
		}
	})
}

func TestInvalidOptions(t *testing.T) {
	run, _ := startRun(t)
	for _, o := range []gym.Option{
		gym.EveryNEpisodes(0), gym.MaxFrames(-1), gym.FPS(0), gym.FPS(1001),
		gym.Format("avi"), gym.Key(""), gym.Key("a?b"), gym.EpisodeTrigger(nil),
	} {
		_, err := gym.RecordVideo(newCounter(1), run, o)
		if !errors.Is(err, gym.ErrInvalidOption) || !strings.HasPrefix(err.Error(), "gym: ") {
			t.Errorf("RecordVideo = %v", err)
		}
	}
	if _, err := gym.RecordVideo[int, int](nil, run); err == nil {
		t.Error("nil env accepted")
	}
	if _, err := gym.RecordVideo(newCounter(1), nil); err == nil {
		t.Error("nil run accepted")
	}
}

func TestMP4NeedsFFmpeg(t *testing.T) {
	run, _ := startRun(t)
	restore := gym.SetLookPath(func(string) (string, error) { return "", exec.ErrNotFound })
	_, err := gym.RecordVideo(newCounter(1), run, gym.Format("mp4"))
	restore()
	if !errors.Is(err, wandb.ErrNoFFmpeg) || !strings.Contains(err.Error(), "ffmpeg") || !strings.HasPrefix(err.Error(), "gym: ") {
		t.Errorf("RecordVideo = %v, want an error naming ffmpeg", err)
	}
	// GIF needs nothing.
	gym.SetLookPath(func(string) (string, error) { return "", exec.ErrNotFound })
	defer gym.SetLookPath(exec.LookPath)
	if _, err := gym.RecordVideo(newCounter(1), run); err != nil {
		t.Errorf("gif: %v", err)
	}
}

func TestMP4WithFFmpeg(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed")
	}
	run, _ := startRun(t)
	env, err := gym.RecordVideo(cartpole.New(), run, gym.EveryNEpisodes(1), gym.Format("mp4"), gym.MaxFrames(12))
	if err != nil {
		t.Fatal(err)
	}
	playEpisode(t, env, 0, 0, balance)
	env.Close()
	vs := videos(t, run, finishRows(t, run))
	if len(vs) != 1 || !strings.HasSuffix(vs[0].json["path"].(string), ".mp4") || len(vs[0].file) < 100 {
		t.Fatalf("videos %v", vs)
	}
	// The MP4 container starts with an ftyp box.
	if string(vs[0].file[4:8]) != "ftyp" {
		t.Errorf("not an mp4: % x", vs[0].file[:16])
	}
}

func TestCappedCubic(t *testing.T) {
	var got []int
	for ep := range 3001 {
		if gym.CappedCubic(ep) {
			got = append(got, ep)
		}
	}
	want := []int{0, 1, 8, 27, 64, 125, 216, 343, 512, 729, 1000, 2000, 3000}
	if !slices.Equal(got, want) {
		t.Errorf("CappedCubic picks %v, want %v", got, want)
	}
}

func TestSpaces(t *testing.T) {
	if s := gym.Discrete(3); s.Dim() != 1 || s.String() != "Discrete(3)" {
		t.Errorf("%v", s)
	}
	low := []float64{0, 1}
	b := gym.Box(low, []float64{1, 2})
	low[0] = 9
	if b.Dim() != 2 || b.Low[0] != 0 || b.String() != "Box(2)" {
		t.Errorf("%v %v", b, b.Low)
	}
}

func TestEpisodesAreSkippedWhileMaxPendingVideosWait(t *testing.T) {
	run, _ := startRun(t)
	env, err := gym.RecordVideo(newCounter(2), run, gym.EveryNEpisodes(1), gym.MaxPending(2))
	if err != nil {
		t.Fatal(err)
	}
	playEpisode(t, env, 0, 0, zero)
	if err := run.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := env.Pending(); n != 0 {
		t.Fatalf("%d videos pending after Flush: the run has encoded them all", n)
	}
	env.SetPending(2) // the writer is behind by two videos
	env.Reset(1)
	if env.Recording() || env.Skipped() != 1 {
		t.Errorf("episode 1 recorded (%v) with 2 videos waiting; skipped %d", env.Recording(), env.Skipped())
	}
	env.Step(0)
	env.Step(0)
	env.SetPending(1)
	playEpisode(t, env, 2, 0, zero)
	env.Close()
	if got := keysOf(videos(t, run, finishRows(t, run))); !slices.Equal(got, []string{"video.0", "video.2"}) {
		t.Errorf("videos %v", got)
	}
	if _, err := gym.RecordVideo(newCounter(1), run, gym.MaxPending(0)); !errors.Is(err, gym.ErrInvalidOption) {
		t.Errorf("MaxPending(0): %v", err)
	}
}
