package wandb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gowandb/wandb/core/runstate"
)

func TestHTMLInjection(t *testing.T) {
	tests := []struct{ in, want string }{
		// The three cases of W&B's Html.inject_head.
		{"<html><head><title>t</title></head><body>x</body></html>", "<html><head>" + htmlInjection + "<title>t</title></head><body>x</body></html>"},
		{"<html><body>x</body></html>", "<html><head>" + htmlInjection + "</head><body>x</body></html>"},
		{"  <p>hi</p>\n", htmlInjection + "  <p>hi</p>"},
	}
	for _, tt := range tests {
		h, err := NewHTML(tt.in)
		if err != nil || h.String() != tt.want {
			t.Errorf("NewHTML(%q) = %q, %v; want %q", tt.in, h.String(), err, tt.want)
		}
	}
	h, _ := NewHTML("<p>raw</p>", InjectStylesheet(false))
	if h.String() != "<p>raw</p>" {
		t.Errorf("inject=false changed the HTML: %q", h)
	}
}

func TestHTMLGolden(t *testing.T) {
	h, err := NewHTML("<p>hello</p>")
	if err != nil {
		t.Fatal(err)
	}
	dir, got := bindGolden(t, "html", h)
	if s := readBound(t, dir, got); s != h.String() || !strings.HasPrefix(got["path"].(string), "media/html/k_3_") || !strings.HasSuffix(got["path"].(string), ".html") {
		t.Errorf("file %q at %v", s, got["path"])
	}
	p := filepath.Join(t.TempDir(), "page.html")
	_ = os.WriteFile(p, []byte("<p>hello</p>"), 0o644)
	fromFile, err := NewHTMLFromFile(p)
	if err != nil {
		t.Fatal(err)
	}
	bindGolden(t, "html", fromFile)
	j, _, err := h.BindListToRun(runstate.Binding{FilesDir: t.TempDir(), Key: "k", Step: 3}, []runstate.Binder{h, fromFile})
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "html_list", j)
}

func TestHTMLBadInput(t *testing.T) {
	if _, err := NewHTML("\xff"); err == nil || !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
	if _, err := NewHTMLFromFile(filepath.Join(t.TempDir(), "none.html")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := NewHTML("x", Caption("c")); err == nil || !strings.Contains(err.Error(), "option Caption does not apply") {
		t.Errorf("caption: %v", err)
	}
}

func TestHTMLRoundTrip(t *testing.T) {
	run, _ := mediaRun(t)
	h, _ := NewHTML("<b>bold</b>")
	if err := run.Log(map[string]any{"page": h, "pages": []*HTML{h, h}}); err != nil {
		t.Fatal(err)
	}
	rows, info := mediaReplay(t, run)
	p := rows[0]["page"].(map[string]any)
	if p["_type"] != "html-file" || !strings.HasPrefix(p["path"].(string), "media/html/page_0_") {
		t.Errorf("page = %v", p)
	}
	checkMediaFile(t, run, info, p)
	ps := rows[0]["pages"].(map[string]any)
	if ps["_type"] != "html" || ps["count"] != int64(2) || len(ps["html"].([]any)) != 2 {
		t.Errorf("pages = %v", ps)
	}
}
