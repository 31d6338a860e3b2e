// Package online uploads a run to a W&B server while it runs. The SDK
// writes every record to the run log first; an Uploader reads what was
// appended since its last pass, every interval and at Finish, and sends it
// with W&B's protocol (core/syncer's Stream). Log never waits for the
// network, memory stays bounded (one batch of lines per pass), and if the
// server goes away the run log still holds everything, for `wandb sync`.
package online

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/syncer"
)

// DefaultInterval is how often the Uploader reads the run log: new rows
// reach the server within about a second, one file_stream request per
// pass at most (W&B's hosted service allows a run 2 requests/s).
const DefaultInterval = time.Second

// DefaultHeartbeat is how long the live file stream stays idle before it
// sends a heartbeat. W&B's clients wait 30 s; the response of every request
// says whether the run was stopped from the server, so a shorter idle time
// bounds how late an idle run learns of a stop (W&B's Python SDK polls
// every 15 s).
const DefaultHeartbeat = 10 * time.Second

// DefaultConnectTimeout bounds Connect: Init fails over to offline fast.
const DefaultConnectTimeout = 5 * time.Second

// ErrNoAPIKey is returned by Connect without an API key.
var ErrNoAPIKey = errors.New("online: no API key")

// NewClient returns a client for baseURL that sends apiKey.
func NewClient(baseURL, apiKey, userAgent string) (*sender.Client, error) {
	if apiKey == "" {
		return nil, ErrNoAPIKey
	}
	base, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("online: base URL %q: %w", baseURL, err)
	}
	hc := &http.Client{Transport: sender.NewAuthTransport(base, apiKey, userAgent, http.DefaultTransport)}
	return &sender.Client{BaseURL: baseURL, HTTP: hc, Retrier: sender.GraphQLRetrier()}, nil
}

// Connect asks the server who the key belongs to, with bounded retries
// within timeout (DefaultConnectTimeout when 0), so a missing server costs
// seconds, not minutes.
func Connect(ctx context.Context, c *sender.Client, timeout time.Duration) (sender.Viewer, error) {
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	quick := *c
	quick.Retrier = sender.Retrier{MaxRetries: 2, AttemptTimeout: timeout,
		Budget: timeout, Backoff: sender.Backoff{Min: 200 * time.Millisecond, Max: time.Second}}
	v, err := quick.Viewer(ctx)
	if err != nil {
		return v, fmt.Errorf("online: %s did not answer: %w", c.BaseURL, err)
	}
	return v, nil
}

// Config configures an Uploader.
type Config struct {
	Client          *sender.Client
	LogPath         string
	Entity, Project string
	// Interval between passes (DefaultInterval when 0). Trigger, when set,
	// replaces the timer: each receive starts a pass (tests).
	Interval time.Duration
	Trigger  <-chan struct{}
	// Retrier for the file stream; nil = the sender's default.
	Retrier *sender.Retrier
	// Warn reports, once, that live upload stopped.
	Warn func(msg string)
	// Heartbeat is the file stream's idle time before a heartbeat
	// (DefaultHeartbeat when 0).
	Heartbeat time.Duration
	// OnStopped is called once, from the file stream's goroutine, when the
	// server says the run was stopped (W&B's stop button or StopRun). It
	// must not block: Finish waits for that goroutine.
	OnStopped func()
}

// Uploader sends a run log to the server in the background.
type Uploader struct {
	cfg    Config
	stream *syncer.Stream
	reqs   chan chan error
	stop   chan struct{}
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	passes int
	failed error // the first error that stopped live upload
}

// Start starts the background goroutine.
func Start(cfg Config) *Uploader {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	u := &Uploader{cfg: cfg, reqs: make(chan chan error), stop: make(chan struct{}), done: make(chan struct{})}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.stream = syncer.NewStream(syncer.StreamConfig{Client: cfg.Client, LogPath: cfg.LogPath,
		Entity: cfg.Entity, Project: cfg.Project, Retrier: cfg.Retrier, Fresh: true,
		HeartbeatInterval: cfg.Heartbeat, OnStopped: cfg.OnStopped,
		OnDead: func(err error) { u.fail(fmt.Errorf("online: file stream: %w", err)) }})
	go u.loop()
	return u
}

func (u *Uploader) loop() {
	defer close(u.done)
	var tick <-chan time.Time
	if u.cfg.Trigger == nil {
		t := time.NewTicker(u.cfg.Interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-u.stop:
			return
		case <-tick:
			u.pass()
		case <-u.cfg.Trigger:
			u.pass()
		case reply := <-u.reqs:
			err := u.pass()
			if err == nil {
				if err = u.stream.Drain(u.ctx); err != nil {
					u.fail(err)
				}
			}
			reply <- err
		}
	}
}

// pass sends what is new, unless live upload has stopped.
func (u *Uploader) pass() error {
	if err := u.Err(); err != nil {
		return err
	}
	err := u.stream.Pump(u.ctx)
	u.mu.Lock()
	u.passes++
	u.mu.Unlock()
	if err != nil {
		u.fail(err)
	}
	return err
}

func (u *Uploader) fail(err error) {
	u.mu.Lock()
	first := u.failed == nil
	if first {
		u.failed = err
	}
	u.mu.Unlock()
	if first && u.cfg.Warn != nil {
		u.cfg.Warn(fmt.Sprintf("live upload stopped (%v); the run keeps logging to disk: run `wandb sync` later to upload it", err))
	}
}

// Err is the error that stopped live upload, or nil.
func (u *Uploader) Err() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.failed
}

// Passes counts the passes made so far.
func (u *Uploader) Passes() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.passes
}

// UploadNow makes a pass in the background goroutine and waits until the
// server has what it sent.
func (u *Uploader) UploadNow(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case u.reqs <- reply:
	case <-u.done:
		return errors.New("online: uploader stopped")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Finish stops the background goroutine and, the run log being closed,
// sends the rest, the files and the exit, and writes the .synced marker.
// ctx bounds it: when it ends, the stream is abandoned (nothing is lost;
// the run log has it all) and the error says so.
func (u *Uploader) Finish(ctx context.Context) (syncer.Result, error) {
	stop := context.AfterFunc(ctx, u.cancel) // also ends a pass in flight
	defer stop()
	u.shutdown()
	defer u.stream.Close()
	if err := u.Err(); err != nil {
		return u.stream.Result(), err
	}
	res, err := u.stream.Finish(ctx)
	if err != nil {
		err = fmt.Errorf("online: %w", err)
		u.fail(err)
	}
	return res, err
}

func (u *Uploader) shutdown() {
	select {
	case <-u.stop:
	default:
		close(u.stop)
	}
	<-u.done
}

// Close abandons the upload at once.
func (u *Uploader) Close() {
	u.cancel()
	u.shutdown()
	u.stream.Close()
}
