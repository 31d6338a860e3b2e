package wandb

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/runstate"
)

func mustObject3D(t testing.TB) func(*Object3D, error) *Object3D {
	return func(o *Object3D, err error) *Object3D {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
}

func readBound(t *testing.T, dir string, got map[string]any) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(got["path"].(string))))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestObject3DGolden(t *testing.T) {
	pc := mustObject3D(t)(NewPointCloud([][]float64{{0, 0, 0}, {1, 2, 3.5}}, Caption("two points")))
	dir, got := bindGolden(t, "object3d_points", pc)
	if s := readBound(t, dir, got); s != "[[0.0,0.0,0.0],[1.0,2.0,3.5]]" {
		t.Errorf("pts.json = %s", s)
	}
	if p := got["path"].(string); !strings.HasPrefix(p, "media/object3D/k_3_") || !strings.HasSuffix(p, ".pts.json") {
		t.Errorf("path %s", p)
	}

	box := Box3D{Label: "car", Color: [3]float64{0, 255, 0}, Score: 0.9, HasScore: true}
	for i := range box.Corners {
		box.Corners[i] = [3]float64{float64(i & 1), float64(i >> 1 & 1), float64(i >> 2)}
	}
	scene := mustObject3D(t)(NewPointCloud([][]float64{{0, 0, 0, 1, 2, 3}}, Boxes3D(box, Box3D{}), Vectors3D(Vector3D{End: [3]float64{1, 1, 1}})))
	dir, got = bindGolden(t, "object3d_scene", scene)
	want := `{"boxes":[{"color":[0.0,255.0,0.0],"corners":[[0.0,0.0,0.0],[1.0,0.0,0.0],[0.0,1.0,0.0],[1.0,1.0,0.0],[0.0,0.0,1.0],[1.0,0.0,1.0],[0.0,1.0,1.0],[1.0,1.0,1.0]],"label":"car","score":0.9},` +
		`{"color":[0.0,0.0,0.0],"corners":[[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0],[0.0,0.0,0.0]],"label":null,"score":null}],` +
		`"points":[[0.0,0.0,0.0,1.0,2.0,3.0]],"type":"lidar/beta","vectors":[{"end":[1.0,1.0,1.0],"start":[0.0,0.0,0.0]}]}`
	if s := readBound(t, dir, got); s != want {
		t.Errorf("scene\n got %s\nwant %s", s, want)
	}

	obj := filepath.Join(t.TempDir(), "cube.OBJ")
	if err := os.WriteFile(obj, []byte("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile := mustObject3D(t)(NewObject3DFromFile(obj))
	_, got = bindGolden(t, "object3d_file", fromFile)
	if !strings.HasSuffix(got["path"].(string), ".obj") {
		t.Errorf("path %v", got["path"])
	}
	j, files, err := pc.BindListToRun(runstate.Binding{FilesDir: t.TempDir(), Key: "k", Step: 3}, []runstate.Binder{pc, fromFile})
	if err != nil {
		t.Fatal(err)
	}
	l := compareGolden(t, "object3d_list", j)
	if n := l["filenames"].([]any); len(n) != 2 || strings.Contains(n[0].(string), "/") || len(files) != 2 {
		t.Errorf("filenames %v", n)
	}
}

func TestObject3DFileTypes(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.obj", "a.gltf", "a.glb", "a.babylon", "a.stl", "cloud.pts.json"} {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte("x"), 0o644)
		o, err := NewObject3DFromFile(p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		j, _, err := o.BindToRun(runstate.Binding{FilesDir: dir, Key: "o", Step: 1})
		ext := strings.TrimPrefix(name[strings.Index(name, "."):], ".")
		if err != nil || !strings.Contains(string(j), "."+ext+`"`) {
			t.Errorf("%s: %s %v", name, j, err)
		}
	}
}

func TestObject3DBadInput(t *testing.T) {
	tests := []struct {
		name string
		make func() (*Object3D, error)
		want string
	}{
		{"no points", func() (*Object3D, error) { return NewPointCloud(nil) }, "needs points"},
		{"columns", func() (*Object3D, error) { return NewPointCloud([][]float64{{1, 2}}) }, "point 0 has 2 values"},
		{"ragged", func() (*Object3D, error) { return NewPointCloud([][]float64{{1, 2, 3}, {1, 2, 3, 4}}) }, "point 1 has 4 values but point 0 has 3"},
		{"NaN", func() (*Object3D, error) { return NewPointCloud([][]float64{{1, math.NaN(), 3}}) }, "point 0 holds NaN"},
		{"NaN box", func() (*Object3D, error) {
			return NewPointCloud([][]float64{{1, 2, 3}}, Boxes3D(Box3D{Color: [3]float64{math.Inf(1)}}))
		}, "box 0 holds"},
		{"extension", func() (*Object3D, error) { return NewObject3DFromFile("mesh.ply") }, "want a file of type"},
		{"missing", func() (*Object3D, error) { return NewObject3DFromFile(filepath.Join(t.TempDir(), "m.obj")) }, "no such file"},
		{"empty file", func() (*Object3D, error) {
			p := filepath.Join(t.TempDir(), "e.stl")
			_ = os.WriteFile(p, nil, 0o644)
			return NewObject3DFromFile(p)
		}, "cannot be read"},
		{"option", func() (*Object3D, error) { return NewObject3DFromFile("m.obj", Boxes3D()) }, "option Boxes3D does not apply"},
	}
	for _, tt := range tests {
		o, err := tt.make()
		if err == nil {
			t.Errorf("%s: accepted (%+v)", tt.name, o)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "wandb: object3D: ") || !errors.Is(err, ErrInvalidValue) {
			t.Errorf("%s: error %q, want it to name %q", tt.name, err, tt.want)
		}
	}
}

func TestObject3DRoundTrip(t *testing.T) {
	run, warns := mediaRun(t)
	pc := mustObject3D(t)(NewPointCloud([][]float64{{0, 0, 0, 2}, {1, 1, 1, 3}}))
	if err := run.Log(map[string]any{"cloud": pc, "clouds": []*Object3D{pc, pc}}); err != nil {
		t.Fatal(err)
	}
	rows, info := mediaReplay(t, run)
	c := rows[0]["cloud"].(map[string]any)
	if c["_type"] != "object3D-file" || !strings.HasPrefix(c["path"].(string), "media/object3D/cloud_0_") {
		t.Errorf("cloud = %v", c)
	}
	checkMediaFile(t, run, info, c)
	cs := rows[0]["clouds"].(map[string]any)
	if cs["_type"] != "object3D" || cs["count"] != int64(2) {
		t.Errorf("clouds = %v", cs)
	}
	for _, o := range cs["objects"].([]any) {
		checkMediaFile(t, run, info, o)
	}
	if warns.String() != "" {
		t.Errorf("warnings: %s", warns)
	}
}
