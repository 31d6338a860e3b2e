package sender

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// DefaultUserAgent is the User-Agent wandb-core sends.
const DefaultUserAgent = "wandb-core"

// authTransport adds credentials to requests under the base URL.
type authTransport struct {
	base      *url.URL
	authz     string
	userAgent string
	next      http.RoundTripper
}

// NewAuthTransport returns a RoundTripper that adds
// "Authorization: Basic base64("api:"+apiKey)" and userAgent (DefaultUserAgent
// if empty) to requests whose scheme, host and port equal base's and whose
// path starts with base's path. Other requests (upload URLs) go through
// untouched. next nil means http.DefaultTransport.
func NewAuthTransport(base *url.URL, apiKey, userAgent string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if userAgent == "" {
		userAgent = DefaultUserAgent
	}
	return &authTransport{
		base:      base,
		authz:     "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+apiKey)),
		userAgent: userAgent,
		next:      next,
	}
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !underBase(t.base, req.URL) {
		return t.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", t.authz)
	if r.Header.Get("User-Agent") == "" {
		r.Header.Set("User-Agent", t.userAgent)
	}
	return t.next.RoundTrip(r)
}

// underBase reports whether u is under base (scheme, host, port, path prefix).
func underBase(base, u *url.URL) bool {
	if base == nil || u == nil {
		return false
	}
	if !strings.EqualFold(base.Scheme, u.Scheme) ||
		!strings.EqualFold(base.Hostname(), u.Hostname()) ||
		port(base) != port(u) {
		return false
	}
	prefix := strings.TrimSuffix(base.EscapedPath(), "/")
	if prefix == "" {
		return true
	}
	p := u.EscapedPath()
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
