package runstate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummaryMediaAreBoundInDrainWithTheSummaryStep(t *testing.T) {
	dir := t.TempDir()
	hs := newHarness(t, func(o *Options) { o.FilesDir = dir })
	m := &fakeMedia{}
	if err := hs.h.Summary().Set("best", m); err != nil {
		t.Fatal(err)
	}
	if m.bound != nil {
		t.Fatal("summary media bound in the caller's Set")
	}
	recs := hs.records()
	if m.bound == nil || m.bound.Step != -1 || m.bound.Key != "best" || m.bound.FilesDir != dir {
		t.Fatalf("binding = %+v", m.bound)
	}
	if _, err := os.Stat(filepath.Join(dir, "media/fake/best_-1.txt")); err != nil {
		t.Fatal(err)
	}
	filesAt, sumAt := -1, -1
	for i, r := range recs {
		if f := r.GetFiles(); f != nil && f.Files[0].Path == "media/fake/best_-1.txt" {
			filesAt = i
		}
		if s := r.GetSummary(); s != nil && len(s.Update) == 1 && s.Update[0].Key == "best" {
			sumAt = i
			if !strings.Contains(s.Update[0].ValueJson, `"_type":"fake"`) {
				t.Fatalf("summary record value = %s", s.Update[0].ValueJson)
			}
		}
	}
	if filesAt < 0 || sumAt < 0 || filesAt > sumAt {
		t.Fatalf("files record at %d, summary record at %d", filesAt, sumAt)
	}
	got, _ := hs.h.Summary().Get("best")
	if g, _ := got.(map[string]any); g["_type"] != "fake" {
		t.Fatalf("summary best = %v", got)
	}
	// An explicit media value is not replaced by later history values.
	_ = hs.h.Log(map[string]any{"best": 1.0}, LogOptions{})
	got, _ = hs.h.Summary().Get("best")
	if g, _ := got.(map[string]any); g["_type"] != "fake" {
		t.Fatalf("summary best after log = %v", got)
	}
}

func TestSummaryMediaNestedAndListed(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.FilesDir = t.TempDir() })
	err := hs.h.Summary().Update(map[string]any{
		"eval": map[string]any{"sample": &fakeMedia{}, "acc": 0.5},
		"all":  []*fakeMedia{{}, {}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var update map[string]string
	for _, r := range hs.records() {
		if s := r.GetSummary(); s != nil {
			update = map[string]string{}
			for _, it := range s.Update {
				update[it.Key] = it.ValueJson
			}
		}
	}
	if update["all"] != `{"_type":"fakes","count":2}` {
		t.Errorf("all = %s", update["all"])
	}
	if want := `{"acc":0.5,"sample":{"_type":"fake","path":"media/fake/eval/sample_-1.txt"}}`; update["eval"] != want {
		t.Errorf("eval = %s, want %s", update["eval"], want)
	}
	m := hs.h.Summary().Map()
	eval, _ := m["eval"].(map[string]any)
	if s, _ := eval["sample"].(map[string]any); s["_type"] != "fake" || eval["acc"] != 0.5 {
		t.Errorf("summary eval = %v", m["eval"])
	}
}

func TestSummaryMediaFailureIsAWarning(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.FilesDir = t.TempDir() })
	_ = hs.h.Summary().Set("old", 1)
	if err := hs.h.Summary().Update(map[string]any{"old": &fakeMedia{fail: true}, "ok": 2}); err != nil {
		t.Fatal(err)
	}
	m := hs.h.Summary().Map()
	if m["old"] != int64(1) || m["ok"] != int64(2) {
		t.Errorf("summary = %v; a failed media value must leave the key as it was", m)
	}
	if len(hs.warns) != 1 || !strings.Contains(hs.warns[0], `"old"`) || !strings.Contains(hs.warns[0], "cannot encode") {
		t.Errorf("warnings = %v", hs.warns)
	}
}

func TestSummaryRestoreRefusesMedia(t *testing.T) {
	hs := newHarness(t)
	if err := hs.h.Summary().Restore(map[string]any{"m": &fakeMedia{}, "a": 1}); err == nil {
		t.Fatal("media accepted by Restore")
	}
	if m := hs.h.Summary().Map(); m["a"] != int64(1) || m["m"] != nil {
		t.Errorf("summary = %v", m)
	}
}
