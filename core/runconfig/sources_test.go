package runconfig

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type trainConfig struct {
	LR        float64 `wandb:"lr"`
	BatchSize int     `json:"batch_size"`
	Model     string
	Secret    string `wandb:"-"`
	Optimizer struct {
		Name     string  `json:"name"`
		Momentum float64 `json:"momentum,omitempty"`
	} `json:"optimizer"`
	hidden int
}

func TestFromStruct(t *testing.T) {
	cfg := trainConfig{LR: 0.01, BatchSize: 64, Model: "resnet", Secret: "s", hidden: 1}
	cfg.Optimizer.Name = "adam"
	want := map[string]any{
		"lr":         0.01,
		"batch_size": int64(64),
		"Model":      "resnet",
		"optimizer":  map[string]any{"name": "adam"},
	}
	for _, in := range []any{cfg, &cfg} {
		got, err := FromStruct(in)
		if err != nil {
			t.Fatalf("FromStruct(%T): %v", in, err)
		}
		if !equalValues(got, want) || !sameTypes(got, want) {
			t.Errorf("FromStruct(%T) = %#v, want %#v", in, got, want)
		}
	}
	for _, bad := range []any{nil, 5, (*trainConfig)(nil), map[string]any{}, time.Now()} {
		if _, err := FromStruct(bad); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("FromStruct(%T) error = %v, want ErrInvalidValue", bad, err)
		}
	}
}

type upperValue struct{ s string }

func (u *upperValue) String() string     { return strings.ToUpper(u.s) }
func (u *upperValue) Set(s string) error { u.s = s; return nil }

func TestFromFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Int("epochs", 10, "")
	fs.Float64("lr", 0.1, "")
	fs.Bool("amp", false, "")
	fs.String("model", "resnet", "")
	fs.Duration("timeout", time.Minute, "")
	fs.Uint("workers", 2, "")
	fs.Var(&upperValue{"x"}, "tag", "a Value without Get")
	if err := fs.Parse([]string{"-epochs=20", "-lr", "0.01", "-amp", "-timeout=90s", "-tag=best"}); err != nil {
		t.Fatal(err)
	}
	got := FromFlagSet(fs)
	want := map[string]any{
		"epochs":  20,
		"lr":      0.01,
		"amp":     true,
		"model":   "resnet", // unset flags keep their default
		"timeout": 90 * time.Second,
		"workers": uint(2),
		"tag":     "BEST",
	}
	if len(got) != len(want) {
		t.Errorf("FromFlagSet = %v, want %d flags", got, len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("flag %s = %#v (%T), want %#v (%T)", k, got[k], got[k], w, w)
		}
	}

	// Into a Config: typed values are normalised.
	c := New()
	if _, err := c.Update(got, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Get("timeout"); v != "1m30s" {
		t.Errorf("timeout in config = %#v", v)
	}
	if v, _ := c.Get("epochs"); v != int64(20) {
		t.Errorf("epochs in config = %#v", v)
	}
	if got := FromFlagSet(nil); len(got) != 0 {
		t.Errorf("FromFlagSet(nil) = %v", got)
	}
}

func TestFilter(t *testing.T) {
	m := map[string]any{"a": 1, "b": 2, "c": 3}
	tests := []struct {
		name             string
		include, exclude []string
		want             []string
	}{
		{"no filters", nil, nil, []string{"a", "b", "c"}},
		{"include", []string{"a", "c", "zz"}, nil, []string{"a", "c"}},
		{"exclude", nil, []string{"b"}, []string{"a", "c"}},
		{"include wins over exclude", []string{"a", "b"}, []string{"a"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Filter(m, tt.include, tt.exclude)
			if keys := sortedKeys(got); strings.Join(keys, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Filter keys = %v, want %v", keys, tt.want)
			}
		})
	}
	if len(m) != 3 {
		t.Error("Filter modified its input")
	}
}

func TestLoadDefaults(t *testing.T) {
	dir := t.TempDir()
	if m, found, err := LoadDefaults(dir); m != nil || found || err != nil {
		t.Errorf("missing file: LoadDefaults = %v, %v, %v", m, found, err)
	}

	// The form W&B documents for config-defaults.yaml.
	content := "epochs:\n  desc: Number of epochs to train over\n  value: 100\nbatch_size:\n  desc: Size of each mini-batch\n  value: 32\n"
	if err := os.WriteFile(filepath.Join(dir, DefaultsFile), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	m, found, err := LoadDefaults(dir)
	if err != nil || !found {
		t.Fatalf("LoadDefaults = %v, %v, %v", m, found, err)
	}
	if !equalValues(m, map[string]any{"epochs": int64(100), "batch_size": int64(32)}) {
		t.Errorf("defaults = %#v", m)
	}

	if err := os.WriteFile(filepath.Join(dir, DefaultsFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if m, found, err := LoadDefaults(dir); err != nil || !found || len(m) != 0 {
		t.Errorf("empty file: LoadDefaults = %v, %v, %v", m, found, err)
	}

	if err := os.WriteFile(filepath.Join(dir, DefaultsFile), []byte("wandb_version: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, found, err := LoadDefaults(dir); !found || !errors.Is(err, ErrInvalidFormat) {
		t.Errorf("bad version: found=%v err=%v", found, err)
	}
}
