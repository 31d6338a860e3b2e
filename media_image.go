package wandb

import (
	"encoding/binary"
	"fmt"
	"image"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// MaxImagesPerList is the most images W&B logs from one list under one key
// (Image.MAX_ITEMS). The images after it are left out of the list: the
// logged value holds the first MaxImagesPerList, and count says how many.
const MaxImagesPerList = 108

// MaxImageDimension is the largest width or height of an Image (65500,
// PIL's limit that W&B applies).
const MaxImageDimension = media.MaxDimension

// Image is an image logged to W&B (wandb.Image): history holds
//
//	{"_type":"image-file","path":"media/images/<key>_<step>_<hash>.png",
//	 "sha256":…,"size":…,"format":"png","width":…,"height":…,
//	 "grouping"?,"caption"?,"boxes"?:{layer: boxes2D JSON},"masks"?:{layer: mask JSON}}
//
// A slice of images logged under one key becomes W&B's
// {"_type":"images/separated","width","height","format","count",
// "filenames","captions"?,"all_boxes"?,"all_masks"?}, with at most
// MaxImagesPerList images.
//
// The pixels are copied when the Image is made; PNG or JPEG encoding,
// hashing and writing happen when it is logged, on the run log's writer
// goroutine.
type Image struct {
	img      image.Image // pixels to encode, or nil for a file
	src      fileSource  // the file, when img is nil
	format   string
	width    int
	height   int
	caption  string
	grouping int
	quality  int
	boxes    []boxLayer
	masks    []maskLayer
}

const imageOpts = optCaption | optFormat | optQuality | optBoxes | optMasks | optGrouping

// NewImage makes an Image from img (copied, so img may change afterwards).
// Options: Caption, Format ("png" or "jpeg"), JPEGQuality, Boxes, Mask,
// Grouping.
func NewImage(img image.Image, opts ...MediaOption) (*Image, error) {
	c, err := mediaConfigFor("image", imageOpts, opts)
	if err != nil {
		return nil, err
	}
	if img == nil || isNilPointer(img) {
		return nil, mediaErr("image", fmt.Errorf("%w: nil image", media.ErrInvalid))
	}
	b := img.Bounds()
	if err := media.CheckSize(b.Dx(), b.Dy()); err != nil {
		return nil, mediaErr("image", err)
	}
	return newImage(media.CloneImage(img), c)
}

// NewImageFromPixels makes an Image from a pixel buffer: pix is []uint8
// (0 to 255) or []float32/[]float64 (scaled as W&B does: [0, 1] times 255,
// [-1, 1] mapped onto 0..255, anything else clipped to 0..255; NaN and ±Inf
// are refused). shape is [H W] (grey), [H W C] with C = 1 (grey), 3 (RGB) or
// 4 (RGBA), or with ChannelsFirst [C H W]. The pixels are converted when
// the Image is made. Options: those of NewImage, and ChannelsFirst.
func NewImageFromPixels(pix any, shape []int, opts ...MediaOption) (*Image, error) {
	c, err := mediaConfigFor("image", imageOpts|optChannelsFirst, opts)
	if err != nil {
		return nil, err
	}
	img, err := media.PixelsToImage(pix, shape, c.chw)
	if err != nil {
		return nil, mediaErr("image", err)
	}
	return newImage(img, c)
}

func newImage(img image.Image, c *mediaConfig) (*Image, error) {
	b := img.Bounds()
	im := &Image{img: img, format: "png", width: b.Dx(), height: b.Dy(), caption: c.caption, grouping: c.grouping, quality: c.quality}
	switch c.format {
	case "", "png":
	case "jpeg", "jpg":
		im.format = c.format
	default:
		return nil, mediaErr("image", fmt.Errorf("%w: format %q: an image is saved as png or jpeg", media.ErrInvalid, c.format))
	}
	if err := im.setLayers(c); err != nil {
		return nil, mediaErr("image", err)
	}
	return im, nil
}

// imageFileFormats are the image files NewImageFromFile takes.
var imageFileFormats = []string{"png", "jpg", "jpeg", "gif", "bmp"}

// NewImageFromFile makes an Image from a png, jpeg, gif or bmp file, logged
// as it is (format is its extension). The file is checked now and copied
// into the run when logged. Options: Caption, Boxes, Mask, Grouping.
func NewImageFromFile(path string, opts ...MediaOption) (*Image, error) {
	c, err := mediaConfigFor("image", optCaption|optBoxes|optMasks|optGrouping, opts)
	if err != nil {
		return nil, err
	}
	ext := extOf(path)
	if !slices.Contains(imageFileFormats, ext) {
		return nil, mediaErr("image", fmt.Errorf("%w: %s: extension %q: want one of %v", media.ErrInvalid, path, ext, imageFileFormats))
	}
	src, err := openSource(path)
	if err != nil {
		return nil, mediaErr("image", err)
	}
	w, h, err := imageFileSize(path, ext)
	if err != nil {
		return nil, mediaErr("image", err)
	}
	if err := media.CheckSize(w, h); err != nil {
		return nil, mediaErr("image", fmt.Errorf("%s: %w", path, err))
	}
	im := &Image{src: src, format: ext, width: w, height: h, caption: c.caption, grouping: c.grouping}
	if err := im.setLayers(c); err != nil {
		return nil, mediaErr("image", err)
	}
	return im, nil
}

// imageFileSize reads an image file's dimensions from its header.
func imageFileSize(path, ext string) (int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", media.ErrInvalid, err)
	}
	defer f.Close()
	if ext == "bmp" {
		var hdr [26]byte
		if _, err := f.ReadAt(hdr[:], 0); err != nil || hdr[0] != 'B' || hdr[1] != 'M' {
			return 0, 0, fmt.Errorf("%w: %s is not a BMP file", media.ErrInvalid, path)
		}
		w := int(int32(binary.LittleEndian.Uint32(hdr[18:])))
		h := int(int32(binary.LittleEndian.Uint32(hdr[22:])))
		if h < 0 {
			h = -h // top-down bitmap
		}
		return w, h, nil
	}
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %s is not a readable %s image: %w", media.ErrInvalid, path, ext, err)
	}
	if want := map[string]string{"jpg": "jpeg"}[ext]; format != ext && format != want {
		return 0, 0, fmt.Errorf("%w: %s holds a %s image, not %s", media.ErrInvalid, path, format, ext)
	}
	return cfg.Width, cfg.Height, nil
}

// Width is the image's width in pixels.
func (im *Image) Width() int { return im.width }

// Height is the image's height in pixels.
func (im *Image) Height() int { return im.height }

// Caption is the image's caption.
func (im *Image) Caption() string { return im.caption }

// Format is the image's file format (png, jpeg, jpg, gif or bmp).
func (im *Image) Format() string { return im.format }

// boundImage is what binding an image gives: its JSON parts and files.
type boundImage struct {
	file  media.File
	boxes []byte // {layer: JSON} or nil
	masks []byte
	files []string
}

func (im *Image) bind(b runstate.Binding) (boundImage, error) {
	var out boundImage
	if im == nil {
		return out, fmt.Errorf("wandb: image: nil *Image")
	}
	var data []byte
	var err error
	switch {
	case im.img == nil:
		data, err = im.src.read()
	case im.format == "png":
		data, err = media.EncodePNG(im.img)
	default:
		data, err = media.EncodeJPEG(im.img, im.quality)
	}
	if err != nil {
		return out, err
	}
	if out.file, err = media.Store(b, "images", im.format, data); err != nil {
		return out, err
	}
	out.files = append(out.files, out.file.Path)
	im.publishLabels(b)
	if len(im.boxes) > 0 {
		o := &media.Obj{}
		for _, l := range im.boxes {
			f, err := media.Store(b, "metadata/boxes2D", "boxes2D.json", l.file)
			if err != nil {
				return out, err
			}
			o.Raw(l.name, media.FileJSON("boxes2D", f).Bytes())
			out.files = append(out.files, f.Path)
		}
		out.boxes = o.Bytes()
	}
	if len(im.masks) > 0 {
		o := &media.Obj{}
		for _, l := range im.masks {
			png, err := media.EncodePNG(l.img)
			if err != nil {
				return out, err
			}
			f, err := media.Store(b, "images/mask", "mask.png", png)
			if err != nil {
				return out, err
			}
			o.Raw(l.name, media.FileJSON("mask", f).Bytes())
			out.files = append(out.files, f.Path)
		}
		out.masks = o.Bytes()
	}
	return out, nil
}

// BindToRun encodes and writes the image (runstate.Binder).
func (im *Image) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	bi, err := im.bind(b)
	if err != nil {
		return nil, nil, err
	}
	o := media.FileJSON("image-file", bi.file).Str("format", im.format).Int("width", int64(im.width)).Int("height", int64(im.height))
	if im.grouping != 0 {
		o.Int("grouping", int64(im.grouping))
	}
	if im.caption != "" {
		o.Str("caption", im.caption)
	}
	if bi.boxes != nil {
		o.Raw("boxes", bi.boxes)
	}
	if bi.masks != nil {
		o.Raw("masks", bi.masks)
	}
	return o.Bytes(), bi.files, nil
}

// BindListToRun logs a slice of images as W&B's images/separated
// (runstate.ListBinder). Only the first MaxImagesPerList are logged.
func (im *Image) BindListToRun(b runstate.Binding, items []runstate.Binder) ([]byte, []string, error) {
	imgs, err := itemsAs[*Image]("images", items)
	if err != nil {
		return nil, nil, err
	}
	if len(imgs) > MaxImagesPerList {
		if b.Warn != nil {
			b.Warn(fmt.Sprintf("only the first %d of %d images are logged (W&B's limit for a list)", MaxImagesPerList, len(imgs)))
		}
		imgs = imgs[:MaxImagesPerList]
	}
	var (
		files    []string
		paths    = make([]string, len(imgs))
		captions = make([]string, len(imgs))
		boxes    = make([][]byte, len(imgs))
		masks    = make([][]byte, len(imgs))
		anyBoxes bool
		anyMasks bool
		first    = imgs[0]
	)
	for i, it := range imgs {
		bi, err := it.bind(b)
		if err != nil {
			return nil, nil, fmt.Errorf("image %d: %w", i, err)
		}
		files = append(files, bi.files...)
		paths[i] = bi.file.Path
		captions[i] = it.caption
		boxes[i], masks[i] = orNull(bi.boxes), orNull(bi.masks)
		anyBoxes = anyBoxes || bi.boxes != nil
		anyMasks = anyMasks || bi.masks != nil
	}
	o := (&media.Obj{}).Str("_type", "images/separated").
		Int("width", int64(first.width)).Int("height", int64(first.height)).
		Str("format", first.format).Int("count", int64(len(imgs))).
		Raw("filenames", media.StrList(paths))
	// W&B writes captions when the first image has one.
	if first.caption != "" {
		o.Raw("captions", media.StrOrNullList(captions))
	}
	if anyMasks {
		o.Raw("all_masks", media.List(masks))
	}
	if anyBoxes {
		o.Raw("all_boxes", media.List(boxes))
	}
	return o.Bytes(), uniq(files), nil
}

func orNull(b []byte) []byte {
	if b == nil {
		return []byte("null")
	}
	return b
}

// BoundingBoxes is one layer of 2D boxes drawn over an Image (W&B's
// BoundingBoxes2D), such as "predictions" or "ground_truth".
type BoundingBoxes struct {
	Boxes []Box
	// ClassLabels names class ids. When nil, every class id used is named
	// "class_<id>", as W&B does.
	ClassLabels map[int]string
}

// Box is one bounding box.
type Box struct {
	// Position is BoxCorners(…) or BoxCenter(…).
	Position BoxPosition
	// Pixel says Position is in pixels; by default it is relative to the
	// image (0 to 1).
	Pixel bool
	// ClassID is the box's class.
	ClassID int
	// Caption is the label shown on the box (W&B's box_caption).
	Caption string
	// Scores are named numbers the UI can filter boxes by.
	Scores map[string]float64
}

// BoxPosition is where a box is: see BoxCorners and BoxCenter.
type BoxPosition struct {
	centre bool
	set    bool
	a, b   float64 // minX, maxX or middle x, y
	c, d   float64 // minY, maxY or width, height
}

// BoxCorners is a box from its corners: {"minX","maxX","minY","maxY"}.
func BoxCorners(minX, minY, maxX, maxY float64) BoxPosition {
	return BoxPosition{set: true, a: minX, b: maxX, c: minY, d: maxY}
}

// BoxCenter is a box from its centre and size:
// {"middle":[x,y],"width","height"}.
func BoxCenter(midX, midY, width, height float64) BoxPosition {
	return BoxPosition{set: true, centre: true, a: midX, b: midY, c: width, d: height}
}

// ImageMask is one segmentation layer over an Image (W&B's ImageMask): a
// class id for every pixel, saved as a greyscale PNG under
// media/images/mask/.
type ImageMask struct {
	// Data holds Width×Height class ids, row by row.
	Data          []uint8
	Width, Height int
	// ClassLabels names class ids. When nil, every class id present is
	// named "class_<id>", as W&B does.
	ClassLabels map[int]string
}

// The class labels of a layer are kept with it and, as W&B does, copied
// into the run config under _wandb["bounding_box/class_labels"] and
// _wandb["mask/class_labels"] (see publishLabels).
type boxLayer struct {
	name   string
	file   []byte // the boxes2D.json content, labels included
	labels map[int]string
}

type maskLayer struct {
	name   string
	img    *image.Gray
	labels map[int]string
}

// Boxes adds a layer of bounding boxes named name to an Image. The boxes
// are checked when the Image is made.
func Boxes(name string, boxes BoundingBoxes) MediaOption {
	return func(c *mediaConfig) {
		c.set |= optBoxes
		file, err := boxesFile(boxes)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("boxes %q: %w", name, err))
			return
		}
		labels := maps.Clone(boxes.ClassLabels)
		if labels == nil {
			labels = map[int]string{}
			for _, bx := range boxes.Boxes {
				labels[bx.ClassID] = "class_" + strconv.Itoa(bx.ClassID)
			}
		}
		c.boxes = append(c.boxes, boxLayer{name: name, file: file, labels: labels})
	}
}

// Mask adds a segmentation mask layer named name to an Image. The mask is
// copied and checked when the Image is made; it must be the image's size.
func Mask(name string, mask ImageMask) MediaOption {
	return func(c *mediaConfig) {
		c.set |= optMasks
		if err := media.CheckSize(mask.Width, mask.Height); err != nil {
			c.errs = append(c.errs, fmt.Errorf("mask %q: %w", name, err))
			return
		}
		if len(mask.Data) != mask.Width*mask.Height {
			c.errs = append(c.errs, fmt.Errorf("mask %q: %w: %dx%d needs %d class ids, Data holds %d", name, media.ErrInvalid, mask.Width, mask.Height, mask.Width*mask.Height, len(mask.Data)))
			return
		}
		if err := checkLabels(mask.ClassLabels); err != nil {
			c.errs = append(c.errs, fmt.Errorf("mask %q: %w", name, err))
			return
		}
		g := image.NewGray(image.Rect(0, 0, mask.Width, mask.Height))
		copy(g.Pix, mask.Data)
		labels := maps.Clone(mask.ClassLabels)
		if labels == nil {
			// W&B's default: every class id present, named class_<id>.
			var present [256]bool
			for _, id := range g.Pix {
				present[id] = true
			}
			labels = map[int]string{}
			for id, ok := range present {
				if ok {
					labels[id] = "class_" + strconv.Itoa(id)
				}
			}
		}
		c.masks = append(c.masks, maskLayer{name: name, img: g, labels: labels})
	}
}

// setLayers checks the box and mask layers against the image.
func (im *Image) setLayers(c *mediaConfig) error {
	seen := map[string]bool{}
	for _, l := range c.boxes {
		if l.name == "" || !utf8.ValidString(l.name) || seen["b"+l.name] {
			return fmt.Errorf("%w: boxes layer name %q is empty, not UTF-8 or repeated", media.ErrInvalid, l.name)
		}
		seen["b"+l.name] = true
	}
	for _, l := range c.masks {
		if l.name == "" || !utf8.ValidString(l.name) || seen["m"+l.name] {
			return fmt.Errorf("%w: mask layer name %q is empty, not UTF-8 or repeated", media.ErrInvalid, l.name)
		}
		seen["m"+l.name] = true
		if w, h := l.img.Rect.Dx(), l.img.Rect.Dy(); w != im.width || h != im.height {
			return fmt.Errorf("%w: mask %q is %dx%d but the image is %dx%d", media.ErrInvalid, l.name, w, h, im.width, im.height)
		}
	}
	im.boxes, im.masks = c.boxes, c.masks
	return nil
}

func checkLabels(labels map[int]string) error {
	for id, name := range labels {
		if !utf8.ValidString(name) {
			return fmt.Errorf("%w: class label %d is not valid UTF-8", media.ErrInvalid, id)
		}
	}
	return nil
}

// boxesFile checks a layer and encodes W&B's boxes2D file:
// {"box_data":[…],"class_labels":{"<id>":"<name>",…}}.
func boxesFile(bb BoundingBoxes) ([]byte, error) {
	if err := checkLabels(bb.ClassLabels); err != nil {
		return nil, err
	}
	finite := func(what string, i int, vs ...float64) error {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: box %d: %s is %v", media.ErrInvalid, i, what, v)
			}
		}
		return nil
	}
	items := make([][]byte, len(bb.Boxes))
	labels := bb.ClassLabels
	if labels == nil {
		labels = map[int]string{}
		for _, bx := range bb.Boxes {
			labels[bx.ClassID] = "class_" + strconv.Itoa(bx.ClassID)
		}
	}
	for i, bx := range bb.Boxes {
		p := bx.Position
		if !p.set {
			return nil, fmt.Errorf("%w: box %d has no position (use BoxCorners or BoxCenter)", media.ErrInvalid, i)
		}
		if err := finite("position", i, p.a, p.b, p.c, p.d); err != nil {
			return nil, err
		}
		pos := &media.Obj{}
		if p.centre {
			mid := media.List([][]byte{runstate.AppendFloat(nil, p.a), runstate.AppendFloat(nil, p.b)})
			pos.Raw("middle", mid).Float("width", p.c).Float("height", p.d)
		} else {
			pos.Float("minX", p.a).Float("maxX", p.b).Float("minY", p.c).Float("maxY", p.d)
		}
		o := (&media.Obj{}).Raw("position", pos.Bytes())
		if bx.Pixel {
			o.Str("domain", "pixel")
		}
		o.Int("class_id", int64(bx.ClassID))
		if bx.Caption != "" {
			if !utf8.ValidString(bx.Caption) {
				return nil, fmt.Errorf("%w: box %d caption is not valid UTF-8", media.ErrInvalid, i)
			}
			o.Str("box_caption", bx.Caption)
		}
		if len(bx.Scores) > 0 {
			names := make([]string, 0, len(bx.Scores))
			for k := range bx.Scores {
				names = append(names, k)
			}
			slices.Sort(names)
			s := &media.Obj{}
			for _, k := range names {
				if !utf8.ValidString(k) {
					return nil, fmt.Errorf("%w: box %d score name is not valid UTF-8", media.ErrInvalid, i)
				}
				if err := finite("score "+k, i, bx.Scores[k]); err != nil {
					return nil, err
				}
				s.Float(k, bx.Scores[k])
			}
			o.Raw("scores", s.Bytes())
		}
		items[i] = o.Bytes()
	}
	ids := make([]int, 0, len(labels))
	for id := range labels {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	lo := &media.Obj{}
	for _, id := range ids {
		lo.Str(strconv.Itoa(id), labels[id])
	}
	return (&media.Obj{}).Raw("box_data", media.List(items)).Raw("class_labels", lo.Bytes()).Bytes(), nil
}

// publishLabels copies the class labels of the image's box and mask layers
// into the run config, where W&B's UI reads them: _wandb[
// "bounding_box/class_labels"]["<key>_wandb_delimeter_<layer>"] = {"<id>":
// "<name>"}, and the same under "mask/class_labels".
func (im *Image) publishLabels(b runstate.Binding) {
	if b.SetConfig == nil {
		return
	}
	set := func(kind, layer string, labels map[int]string) {
		if len(labels) == 0 {
			return
		}
		m := make(map[string]any, len(labels))
		for id, name := range labels {
			m[strconv.Itoa(id)] = name
		}
		b.SetConfig([]string{"_wandb", kind, b.Key + "_wandb_delimeter_" + layer}, m)
	}
	for _, l := range im.boxes {
		set("bounding_box/class_labels", l.name, l.labels)
	}
	for _, l := range im.masks {
		set("mask/class_labels", l.name, l.labels)
	}
}
