//go:build linux || darwin

package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// capturing marks descriptors 1 and 2 as taken by a Capturer.
var capturing [3]atomic.Bool

// Capturer is an active capture, started by Capture and ended by Stop.
type Capturer struct {
	opts    Options
	streams []*stream
	crash   bool // SetCrashOutput was set

	mu      sync.Mutex // serialises lines: file writes and Sink calls
	file    *os.File
	w       *bufio.Writer
	fileErr error

	stopOnce sync.Once
	done     chan struct{} // closed once everything is drained and closed
	err      error         // Stop's result, set before done is closed
}

// stream is one captured descriptor.
type stream struct {
	name    string
	fd      int      // 1 or 2
	origFD  int      // the original descriptor, duplicated
	orig    *os.File // origFD, for writing
	r       *os.File // read end of the pipe now at fd (non-blocking, polled)
	split   splitter
	passErr error // first error writing to orig
	done    chan struct{}
}

// Capture starts capturing the selected streams. Every byte written to them
// still reaches the original destination; complete lines also go to
// opts.File and opts.Sink. Stop must be called to restore the descriptors.
func Capture(opts Options) (_ *Capturer, err error) {
	if !opts.Stdout && !opts.Stderr {
		return nil, errors.New("console: nothing to capture: set Stdout or Stderr")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Capturer{opts: opts, done: make(chan struct{})}
	if opts.File != "" {
		c.file, err = os.OpenFile(opts.File, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		c.w = bufio.NewWriterSize(c.file, 32<<10)
	}
	defer func() {
		if err != nil {
			c.abort()
		}
	}()
	if opts.Stdout {
		if err := c.start(StreamStdout, 1); err != nil {
			return nil, err
		}
	}
	if opts.Stderr {
		if err := c.start(StreamStderr, 2); err != nil {
			return nil, err
		}
		if !opts.NoCrashOutput {
			s := c.streams[len(c.streams)-1]
			if debug.SetCrashOutput(s.orig, debug.CrashOptions{}) == nil {
				c.crash = true
			}
		}
	}
	for _, s := range c.streams {
		go c.pump(s)
	}
	return c, nil
}

// start redirects fd into a new pipe.
func (c *Capturer) start(name string, fd int) error {
	if !capturing[fd].CompareAndSwap(false, true) {
		return fmt.Errorf("%w %s", ErrAlreadyCapturing, name)
	}
	origFD, err := dupCloexec(fd)
	if err != nil {
		capturing[fd].Store(false)
		return fmt.Errorf("console: duplicating %s: %w", name, err)
	}
	rfd, wfd, err := pipe()
	if err != nil {
		syscall.Close(origFD)
		capturing[fd].Store(false)
		return fmt.Errorf("console: %w", err)
	}
	if err := syscall.SetNonblock(rfd, true); err != nil {
		syscall.Close(rfd)
		syscall.Close(wfd)
		syscall.Close(origFD)
		capturing[fd].Store(false)
		return fmt.Errorf("console: %w", err)
	}
	if err := dup2(wfd, fd); err != nil {
		syscall.Close(rfd)
		syscall.Close(wfd)
		syscall.Close(origFD)
		capturing[fd].Store(false)
		return fmt.Errorf("console: redirecting %s: %w", name, err)
	}
	syscall.Close(wfd) // fd is now the only writer
	s := &stream{
		name:   name,
		fd:     fd,
		origFD: origFD,
		orig:   os.NewFile(uintptr(origFD), name),
		r:      os.NewFile(uintptr(rfd), "console "+name+" pipe"),
		done:   make(chan struct{}),
	}
	s.split = splitter{now: c.opts.Now, emit: func(text []byte, t time.Time) {
		c.line(Line{Stream: name, Time: t, Text: string(text), Label: c.opts.Label})
	}}
	c.streams = append(c.streams, s)
	return nil
}

// abort undoes a Capture that failed half-way (no pump runs yet).
func (c *Capturer) abort() {
	for _, s := range c.streams {
		_ = dup2(s.origFD, s.fd)
		capturing[s.fd].Store(false)
		s.r.Close()
		s.orig.Close()
	}
	if c.crash {
		_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
	}
	if c.file != nil {
		c.file.Close()
	}
}

// pump copies one stream until Stop (then drains what is in the pipe) or
// until every writer has closed it.
func (c *Capturer) pump(s *stream) {
	defer close(s.done)
	buf := make([]byte, 32<<10)
	for {
		n, err := s.r.Read(buf)
		if n > 0 {
			c.forward(s, buf[:n])
		}
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c.drain(s, buf)
		} else if !errors.Is(err, io.EOF) {
			s.passErr = errors.Join(s.passErr, fmt.Errorf("console: reading %s: %w", s.name, err))
		}
		break
	}
	c.mu.Lock()
	s.split.flush()
	c.flushFileLocked()
	c.mu.Unlock()
	s.r.Close()
	s.orig.Close()
}

// drain reads what the pipe holds now, without waiting for more: Stop has
// restored the descriptor, so everything written before Stop is in there,
// while children that inherited the pipe may keep it open indefinitely.
func (c *Capturer) drain(s *stream, buf []byte) {
	if s.r.SetReadDeadline(time.Time{}) != nil {
		return
	}
	rc, err := s.r.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(fd uintptr) bool {
		for {
			n, err := syscall.Read(int(fd), buf)
			if n > 0 {
				c.forward(s, buf[:n])
				continue
			}
			if err == syscall.EINTR {
				continue
			}
			return true // empty (EAGAIN), end of file, or an error: done
		}
	})
}

// forward passes a chunk to the original descriptor, then to the lines.
func (c *Capturer) forward(s *stream, p []byte) {
	if s.passErr == nil {
		if _, err := s.orig.Write(p); err != nil {
			s.passErr = fmt.Errorf("console: writing to the original %s: %w", s.name, err)
		}
	}
	c.mu.Lock()
	s.split.write(p)
	c.flushFileLocked()
	c.mu.Unlock()
}

// line handles one complete line; c.mu is held.
func (c *Capturer) line(l Line) {
	if c.w != nil && c.fileErr == nil {
		_, err := c.w.WriteString(FormatLine(l))
		if err == nil {
			err = c.w.WriteByte('\n')
		}
		if err != nil {
			c.fileErr = fmt.Errorf("console: writing %s: %w", c.opts.File, err)
		}
	}
	if c.opts.Sink != nil {
		c.opts.Sink(l)
	}
}

func (c *Capturer) flushFileLocked() {
	if c.w != nil && c.fileErr == nil {
		if err := c.w.Flush(); err != nil {
			c.fileErr = fmt.Errorf("console: writing %s: %w", c.opts.File, err)
		}
	}
}

// Stop restores the original descriptors, passes on everything written
// before Stop (including a final line without "\n"), and closes the file.
// It returns when that is done or when ctx is done, whichever is first; in
// the second case the work goes on in the background and a later Stop can
// wait for it. Stop is idempotent and safe for concurrent use; every call
// returns the same result once finished.
func (c *Capturer) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() {
		var errs []error
		for _, s := range c.streams {
			if err := dup2(s.origFD, s.fd); err != nil {
				errs = append(errs, fmt.Errorf("console: restoring %s: %w", s.name, err))
			}
			capturing[s.fd].Store(false)
		}
		if c.crash {
			_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
		}
		// Wake the pumps: they drain the pipes and finish.
		for _, s := range c.streams {
			_ = s.r.SetReadDeadline(time.Now())
		}
		go func() {
			for _, s := range c.streams {
				<-s.done
				errs = append(errs, s.passErr)
			}
			c.mu.Lock()
			errs = append(errs, c.fileErr)
			if c.file != nil {
				if err := c.file.Close(); err != nil {
					errs = append(errs, fmt.Errorf("console: %w", err))
				}
			}
			c.mu.Unlock()
			c.err = errors.Join(errs...)
			close(c.done)
		}()
	})
	select {
	case <-c.done:
		return c.err
	default:
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return fmt.Errorf("console: stopping: %w", ctx.Err())
	}
}
