package wandb

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// Object3D is a 3D object or point cloud logged to W&B (wandb.Object3D):
// history holds
//
//	{"_type":"object3D-file","path":"media/object3D/<key>_<step>_<hash>.<ext>",
//	 "sha256":…,"size":…,"caption"?}
//
// A slice logged under one key becomes {"_type":"object3D","filenames":[…],
// "count","objects":[…]}, filenames relative to media/object3D as in W&B.
type Object3D struct {
	// A point cloud: rows of cols numbers, and W&B's lidar/beta scene.
	points  []float64
	cols    int
	boxes   []Box3D
	vectors []Vector3D
	scene   bool

	src     fileSource // a file, when points is nil and scene is false
	ext     string
	caption string
}

// Object3DFormats are the file types W&B's Object3D takes.
var Object3DFormats = []string{"obj", "gltf", "glb", "babylon", "stl", "pts.json"}

// NewObject3DFromFile makes an Object3D from an obj, gltf, glb, babylon, stl
// or pts.json file, logged as it is. The file is checked now and copied into
// the run when logged. Options: Caption.
func NewObject3DFromFile(path string, opts ...MediaOption) (*Object3D, error) {
	c, err := mediaConfigFor("object3D", optCaption, opts)
	if err != nil {
		return nil, err
	}
	ext := ""
	lower := strings.ToLower(path)
	for _, f := range Object3DFormats {
		if strings.HasSuffix(lower, "."+f) && len(f) > len(ext) {
			ext = f
		}
	}
	if ext == "" {
		return nil, mediaErr("object3D", fmt.Errorf("%w: %s: want a file of type %v", media.ErrInvalid, path, Object3DFormats))
	}
	src, err := openSource(path)
	if err != nil {
		return nil, mediaErr("object3D", err)
	}
	return &Object3D{src: src, ext: ext, caption: c.caption}, nil
}

// Box3D is a 3D box drawn in a point cloud scene (W&B's box3d).
type Box3D struct {
	// Corners are the box's eight corners.
	Corners [8][3]float64
	// Label is shown on the box ("" for none).
	Label string
	// Color is the box's RGB colour.
	Color [3]float64
	// Score is written when HasScore is set.
	Score    float64
	HasScore bool
}

// Vector3D is an arrow drawn in a point cloud scene.
type Vector3D struct {
	Start, End [3]float64
}

// Boxes3D adds boxes to a point cloud, making it W&B's lidar/beta scene.
func Boxes3D(boxes ...Box3D) MediaOption {
	return func(c *mediaConfig) { c.set |= optBoxes3D; c.boxes3D = append(c.boxes3D, boxes...) }
}

// Vectors3D adds arrows to a point cloud, making it W&B's lidar/beta scene.
func Vectors3D(vectors ...Vector3D) MediaOption {
	return func(c *mediaConfig) { c.set |= optVectors; c.vectors = append(c.vectors, vectors...) }
}

// NewPointCloud makes an Object3D from points, each [x y z], [x y z c]
// (c a category, which W&B colours in its range 1 to 14) or [x y z r g b]
// (colour 0 to 255); every point has the same form. It is saved as
// media/object3D/….pts.json: the list of points, or with Boxes3D or
// Vectors3D W&B's scene {"boxes","points","type":"lidar/beta","vectors"}.
// The points are copied when the value is made. Options: Caption, Boxes3D,
// Vectors3D.
func NewPointCloud(points [][]float64, opts ...MediaOption) (*Object3D, error) {
	c, err := mediaConfigFor("object3D", optCaption|optBoxes3D|optVectors, opts)
	if err != nil {
		return nil, err
	}
	o := &Object3D{ext: "pts.json", caption: c.caption, boxes: c.boxes3D, vectors: c.vectors}
	o.scene = c.set&(optBoxes3D|optVectors) != 0
	if len(points) == 0 && !o.scene {
		return nil, mediaErr("object3D", fmt.Errorf("%w: a point cloud needs points", media.ErrInvalid))
	}
	if len(points) > 0 {
		o.cols = len(points[0])
	}
	if o.cols != 0 && o.cols != 3 && o.cols != 4 && o.cols != 6 {
		return nil, mediaErr("object3D", fmt.Errorf("%w: point 0 has %d values; want 3 (xyz), 4 (xyz, category) or 6 (xyz, rgb)", media.ErrInvalid, o.cols))
	}
	o.points = make([]float64, 0, len(points)*o.cols)
	for i, p := range points {
		if len(p) != o.cols {
			return nil, mediaErr("object3D", fmt.Errorf("%w: point %d has %d values but point 0 has %d", media.ErrInvalid, i, len(p), o.cols))
		}
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, mediaErr("object3D", fmt.Errorf("%w: point %d holds %v", media.ErrInvalid, i, v))
			}
		}
		o.points = append(o.points, p...)
	}
	for i, b := range o.boxes {
		if !utf8.ValidString(b.Label) {
			return nil, mediaErr("object3D", fmt.Errorf("%w: box %d label is not valid UTF-8", media.ErrInvalid, i))
		}
		vals := append(b.Color[:], b.Score)
		for _, c := range b.Corners {
			vals = append(vals, c[:]...)
		}
		if !allFinite(vals) {
			return nil, mediaErr("object3D", fmt.Errorf("%w: box %d holds a NaN or infinite number", media.ErrInvalid, i))
		}
	}
	for i, v := range o.vectors {
		if !allFinite(append(v.Start[:], v.End[:]...)) {
			return nil, mediaErr("object3D", fmt.Errorf("%w: vector %d holds a NaN or infinite number", media.ErrInvalid, i))
		}
	}
	return o, nil
}

func allFinite(vs []float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// ptsJSON encodes the point cloud file (compact JSON; W&B indents it).
func (o *Object3D) ptsJSON() []byte {
	b := make([]byte, 0, 16+len(o.points)*12)
	b = o.appendPoints(b)
	if !o.scene {
		return b
	}
	points := b
	vec3 := func(b []byte, v [3]float64) []byte {
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = runstate.AppendFloat(b, x)
		}
		return append(b, ']')
	}
	boxes := make([][]byte, len(o.boxes))
	for i, bx := range o.boxes {
		corners := []byte{'['}
		for j, c := range bx.Corners {
			if j > 0 {
				corners = append(corners, ',')
			}
			corners = vec3(corners, c)
		}
		corners = append(corners, ']')
		obj := (&media.Obj{}).Raw("color", vec3(nil, bx.Color)).Raw("corners", corners)
		if bx.Label != "" {
			obj.Str("label", bx.Label)
		} else {
			obj.Null("label")
		}
		if bx.HasScore {
			obj.Float("score", bx.Score)
		} else {
			obj.Null("score")
		}
		boxes[i] = obj.Bytes()
	}
	vectors := make([][]byte, len(o.vectors))
	for i, v := range o.vectors {
		vectors[i] = (&media.Obj{}).Raw("end", vec3(nil, v.End)).Raw("start", vec3(nil, v.Start)).Bytes()
	}
	// Keys sorted, as W&B dumps them.
	return (&media.Obj{}).Raw("boxes", media.List(boxes)).Raw("points", points).
		Str("type", "lidar/beta").Raw("vectors", media.List(vectors)).Bytes()
}

func (o *Object3D) appendPoints(b []byte) []byte {
	b = append(b, '[')
	for i := 0; o.cols > 0 && i < len(o.points); i += o.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range o.points[i : i+o.cols] {
			if j > 0 {
				b = append(b, ',')
			}
			b = runstate.AppendFloat(b, v)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// BindToRun writes the object (runstate.Binder).
func (o *Object3D) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	if o == nil {
		return nil, nil, fmt.Errorf("wandb: object3D: nil *Object3D")
	}
	var data []byte
	var err error
	if o.points != nil || o.scene {
		data = o.ptsJSON()
	} else if data, err = o.src.read(); err != nil {
		return nil, nil, err
	}
	f, err := media.Store(b, "object3D", o.ext, data)
	if err != nil {
		return nil, nil, err
	}
	j := media.FileJSON("object3D-file", f)
	if o.caption != "" {
		j.Str("caption", o.caption)
	}
	return j.Bytes(), []string{f.Path}, nil
}

// BindListToRun logs a slice of objects as W&B's object3D list
// (runstate.ListBinder).
func (o *Object3D) BindListToRun(b runstate.Binding, items []runstate.Binder) ([]byte, []string, error) {
	objs, err := itemsAs[*Object3D]("3D objects", items)
	if err != nil {
		return nil, nil, err
	}
	jsons, files, err := bindAll(b, objs)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimPrefix(f, "media/object3D/")
	}
	j := (&media.Obj{}).Str("_type", "object3D").Raw("filenames", media.StrList(names)).
		Int("count", int64(len(objs))).Raw("objects", media.List(jsons))
	return j.Bytes(), files, nil
}
