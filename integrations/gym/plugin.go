package gym

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gowandb/wandb/core/runstate"
	"github.com/gowandb/wandb/plugins"
)

// PluginVersion is the gym plugin's version, printed by describe.
const PluginVersion = "1.0.0"

// maxHeldBytes bounds the frame data the plugin holds for videos not yet
// ended; frames past it are dropped and the loss reported.
const maxHeldBytes = 1 << 30

// Plugin is the gym plugin (name "gym"): it collects the frames a Recorder
// sends with ViaPlugin, and at the end of each video encodes it (GIF in
// Go, mp4/webm/ogg through ffmpeg), writes the file into the run's files
// directory and emits the history row that holds it, at the run's current
// step and committed, as in-process recording logs it. Frames the hub
// dropped (a plugin that fell behind) are left out of the video and
// reported in the run's log. Videos whose end never came (it carries the
// format and frame rate) are emitted at Finish with a warning, as GIF at
// DefaultFPS; Flush emits nothing, since a video is not done until its
// end. The step in a video's file name is the run's step when the recorder
// ended it, which may be before the step its row lands at.
//
// One Plugin serves one run at a time. It is used in-process with
// wandb.WithInProcessPlugin(gym.NewPlugin()) or as the binary
// wandb-plugin-gym (cmd/wandb-plugin-gym) with wandb.WithPlugins("gym").
type Plugin struct {
	mu       sync.Mutex
	emit     plugins.Emitter
	dir      string
	videos   map[string]*pending
	held     int   // bytes of frames held
	lastStep int64 // step of the last end seen: names videos ended by Finish
}

// pending is a video whose frames are coming in.
type pending struct {
	w, h    int
	n       int           // frames held
	next    int64         // index expected next
	frames  []image.Image // the observations' pixels, kept as they came
	bytes   int
	mixedUp bool // a frame of another size came
}

var _ plugins.Plugin = (*Plugin)(nil)

// NewPlugin returns the gym plugin.
func NewPlugin() *Plugin { return &Plugin{} }

// Manifest describes the plugin.
func (p *Plugin) Manifest() plugins.Manifest {
	return plugins.Manifest{
		Name:        "gym",
		Version:     PluginVersion,
		Provides:    []string{"video", plugins.ProvidesHistory, plugins.ProvidesFiles, plugins.ProvidesLogs},
		Description: "encodes the episode frames of integrations/gym recorders (ViaPlugin) into wandb videos",
	}
}

// Start begins a run.
func (p *Plugin) Start(_ context.Context, run plugins.RunInfo, emit plugins.Emitter) error {
	if run.Dir == "" {
		return errors.New("gym: plugin: the run has no files directory")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.emit, p.dir, p.videos, p.held, p.lastStep = emit, run.Dir, map[string]*pending{}, 0, 0
	return nil
}

// Observe takes frames and ends of videos; other observations are not the
// plugin's and are ignored. An error is about one video; the others of the
// batch are handled all the same.
func (p *Plugin) Observe(_ context.Context, batch []plugins.Observation) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.videos == nil {
		return errors.New("gym: plugin: observe before start")
	}
	var errs []error
	for i := range batch {
		o := &batch[i]
		switch o.Kind {
		case plugins.KindFrame:
			if key, ok := strings.CutPrefix(o.Key, framePrefix); ok && o.Frame != nil {
				errs = append(errs, p.addFrame(key, o.Step, o.Frame))
			}
		case plugins.KindScalar:
			if key, fps, format, ok := parseEnd(o.Key); ok {
				p.lastStep = o.Step
				errs = append(errs, p.end(key, o.Step, int(o.Scalar), fps, format))
			}
		}
	}
	return errors.Join(errs...)
}

// Flush has nothing to do: videos are emitted when they end.
func (p *Plugin) Flush(context.Context) error { return nil }

// Finish emits the videos that never ended, with a warning, and forgets
// the run.
func (p *Plugin) Finish(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(p.videos)) {
		v := p.videos[key]
		if v.n == 0 {
			continue
		}
		errs = append(errs, p.warn(fmt.Sprintf("gym: video %q: its end never came (frames lost?): logging the %d frames received", key, v.n)))
		errs = append(errs, p.encode(key, v, p.lastStep, DefaultFPS, "gif"))
	}
	p.videos, p.held, p.emit = nil, 0, nil
	return errors.Join(errs...)
}

func (p *Plugin) addFrame(key string, index int64, f *plugins.Frame) error {
	var err error
	v := p.videos[key]
	if v != nil && index < v.next {
		// A new video under the same key (Key(KeyVideos)) while the end
		// of the previous one was lost: log what the previous one has.
		if v.n > 0 {
			err = errors.Join(
				p.warn(fmt.Sprintf("gym: video %q: a new video began before this one ended: logging the %d frames received", key, v.n)),
				p.encode(key, v, p.lastStep, DefaultFPS, "gif"))
		}
		p.drop(key)
		v = nil
	}
	if v == nil {
		v = &pending{w: f.Width, h: f.Height}
		p.videos[key] = v
	}
	p.addFrameTo(v, index, f)
	return err
}

func (p *Plugin) addFrameTo(v *pending, index int64, f *plugins.Frame) {
	// Frames missing (dropped by the hub, or here) are counted at the end:
	// the recorder says how many it sent.
	v.next = index + 1
	size := len(f.RGBA)
	switch {
	case f.Width != v.w || f.Height != v.h:
		v.mixedUp = true
	case p.held+size > maxHeldBytes:
		// Dropped: too much is held already.
	default:
		// The plugin may keep what it is given: no copy.
		v.frames = append(v.frames, &image.RGBA{Pix: f.RGBA, Stride: 4 * f.Width, Rect: image.Rect(0, 0, f.Width, f.Height)})
		v.bytes += size
		v.n++
		p.held += size
	}
}

func (p *Plugin) drop(key string) {
	if v := p.videos[key]; v != nil {
		p.held -= v.bytes
		delete(p.videos, key)
	}
}

// end encodes and emits the video key, whose recorder sent sent frames.
func (p *Plugin) end(key string, step int64, sent, fps int, format string) error {
	v := p.videos[key]
	p.drop(key)
	if v == nil || v.n == 0 {
		return p.warn(fmt.Sprintf("gym: video %q: all of its %d frames were lost on the way to the plugin", key, sent))
	}
	if missing := sent - v.n; missing > 0 {
		why := "dropped by the plugin hub: the plugin fell behind"
		if v.mixedUp {
			why = "of another size than the first"
		}
		if err := p.warn(fmt.Sprintf("gym: video %q: %d of its %d frames are missing (%s)", key, missing, sent, why)); err != nil {
			return err
		}
	}
	return p.encode(key, v, step, fps, format)
}

// encode binds the frames as a wandb.Video in the run's files directory
// and emits the row and the file.
func (p *Plugin) encode(key string, v *pending, step int64, fps int, format string) error {
	c := &clip{frames: v.frames, t: v.n, w: v.w, h: v.h, fps: max(1, min(fps, 1000)), format: format}
	js, files, err := c.BindToRun(runstate.Binding{FilesDir: p.dir, Key: key, Step: step})
	if err != nil {
		return err
	}
	e := plugins.Emission{History: &plugins.HistoryRow{Step: plugins.NextStep, Row: map[string]json.RawMessage{key: js}}}
	for _, f := range files {
		e.Files = append(e.Files, plugins.File{Path: f}) // written by BindToRun
	}
	if err := p.emit.Emit(e); err != nil {
		return fmt.Errorf("gym: plugin: video %q: %w", key, err)
	}
	return nil
}

func (p *Plugin) warn(text string) error {
	if err := p.emit.Emit(plugins.Emission{Log: &plugins.LogLine{Level: plugins.LevelWarn, Text: text}}); err != nil {
		return fmt.Errorf("gym: plugin: %w", err)
	}
	return nil
}
