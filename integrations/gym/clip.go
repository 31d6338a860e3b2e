package gym

import (
	"fmt"
	"image"
	"image/draw"
	"sync/atomic"

	"github.com/gowandb/wandb"
	"github.com/gowandb/wandb/core/runstate"
)

// clip is a recorded video not yet encoded: T frames of W×H RGBA pixels.
// Logged with run.Log it is a media value (runstate.Binder) that the run
// binds on its writer goroutine, at the step the row commits at; the gym
// plugin binds it itself. Either way it becomes a wandb.Video, so both
// paths write the same file and JSON.
type clip struct {
	pix []byte // T × H × W × 4, or
	// frames are the T frames, for a clip made of separate frames (the
	// plugin's, which keeps the observations' pixels).
	frames  []image.Image
	t, w, h int
	fps     int
	format  string
	// free, if set, takes pix back once the video is made from it, and
	// pending, if set, counts the clip until then (once: see uncount).
	free      chan<- []byte
	pending   *atomic.Int32
	uncounted atomic.Bool
}

var _ runstate.Binder = (*clip)(nil)

// BindToRun converts and encodes the frames into a wandb.Video and binds
// that. It may be called once: then the pixels go back to the recorder.
func (c *clip) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	var v *wandb.Video
	var err error
	switch {
	case c.frames != nil:
		v, err = wandb.NewVideo(c.frames, wandb.FPS(c.fps), wandb.Format(c.format))
	case c.pix != nil:
		v, err = wandb.NewVideoFromPixels(c.pix, []int{c.t, c.h, c.w, 4}, wandb.FPS(c.fps), wandb.Format(c.format))
	default:
		return nil, nil, fmt.Errorf("gym: video %q: already logged", b.Key)
	}
	c.release() // the Video holds its own copy of the frames now
	if err != nil {
		return nil, nil, fmt.Errorf("gym: video %q: %w", b.Key, err)
	}
	js, files, err := v.BindToRun(b)
	if err != nil {
		return nil, nil, fmt.Errorf("gym: video %q: %w", b.Key, err)
	}
	return js, files, nil
}

// frameBuffer turns rendered images into tightly packed RGBA bytes,
// without a copy when the image already is that.
type frameBuffer struct {
	scratch *image.NRGBA
}

// pixels returns img's pixels as W×H×4 bytes, valid until the next call
// (or until the env changes img).
func (fb *frameBuffer) pixels(img image.Image) (pix []byte, w, h int) {
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.RGBA:
		if m.Stride == 4*w {
			o := m.PixOffset(b.Min.X, b.Min.Y)
			return m.Pix[o : o+4*w*h], w, h
		}
	case *image.NRGBA:
		if m.Stride == 4*w {
			o := m.PixOffset(b.Min.X, b.Min.Y)
			return m.Pix[o : o+4*w*h], w, h
		}
	}
	if fb.scratch == nil || fb.scratch.Rect.Dx() != w || fb.scratch.Rect.Dy() != h {
		fb.scratch = image.NewNRGBA(image.Rect(0, 0, w, h))
	}
	draw.Draw(fb.scratch, fb.scratch.Rect, img, b.Min, draw.Src)
	return fb.scratch.Pix, w, h
}

// release hands the pixels back to the recorder: the clip is done with.
// It runs where the clip is bound.
func (c *clip) release() {
	if c.free != nil {
		select {
		case c.free <- c.pix:
		default:
		}
	}
	c.uncount()
	c.pix, c.frames, c.free = nil, nil, nil
}

// uncount takes the clip off the recorder's pending count, once, whether
// the run binds it or the recorder finds that Log refused it.
func (c *clip) uncount() {
	if c.pending != nil && c.uncounted.CompareAndSwap(false, true) {
		c.pending.Add(-1)
	}
}
