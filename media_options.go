package wandb

import (
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// MediaOption configures a media value. Each constructor takes the options
// that apply to its type and refuses the others with an error naming them.
//
// Media values (Image, Video, Audio, Object3D, HTML, Table) follow W&B's
// data types (wandb-behaviour.md §4). Each is made by a constructor that
// checks its input and does the conversion the caller must pay for (pixels
// into an image, samples into PCM), and is logged like any value:
//
//	img, err := wandb.NewImageFromPixels(pix, []int{64, 64, 3}, wandb.Caption("sample"))
//	run.Log(map[string]any{"examples": img})
//
// Encoding (PNG, GIF, WAV…), hashing and writing the files happen later,
// on the run log's writer goroutine, when the row is committed: files land
// in the run's files directory as media/<kind>/<key>_<step>_<hash>.<ext>
// (<key>_summary_<hash> for a summary value), a files record lists them,
// and history holds W&B's JSON for them. A value must not be changed after
// it is logged (a Table may: see Table). Bad input is refused by the
// constructor; if writing fails later (a full disk, a file given by path
// that went away), the run prints a warning and leaves the key out of that
// row, and the rest of the row lands.
//
// A slice of one media type logged under one key is logged as W&B's list
// form (images/separated, videos, audio, html, object3D). Media can also be
// nested in maps, set in the summary (Summary.Set), and put in Table cells.
//
// Media are written after Log has returned, by the run log's writer: a
// list of more than MaxImagesPerList images logs the first ones and a Table
// file holds its first MaxTableRows rows, each with a warning (through
// WithWarnings), and the class labels of Boxes and Mask layers are copied
// into the run config as W&B does. Tables are not also logged as run_table
// artifacts yet (artifacts are a later part of gowandb).
type MediaOption func(*mediaConfig)

// optBit names one option, to check that it applies.
type optBit uint32

const (
	optCaption optBit = 1 << iota
	optFormat
	optQuality
	optBoxes
	optMasks
	optGrouping
	optChannelsFirst
	optFPS
	optChannels
	optInject
	optBoxes3D
	optVectors
)

var optNames = map[optBit]string{
	optCaption: "Caption", optFormat: "Format", optQuality: "JPEGQuality", optBoxes: "Boxes",
	optMasks: "Mask", optGrouping: "Grouping", optChannelsFirst: "ChannelsFirst", optFPS: "FPS",
	optChannels: "Channels", optInject: "InjectStylesheet", optBoxes3D: "Boxes3D", optVectors: "Vectors3D",
}

type mediaConfig struct {
	set      optBit
	errs     []error
	caption  string
	format   string
	quality  int
	boxes    []boxLayer
	masks    []maskLayer
	grouping int
	chw      bool
	fps      int
	channels int
	inject   bool
	boxes3D  []Box3D
	vectors  []Vector3D
}

// Caption sets the caption shown with an Image, Video, Audio or Object3D.
func Caption(text string) MediaOption {
	return func(c *mediaConfig) {
		c.set |= optCaption
		if !utf8.ValidString(text) {
			c.errs = append(c.errs, fmt.Errorf("caption is not valid UTF-8: %w", ErrInvalidValue))
		}
		c.caption = text
	}
}

// Format sets the file format: for an Image "png" (the default) or "jpeg"
// ("jpg"); for a Video "gif" (the default, encoded in Go), "mp4", "webm"
// or "ogg" (encoded by ffmpeg, which must be installed).
func Format(name string) MediaOption {
	return func(c *mediaConfig) { c.set |= optFormat; c.format = strings.ToLower(name) }
}

// JPEGQuality sets the quality (1 to 100, default 75) of an Image saved as
// JPEG.
func JPEGQuality(quality int) MediaOption {
	return func(c *mediaConfig) {
		c.set |= optQuality
		if quality < 1 || quality > 100 {
			c.errs = append(c.errs, fmt.Errorf("JPEG quality %d: must be 1 to 100: %w", quality, ErrInvalidValue))
		}
		c.quality = quality
	}
}

// Grouping sets an Image's grouping number (W&B's grouping argument).
func Grouping(n int) MediaOption {
	return func(c *mediaConfig) { c.set |= optGrouping; c.grouping = n }
}

// ChannelsFirst says a pixel buffer given to NewImageFromPixels is laid out
// C×H×W (PyTorch's order) instead of H×W×C.
func ChannelsFirst() MediaOption {
	return func(c *mediaConfig) { c.set |= optChannelsFirst; c.chw = true }
}

// FPS sets a Video's frame rate (default 4, as in W&B).
func FPS(fps int) MediaOption {
	return func(c *mediaConfig) {
		c.set |= optFPS
		if fps < 1 || fps > 1000 {
			c.errs = append(c.errs, fmt.Errorf("fps %d: must be 1 to 1000: %w", fps, ErrInvalidValue))
		}
		c.fps = fps
	}
}

// Channels sets the number of interleaved channels of Audio samples
// (default 1, mono).
func Channels(n int) MediaOption {
	return func(c *mediaConfig) {
		c.set |= optChannels
		if n < 1 || n > 64 {
			c.errs = append(c.errs, fmt.Errorf("%d audio channels: must be 1 to 64: %w", n, ErrInvalidValue))
		}
		c.channels = n
	}
}

// InjectStylesheet says whether HTML gets W&B's stylesheet and a
// <base target="_blank"> injected into its head (default true, as W&B's
// inject argument).
func InjectStylesheet(inject bool) MediaOption {
	return func(c *mediaConfig) { c.set |= optInject; c.inject = inject }
}

// mediaConfigFor applies opts for a constructor of kind that accepts the
// options in allowed.
func mediaConfigFor(kind string, allowed optBit, opts []MediaOption) (*mediaConfig, error) {
	c := &mediaConfig{quality: 75, fps: 4, channels: 1, inject: true}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	var errs []string
	for bit := optBit(1); bit <= optVectors; bit <<= 1 {
		if c.set&bit != 0 && allowed&bit == 0 {
			errs = append(errs, optNames[bit])
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("wandb: %s: option %s does not apply to this type: %w", kind, strings.Join(errs, ", "), ErrInvalidValue)
	}
	if len(c.errs) > 0 {
		return nil, fmt.Errorf("wandb: %s: %w", kind, c.errs[0])
	}
	return c, nil
}

// mediaErr wraps a constructor error.
func mediaErr(kind string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("wandb: %s: %w", kind, err)
}

// fileSource is a media file given by path: checked when the value is
// made, read when it is logged.
type fileSource struct {
	path string
	ext  string
}

// openSource checks that path is a readable regular file.
func openSource(path string) (fileSource, error) {
	if path == "" {
		return fileSource{}, fmt.Errorf("%w: empty file path", media.ErrInvalid)
	}
	f, err := os.Open(path)
	if err != nil {
		return fileSource{}, fmt.Errorf("%w: %w", media.ErrInvalid, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fileSource{}, fmt.Errorf("%w: %w", media.ErrInvalid, err)
	}
	if !st.Mode().IsRegular() {
		return fileSource{}, fmt.Errorf("%w: %s is not a regular file", media.ErrInvalid, path)
	}
	if _, err := f.Read(make([]byte, 1)); err != nil {
		return fileSource{}, fmt.Errorf("%w: %s cannot be read: %w", media.ErrInvalid, path, err)
	}
	return fileSource{path: path}, nil
}

func (s fileSource) read() ([]byte, error) {
	b, err := os.ReadFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return b, nil
}

// extOf returns path's extension, lower case, without the dot.
func extOf(path string) string {
	i := strings.LastIndexByte(path, '.')
	if i < 0 || strings.ContainsAny(path[i:], `/\`) {
		return ""
	}
	return strings.ToLower(path[i+1:])
}

// isNilPointer tells a nil pointer inside a non-nil interface.
func isNilPointer(x any) bool {
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// ffmpegLookPath finds ffmpeg; tests replace it.
var ffmpegLookPath = exec.LookPath

// bindAll binds media values as the items of a list, each under its own
// name suffix, and returns their JSON and files.
func bindAll[T runstate.Binder](b runstate.Binding, items []T) ([][]byte, []string, error) {
	jsons := make([][]byte, len(items))
	var files []string
	for i, it := range items {
		j, f, err := it.BindToRun(b)
		if err != nil {
			return nil, nil, fmt.Errorf("item %d: %w", i, err)
		}
		jsons[i] = j
		files = append(files, f...)
	}
	return jsons, uniq(files), nil
}

// uniq drops repeated paths (identical items share one file), keeping the
// order.
func uniq(paths []string) []string {
	seen := make(map[string]bool, len(paths))
	out := paths[:0]
	for _, p := range paths {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// itemsAs converts the items of a logged list to one media type.
func itemsAs[T runstate.Binder](kind string, items []runstate.Binder) ([]T, error) {
	out := make([]T, len(items))
	for i, it := range items {
		v, ok := it.(T)
		if !ok {
			return nil, fmt.Errorf("wandb: a list of %s holds a %T at index %d; a list must hold one media type", kind, it, i)
		}
		out[i] = v
	}
	return out, nil
}
