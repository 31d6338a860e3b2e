package gym_test

import (
	"context"
	"image"
	"testing"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/integrations/gym"
	"github.com/gowandb/wandb/integrations/gym/cartpole"
	"github.com/gowandb/wandb/plugins"
)

// The wrapper's cost per step, against the bare env (BenchmarkStepBare),
// with CartPole balanced by a simple policy (500-step episodes, so a
// recorded video has 501 frames of 160×120):
//
//	go test -run '^$' -bench Step -benchmem ./integrations/gym/
//
// BenchmarkStepRecording times the caller only: at the end of each episode
// it waits, with the timer stopped, for the run to encode the video, as
// it would have time to between the rare episodes the default schedule
// records; BenchmarkEncodeEpisode times that encoding.
// BenchmarkStepRecordingViaPlugin waits likewise for the gym plugin (run
// in-process through the hub) to emit each video.

func stepLoop(b *testing.B, env gym.Env[[]float64, int], episodeEnd func()) {
	b.Helper()
	obs, _ := env.Reset(0)
	seed := int64(0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var term, trunc bool
		var err error
		obs, _, term, trunc, err = env.Step(balance(obs))
		if err != nil {
			b.Fatal(err)
		}
		if term || trunc {
			if episodeEnd != nil {
				b.StopTimer()
				episodeEnd()
				b.StartTimer()
			}
			seed++
			obs, _ = env.Reset(seed)
		}
	}
}

func BenchmarkStepBare(b *testing.B) { stepLoop(b, cartpole.New(), nil) }

func BenchmarkStep(b *testing.B) {
	run, _ := startRun(b)
	env, err := gym.RecordVideo(cartpole.New(), run, gym.EpisodeTrigger(func(int) bool { return false }))
	if err != nil {
		b.Fatal(err)
	}
	stepLoop(b, env, nil)
}

func BenchmarkStepRecording(b *testing.B) {
	run, _ := startRun(b)
	rec, err := gym.RecordVideo(cartpole.New(), run, gym.EveryNEpisodes(1))
	if err != nil {
		b.Fatal(err)
	}
	stepLoop(b, rec, func() {
		if err := run.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
	})
	b.StopTimer()
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	if rec.Skipped() != 0 {
		b.Fatalf("%d episodes skipped", rec.Skipped())
	}
	run.Finish(0)
}

func BenchmarkStepRecordingViaPlugin(b *testing.B) {
	p := &endSignal{Plugin: gym.NewPlugin(), ended: make(chan struct{}, 1)}
	run, _ := startRun(b, wandb.WithInProcessPlugin(p))
	env, err := gym.RecordVideo(cartpole.New(), run, gym.EveryNEpisodes(1), gym.ViaPlugin())
	if err != nil {
		b.Fatal(err)
	}
	stepLoop(b, env, func() { <-p.ended })
	b.StopTimer()
	if err := env.Close(); err != nil {
		b.Fatal(err)
	}
	run.Finish(0)
}

// endSignal is the gym plugin, signalling each video it has emitted.
type endSignal struct {
	*gym.Plugin
	ended chan struct{}
}

func (p *endSignal) Observe(ctx context.Context, batch []plugins.Observation) error {
	err := p.Plugin.Observe(ctx, batch)
	for _, o := range batch {
		if _, _, _, ok := gym.ParseEnd(o.Key); ok {
			p.ended <- struct{}{}
		}
	}
	return err
}

// BenchmarkEncodeEpisode is what the run's writer (or the gym plugin) pays
// for one recorded CartPole episode of 500 steps: 501 frames of 160×120
// converted, encoded as GIF at 50 fps and written, as the recorder's media
// value does it (a wandb.Video made and bound where it is logged).
//
//	go test -run '^$' -bench EncodeEpisode -benchtime 20x ./integrations/gym/
func BenchmarkEncodeEpisode(b *testing.B) {
	env := cartpole.New()
	obs, _ := env.Reset(0)
	var pix []byte
	for range 501 {
		img, _ := env.Render()
		pix = append(pix, img.(*image.RGBA).Pix...)
		obs, _, _, _, _ = env.Step(balance(obs))
	}
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		v, err := wandb.NewVideoFromPixels(pix, []int{501, 120, 160, 4}, wandb.FPS(50))
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := v.BindToRun(runstate.Binding{FilesDir: dir, Key: "video.0", Step: 0}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/501, "µs/frame")
}

// noop is an env whose Step does nothing, to time the wrapper alone.
type noop struct{}

func (noop) Reset(int64) (int, error)                   { return 0, nil }
func (noop) Step(int) (int, float64, bool, bool, error) { return 0, 1, false, false, nil }
func (noop) Render() (image.Image, error)               { return nil, nil }
func (noop) ActionSpace() gym.Space                     { return gym.Discrete(1) }
func (noop) ObservationSpace() gym.Space                { return gym.Discrete(1) }
func (noop) Close() error                               { return nil }

// BenchmarkWrapperOverhead is the not-recording wrapper's own cost per
// step: the same env called bare and through the Recorder.
func BenchmarkWrapperOverhead(b *testing.B) {
	run, _ := startRun(b)
	rec, err := gym.RecordVideo(gym.Env[int, int](noop{}), run, gym.EpisodeTrigger(func(int) bool { return false }))
	if err != nil {
		b.Fatal(err)
	}
	rec.Reset(0)
	for _, c := range []struct {
		name string
		env  gym.Env[int, int]
	}{{"bare", noop{}}, {"wrapped", rec}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.env.Step(0)
			}
		})
	}
}
