// Package dashboard is the web dashboard of `wandb server`: the HTTP
// handlers of its pages, the JSON API its frontend calls under /api/ui/,
// browser sessions, and the frontend's assets, embedded from dist/.
//
// The frontend (core/server/dashboard/web: Preact, uPlot for charts,
// three.js for 3D loaded on demand, bundled by esbuild with `make web`) is
// a single-page app: every page path ("/", "/login", "/p/{entity}/{project}",
// "/p/{entity}/{project}/artifacts/...", "/r/{entity}/{project}/{run}")
// serves dist/index.html and the app fetches its data from /api/ui/. When
// dist/ holds no build, pages answer with a short page that says to run
// `make web`; the API works either way.
//
// Charts never receive raw history: /api/ui/.../series answers with
// store.SampledHistory buckets (last value, min and max per bucket), at most
// MaxBuckets per run and key, with bucket widths aligned to the store's
// chunks where they are wide; a zoom asks again for the step range in view.
// Sampled series are kept in an LRU keyed by the run's history length, so
// a live run is sampled anew as it logs.
//
// Auth follows miniflux's model: a sign-in with an API key
// (store.UserByAPIKey) opens a server-side session named by a random
// HttpOnly, SameSite=Lax cookie; every state-changing request must carry
// the session's CSRF token in the X-CSRF-Token header. API calls may
// instead send "Authorization: Basic base64(api:KEY)" (no CSRF then: no
// cookie is involved). A user sees only the entities store.CanAccess
// allows; another entity's project is 404, as if it did not exist.
//
// All routes are in one table in [New]. User text is never turned into
// HTML: the frontend renders it as text, html media is served with a
// sandbox CSP and shown in an <iframe sandbox>, and every response carries
// a strict Content-Security-Policy.
package dashboard

import (
	"compress/gzip"
	"embed"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/runfilter"
	"github.com/gowandb/wandb/core/store"
)

//go:embed all:dist
var embedded embed.FS

// Option configures the dashboard.
type Option func(*config)

type config struct {
	assets     fs.FS
	now        func() time.Time
	log        *slog.Logger
	sessionTTL time.Duration
	workers    int
}

// WithAssets serves the frontend from fsys (a directory holding
// index.html) instead of the embedded build; for development.
func WithAssets(fsys fs.FS) Option { return func(c *config) { c.assets = fsys } }

// WithClock sets the clock of sessions and run durations (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger sets the logger of server-side errors (default slog.Default).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithSessionTTL sets how long a session lives without use (default 7 days).
func WithSessionTTL(d time.Duration) Option { return func(c *config) { c.sessionTTL = d } }

// New returns the dashboard's handler over st and blobs: it serves the
// pages under "/" and the JSON API under "/api/ui/". Mount it on the
// tracking server's mux as the fallback route ("/"): its paths do not
// overlap /graphql and /files/.
func New(st store.Store, blobs store.Blobs, opts ...Option) http.Handler {
	c := config{now: time.Now, log: slog.Default(), sessionTTL: 7 * 24 * time.Hour, workers: max(2, runtime.GOMAXPROCS(0))}
	for _, o := range opts {
		o(&c)
	}
	if c.assets == nil {
		sub, _ := fs.Sub(embedded, "dist")
		c.assets = sub
	}
	if c.sessionTTL <= 0 {
		c.sessionTTL = 7 * 24 * time.Hour
	}
	d := &dash{st: st, blobs: blobs, cfg: c, sessions: newSessions(c.now, c.sessionTTL), filters: runfilter.NewCache(0),
		cache: newSeriesCache(4096), sem: make(chan struct{}, c.workers)}
	return d.routes()
}

type dash struct {
	st       store.Store
	blobs    store.Blobs
	cfg      config
	sessions *sessions
	gz       sync.Map         // asset name → gzipped bytes
	filters  *runfilter.Cache // parsed config and summary, for filters
	cache    *seriesCache     // sampled series, most recently used
	sem      chan struct{}    // bounds concurrent history queries
}

// wandbPage serves the app for W&B's page URLs (the SDK's run.URL() and
// GetProjectURL()), which the app maps onto its own; anything else is 404.
func (d *dash) wandbPage(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && (len(parts) == 2 || (len(parts) == 4 && parts[2] == "runs")) && !slices.Contains(parts, "") {
		d.page(w, r)
		return
	}
	http.NotFound(w, r)
}

// routes is the route table: every page and API path is here.
func (d *dash) routes() http.Handler {
	mux := http.NewServeMux()
	type route struct {
		pattern string
		h       http.HandlerFunc
		auth    bool
	}
	routes := []route{
		// Pages (the single-page app) and its assets. Pages need no session:
		// the app asks /api/ui/me and goes to /login when it has none.
		{"GET /{$}", d.page, false},
		{"GET /login", d.page, false},
		{"GET /p/{entity}/{project}", d.page, false},
		{"GET /p/{entity}/{project}/artifacts", d.page, false},
		{"GET /p/{entity}/{project}/artifacts/{collection}/{version}", d.page, false},
		{"GET /r/{entity}/{project}/{run}", d.page, false},
		// The URLs the SDK prints (run.URL(), W&B's form) land on the same
		// pages: /<entity>/<project> and /<entity>/<project>/runs/<run>.
		{"/", d.wandbPage, false},
		{"GET /assets/{file}", d.asset, false},

		{"POST /api/ui/login", d.login, false},
		{"POST /api/ui/logout", d.logout, true},
		{"GET /api/ui/me", d.me, true},
		{"GET /api/ui/entities/{entity}/projects", d.projects, true},
		{"GET /api/ui/projects/{entity}/{project}/runs", d.runs, true},
		{"GET /api/ui/projects/{entity}/{project}/keys", d.keys, true},
		{"GET /api/ui/projects/{entity}/{project}/series", d.series, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}", d.run, true},
		{"POST /api/ui/runs/{entity}/{project}/{run}", d.updateRun, true},
		{"POST /api/ui/runs/{entity}/{project}/{run}/stop", d.stopRun, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}/logs", d.logs, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}/system", d.system, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}/files", d.files, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}/media", d.media, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}/table", d.table, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}/file/{path...}", d.file, true},
		{"GET /api/ui/runs/{entity}/{project}/{run}/artifacts", d.runArtifacts, true},
		{"GET /api/ui/projects/{entity}/{project}/artifacts", d.artifacts, true},
		{"GET /api/ui/projects/{entity}/{project}/artifacts/{collection}", d.artifactVersions, true},
		{"GET /api/ui/projects/{entity}/{project}/artifacts/{collection}/{version}", d.artifactVersion, true},
		{"GET /api/ui/projects/{entity}/{project}/artifacts/{collection}/{version}/file/{path...}", d.artifactFile, true},
	}
	for _, r := range routes {
		h := http.Handler(r.h)
		if r.auth {
			h = d.authenticate(h)
		}
		if strings.Contains(r.pattern, "/api/ui/") && !strings.Contains(r.pattern, "/file/") {
			h = gzipped(h)
		}
		mux.Handle(r.pattern, h)
	}
	mux.Handle("/api/ui/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpError(w, http.StatusNotFound, "dashboard: no API route "+r.Method+" "+r.URL.Path)
	}))
	return secureHeaders(mux)
}

// csp is the Content-Security-Policy of every dashboard response: no
// inline scripts, nothing from other origins.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; frame-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		next.ServeHTTP(w, r)
	})
}

// gzipped compresses responses for clients that accept gzip.
func gzipped(next http.Handler) http.Handler {
	pool := sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		gz := pool.Get().(*gzip.Writer)
		gz.Reset(w)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Add("Vary", "Accept-Encoding")
		next.ServeHTTP(&gzipWriter{ResponseWriter: w, w: gz}, r)
		_ = gz.Close()
		pool.Put(gz)
	})
}

type gzipWriter struct {
	http.ResponseWriter
	w io.Writer
}

func (g *gzipWriter) Write(b []byte) (int, error) { return g.w.Write(b) }

func (g *gzipWriter) WriteHeader(code int) {
	g.ResponseWriter.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(code)
}
