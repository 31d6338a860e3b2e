package media

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"sync"
)

// pngPool keeps the PNG encoder's compression state between images.
type pngPool struct{ p sync.Pool }

func (p *pngPool) Get() *png.EncoderBuffer {
	b, _ := p.p.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngPool) Put(b *png.EncoderBuffer) { p.p.Put(b) }

// pngEncoder encodes the images fastPNG does not handle, favouring speed
// like it: images are encoded on the run log's writer goroutine.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngPool{}}

// EncodePNG encodes img as PNG. The bytes are deterministic for a given
// image and Go version.
func EncodePNG(img image.Image) ([]byte, error) {
	if out, ok, err := fastPNG(img); ok {
		if err != nil {
			return nil, fmt.Errorf("media: png: %w", err)
		}
		return out, nil
	}
	var buf bytes.Buffer
	b := img.Bounds()
	buf.Grow(b.Dx()*b.Dy()*3/2 + 1024)
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("media: png: %w", err)
	}
	return buf.Bytes(), nil
}

// EncodeJPEG encodes img as JPEG with the given quality (1 to 100). Alpha
// is dropped, as W&B does for JPEG.
func EncodeJPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, opaque(img), &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("media: jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

// opaque returns img with its alpha channel dropped (not composited), the
// way PIL converts RGBA to RGB.
func opaque(img image.Image) image.Image {
	n, ok := img.(*image.NRGBA)
	if !ok {
		return img
	}
	out := image.NewRGBA(n.Rect)
	copy(out.Pix, n.Pix)
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 0xff
	}
	return out
}

// CloneImage copies img into a new image that the caller's later changes
// cannot reach: the standard pixel types are copied as they are, anything
// else is drawn into an *image.NRGBA. The result's bounds start at (0, 0).
func CloneImage(img image.Image) image.Image {
	b := img.Bounds()
	r := image.Rect(0, 0, b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.Gray:
		out := image.NewGray(r)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy())
		return out
	case *image.NRGBA:
		out := image.NewNRGBA(r)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4*b.Dx(), b.Dy())
		return out
	case *image.RGBA:
		out := image.NewRGBA(r)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4*b.Dx(), b.Dy())
		return out
	}
	out := image.NewNRGBA(r)
	draw.Draw(out, r, img, b.Min, draw.Src)
	return out
}

func copyRows(dst []byte, dstStride int, src []byte, srcStride, rowBytes, rows int) {
	for y := 0; y < rows; y++ {
		copy(dst[y*dstStride:y*dstStride+rowBytes], src[y*srcStride:y*srcStride+rowBytes])
	}
}
