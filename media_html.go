package wandb

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/gowandb/wandb/core/media"
	"github.com/gowandb/wandb/core/runstate"
)

// HTML is an HTML document logged to W&B (wandb.Html): history holds
//
//	{"_type":"html-file","path":"media/html/<key>_<step>_<hash>.html","sha256":…,"size":…}
//
// and a slice logged under one key becomes {"_type":"html","count","html":[…]}.
// By default W&B's stylesheet and <base target="_blank"> are injected into
// the document's head (see InjectStylesheet).
type HTML struct {
	html string
}

// htmlInjection is what W&B's Html.inject_head adds.
const htmlInjection = `<base target="_blank"><link rel="stylesheet" type="text/css" href="https://app.wandb.ai/normalize.css" />`

// NewHTML makes an HTML value from a document. Options: InjectStylesheet.
func NewHTML(html string, opts ...MediaOption) (*HTML, error) {
	c, err := mediaConfigFor("html", optInject, opts)
	if err != nil {
		return nil, err
	}
	return newHTML(html, c)
}

// NewHTMLFromFile makes an HTML value from a file, read now (UTF-8).
// Options: InjectStylesheet.
func NewHTMLFromFile(path string, opts ...MediaOption) (*HTML, error) {
	c, err := mediaConfigFor("html", optInject, opts)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, mediaErr("html", fmt.Errorf("%w: %w", media.ErrInvalid, err))
	}
	return newHTML(string(b), c)
}

func newHTML(html string, c *mediaConfig) (*HTML, error) {
	if !utf8.ValidString(html) {
		return nil, mediaErr("html", fmt.Errorf("%w: HTML is not valid UTF-8", media.ErrInvalid))
	}
	if c.inject {
		html = injectHead(html)
	}
	return &HTML{html: html}, nil
}

// injectHead is W&B's Html.inject_head.
func injectHead(html string) string {
	var before, after string
	switch {
	case strings.Contains(html, "<head>"):
		i := strings.Index(html, "<head>") + len("<head>")
		before, after = html[:i], html[i:]
	case strings.Contains(html, "<html>"):
		i := strings.Index(html, "<html>")
		before, after = html[:i]+"<html><head>", "</head>"+html[i+len("<html>"):]
	default:
		after = html
	}
	return strings.TrimSpace(before + htmlInjection + after)
}

// String is the document as it is logged.
func (h *HTML) String() string { return h.html }

// BindToRun writes the document (runstate.Binder).
func (h *HTML) BindToRun(b runstate.Binding) ([]byte, []string, error) {
	if h == nil {
		return nil, nil, fmt.Errorf("wandb: html: nil *HTML")
	}
	f, err := media.Store(b, "html", "html", []byte(h.html))
	if err != nil {
		return nil, nil, err
	}
	return media.FileJSON("html-file", f).Bytes(), []string{f.Path}, nil
}

// BindListToRun logs a slice of documents as W&B's html list
// (runstate.ListBinder).
func (h *HTML) BindListToRun(b runstate.Binding, items []runstate.Binder) ([]byte, []string, error) {
	docs, err := itemsAs[*HTML]("html", items)
	if err != nil {
		return nil, nil, err
	}
	jsons, files, err := bindAll(b, docs)
	if err != nil {
		return nil, nil, err
	}
	return (&media.Obj{}).Str("_type", "html").Int("count", int64(len(docs))).Raw("html", media.List(jsons)).Bytes(), files, nil
}
