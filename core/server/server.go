// Package server is gowandb's tracking server: it speaks the W&B wire
// protocol that wandb clients (ours in core/sender, and the official SDK)
// use, over a store.Store and store.Blobs.
//
// Routes (the table in [Server.Handler], plus those areas add with addRoute):
//
//   - POST /graphql: a schema-first GraphQL endpoint (package gql): each
//     request is validated against the schema in schema/*.graphql, which
//     documents every operation served, then resolved field by field. A
//     query the schema does not allow is a 400 whose errors name the
//     field or type; resolver errors are GraphQL errors.
//   - POST /files/{entity}/{project}/{run}/file_stream: history, events and
//     output.log lines appended by offset (a resend is ignored, a gap is
//     409), the summary replaced, complete/exitcode finishing the run. The
//     response is {"exitcode":null,"limits":{},"stopped":<bool>}.
//   - PUT /files/upload/{token}: run file uploads. The token in the URL is
//     a short-lived HMAC over run and file name, so the client sends no
//     credentials there.
//   - GET /files/download/{token}: run file downloads, signed the same way
//     with a key of their own (download.go).
//   - PUT /artifacts/upload/{token}, GET /artifacts/blob/{token}: artifact
//     file uploads (whole or by part, resumable) and downloads, stored once
//     by content (artifact_upload.go).
//   - GET /healthz: 200 while the store answers.
//   - everything else: the web dashboard (package dashboard), with its own
//     sign-in (session cookie) or the same API keys.
//
// GraphQL and file_stream need "Authorization: Basic base64(api:KEY)" with a
// key the store knows (401 otherwise); a run of an entity the user may not
// access is 403.
package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/server/dashboard"
	"github.com/gowandb/wandb/core/server/gql"
	"github.com/gowandb/wandb/core/store"
)

// Server is the tracking server. Create it with [New].
type Server struct {
	store     store.Store
	blobs     store.Blobs
	secret    []byte
	uploadTTL time.Duration
	baseURL   string
	now       func() time.Time
	log       *slog.Logger
	maxBody   int64
	maxUpload int64

	exec          *gql.Executor
	runFields     map[string]RunField     // fields added to type Run by other areas
	projectFields map[string]ProjectField // fields added to type Project
	routes        []route                 // routes added by other areas (see addRoute)
	dashOpts      []dashboard.Option

	beatMu sync.Mutex
	beats  map[int64]time.Time // heartbeat last written, by run (filestream.go)
}

// route is one HTTP route: auth says whether it needs an API key.
type route struct {
	pattern string
	h       http.Handler
	auth    bool
}

// Option configures a Server.
type Option func(*Server)

// WithUploadSecret sets the HMAC key of upload tokens (default: random per
// process, so upload URLs die with the process).
func WithUploadSecret(b []byte) Option { return func(s *Server) { s.secret = b } }

// WithUploadTTL sets how long an upload URL stays valid (default 1 h).
func WithUploadTTL(d time.Duration) Option { return func(s *Server) { s.uploadTTL = d } }

// WithBaseURL sets the public URL upload URLs start with (default: taken
// from each request's Host).
func WithBaseURL(u string) Option { return func(s *Server) { s.baseURL = u } }

// DefaultMaxUpload is the largest file upload accepted by default.
const DefaultMaxUpload = 64 << 30

// WithMaxUpload sets the largest file upload accepted (run files and
// artifact files); larger ones get 413. Uploads are streamed to the blob
// store, never held in memory.
func WithMaxUpload(n int64) Option { return func(s *Server) { s.maxUpload = n } }

// WithDashboard passes options to the web dashboard served at / (see
// package dashboard).
func WithDashboard(opts ...dashboard.Option) Option {
	return func(s *Server) { s.dashOpts = append(s.dashOpts, opts...) }
}

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger sets the logger for server-side errors (default slog.Default).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// New returns a server over st and blobs. It panics only when the embedded
// GraphQL schema does not parse or a resolver is registered twice: both
// are bugs caught by every test.
func New(st store.Store, blobs store.Blobs, opts ...Option) *Server {
	s := &Server{store: st, blobs: blobs, uploadTTL: time.Hour, now: time.Now, log: slog.Default(),
		maxBody: 64 << 20, maxUpload: DefaultMaxUpload}
	for _, o := range opts {
		o(s)
	}
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		_, _ = rand.Read(s.secret)
	}
	e, err := s.newExecutor()
	if err != nil {
		panic(err)
	}
	s.exec = e
	return s
}

// addRoute adds a route served by Handler; areas (downloads, artifact
// uploads, the dashboard) call it from their register functions.
func (s *Server) addRoute(pattern string, h http.Handler, auth bool) {
	s.routes = append(s.routes, route{pattern, h, auth})
}

// Handler returns the server's HTTP handler. All routes are in this table,
// plus those added with addRoute.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	routes := []route{
		{"POST /graphql", http.HandlerFunc(s.graphql), true},
		{"POST /files/{entity}/{project}/{run}/file_stream", http.HandlerFunc(s.fileStream), true},
		{"PUT /files/upload/{token}", http.HandlerFunc(s.upload), false}, // the token authorizes
		{"GET /healthz", http.HandlerFunc(s.healthz), false},
		// The web dashboard: its pages and /api/ui/ (session or API key
		// auth of its own). The routes above are more specific and win.
		{"/", dashboard.New(s.store, s.blobs, append([]dashboard.Option{dashboard.WithLogger(s.log)}, s.dashOpts...)...), false},
	}
	routes = append(routes, s.routes...)
	for _, r := range routes {
		h := r.h
		if r.auth {
			h = s.authenticate(h)
		}
		mux.Handle(r.pattern, h)
	}
	return mux
}

// healthz answers 200 when the store answers: for load balancers, scripts
// and `make demo`.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := s.store.Entity(r.Context(), "-"); err != nil && !errors.Is(err, store.ErrNotFound) {
		httpError(w, http.StatusServiceUnavailable, "store unavailable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type ctxKey struct{}

// userFrom returns the authenticated user of the request.
func userFrom(ctx context.Context) store.User {
	u, _ := ctx.Value(ctxKey{}).(store.User)
	return u
}

// authenticate checks "Basic api:KEY" against the store's API keys.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, key, ok := r.BasicAuth()
		if !ok || key == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="wandb"`)
			httpError(w, http.StatusUnauthorized, "missing credentials: send Authorization: Basic base64(api:<API key>)")
			return
		}
		u, _, err := s.store.UserByAPIKey(r.Context(), key)
		if errors.Is(err, store.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Basic realm="wandb"`)
			httpError(w, http.StatusUnauthorized, "invalid API key")
			return
		}
		if err != nil {
			s.internal(w, fmt.Errorf("checking API key: %w", err))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, u)))
	})
}

// errForbidden is a request for an entity the user may not access.
var errForbidden = errors.New("permission denied")

// checkEntity returns errForbidden unless the user may use entity.
func (s *Server) checkEntity(ctx context.Context, entity string) error {
	u := userFrom(ctx)
	ok, err := s.store.CanAccess(ctx, u.ID, entity)
	if err != nil {
		return fmt.Errorf("checking access to %q: %w", entity, err)
	}
	if !ok {
		return fmt.Errorf("%w: user %q may not access entity %q", errForbidden, u.Name, entity)
	}
	return nil
}

// status maps an error to its HTTP status.
func status(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrInvalid), errors.Is(err, errBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

var errBadRequest = errors.New("bad request")

func badRequestf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadRequest}, args...)...)
}

// fail writes err with its status; internal errors are logged, not shown.
func (s *Server) fail(w http.ResponseWriter, err error) {
	code := status(err)
	if code == http.StatusInternalServerError {
		s.internal(w, err)
		return
	}
	httpError(w, code, err.Error())
}

func (s *Server) internal(w http.ResponseWriter, err error) {
	s.log.Error("server: internal error", "err", err)
	httpError(w, http.StatusInternalServerError, "internal server error")
}

// httpError writes {"error": msg} with code.
func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
