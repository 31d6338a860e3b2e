package gym

import (
	"errors"
	"fmt"
	"image"
	"os/exec"
	"strconv"
	"sync/atomic"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/plugins"
)

// ErrClosed is wrapped by the errors of a Recorder's Reset and Step after
// Close.
var ErrClosed = errors.New("gym: recorder closed")

// lookPath finds ffmpeg; tests replace it.
var lookPath = exec.LookPath

// Recorder is the video-recording wrapper of an Env (gymnasium's
// RecordVideo). It is an Env itself, and like an Env not safe for
// concurrent use.
type Recorder[O, A any] struct {
	env     Env[O, A]
	run     *wandb.Run
	cfg     config
	fps     int
	enabled bool // false for a disabled run: nothing is recorded

	next    int // the index the next episode gets
	episode int // the current episode's index; -1 before the first Reset
	rec     *recording
	hint    int // frames of the last video: the next buffer's capacity
	frames  frameBuffer
	// free takes back the pixel buffers of videos the run has encoded, for
	// the next videos: reused memory is already paged in, which makes the
	// copy of each frame several times faster than into fresh memory.
	free chan []byte
	// pending counts the videos handed to the run and not yet encoded.
	pending  *atomic.Int32
	skipped  int
	errs     []error
	moreErrs int
	closed   bool
}

// recording is the video of the current episode, while it is recorded.
type recording struct {
	key      string
	frameKey string // ViaPlugin: the frames' observation key
	episode  int
	w, h     int
	n        int    // frames captured
	pix      []byte // in-process: n × h × w × 4
}

var _ Env[int, int] = (*Recorder[int, int])(nil)

// RecordVideo wraps env so that the episodes the schedule picks are logged
// to run as videos (see the package documentation). Options: EveryNEpisodes
// or EpisodeTrigger, MaxFrames, FPS, Format, Key, ViaPlugin. It fails for
// an invalid option (ErrInvalidOption), and for a format that needs ffmpeg
// when ffmpeg is not installed (wandb.ErrNoFFmpeg). A disabled run records
// nothing.
func RecordVideo[O, A any](env Env[O, A], run *wandb.Run, opts ...Option) (*Recorder[O, A], error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return newRecorder(env, run, c)
}

// Wrap is monitor_gym for Go: the one call that stands in for W&B's patch
// of gym's recorder. It returns RecordVideo(env, run, opts...) when the
// run's settings have monitor_gym (wandb.WithMonitorGym(true)), and env
// itself otherwise. Options are checked either way. When the run has the
// gym plugin (wandb.WithPlugins("gym")), frames go to it (ViaPlugin).
func Wrap[O, A any](env Env[O, A], run *wandb.Run, opts ...Option) (Env[O, A], error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if env == nil || run == nil {
		return nil, fmt.Errorf("gym: wrap: nil env or run")
	}
	if s := run.Settings(); s == nil || !s.MonitorGym {
		return env, nil
	}
	// With the gym plugin running, frames go to it and it encodes there.
	if run.HasPlugin("gym") {
		c.viaPlugin = true
	}
	r, err := newRecorder(env, run, c)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func newRecorder[O, A any](env Env[O, A], run *wandb.Run, c config) (*Recorder[O, A], error) {
	if env == nil || run == nil {
		return nil, fmt.Errorf("gym: record video: nil env or run")
	}
	if c.format != "gif" {
		if _, err := media.FindFFmpeg(lookPath); err != nil {
			return nil, fmt.Errorf("gym: record video: format %s: %w", c.format, err)
		}
	}
	fps := c.fps
	if fps == 0 {
		fps = DefaultFPS
		if f, ok := env.(RenderFPSer); ok && f.RenderFPS() >= 1 && f.RenderFPS() <= 1000 {
			fps = f.RenderFPS()
		}
	}
	r := &Recorder[O, A]{env: env, run: run, cfg: c, fps: fps, enabled: !run.Disabled(), episode: -1}
	if !c.viaPlugin {
		r.free = make(chan []byte, 2)
		r.pending = new(atomic.Int32)
	}
	return r, nil
}

// Reset ends the current episode (logging its video if it was being
// recorded) and starts the next one; if the schedule picks it, its first
// frame is rendered now.
func (r *Recorder[O, A]) Reset(seed int64) (O, error) {
	if r.closed {
		var zero O
		return zero, fmt.Errorf("gym: reset: %w", ErrClosed)
	}
	r.endVideo()
	obs, err := r.env.Reset(seed)
	if err != nil {
		return obs, err
	}
	r.episode = r.next
	r.next++
	if r.enabled && r.cfg.trigger(r.episode) {
		if r.pending != nil && int(r.pending.Load()) >= r.cfg.pending {
			r.skipped++
			return obs, nil
		}
		r.rec = &recording{key: r.videoKey(r.episode), episode: r.episode}
		if r.cfg.viaPlugin {
			r.rec.frameKey = frameKey(r.rec.key)
		}
		r.capture()
	}
	return obs, nil
}

// Step steps the env; while recording it renders and keeps the frame, and
// when the episode ends (terminated or truncated) it logs the video.
func (r *Recorder[O, A]) Step(action A) (O, float64, bool, bool, error) {
	if r.closed {
		var zero O
		return zero, 0, false, false, fmt.Errorf("gym: step: %w", ErrClosed)
	}
	obs, reward, terminated, truncated, err := r.env.Step(action)
	if r.rec != nil && err == nil {
		r.capture()
		if terminated || truncated {
			r.endVideo()
		}
	}
	return obs, reward, terminated, truncated, err
}

// Render renders the env.
func (r *Recorder[O, A]) Render() (image.Image, error) { return r.env.Render() }

// ActionSpace is the env's.
func (r *Recorder[O, A]) ActionSpace() Space { return r.env.ActionSpace() }

// ObservationSpace is the env's.
func (r *Recorder[O, A]) ObservationSpace() Space { return r.env.ObservationSpace() }

// Unwrap returns the wrapped env.
func (r *Recorder[O, A]) Unwrap() Env[O, A] { return r.env }

// Episode is the index of the current episode, from 0; -1 before the first
// Reset.
func (r *Recorder[O, A]) Episode() int { return r.episode }

// Skipped counts the episodes the schedule picked but that were not
// recorded because MaxPending videos were waiting to be encoded.
func (r *Recorder[O, A]) Skipped() int { return r.skipped }

// Recording reports whether the current episode is being recorded.
func (r *Recorder[O, A]) Recording() bool { return r.rec != nil }

// Close logs the video of the episode being recorded, if any (cut short,
// as gymnasium's RecordVideo does), closes the env, and returns the errors
// met while recording, joined. It is idempotent. Close before the run's
// Finish: a finished run takes no more videos.
func (r *Recorder[O, A]) Close() error {
	if r.closed {
		return nil
	}
	r.endVideo()
	r.closed = true
	errs := r.errs
	if r.moreErrs > 0 {
		errs = append(errs, fmt.Errorf("gym: and %d more recording errors", r.moreErrs))
	}
	r.errs, r.moreErrs = nil, 0
	if err := r.env.Close(); err != nil {
		errs = append(errs, fmt.Errorf("gym: close env: %w", err))
	}
	return errors.Join(errs...)
}

func (r *Recorder[O, A]) videoKey(episode int) string {
	if r.cfg.key != "" {
		return r.cfg.key
	}
	return "video." + strconv.Itoa(episode)
}

// maxErrs bounds the recording errors kept for Close; later ones are
// counted.
const maxErrs = 8

func (r *Recorder[O, A]) fail(err error) {
	if len(r.errs) < maxErrs {
		r.errs = append(r.errs, err)
		return
	}
	r.moreErrs++
}

// capture renders the env and keeps the frame. A failed Render or a frame
// of another size ends the video with the frames it has.
func (r *Recorder[O, A]) capture() {
	v := r.rec
	img, err := r.env.Render()
	if err != nil {
		r.fail(fmt.Errorf("gym: episode %d: render frame %d: %w", v.episode, v.n, err))
		r.endVideo()
		return
	}
	if img == nil {
		r.fail(fmt.Errorf("gym: episode %d: render frame %d: nil image", v.episode, v.n))
		r.endVideo()
		return
	}
	pix, w, h := r.frames.pixels(img)
	switch {
	case v.n == 0 && (w < 1 || h < 1):
		r.fail(fmt.Errorf("gym: episode %d: frame 0 is empty (%dx%d)", v.episode, w, h))
		r.rec = nil
		return
	case v.n == 0:
		v.w, v.h = w, h
		if !r.cfg.viaPlugin {
			v.pix = r.buffer(4 * w * h * min(r.cfg.maxFrames, max(r.hint, 64)))
		}
	case w != v.w || h != v.h:
		r.fail(fmt.Errorf("gym: episode %d: frame %d is %dx%d, the first was %dx%d", v.episode, v.n, w, h, v.w, v.h))
		r.endVideo()
		return
	}
	if r.cfg.viaPlugin {
		// Observe copies the pixels.
		if err := r.run.Observe(v.frameKey, int64(v.n), &plugins.Frame{Width: w, Height: h, RGBA: pix}); err != nil {
			r.fail(fmt.Errorf("gym: episode %d: frame %d: %w", v.episode, v.n, err))
			r.endVideo()
			return
		}
	} else {
		v.pix = append(v.pix, pix...)
	}
	v.n++
	if v.n >= r.cfg.maxFrames {
		r.endVideo()
	}
}

// endVideo logs the video being recorded, if any, and stops recording.
func (r *Recorder[O, A]) endVideo() {
	v := r.rec
	r.rec = nil
	if v == nil || v.n == 0 {
		return
	}
	r.hint = v.n
	var err error
	if r.cfg.viaPlugin {
		err = r.run.Observe(endKey(v.key, r.fps, r.cfg.format), r.run.Step(), float64(v.n))
	} else {
		// The run owns the pixels from here: the next video gets a buffer
		// the run has handed back (clip.release), or a new one.
		r.pending.Add(1)
		c := &clip{pix: v.pix, t: v.n, w: v.w, h: v.h, fps: r.fps, format: r.cfg.format, free: r.free, pending: r.pending}
		if err = r.run.Log(map[string]any{v.key: c}); err != nil {
			c.uncount()
		}
	}
	if err != nil {
		r.fail(fmt.Errorf("gym: episode %d: video %q: %w", v.episode, v.key, err))
	}
}

// buffer returns an empty pixel buffer of at least size bytes' capacity,
// one the run has handed back if it fits.
func (r *Recorder[O, A]) buffer(size int) []byte {
	select {
	case b := <-r.free:
		if cap(b) >= size {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, size)
}
