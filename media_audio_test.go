package wandb

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/runstate"
)

func mustAudio(t testing.TB) func(*Audio, error) *Audio {
	return func(a *Audio, err error) *Audio {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

func TestAudioGolden(t *testing.T) {
	samples := []float64{0, 0.5, -0.5, 1, -1, 2, -2, 0.25}
	a := mustAudio(t)(NewAudio(samples, 8000, Caption("beep")))
	dir, got := bindGolden(t, "audio", a)
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(got["path"].(string))))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if string(b[:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || le.Uint16(b[20:]) != 1 || le.Uint16(b[22:]) != 1 ||
		le.Uint32(b[24:]) != 8000 || le.Uint16(b[34:]) != 16 || string(b[36:40]) != "data" || le.Uint32(b[40:]) != 16 || len(b) != 44+16 {
		t.Fatalf("WAV header % x", b[:44])
	}
	want := []int16{0, 16384, -16384, 32767, -32767, 32767, -32767, 8192} // clipped beyond ±1
	for i, w := range want {
		if s := int16(le.Uint16(b[44+2*i:])); s != w {
			t.Errorf("sample %d = %d, want %d", i, s, w)
		}
	}
	noCaption := mustAudio(t)(NewAudio([]float32{0.1, 0.2, 0.3, 0.4}, 4, Channels(2)))
	_, got = bindGolden(t, "audio_stereo", noCaption)
	if v, ok := got["caption"]; !ok || v != nil {
		t.Errorf("caption = %v, want null as W&B writes", v)
	}
	if noCaption.Duration() != 0.5 || a.Duration() != 8.0/8000 || a.SampleRate() != 8000 {
		t.Errorf("durations %v %v", noCaption.Duration(), a.Duration())
	}
	items := []runstate.Binder{a, noCaption}
	j, _, err := a.BindListToRun(runstate.Binding{FilesDir: t.TempDir(), Key: "k", Step: 3}, items)
	if err != nil {
		t.Fatal(err)
	}
	l := compareGolden(t, "audio_list", j)
	if caps := l["captions"].([]any); caps[0] != "beep" || caps[1] != "" {
		t.Errorf("captions = %v", caps)
	}
}

func TestAudioBadInput(t *testing.T) {
	tests := []struct {
		name string
		make func() (*Audio, error)
		want string
	}{
		{"no samples", func() (*Audio, error) { return NewAudio([]float64{}, 100) }, "no samples"},
		{"sample type", func() (*Audio, error) { return NewAudio([]int{1}, 100) }, "[]int"},
		{"rate", func() (*Audio, error) { return NewAudio([]float64{0}, 0) }, "sample rate 0"},
		{"NaN", func() (*Audio, error) { return NewAudio([]float32{0, float32(math.NaN())}, 100) }, "sample 1 is NaN"},
		{"channels", func() (*Audio, error) { return NewAudio([]float64{0, 0, 0}, 100, Channels(2)) }, "3 samples do not split into frames of 2 channels"},
		{"channel count", func() (*Audio, error) { return NewAudio([]float64{0}, 100, Channels(0)) }, "0 audio channels"},
		{"option", func() (*Audio, error) { return NewAudio([]float64{0}, 100, FPS(2)) }, "option FPS does not apply"},
		{"extension", func() (*Audio, error) { return NewAudioFromFile("a.txt") }, `extension "txt"`},
		{"missing", func() (*Audio, error) { return NewAudioFromFile(filepath.Join(t.TempDir(), "a.wav")) }, "no such file"},
	}
	for _, tt := range tests {
		a, err := tt.make()
		if err == nil {
			t.Errorf("%s: accepted (%+v)", tt.name, a)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "wandb: audio: ") || !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%s: error %q, want it to name %q", tt.name, err, tt.want)
		}
	}
}

func TestAudioRoundTrip(t *testing.T) {
	run, warns := mediaRun(t)
	tone := make([]float64, 800)
	for i := range tone {
		tone[i] = math.Sin(2 * math.Pi * 440 * float64(i) / 8000)
	}
	a := mustAudio(t)(NewAudio(tone, 8000, Caption("A4")))
	wav := filepath.Join(t.TempDir(), "given.wav")
	if err := os.WriteFile(wav, []byte("RIFF....WAVE"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := mustAudio(t)(NewAudioFromFile(wav))
	if err := run.Log(map[string]any{"a": a, "both": []*Audio{a, f}}); err != nil {
		t.Fatal(err)
	}
	rows, info := mediaReplay(t, run)
	one := rows[0]["a"].(map[string]any)
	if one["_type"] != "audio-file" || one["caption"] != "A4" || !strings.HasPrefix(one["path"].(string), "media/audio/a_0_") || !strings.HasSuffix(one["path"].(string), ".wav") {
		t.Errorf("a = %v", one)
	}
	checkMediaFile(t, run, info, one)
	both := rows[0]["both"].(map[string]any)
	if both["_type"] != "audio" || both["count"] != int64(2) {
		t.Errorf("both = %v", both)
	}
	if r := both["sampleRates"].([]any); r[0] != int64(8000) || r[1] != nil {
		t.Errorf("sampleRates = %v", r)
	}
	if d := both["durations"].([]any); d[0] != 0.1 || d[1] != nil {
		t.Errorf("durations = %v", d)
	}
	for _, x := range both["audio"].([]any) {
		checkMediaFile(t, run, info, x)
	}
	if warns.String() != "" {
		t.Errorf("warnings: %s", warns)
	}
}
