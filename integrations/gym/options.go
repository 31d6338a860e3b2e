package gym

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Defaults of RecordVideo.
const (
	// DefaultMaxFrames caps a video's frames: the frames of an episode are
	// held in memory until it ends (4 bytes a pixel: 77 KB a frame for
	// CartPole's 160×120), so the cap bounds that memory.
	DefaultMaxFrames = 1000
	// DefaultFPS is the frame rate of the videos of an env that does not
	// say its own (RenderFPSer), as in gymnasium.
	DefaultFPS = 30
	// DefaultMaxPending bounds the videos waiting for the run to encode
	// them (see MaxPending).
	DefaultMaxPending = 4
	// KeyVideos is W&B's key for videos whose file name holds no video
	// number (§9.2: the key is "video.<N>" when the name matches
	// .+(video\.\d+).+, else "videos"). gymnasium 1.x names its files
	// rl-video-episode-<N>.mp4, so W&B's Python client logs them all under
	// "videos": Key(KeyVideos) does the same.
	KeyVideos = "videos"
)

// ErrInvalidOption is wrapped by the error RecordVideo and Wrap return for
// an invalid option.
var ErrInvalidOption = errors.New("gym: invalid option")

// videoFormats are the formats of wandb.Video; all but gif need ffmpeg.
var videoFormats = []string{"gif", "mp4", "webm", "ogg"}

// Option configures RecordVideo and Wrap.
type Option func(*config)

type config struct {
	trigger   func(episode int) bool
	maxFrames int
	pending   int
	fps       int // 0: the env's RenderFPS, else DefaultFPS
	format    string
	key       string // "" : video.<N>
	viaPlugin bool
	errs      []error
}

func newConfig(opts []Option) (config, error) {
	c := config{trigger: CappedCubic, maxFrames: DefaultMaxFrames, pending: DefaultMaxPending, format: "gif"}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if !slices.Contains(videoFormats, c.format) {
		c.errs = append(c.errs, fmt.Errorf("%w: format %q: want one of %v", ErrInvalidOption, c.format, videoFormats))
	}
	return c, errors.Join(c.errs...)
}

// EveryNEpisodes records episodes 0, n, 2n, … (n ≥ 1; 1 records every
// episode) instead of the capped cubic schedule.
func EveryNEpisodes(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("%w: EveryNEpisodes(%d): must be at least 1", ErrInvalidOption, n))
			return
		}
		c.trigger = func(episode int) bool { return episode%n == 0 }
	}
}

// EpisodeTrigger records the episodes for which trigger returns true
// (gymnasium's episode_trigger); it is given the episode's index, from 0.
func EpisodeTrigger(trigger func(episode int) bool) Option {
	return func(c *config) {
		if trigger == nil {
			c.errs = append(c.errs, fmt.Errorf("%w: EpisodeTrigger(nil)", ErrInvalidOption))
			return
		}
		c.trigger = trigger
	}
}

// MaxFrames caps the frames of a video (default DefaultMaxFrames): when an
// episode reaches it the video is logged at once and the rest of the
// episode goes unrecorded, as gymnasium's video_length does.
func MaxFrames(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("%w: MaxFrames(%d): must be at least 1", ErrInvalidOption, n))
			return
		}
		c.maxFrames = n
	}
}

// MaxPending bounds the recorded videos that the run has not encoded yet
// (default DefaultMaxPending), and so the memory their frames hold. The run
// encodes videos one after the other on its writer goroutine, and a GIF
// costs some 200 µs a frame of 160×120 on one core: an env and agent that
// step faster than that and record every episode outpace it. When n videos
// are waiting at the start of an episode the schedule picks, that episode
// is not recorded (Recorder.Skipped counts them): training never waits for
// the encoder. Through the plugin (ViaPlugin) the plugin hub's bounded
// queue plays this part: it drops frames, and the plugin reports them.
func MaxPending(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("%w: MaxPending(%d): must be at least 1", ErrInvalidOption, n))
			return
		}
		c.pending = n
	}
}

// FPS sets the videos' frame rate (1 to 1000). By default it is the env's
// own (RenderFPSer: 50 for CartPole, real time), else DefaultFPS. A GIF
// stores delays in hundredths of a second, so its rate is 100/n.
func FPS(fps int) Option {
	return func(c *config) {
		if fps < 1 || fps > 1000 {
			c.errs = append(c.errs, fmt.Errorf("%w: FPS(%d): must be 1 to 1000", ErrInvalidOption, fps))
			return
		}
		c.fps = fps
	}
}

// Format sets the video format: "gif" (the default, encoded in Go), or
// "mp4", "webm" or "ogg", encoded by ffmpeg, which must be on PATH.
func Format(name string) Option {
	return func(c *config) { c.format = strings.ToLower(name) }
}

// Key logs every video under key (such as KeyVideos) instead of
// "video.<N>".
func Key(key string) Option {
	return func(c *config) {
		if key == "" || strings.ContainsRune(key, '?') {
			c.errs = append(c.errs, fmt.Errorf("%w: Key(%q): must be non-empty, without '?'", ErrInvalidOption, key))
			return
		}
		c.key = key
	}
}

// ViaPlugin sends the frames to the run's gym plugin (see NewPlugin), which
// encodes and logs the videos in its own process, instead of encoding them
// on the run's writer goroutine. The run must have been started with the
// plugin: wandb.WithPlugins("gym") or wandb.WithInProcessPlugin(NewPlugin()).
func ViaPlugin() Option {
	return func(c *config) { c.viaPlugin = true }
}
