package wandb

import (
	"fmt"
	"image"
	"slices"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// ErrNoFFmpeg is wrapped by the error NewVideo returns for an mp4, webm or
// ogg video when ffmpeg is not installed.
var ErrNoFFmpeg = media.ErrNoFFmpeg

// Video is a video logged to W&B (wandb.Video): history holds
//
//	{"_type":"video-file","path":"media/videos/<key>_<step>_<hash>.gif",
//	 "sha256":…,"size":…,"width":…,"height":…,"caption"?}
//
// (W&B keeps no fps in the JSON). A slice of videos logged under one key
// becomes {"_type":"videos","count","videos":[…],"captions"}, where captions
// is false when the first video has none, as in W&B.
//
// GIF, the default format, is encoded in Go; mp4, webm and ogg are encoded
// by ffmpeg (rgb24 frames piped into it), which must be on PATH: NewVideo
// says so when it is not. Frames are converted when the Video is made and
// encoded when it is logged, on the run log's writer goroutine.
type Video struct {
	frames  media.Frames // nil RGB for a file
	src     fileSource
	ffmpeg  string // ffmpeg's path, for formats it encodes
	format  string
	fps     int
	width   int
	height  int
	caption string
}

const videoOpts = optCaption | optFormat | optFPS

// NewVideo makes a Video from frames of one size. Options: Caption, FPS
// (default 4), Format ("gif" default, "mp4", "webm", "ogg").
func NewVideo(frames []image.Image, opts ...MediaOption) (*Video, error) {
	c, err := mediaConfigFor("video", videoOpts, opts)
	if err != nil {
		return nil, err
	}
	f, err := media.FramesFromImages(frames)
	if err != nil {
		return nil, mediaErr("video", err)
	}
	return newVideo(f, c)
}

// NewVideoFromPixels makes a Video from a T×H×W×C byte buffer (C = 1, 3 or
// 4; alpha is dropped). A B×T×H×W×C buffer is a batch of videos, tiled into
// a grid as W&B does. Options as NewVideo.
func NewVideoFromPixels(pix []uint8, shape []int, opts ...MediaOption) (*Video, error) {
	c, err := mediaConfigFor("video", videoOpts, opts)
	if err != nil {
		return nil, err
	}
	f, err := media.FramesFromPixels(pix, shape)
	if err != nil {
		return nil, mediaErr("video", err)
	}
	return newVideo(f, c)
}

func newVideo(f media.Frames, c *mediaConfig) (*Video, error) {
	v := &Video{frames: f, format: "gif", fps: c.fps, width: f.W, height: f.H, caption: c.caption}
	if c.format != "" {
		v.format = c.format
	}
	if !slices.Contains(media.VideoFormats, v.format) {
		return nil, mediaErr("video", fmt.Errorf("%w: format %q: want one of %v", media.ErrInvalid, v.format, media.VideoFormats))
	}
	if v.format != "gif" {
		p, err := media.FindFFmpeg(ffmpegLookPath)
		if err != nil {
			return nil, mediaErr("video", fmt.Errorf("format %s: %w", v.format, err))
		}
		v.ffmpeg = p
	}
	return v, nil
}

// NewVideoFromFile makes a Video from a gif, mp4, webm or ogg file, logged
// as it is. W&B records no size for video files, and neither does this.
// The file is checked now and copied into the run when logged. Options:
// Caption.
func NewVideoFromFile(path string, opts ...MediaOption) (*Video, error) {
	c, err := mediaConfigFor("video", optCaption, opts)
	if err != nil {
		return nil, err
	}
	ext := extOf(path)
	if !slices.Contains(media.VideoFormats, ext) {
		return nil, mediaErr("video", fmt.Errorf("%w: %s: extension %q: want one of %v", media.ErrInvalid, path, ext, media.VideoFormats))
	}
	src, err := openSource(path)
	if err != nil {
		return nil, mediaErr("video", err)
	}
	return &Video{src: src, format: ext, caption: c.caption}, nil
}

// Format is the video's file format.
func (v *Video) Format() string { return v.format }

// Frames is the number of frames (0 for a video from a file).
func (v *Video) Frames() int { return v.frames.T }

// BindToRun encodes and writes the video (runstate.Binder).
func (v *Video) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	if v == nil {
		return nil, nil, fmt.Errorf("wandb: video: nil *Video")
	}
	var data []byte
	var err error
	switch {
	case v.frames.RGB == nil:
		data, err = v.src.read()
	case v.format == "gif":
		data, err = media.EncodeGIF(v.frames, v.fps)
	default:
		data, err = media.EncodeFFmpeg(v.ffmpeg, v.frames, v.fps, v.format)
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := media.Store(b, "videos", v.format, data)
	if err != nil {
		return nil, nil, err
	}
	o := media.FileJSON("video-file", f)
	if v.frames.RGB != nil {
		o.Int("width", int64(v.width)).Int("height", int64(v.height))
	}
	if v.caption != "" {
		o.Str("caption", v.caption)
	}
	return o.Bytes(), []string{f.Path}, nil
}

// BindListToRun logs a slice of videos as W&B's videos list
// (runstate.ListBinder).
func (v *Video) BindListToRun(b runstate.Binding, items []runstate.Binder) ([]byte, []string, error) {
	vids, err := itemsAs[*Video]("videos", items)
	if err != nil {
		return nil, nil, err
	}
	jsons, files, err := bindAll(b, vids)
	if err != nil {
		return nil, nil, err
	}
	o := (&media.Obj{}).Str("_type", "videos").Int("count", int64(len(vids))).Raw("videos", media.List(jsons))
	if vids[0].caption == "" {
		o.Bool("captions", false)
	} else {
		caps := make([]string, len(vids))
		for i, x := range vids {
			caps[i] = x.caption
		}
		o.Raw("captions", media.StrOrNullList(caps))
	}
	return o.Bytes(), files, nil
}
