package dashboard

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// notBuilt is served for pages when dist/ holds no index.html.
const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gowandb dashboard not built</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;color:#1f2328;padding:0 1rem}
code{background:#f3f4f6;padding:.15em .4em;border-radius:4px}</style></head>
<body><h1>The dashboard is not built</h1>
<p>This <code>wandb server</code> was compiled without the dashboard's assets.
Run <code>make web</code> in the gowandb repository (it needs Node.js and npm), then rebuild and restart the server.</p>
<p>The tracking API (<code>/graphql</code>, <code>/files/</code>) works without it.</p></body></html>
`

// page serves the single-page app's index.html for every page path.
func (d *dash) page(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(d.cfg.assets, "index.html")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(notBuilt))
		return
	}
	_, _ = w.Write(b)
}

// asset serves a file of the build. Names carry a content hash, so they
// are cached for a year.
func (d *dash) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !fs.ValidPath(name) || strings.Contains(name, "/") || name == "index.html" {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(d.cfg.assets, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(b) > 1024 {
		if z, ok := d.gz.Load(name); ok {
			b = z.([]byte)
		} else {
			var buf bytes.Buffer
			gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = gz.Write(b)
			_ = gz.Close()
			b = buf.Bytes()
			d.gz.Store(name, b)
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
	}
	_, _ = w.Write(b)
}
