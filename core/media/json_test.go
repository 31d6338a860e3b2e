package media

import (
	"math"
	"slices"
	"testing"
)

func TestObjKeepsOrderAndWandbNumbers(t *testing.T) {
	o := (&Obj{}).Str("_type", "x").Int("n", 3).Float("f", 3).Float("nan", math.NaN()).Bool("b", false).Null("z").Raw("r", []byte(`[1]`))
	if got, want := string(o.Bytes()), `{"_type":"x","n":3,"f":3.0,"nan":NaN,"b":false,"z":null,"r":[1]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := string((&Obj{}).Bytes()); got != "{}" {
		t.Errorf("empty = %s", got)
	}
	f := File{Path: "media/a.png", SHA256: "ab", Size: 2}
	if got := string(FileJSON("image-file", f).Bytes()); got != `{"_type":"image-file","path":"media/a.png","sha256":"ab","size":2}` {
		t.Errorf("FileJSON = %s", got)
	}
	if got := string(StrOrNullList([]string{"a", ""})); got != `["a",null]` {
		t.Errorf("StrOrNullList = %s", got)
	}
	if got := string(List(nil)); got != `[]` {
		t.Errorf("List(nil) = %s", got)
	}
}

func TestQuantize(t *testing.T) {
	// Few colours: exact.
	rgb := []byte{1, 2, 3, 4, 5, 6, 1, 2, 3, 250, 0, 7}
	pal, idx := quantize(rgb)
	if len(pal) != 3 {
		t.Fatalf("palette of %d for 3 colours", len(pal))
	}
	for i := 0; i < len(rgb); i += 3 {
		r, g, b, _ := pal[idx(rgb[i], rgb[i+1], rgb[i+2])].RGBA()
		if uint8(r>>8) != rgb[i] || uint8(g>>8) != rgb[i+1] || uint8(b>>8) != rgb[i+2] {
			t.Errorf("colour %v mapped to %v %v %v", rgb[i:i+3], r>>8, g>>8, b>>8)
		}
	}
	// Many colours: at most 256, every colour mapped into the palette.
	many := make([]byte, 3*4096*4)
	for i := range many {
		many[i] = byte(i * 7 % 251)
	}
	pal, idx = quantize(many)
	if len(pal) == 0 || len(pal) > 256 {
		t.Fatalf("palette of %d", len(pal))
	}
	for i := 0; i < len(many); i += 3 {
		if int(idx(many[i], many[i+1], many[i+2])) >= len(pal) {
			t.Fatal("index outside the palette")
		}
	}
}

func TestParseShape(t *testing.T) {
	for _, tt := range []struct {
		shape []int
		n     int
		chw   bool
		want  PixelShape
	}{
		{[]int{2, 3}, 6, false, PixelShape{H: 2, W: 3, C: 1}},
		{[]int{2, 3, 4}, 24, false, PixelShape{H: 2, W: 3, C: 4}},
		{[]int{3, 2, 5}, 30, true, PixelShape{H: 2, W: 5, C: 3, CHW: true}},
	} {
		got, err := ParseShape(tt.shape, tt.n, tt.chw)
		if err != nil || got != tt.want {
			t.Errorf("ParseShape(%v) = %+v, %v", tt.shape, got, err)
		}
	}
	for _, bad := range [][]int{nil, {1}, {1, 2, 3, 4}, {0, 1}, {1, 65501}, {1, 1, 2}} {
		if _, err := ParseShape(bad, 1, false); err == nil {
			t.Errorf("ParseShape(%v) accepted", bad)
		}
	}
}

func TestPCM16AndWAV(t *testing.T) {
	pcm, err := PCM16([]float64{0, 1, -1, 0.5, 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int16{0, 32767, -32767, 16384, 32767}; !slices.Equal(pcm, want) {
		t.Errorf("PCM16 = %v", pcm)
	}
	if _, err := PCM16([]float32{float32(math.Inf(-1))}); err == nil {
		t.Error("-Inf accepted")
	}
	w := EncodeWAV([]int16{1, -1}, 2, 44100)
	if len(w) != 48 || string(w[0:4]) != "RIFF" || w[22] != 2 || w[44] != 1 || w[46] != 0xff {
		t.Errorf("WAV % x", w)
	}
}
