// Package query is the Go client of the tracking server's query API: the
// GraphQL fields W&B's public API (wandb.Api()) reads — entities, projects,
// runs with filters, order and pages, history raw, sampled and bucketed,
// and run files with signed download URLs. The root package exposes it as
// wandb.NewAPI; the CLI's `wandb runs ls ENTITY/PROJECT` and `wandb
// history` use it.
//
// A Client finds the server and key as the SDK does: WANDB_BASE_URL and
// WANDB_API_KEY (and the settings files, through core/settings), then the
// netrc entry of the server's host; options override both. Everything it
// returns is a domain type of this package; GraphQL shapes stop here.
// Paged results are iterators (iter.Seq2) that fetch the next page when the
// caller gets there.
package query

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gowandb/wandb/core/netrc"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/settings"
)

// Sentinel errors; the errors of this package are prefixed "query: ".
var (
	// ErrNoAPIKey: no key in the options, the environment, the settings
	// files or netrc.
	ErrNoAPIKey = errors.New("query: no API key: set WANDB_API_KEY, add the server to ~/.netrc or pass one")
	// ErrNotFound: the entity, project, run or file does not exist.
	ErrNotFound = errors.New("query: not found")
	// ErrForbidden: the key may not read that entity.
	ErrForbidden = errors.New("query: permission denied")
	// ErrInvalid: a malformed path, filter, order or argument.
	ErrInvalid = errors.New("query: invalid argument")
)

// Client reads from one server with one key. Safe for concurrent use.
type Client struct {
	baseURL string
	gql     *sender.Client
	http    *http.Client // downloads (signed URLs: no credentials sent)
}

// Option configures New.
type Option func(*config)

type config struct {
	baseURL, apiKey string
	env             []string
	envSet          bool
	rootDir         string
	hc              *http.Client
	userAgent       string
	retrier         *sender.Retrier
}

// WithBaseURL sets the server ("http://localhost:8080"), overriding
// WANDB_BASE_URL and the settings files.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = u } }

// WithAPIKey sets the key, overriding WANDB_API_KEY, the settings files and
// netrc.
func WithAPIKey(k string) Option { return func(c *config) { c.apiKey = k } }

// WithEnv makes New read env ("KEY=value" strings) instead of the process
// environment (for the CLI and tests).
func WithEnv(env []string) Option { return func(c *config) { c.env, c.envSet = env, true } }

// WithRootDir sets the directory whose wandb/settings file is read
// (default WANDB_DIR, else ".").
func WithRootDir(dir string) Option { return func(c *config) { c.rootDir = dir } }

// WithHTTPClient sets the HTTP client whose transport carries requests
// (default http.DefaultClient's transport). Credentials are added only to
// requests under the base URL.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.hc = hc } }

// WithUserAgent sets the User-Agent of GraphQL requests.
func WithUserAgent(ua string) Option { return func(c *config) { c.userAgent = ua } }

// WithRetrier sets the retry policy of GraphQL requests (default: 5
// retries, 1 s..20 s backoff, 60 s per attempt; 4xx answers are not
// retried).
func WithRetrier(r sender.Retrier) Option { return func(c *config) { c.retrier = &r } }

// DefaultRetrier is the GraphQL retry policy of a Client.
func DefaultRetrier() sender.Retrier {
	return sender.Retrier{MaxRetries: 5, AttemptTimeout: 60 * time.Second,
		Backoff: sender.Backoff{Min: time.Second, Max: 20 * time.Second}}
}

// New returns a client. Order: defaults, then environment and settings
// files, then options, then netrc for a still-missing key; then
// validation (a parseable http(s) base URL, a key).
func New(opts ...Option) (*Client, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	env := cfg.env
	if !cfg.envSet {
		env = os.Environ()
	}
	s, err := settings.Load(env, cfg.rootDir)
	if err != nil {
		return nil, fmt.Errorf("query: settings: %w", err)
	}
	base, key := s.BaseURL, s.APIKey
	if cfg.baseURL != "" {
		base = cfg.baseURL
	}
	if cfg.apiKey != "" {
		key = cfg.apiKey
	}
	base = strings.TrimSuffix(base, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("query: base URL %q is not an http(s) URL: %w", base, ErrInvalid)
	}
	if key, err = netrc.KeyFor(env, key, base); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, ErrNoAPIKey
	}
	var next http.RoundTripper
	if cfg.hc != nil {
		next = cfg.hc.Transport
	}
	ua := cfg.userAgent
	if ua == "" {
		ua = "gowandb-api"
	}
	r := DefaultRetrier()
	if cfg.retrier != nil {
		r = *cfg.retrier
	}
	hc := &http.Client{Transport: sender.NewAuthTransport(u, key, ua, next)}
	return &Client{
		baseURL: base,
		gql:     &sender.Client{BaseURL: base, HTTP: hc, Retrier: r},
		http:    hc,
	}, nil
}

// BaseURL is the server the client reads from.
func (c *Client) BaseURL() string { return c.baseURL }

// do runs one GraphQL operation and maps the server's refusals to this
// package's errors.
func (c *Client) do(ctx context.Context, op, q string, vars map[string]any, out any) error {
	err := c.gql.Do(ctx, op, q, vars, out, nil)
	if err == nil {
		return nil
	}
	if he, ok := errors.AsType[*sender.HTTPError](err); ok {
		switch he.StatusCode {
		case http.StatusForbidden:
			return fmt.Errorf("%w: %w", ErrForbidden, err)
		case http.StatusNotFound:
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		case http.StatusBadRequest:
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if ge, ok := errors.AsType[*sender.GraphQLError](err); ok {
		msg := strings.ToLower(ge.Error())
		switch {
		case strings.Contains(msg, "permission denied"):
			return fmt.Errorf("%w: %w", ErrForbidden, err)
		case strings.Contains(msg, "not found"):
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		case strings.Contains(msg, "invalid"):
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return fmt.Errorf("query: %w", err)
}
