package runstate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMedia writes one file named after its binding.
type fakeMedia struct {
	fail  bool
	bound *Binding
}

func (m *fakeMedia) BindToRun(b Binding) ([]byte, []string, error) {
	if m.fail {
		return nil, nil, errors.New("cannot encode")
	}
	m.bound = &b
	rel := fmt.Sprintf("media/fake/%s_%d.txt", b.Key, b.Step)
	p := filepath.Join(b.FilesDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		return nil, nil, err
	}
	return []byte(fmt.Sprintf(`{"_type":"fake","path":%q}`, rel)), []string{rel}, nil
}

func (m *fakeMedia) BindListToRun(b Binding, items []Binder) ([]byte, []string, error) {
	var files []string
	for _, it := range items {
		_, f, err := it.BindToRun(Binding{FilesDir: b.FilesDir, Key: b.Key + fmt.Sprint(len(files)), Step: b.Step})
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f...)
	}
	return []byte(fmt.Sprintf(`{"_type":"fakes","count":%d}`, len(items))), files, nil
}

func TestMediaAreBoundInDrainAtTheCommitStep(t *testing.T) {
	dir := t.TempDir()
	hs := newHarness(t, func(o *Options) { o.FilesDir = dir })
	m := &fakeMedia{}
	if err := hs.h.Log(map[string]any{"img": m, "loss": 1.0}, step(3)); err != nil {
		t.Fatal(err)
	}
	if m.bound != nil {
		t.Fatal("media bound in the caller's Log")
	}
	_ = hs.h.Log(map[string]any{}, commit(true))
	recs := hs.records()
	if m.bound == nil || m.bound.Step != 3 || m.bound.Key != "img" {
		t.Fatalf("binding = %+v", m.bound)
	}
	if _, err := os.Stat(filepath.Join(dir, "media/fake/img_3.txt")); err != nil {
		t.Fatal(err)
	}
	// The files record comes before the history row that refers to it.
	filesAt, histAt := -1, -1
	for i, r := range recs {
		if f := r.GetFiles(); f != nil && f.Files[0].Path == "media/fake/img_3.txt" {
			filesAt = i
		}
		if r.GetHistory() != nil {
			histAt = i
		}
	}
	if filesAt < 0 || filesAt > histAt {
		t.Fatalf("files record at %d, history at %d", filesAt, histAt)
	}
	row := hs.rows()[0]
	if !strings.Contains(row["img"], `"_type":"fake"`) {
		t.Fatalf("row = %v", row)
	}
	if got, _ := hs.h.Summary().Get("img"); got.(map[string]any)["_type"] != "fake" {
		t.Fatalf("summary img = %v", got)
	}
}

func TestMediaFailureIsAWarningAndTheRowLands(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.FilesDir = t.TempDir() })
	_ = hs.h.Log(map[string]any{"img": &fakeMedia{fail: true}, "loss": 1.0}, LogOptions{})
	row := hs.rows()[0]
	if _, ok := row["img"]; ok || row["loss"] != "1.0" {
		t.Fatalf("row = %v", row)
	}
	if len(hs.warns) != 1 || !strings.Contains(hs.warns[0], `"img"`) || !strings.Contains(hs.warns[0], "cannot encode") {
		t.Fatalf("warnings = %v", hs.warns)
	}
}

func TestMediaListAndNestedMedia(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.FilesDir = t.TempDir() })
	_ = hs.h.Log(map[string]any{
		"many":  []*fakeMedia{{}, {}, {}},
		"group": map[string]any{"one": &fakeMedia{}},
	}, LogOptions{})
	row := hs.rows()[0]
	if row["many"] != `{"_type":"fakes","count":3}` {
		t.Fatalf("list = %s", row["many"])
	}
	if !strings.Contains(row["group.one"], "media/fake/group/one_0.txt") {
		t.Fatalf("nested = %s", row["group.one"])
	}
}
