package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"slices"
)

// EncodeGIF encodes frames as an animated GIF that loops forever at fps
// frames per second (GIF delays are in hundredths of a second, so the rate
// is rounded to one of 100/n).
//
// The whole clip shares one palette (a global colour table):
//   - a clip with at most 256 distinct colours keeps them exactly;
//   - otherwise the colours are binned at 5 bits per channel and the
//     palette is chosen by median cut over the bins, weighted by pixel
//     count, each bin mapping to the mean colour of its box. No dithering:
//     it costs time, and grows the file for small frames.
//
// image/gif with the Plan9 palette takes about 0.7 s for 100 frames of
// 84×84 (its nearest-colour search is per pixel); this takes a few
// milliseconds for the palette and mapping (see BenchmarkGIF).
func EncodeGIF(f Frames, fps int) ([]byte, error) {
	if f.T == 0 {
		return nil, fmt.Errorf("%w: video has no frames", ErrInvalid)
	}
	pal, index := quantize(f.RGB)
	delay := 100 / max(1, fps)
	if delay < 1 {
		delay = 1
	}
	g := &gif.GIF{
		Image:     make([]*image.Paletted, f.T),
		Delay:     make([]int, f.T),
		LoopCount: 0,
		Config:    image.Config{ColorModel: pal, Width: f.W, Height: f.H},
	}
	n := f.H * f.W
	all := make([]byte, f.T*n)
	for i := 0; i < f.T*n; i++ {
		all[i] = index(f.RGB[3*i], f.RGB[3*i+1], f.RGB[3*i+2])
	}
	for t := 0; t < f.T; t++ {
		g.Image[t] = &image.Paletted{Pix: all[t*n : (t+1)*n : (t+1)*n], Stride: f.W, Rect: image.Rect(0, 0, f.W, f.H), Palette: pal}
		g.Delay[t] = delay
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, fmt.Errorf("media: gif: %w", err)
	}
	return buf.Bytes(), nil
}

// quantize picks a palette of at most 256 colours for rgb and returns it
// with a function from a colour to its palette index.
func quantize(rgb []byte) (color.Palette, func(r, g, b byte) byte) {
	if pal, idx, ok := exactPalette(rgb); ok {
		return pal, idx
	}
	return medianCut(rgb)
}

// exactPalette collects the distinct colours of rgb, giving up past 256.
func exactPalette(rgb []byte) (color.Palette, func(r, g, b byte) byte, bool) {
	const size = 1024 // open addressing, load ≤ 1/4
	var keys [size]uint32
	var vals [size]byte
	var used [size]bool
	var colours []uint32
	lookup := func(k uint32) (int, bool) {
		h := (k * 2654435761) >> 22 // top 10 bits
		for {
			if !used[h] {
				return int(h), false
			}
			if keys[h] == k {
				return int(h), true
			}
			h = (h + 1) & (size - 1)
		}
	}
	last := ^uint32(0)
	for i := 0; i+2 < len(rgb); i += 3 {
		k := uint32(rgb[i])<<16 | uint32(rgb[i+1])<<8 | uint32(rgb[i+2])
		if k == last {
			continue
		}
		last = k
		slot, found := lookup(k)
		if found {
			continue
		}
		if len(colours) == 256 {
			return nil, nil, false
		}
		used[slot], keys[slot] = true, k
		colours = append(colours, k)
	}
	// A palette sorted by colour, so the file does not depend on pixel order
	// more than it must.
	slices.Sort(colours)
	pal := make(color.Palette, len(colours))
	for i, k := range colours {
		pal[i] = color.RGBA{byte(k >> 16), byte(k >> 8), byte(k), 0xff}
		slot, _ := lookup(k)
		vals[slot] = byte(i)
	}
	return pal, func(r, g, b byte) byte {
		slot, _ := lookup(uint32(r)<<16 | uint32(g)<<8 | uint32(b))
		return vals[slot]
	}, true
}

// bin is one 5-bit-per-channel colour cell.
type bin struct {
	key        uint16 // r5<<10 | g5<<5 | b5
	n          uint64
	sr, sg, sb uint64
	mr, mg, mb uint8 // mean colour
}

func binKey(r, g, b byte) uint16 { return uint16(r>>3)<<10 | uint16(g>>3)<<5 | uint16(b>>3) }

// medianCut is the general quantiser: 5-bit bins, median cut, each bin
// mapped to its box's mean colour.
func medianCut(rgb []byte) (color.Palette, func(r, g, b byte) byte) {
	var counts [1 << 15]uint32
	var sums [1 << 15][3]uint64
	for i := 0; i+2 < len(rgb); i += 3 {
		k := binKey(rgb[i], rgb[i+1], rgb[i+2])
		counts[k]++
		s := &sums[k]
		s[0] += uint64(rgb[i])
		s[1] += uint64(rgb[i+1])
		s[2] += uint64(rgb[i+2])
	}
	var bins []bin
	for k, n := range counts {
		if n == 0 {
			continue
		}
		s := sums[k]
		bins = append(bins, bin{key: uint16(k), n: uint64(n), sr: s[0], sg: s[1], sb: s[2],
			mr: uint8(s[0] / uint64(n)), mg: uint8(s[1] / uint64(n)), mb: uint8(s[2] / uint64(n))})
	}

	type box struct {
		lo, hi   int // bins[lo:hi]
		n        uint64
		axis     int
		spread   int
		priority uint64
	}
	channel := func(b *bin, axis int) int {
		switch axis {
		case 0:
			return int(b.mr)
		case 1:
			return int(b.mg)
		}
		return int(b.mb)
	}
	measure := func(bx *box) {
		var lo, hi [3]int
		lo = [3]int{255, 255, 255}
		bx.n = 0
		for i := bx.lo; i < bx.hi; i++ {
			b := &bins[i]
			bx.n += b.n
			for a := 0; a < 3; a++ {
				v := channel(b, a)
				lo[a] = min(lo[a], v)
				hi[a] = max(hi[a], v)
			}
		}
		bx.axis, bx.spread = 0, -1
		for a := 0; a < 3; a++ {
			if d := hi[a] - lo[a]; d > bx.spread {
				bx.axis, bx.spread = a, d
			}
		}
		bx.priority = 0
		if bx.hi-bx.lo > 1 {
			bx.priority = bx.n * uint64(bx.spread+1)
		}
	}
	boxes := []box{{lo: 0, hi: len(bins)}}
	measure(&boxes[0])
	for len(boxes) < 256 {
		best := -1
		for i := range boxes {
			if boxes[i].priority > 0 && (best < 0 || boxes[i].priority > boxes[best].priority) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		bx := boxes[best]
		seg := bins[bx.lo:bx.hi]
		axis := bx.axis
		slices.SortFunc(seg, func(x, y bin) int {
			if d := channel(&x, axis) - channel(&y, axis); d != 0 {
				return d
			}
			return int(x.key) - int(y.key)
		})
		// Split at the weighted median, leaving at least one bin each side.
		var acc uint64
		cut := bx.lo + 1
		for i := bx.lo; i < bx.hi-1; i++ {
			acc += bins[i].n
			cut = i + 1
			if acc*2 >= bx.n {
				break
			}
		}
		left, right := box{lo: bx.lo, hi: cut}, box{lo: cut, hi: bx.hi}
		measure(&left)
		measure(&right)
		boxes[best] = left
		boxes = append(boxes, right)
	}
	slices.SortFunc(boxes, func(x, y box) int { return x.lo - y.lo })

	pal := make(color.Palette, len(boxes))
	var lut [1 << 15]byte
	for i, bx := range boxes {
		var n, r, g, b uint64
		for j := bx.lo; j < bx.hi; j++ {
			n += bins[j].n
			r += bins[j].sr
			g += bins[j].sg
			b += bins[j].sb
			lut[bins[j].key] = byte(i)
		}
		pal[i] = color.RGBA{uint8(r / n), uint8(g / n), uint8(b / n), 0xff}
	}
	return pal, func(r, g, b byte) byte { return lut[binKey(r, g, b)] }
}
