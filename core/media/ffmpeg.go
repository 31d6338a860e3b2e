package media

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ErrNoFFmpeg is returned when a video format needs ffmpeg and it is not
// installed.
var ErrNoFFmpeg = errors.New("media: ffmpeg is not installed (not found on PATH); install it (e.g. apt-get install ffmpeg) or log the video as gif, which needs nothing")

// VideoFormats are the video formats W&B's Video accepts; all but gif are
// encoded by ffmpeg.
var VideoFormats = []string{"gif", "mp4", "webm", "ogg"}

// ffmpegTimeout bounds one encoding, so that a stuck ffmpeg cannot stall
// the run log's writer for good.
const ffmpegTimeout = 5 * time.Minute

// FindFFmpeg looks ffmpeg up with lookPath (exec.LookPath, injectable for
// tests) and returns its path or an error wrapping ErrNoFFmpeg.
func FindFFmpeg(lookPath func(string) (string, error)) (string, error) {
	p, err := lookPath("ffmpeg")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoFFmpeg, err)
	}
	return p, nil
}

// codecArgs are ffmpeg's output options per format. Every format gets
// yuv420p and even dimensions (the codecs' common ground) and bit-exact
// muxing, so that the same frames give the same file with the same ffmpeg.
var codecArgs = map[string][]string{
	"mp4":  {"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-movflags", "+faststart"},
	"webm": {"-c:v", "libvpx", "-b:v", "1M", "-crf", "10"},
	"ogg":  {"-c:v", "libtheora", "-q:v", "7"},
}

// EncodeFFmpeg encodes frames with the ffmpeg binary at path into format
// (mp4, webm or ogg), piping rgb24 raw video into it.
func EncodeFFmpeg(path string, f Frames, fps int, format string) ([]byte, error) {
	codec, ok := codecArgs[format]
	if !ok {
		return nil, fmt.Errorf("%w: video format %q is not encoded by ffmpeg", ErrInvalid, format)
	}
	if f.T == 0 {
		return nil, fmt.Errorf("%w: video has no frames", ErrInvalid)
	}
	dir, err := os.MkdirTemp("", "gowandb-video-")
	if err != nil {
		return nil, fmt.Errorf("media: ffmpeg: %w", err)
	}
	defer os.RemoveAll(dir)
	out := dir + string(os.PathSeparator) + "video." + format
	args := []string{
		"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "rgb24",
		"-s", strconv.Itoa(f.W) + "x" + strconv.Itoa(f.H),
		"-r", strconv.Itoa(max(1, fps)),
		"-i", "pipe:0",
		"-an", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p",
		"-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
	}
	args = append(args, codec...)
	args = append(args, out)
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(f.RGB)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("media: ffmpeg: %w", err)
	}
	timer := time.AfterFunc(ffmpegTimeout, func() { _ = cmd.Process.Kill() })
	err = cmd.Wait()
	timer.Stop()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return nil, fmt.Errorf("media: ffmpeg encoding %s: %w: %s", format, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("media: ffmpeg: %w", err)
	}
	return b, nil
}
