package media

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// randomImage fills an image of the given type with a mix of smooth and
// noisy rows.
func randomImage(kind string, w, h int, opaque bool, r *rand.Rand) image.Image {
	rect := image.Rect(0, 0, w, h)
	var pix []byte
	var img image.Image
	switch kind {
	case "gray":
		m := image.NewGray(rect)
		pix, img = m.Pix, m
	case "nrgba":
		m := image.NewNRGBA(rect)
		pix, img = m.Pix, m
	case "rgba":
		m := image.NewRGBA(rect)
		pix, img = m.Pix, m
	}
	for i := range pix {
		if r.IntN(3) == 0 {
			pix[i] = byte(r.IntN(256))
		} else {
			pix[i] = byte(i / 7)
		}
	}
	if kind != "gray" {
		for i := 3; i < len(pix); i += 4 {
			if opaque {
				pix[i] = 255
			} else if kind == "rgba" {
				// Premultiplied: colour ≤ alpha.
				a := pix[i]
				pix[i-3], pix[i-2], pix[i-1] = min(pix[i-3], a), min(pix[i-2], a), min(pix[i-1], a)
			}
		}
	}
	return img
}

func sameImage(t *testing.T, what string, a, b image.Image) {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("%s: size %v vs %v", what, a.Bounds(), b.Bounds())
	}
	ab, bb := a.Bounds(), b.Bounds()
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			ca := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y))
			cb := color.NRGBAModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y))
			if ca != cb {
				t.Fatalf("%s: pixel (%d,%d) %v, decoded %v", what, x, y, ca, cb)
			}
		}
	}
}

func TestEncodePNGRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, kind := range []string{"gray", "nrgba", "rgba"} {
		for _, opaque := range []bool{true, false} {
			for _, size := range [][2]int{{1, 1}, {3, 5}, {17, 2}, {64, 33}} {
				img := randomImage(kind, size[0], size[1], opaque, r)
				b, err := EncodePNG(img)
				if err != nil {
					t.Fatal(err)
				}
				got, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s %v: %v", kind, size, err)
				}
				sameImage(t, kind, img, got)
				again, _ := EncodePNG(img)
				if !bytes.Equal(b, again) {
					t.Fatalf("%s %v: encoding is not deterministic", kind, size)
				}
			}
		}
	}
	// A sub-image (bounds not at the origin, stride wider than the row).
	big := randomImage("nrgba", 20, 20, true, r).(*image.NRGBA)
	sub := big.SubImage(image.Rect(3, 4, 11, 9))
	b, _ := EncodePNG(sub)
	got, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	sameImage(t, "sub-image", sub, got)
	// An opaque RGB image is written without alpha (colour type 2).
	opaque, _ := EncodePNG(randomImage("nrgba", 4, 4, true, r))
	if opaque[25] != ctRGB {
		t.Errorf("colour type %d", opaque[25])
	}
	// Other types go through image/png.
	pal := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White})
	pal.Pix[1] = 1
	b, _ = EncodePNG(pal)
	got, _ = png.Decode(bytes.NewReader(b))
	sameImage(t, "paletted", pal, got)
}

func TestCloneImage(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, kind := range []string{"gray", "nrgba", "rgba"} {
		src := randomImage(kind, 9, 7, false, r)
		sub := src.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(2, 1, 8, 6))
		c := CloneImage(sub)
		if c.Bounds() != image.Rect(0, 0, 6, 5) {
			t.Errorf("%s: bounds %v", kind, c.Bounds())
		}
		sameImage(t, kind, sub, c)
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, 4, 4), image.YCbCrSubsampleRatio420)
	if _, ok := CloneImage(ycc).(*image.NRGBA); !ok {
		t.Error("YCbCr not converted to NRGBA")
	}
}

func TestEncodeJPEGDropsAlpha(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = 200, 100, 50, 0
	}
	b, err := EncodeJPEG(m, 95)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := color.RGBAModel.Convert(got.At(4, 4)).(color.RGBA)
	if c.R < 190 || c.G < 90 || c.B < 40 {
		t.Errorf("transparent pixel came out %v; alpha must be dropped, not composited", c)
	}
}

func FuzzEncodePNG(f *testing.F) {
	f.Add(uint8(0), uint8(3), uint8(2), []byte{1, 2, 3})
	f.Add(uint8(1), uint8(1), uint8(1), []byte{255, 0, 0, 128})
	f.Fuzz(func(t *testing.T, kind, w, h uint8, seed []byte) {
		kinds := []string{"gray", "nrgba", "rgba"}
		k := kinds[int(kind)%3]
		if w == 0 || h == 0 {
			return
		}
		img := randomImage(k, int(w%64)+1, int(h%64)+1, len(seed)%2 == 0, rand.New(rand.NewPCG(uint64(len(seed)), uint64(kind))))
		b, err := EncodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		sameImage(t, k, img, got)
	})
}
