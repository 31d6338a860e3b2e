package wandb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gowandb/wandb/core/netrc"
	"github.com/gowandb/wandb/core/online"
	"github.com/gowandb/wandb/core/sender"
)

// Online mode: Init asks the server who the API key belongs to (bounded by
// onlineConnectTimeout), and a core/online.Uploader sends the run log's new
// records every onlineInterval and the rest at Finish. Tests change these.
var (
	onlineConnectTimeout = online.DefaultConnectTimeout
	onlineInterval       = online.DefaultInterval
	onlineFinishTimeout  time.Duration   // tests: overrides the finish_timeout setting when set
	onlineRetrier        *sender.Retrier // file stream; nil = the sender's default
	onlineHeartbeat      = online.DefaultHeartbeat
)

// connectOnline checks that the server answers; it sets the client and,
// when none was set, the entity.
func (r *Run) connectOnline(ctx context.Context) error {
	s := r.settings
	key, err := netrc.KeyFor(os.Environ(), s.APIKey, s.BaseURL)
	if err != nil {
		return fmt.Errorf("wandb: API key: %w", err)
	}
	c, err := online.NewClient(s.BaseURL, key, "gowandb/"+Version)
	if err != nil {
		return fmt.Errorf("%w (set WANDB_API_KEY or run `wandb login`)", err)
	}
	if onlineRetrier != nil {
		c.Retrier = *onlineRetrier
	}
	v, err := online.Connect(ctx, c, onlineConnectTimeout)
	if err != nil {
		return err
	}
	if r.entity == "" {
		r.entity = v.Entity
	}
	r.client = c
	return nil
}

// startUploader starts live upload once the run log exists.
func (r *Run) startUploader() {
	if r.mode != ModeOnline || r.client == nil {
		return
	}
	r.uploader = online.Start(online.Config{
		Client: r.client, LogPath: r.dir.LogPath(), Entity: r.entity, Project: r.project,
		Interval: onlineInterval, Retrier: onlineRetrier,
		Heartbeat: onlineHeartbeat, OnStopped: r.serverStopped, // stop.go
		Warn: func(msg string) { r.warn("%s (wandb sync %s)", msg, r.dir.Dir) },
	})
}

// finishUpload sends the rest of the closed run log and completes the run
// on the server, within the finish_timeout setting (0: no bound). A failure
// is a warning: the run log has everything, for `wandb sync`.
func (r *Run) finishUpload(ctx context.Context) {
	r.endStop() // stop.go: a context made while Finish ran ends too
	if r.uploader == nil {
		return
	}
	timeout := r.settings.FinishTimeout
	if onlineFinishTimeout > 0 {
		timeout = onlineFinishTimeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// The uploader warns once on failure (see startUploader).
	if _, err := r.uploader.Finish(ctx); err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.warn("Timed out finishing run. (finish_timeout %v; wandb sync %s sends the rest)", timeout, r.dir.Dir)
	}
}

// uploadNow makes the uploader send what is new and waits (tests).
func (r *Run) uploadNow(ctx context.Context) error {
	if r.uploader == nil {
		return fmt.Errorf("wandb: run %s does not upload live", r.id)
	}
	if err := r.Flush(ctx); err != nil {
		return err
	}
	return r.uploader.UploadNow(ctx)
}
