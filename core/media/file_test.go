package media

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/runstate"
)

func TestSafeKey(t *testing.T) {
	tests := map[string]string{
		"img":              "img",
		"val/img":          "val/img",
		"/abs/../x":        "abs/x",
		"../../etc/passwd": "etc/passwd",
		"a/./b":            "a/b",
		"we:ird*name?":     "we_ird_name_",
	}
	for in, want := range tests {
		got, err := SafeKey(in)
		if err != nil || got != want {
			t.Errorf("SafeKey(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "/", "../..", "./"} {
		if _, err := SafeKey(bad); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("SafeKey(%q) err = %v", bad, err)
		}
	}
}

func TestStoreNamesAndContent(t *testing.T) {
	dir := t.TempDir()
	f, err := Store(runstate.Binding{FilesDir: dir, Key: "../x/img", Step: 7}, "images", "png", []byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	const sum = "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
	if f.SHA256 != sum || f.Size != 4 || f.Path != "media/images/x/img_7_"+sum[:20]+".png" {
		t.Fatalf("file = %+v", f)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
	if err != nil || string(b) != "data" {
		t.Fatalf("content %q %v", b, err)
	}
	f2, err := Store(runstate.Binding{FilesDir: dir, Key: "s", Step: -1}, "images", ".png", []byte("data"))
	if err != nil || !strings.Contains(f2.Path, "s_summary_") {
		t.Fatalf("summary file = %+v %v", f2, err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "media", "images"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".media-") {
			t.Fatalf("temp file left: %s", e.Name())
		}
	}
}
