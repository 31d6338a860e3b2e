package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// SessionCookie is the name of the dashboard's session cookie.
const SessionCookie = "gowandb_session"

// CSRFHeader is the header that must carry the session's CSRF token on
// every state-changing request made with the session cookie.
const CSRFHeader = "X-CSRF-Token"

// session is a signed-in browser.
type session struct {
	user    string
	csrf    string
	expires time.Time
}

// sessions keeps the sessions in memory: they end with the process (users
// sign in again with their key) or after ttl without use.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	now func() time.Time
	ttl time.Duration
}

func newSessions(now func() time.Time, ttl time.Duration) *sessions {
	return &sessions{m: map[string]*session{}, now: now, ttl: ttl}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create opens a session for userID and returns its id and CSRF token.
func (s *sessions) create(user string) (id, csrf string) {
	id, csrf = randomToken(), randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.m { // drop expired sessions as new ones come
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = &session{user: user, csrf: csrf, expires: now.Add(s.ttl)}
	return id, csrf
}

// get returns the live session and extends it; nil if none.
func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok {
		return nil
	}
	now := s.now()
	if now.After(v.expires) {
		delete(s.m, id)
		return nil
	}
	v.expires = now.Add(s.ttl)
	c := *v
	return &c
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

type userKey struct{}

type authInfo struct {
	user      store.User
	sessionID string // "" for Basic auth
	csrf      string
}

func authFrom(ctx context.Context) authInfo {
	a, _ := ctx.Value(userKey{}).(authInfo)
	return a
}

// authenticate requires a session cookie (and, on state-changing methods,
// its CSRF token) or Basic api:KEY.
func (d *dash) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var a authInfo
		if _, key, ok := r.BasicAuth(); ok && key != "" {
			u, _, err := d.st.UserByAPIKey(ctx, key)
			if errors.Is(err, store.ErrNotFound) {
				httpError(w, http.StatusUnauthorized, "dashboard: invalid API key")
				return
			}
			if err != nil {
				d.internal(w, fmt.Errorf("dashboard: checking API key: %w", err))
				return
			}
			a = authInfo{user: u}
		} else {
			c, err := r.Cookie(SessionCookie)
			var s *session
			if err == nil {
				s = d.sessions.get(c.Value)
			}
			if s == nil {
				httpError(w, http.StatusUnauthorized, "dashboard: not signed in: sign in with your API key")
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				got := r.Header.Get(CSRFHeader)
				if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
					httpError(w, http.StatusForbidden, "dashboard: missing or wrong CSRF token (header "+CSRFHeader+")")
					return
				}
			}
			u, err := d.st.UserByName(ctx, s.user)
			if errors.Is(err, store.ErrNotFound) {
				d.sessions.delete(c.Value)
				httpError(w, http.StatusUnauthorized, "dashboard: the session's user no longer exists")
				return
			}
			if err != nil {
				d.fail(w, fmt.Errorf("dashboard: session user %q: %w", s.user, err))
				return
			}
			a = authInfo{user: u, sessionID: c.Value, csrf: s.csrf}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, userKey{}, a)))
	})
}

type loginRequest struct {
	APIKey string `json:"apiKey"`
}

// login checks an API key and opens a session. It takes JSON only, which
// a cross-site form cannot send, and refuses a foreign Origin.
func (d *dash) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		httpError(w, http.StatusForbidden, "dashboard: sign-in from another origin refused")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		httpError(w, http.StatusUnsupportedMediaType, "dashboard: sign-in takes a JSON body {\"apiKey\": ...}")
		return
	}
	var req loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.APIKey == "" {
		httpError(w, http.StatusBadRequest, "dashboard: sign-in needs a JSON body {\"apiKey\": \"<your API key>\"}")
		return
	}
	u, _, err := d.st.UserByAPIKey(r.Context(), req.APIKey)
	if errors.Is(err, store.ErrNotFound) {
		httpError(w, http.StatusUnauthorized, "dashboard: unknown API key")
		return
	}
	if err != nil {
		d.internal(w, fmt.Errorf("dashboard: checking API key: %w", err))
		return
	}
	id, csrf := d.sessions.create(u.Name)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	d.writeMe(w, r.WithContext(context.WithValue(r.Context(), userKey{}, authInfo{user: u, sessionID: id, csrf: csrf})))
}

func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (d *dash) logout(w http.ResponseWriter, r *http.Request) {
	a := authFrom(r.Context())
	if a.sessionID != "" {
		d.sessions.delete(a.sessionID)
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (d *dash) me(w http.ResponseWriter, r *http.Request) { d.writeMe(w, r) }

type meJSON struct {
	User     userJSON     `json:"user"`
	Entities []entityJSON `json:"entities"`
	CSRF     string       `json:"csrf"`
}

type userJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Admin bool   `json:"admin"`
}

type entityJSON struct {
	Name   string `json:"name"`
	IsTeam bool   `json:"isTeam"`
}

func (d *dash) writeMe(w http.ResponseWriter, r *http.Request) {
	a := authFrom(r.Context())
	ents, err := d.st.EntitiesOf(r.Context(), a.user.ID)
	if err != nil {
		d.fail(w, fmt.Errorf("dashboard: entities of %q: %w", a.user.Name, err))
		return
	}
	out := meJSON{User: userJSON{a.user.Name, a.user.Email, a.user.Admin}, Entities: []entityJSON{}, CSRF: a.csrf}
	for _, e := range ents {
		out.Entities = append(out.Entities, entityJSON{e.Name, e.IsTeam})
	}
	writeJSON(w, http.StatusOK, out)
}

// errNoAccess is an entity the user may not see; answered as not found.
var errNoAccess = errors.New("dashboard: not found")

// checkEntity returns errNoAccess unless the signed-in user may use entity.
func (d *dash) checkEntity(ctx context.Context, entity string) error {
	a := authFrom(ctx)
	ok, err := d.st.CanAccess(ctx, a.user.ID, entity)
	if err != nil {
		return fmt.Errorf("dashboard: checking access to %q: %w", entity, err)
	}
	if !ok {
		return fmt.Errorf("%w: entity %q", errNoAccess, entity)
	}
	return nil
}
