package wandb

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// Audio is a sound clip logged to W&B (wandb.Audio): history holds
//
//	{"_type":"audio-file","path":"media/audio/<key>_<step>_<hash>.wav",
//	 "sha256":…,"size":…,"caption":…|null}
//
// A slice of clips logged under one key becomes
// {"_type":"audio","count","audio":[…],"sampleRates","durations","captions"?}
// (sampleRates and durations are null for clips made from files, as in W&B;
// captions are written when any clip has one).
//
// Samples are converted to 16-bit PCM when the Audio is made; the WAV file
// is written when it is logged, on the run log's writer goroutine.
type Audio struct {
	pcm        []int16 // nil for a file
	src        fileSource
	ext        string
	channels   int
	sampleRate int
	caption    string
}

// MaxAudioSampleRate bounds the sample rate NewAudio takes.
const MaxAudioSampleRate = 1 << 20

// NewAudio makes an Audio clip from samples ([]float32 or []float64 in
// [-1, 1]; values outside are clipped, NaN and ±Inf refused) at sampleRate
// samples per second, written as a 16-bit PCM WAV file. With Channels(n)
// the samples are interleaved frames of n channels. Options: Caption,
// Channels.
func NewAudio(samples any, sampleRate int, opts ...MediaOption) (*Audio, error) {
	c, err := mediaConfigFor("audio", optCaption|optChannels, opts)
	if err != nil {
		return nil, err
	}
	if sampleRate < 1 || sampleRate > MaxAudioSampleRate {
		return nil, mediaErr("audio", fmt.Errorf("%w: sample rate %d: must be 1 to %d", media.ErrInvalid, sampleRate, MaxAudioSampleRate))
	}
	var pcm []int16
	switch s := samples.(type) {
	case []float32:
		pcm, err = media.PCM16(s)
	case []float64:
		pcm, err = media.PCM16(s)
	default:
		err = fmt.Errorf("%w: samples of type %T: want []float32 or []float64", media.ErrInvalid, samples)
	}
	if err != nil {
		return nil, mediaErr("audio", err)
	}
	if len(pcm) == 0 {
		return nil, mediaErr("audio", fmt.Errorf("%w: no samples", media.ErrInvalid))
	}
	if len(pcm)%c.channels != 0 {
		return nil, mediaErr("audio", fmt.Errorf("%w: %d samples do not split into frames of %d channels", media.ErrInvalid, len(pcm), c.channels))
	}
	if 2*len(pcm) > 1<<31 {
		return nil, mediaErr("audio", fmt.Errorf("%w: %d samples are too many for a WAV file", media.ErrInvalid, len(pcm)))
	}
	return &Audio{pcm: pcm, ext: "wav", channels: c.channels, sampleRate: sampleRate, caption: c.caption}, nil
}

// audioFileFormats are the audio files NewAudioFromFile takes.
var audioFileFormats = []string{"wav", "mp3", "ogg", "flac", "m4a", "aac", "opus", "webm"}

// NewAudioFromFile makes an Audio clip from a sound file (wav, mp3, ogg,
// flac, m4a, aac, opus or webm), logged as it is. The file is checked now
// and copied into the run when logged. Options: Caption.
func NewAudioFromFile(path string, opts ...MediaOption) (*Audio, error) {
	c, err := mediaConfigFor("audio", optCaption, opts)
	if err != nil {
		return nil, err
	}
	ext := extOf(path)
	if !slices.Contains(audioFileFormats, ext) {
		return nil, mediaErr("audio", fmt.Errorf("%w: %s: extension %q: want one of %v", media.ErrInvalid, path, ext, audioFileFormats))
	}
	src, err := openSource(path)
	if err != nil {
		return nil, mediaErr("audio", err)
	}
	return &Audio{src: src, ext: ext, caption: c.caption}, nil
}

// SampleRate is the clip's sample rate (0 for a clip from a file).
func (a *Audio) SampleRate() int { return a.sampleRate }

// Duration is the clip's length in seconds (0 for a clip from a file).
func (a *Audio) Duration() float64 {
	if a.sampleRate == 0 {
		return 0
	}
	return float64(len(a.pcm)/a.channels) / float64(a.sampleRate)
}

// BindToRun writes the clip (runstate.Binder).
func (a *Audio) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	if a == nil {
		return nil, nil, fmt.Errorf("wandb: audio: nil *Audio")
	}
	var data []byte
	var err error
	if a.pcm != nil {
		data = media.EncodeWAV(a.pcm, a.channels, a.sampleRate)
	} else if data, err = a.src.read(); err != nil {
		return nil, nil, err
	}
	f, err := media.Store(b, "audio", a.ext, data)
	if err != nil {
		return nil, nil, err
	}
	o := media.FileJSON("audio-file", f)
	if a.caption != "" {
		o.Str("caption", a.caption)
	} else {
		o.Null("caption")
	}
	return o.Bytes(), []string{f.Path}, nil
}

// BindListToRun logs a slice of clips as W&B's audio list
// (runstate.ListBinder).
func (a *Audio) BindListToRun(b runstate.Binding, items []runstate.Binder) ([]byte, []string, error) {
	clips, err := itemsAs[*Audio]("audio", items)
	if err != nil {
		return nil, nil, err
	}
	jsons, files, err := bindAll(b, clips)
	if err != nil {
		return nil, nil, err
	}
	rates := make([][]byte, len(clips))
	durs := make([][]byte, len(clips))
	caps := make([]string, len(clips))
	anyCaption := false
	for i, c := range clips {
		if c.pcm == nil {
			rates[i], durs[i] = []byte("null"), []byte("null")
		} else {
			rates[i] = strconv.AppendInt(nil, int64(c.sampleRate), 10)
			durs[i] = runstate.AppendFloat(nil, c.Duration())
		}
		caps[i] = c.caption
		anyCaption = anyCaption || c.caption != ""
	}
	o := (&media.Obj{}).Str("_type", "audio").Int("count", int64(len(clips))).Raw("audio", media.List(jsons)).
		Raw("sampleRates", media.List(rates)).Raw("durations", media.List(durs))
	if anyCaption {
		o.Raw("captions", media.StrList(caps))
	}
	return o.Bytes(), files, nil
}
