// Package runlog is a run's log on disk: the asynchronous group-commit
// writer that the run engine appends records to, and the replay that turns a
// run log back into the run (info, config, summary, history, state).
//
// The writer follows the writer stage of W&B's own Go service and the batch
// span processor of OpenTelemetry: callers append encoded records to an
// in-memory batch under a mutex and never wait for the disk; one goroutine
// frames the batch into the run log (package wal), hands it to the OS at
// least every FlushInterval, and fsyncs it every FsyncInterval, at Flush and
// at Close. The batch is bounded: when the disk cannot keep up, Append
// blocks until the writer has caught up (back-pressure rather than dropped
// data or unbounded memory).
package runlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gowandb/wandb/core/wal"
)

// Defaults for Options.
const (
	DefaultFlushInterval = 50 * time.Millisecond
	DefaultFsyncInterval = time.Second
	DefaultMaxBuffered   = 64 << 20
	kickThreshold        = 1 << 20
)

// ErrClosed is returned by calls after Close.
var ErrClosed = errors.New("runlog: closed")

// ErrLocked is returned when another process holds the run log.
var ErrLocked = errors.New("runlog: run log is in use by another process")

// Options configure a Writer.
type Options struct {
	// FlushInterval bounds how long an appended record waits before it is
	// handed to the OS. Default 50 ms.
	FlushInterval time.Duration
	// FsyncInterval is the group-commit interval for fsync; 0 means fsync
	// only at Flush and Close. Negative means the default (1 s).
	FsyncInterval time.Duration
	// MaxBuffered bounds the bytes waiting in memory (default 64 MiB): past
	// it, Append waits for the writer. With Pull set, the upstream stage
	// bounds its own queue and Append never waits (it may run on the
	// writer goroutine).
	MaxBuffered int
	// Pull, when set, is called by the writer goroutine before each write,
	// so that an upstream stage (the run's handler) can encode its queued
	// records on this goroutine and Append them.
	Pull func()
}

// Writer appends records to a run log. Append is safe for concurrent use.
type Writer struct {
	f    *os.File
	path string
	opts Options

	mu      sync.Mutex
	room    *sync.Cond  // signalled when the buffer drains
	wal     *wal.Writer // frames records into memory; written by the loop
	kicked  bool
	pulling bool // the writer goroutine is in Pull
	closed  bool
	err     error
	records int64

	kick    chan struct{}
	flushCh chan chan error
	done    chan struct{}

	// owned by the loop goroutine
	spare    []byte // the buffer last written, reused
	retry    []byte // bytes a failed write left unwritten; they go first
	unsynced bool
	lastSync time.Time
}

// Create creates a new run log at path (it must not exist), takes an
// exclusive lock on it for the life of the Writer, writes the header and
// starts the writer goroutine.
func Create(path string, opts Options) (*Writer, error) {
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.FsyncInterval < 0 {
		opts.FsyncInterval = DefaultFsyncInterval
	}
	if opts.MaxBuffered <= 0 {
		opts.MaxBuffered = DefaultMaxBuffered
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return nil, fmt.Errorf("runlog: create: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	ww := wal.NewWriter(f)
	// The header goes out now, so that a run that dies before the first
	// tick leaves a readable (empty) run log rather than an empty file
	// that readers refuse, and a live run reads as running at once.
	if err := ww.Flush(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("runlog: create: %w", err)
	}
	w := &Writer{
		f: f, path: path, opts: opts,
		spare:   make([]byte, 0, 256<<10),
		kick:    make(chan struct{}, 1),
		flushCh: make(chan chan error),
		done:    make(chan struct{}),
		wal:     ww,
	}
	w.room = sync.NewCond(&w.mu)
	w.lastSync = time.Now()
	go w.loop()
	return w, nil
}

// Path is the run log's path.
func (w *Writer) Path() string { return w.path }

// Append adds one encoded record. It copies b. It never waits for the disk
// unless MaxBuffered bytes are already waiting.
func (w *Writer) Append(b []byte) {
	w.mu.Lock()
	// Wait for room, except on the writer goroutine itself (Pull) or under
	// a Pull in progress elsewhere, which could be waiting for us: they
	// cannot make room by waiting.
	for w.wal.Buffered() >= w.opts.MaxBuffered && !w.closed && w.err == nil && !w.pulling && w.opts.Pull == nil {
		w.room.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.wal.Append(b)
	w.records++
	if w.wal.Buffered() >= kickThreshold && !w.kicked {
		w.kicked = true
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	w.mu.Unlock()
}

// Kick wakes the writer goroutine early (an upstream queue is filling up).
// It never blocks.
func (w *Writer) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Records counts records appended.
func (w *Writer) Records() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.records
}

// Flush returns once every record appended before the call is in the run
// log and fsynced, or ctx is done.
func (w *Writer) Flush(ctx context.Context) error {
	ch := make(chan error, 1)
	select {
	case w.flushCh <- ch:
	case <-w.done:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("runlog: flush: %w", ctx.Err())
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return fmt.Errorf("runlog: flush: %w", ctx.Err())
	}
}

// Close flushes, fsyncs, unlocks and closes the run log. It is idempotent;
// later calls return the first call's result.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed {
		err := w.err
		w.mu.Unlock()
		<-w.done
		return err
	}
	w.mu.Unlock()
	err := w.Flush(ctx)
	w.mu.Lock()
	w.closed = true
	w.room.Broadcast()
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	<-w.done
	if cerr := w.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("runlog: close: %w", cerr)
	}
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	return err
}

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(w.opts.FlushInterval)
	defer t.Stop()
	for {
		var req chan error
		select {
		case <-w.kick:
		case <-t.C:
		case req = <-w.flushCh:
		}
		err := w.drain()
		if err == nil && (req != nil || (w.opts.FsyncInterval > 0 && w.unsynced && time.Since(w.lastSync) >= w.opts.FsyncInterval)) {
			err = w.sync()
		}
		if err != nil {
			w.mu.Lock()
			if w.err == nil {
				w.err = err
			}
			w.room.Broadcast()
			w.mu.Unlock()
		}
		if req != nil {
			w.mu.Lock()
			req <- w.err
			w.mu.Unlock()
		}
		w.mu.Lock()
		closed := w.closed
		w.mu.Unlock()
		if closed {
			if err := w.drain(); err == nil {
				_ = w.sync()
			}
			return
		}
	}
}

// drain writes everything appended so far to the file.
func (w *Writer) drain() error {
	if w.opts.Pull != nil {
		w.mu.Lock()
		w.pulling = true
		w.mu.Unlock()
		w.opts.Pull()
		w.mu.Lock()
		w.pulling = false
		w.mu.Unlock()
	}
	w.mu.Lock()
	buf := w.wal.Swap(w.spare)
	w.kicked = false
	w.room.Broadcast()
	w.mu.Unlock()
	if len(w.retry) > 0 {
		buf = append(w.retry, buf...)
		w.retry = nil
	}
	if len(buf) == 0 {
		w.spare = buf
		return nil
	}
	w.unsynced = true
	n, err := w.f.Write(buf)
	if err != nil {
		// Keep the bytes that did not reach the file, so that the next
		// drain writes them first, in order: dropping them would lose
		// records and shift the block framing of everything after.
		w.retry = append([]byte(nil), buf[n:]...)
		w.spare = nil
		return fmt.Errorf("runlog: write: %w", err)
	}
	w.spare = buf[:0]
	return nil
}

func (w *Writer) sync() error {
	if !w.unsynced {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("runlog: fsync: %w", err)
	}
	w.unsynced = false
	w.lastSync = time.Now()
	return nil
}
