package server

import (
	"context"
	"time"
)

// DefaultCrashAfter is how long a running run may go without a heartbeat
// (any file_stream request) before it is marked crashed. W&B's clients send
// one at least every 30 s.
const DefaultCrashAfter = 5 * time.Minute

// WatchHeartbeats marks running runs crashed when they have sent nothing
// for crashAfter, checking every interval, until ctx ends. It uses the
// server's clock (WithClock). Errors are logged and the watch goes on.
func (s *Server) WatchHeartbeats(ctx context.Context, crashAfter, interval time.Duration) {
	if crashAfter <= 0 {
		crashAfter = DefaultCrashAfter
	}
	if interval <= 0 {
		interval = crashAfter / 5
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.MarkSilentRunsCrashed(ctx, crashAfter)
		}
	}
}

// MarkSilentRunsCrashed marks, once, every running run whose last heartbeat
// is older than crashAfter, and returns how many it marked.
func (s *Server) MarkSilentRunsCrashed(ctx context.Context, crashAfter time.Duration) int {
	n, err := s.store.MarkCrashed(ctx, s.now().Add(-crashAfter))
	if err != nil {
		s.log.Error("marking silent runs crashed", "err", err)
		return 0
	}
	if n > 0 {
		s.log.Info("runs marked crashed", "count", n, "silent_for", crashAfter)
	}
	return n
}
