//go:build !linux && !darwin

package console

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// Capturer is an active capture; on this platform there is none.
type Capturer struct{}

// Capture is not supported on this platform: the error wraps
// errors.ErrUnsupported.
func Capture(opts Options) (*Capturer, error) {
	return nil, fmt.Errorf("console: capture is unsupported on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

// Stop does nothing.
func (c *Capturer) Stop(ctx context.Context) error { return nil }
