// Package console captures a program's standard output and error into a
// run's files/output.log: W&B's console setting (wandb-behaviour.md §1.1,
// §1.7, §7.3). Python's "wrap" patches the sys.stdout/sys.stderr objects and
// "redirect" the file descriptors; a Go program has no stream objects to
// patch that would see all of its output, so this package implements the
// descriptor redirect and serves both.
//
// Capture replaces file descriptors 1 and 2 with pipes (dup2), so output of
// any origin is captured: fmt and os.Stdout, the log package, cgo code and
// child processes that inherit the descriptors. A goroutine per stream
// copies every byte, unchanged and in order, to the original descriptor
// (the terminal keeps showing everything, progress bars included) and cuts
// the stream into lines for the output file and an optional Sink:
//
//   - lines end at "\n"; a "\r" starts the line over, so a progress bar that
//     redraws itself with "\r" is kept as its last state and "\r\n" endings
//     lose their "\r";
//   - lines longer than MaxLineBytes are split (at a UTF-8 boundary);
//   - output.log lines are in W&B's legacy format (FormatLine).
//
// Limits, shared with every descriptor-level redirect:
//
//   - Output still in the pipes when the process exits without Stop (os.Exit,
//     log.Fatal) is lost to both the terminal and the file. While stderr is
//     captured, fatal panics are therefore also written straight to the
//     original stderr with runtime/debug.SetCrashOutput (see
//     Options.NoCrashOutput).
//   - Child processes see pipes, not a terminal, and may turn off colours or
//     progress bars.
//   - The two streams are separate pipes: output.log interleaves stdout and
//     stderr lines in the order they were read, which can differ slightly
//     from the order they were written.
//   - A child process that outlives Stop keeps the old pipe; once Stop has
//     drained it, further writes by that child fail (EPIPE).
package console

import (
	"bytes"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Stream names used in Line.Stream.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// MaxLineBytes is the longest line passed on; longer lines are split. It is
// the line length W&B's terminal emulation keeps (wandb-behaviour.md §7.3).
const MaxLineBytes = 4096

// ErrAlreadyCapturing is returned by Capture when a stream it should capture
// is already captured by another Capturer of this process.
var ErrAlreadyCapturing = errors.New("console: already capturing")

// Line is one line of captured output.
type Line struct {
	Stream string    // StreamStdout or StreamStderr
	Time   time.Time // when the line's first byte was read
	Text   string    // without the line ending
	Label  string    // optional stream label (W&B's x_label), "" for none
}

// Options configure Capture.
type Options struct {
	// Stdout and Stderr select the streams to capture; at least one is
	// required.
	Stdout, Stderr bool
	// File is the output.log to append lines to; "" writes no file.
	File string
	// Sink, if not nil, receives every line. Calls are serialised, made from
	// a capture goroutine while that stream waits, so Sink should be quick;
	// it must not write to a captured stream.
	Sink func(Line)
	// Label is put in every line (W&B's x_label for multi-process runs).
	Label string
	// Now stamps lines; default time.Now.
	Now func() time.Time
	// NoCrashOutput leaves runtime/debug.SetCrashOutput alone. By default,
	// while stderr is captured, fatal panics are also written to the
	// original stderr so a crash is never lost in the pipe (they may then
	// appear there twice), and the crash output is reset to none by Stop.
	NoCrashOutput bool
}

// legacyTime is Python's isoformat with microseconds, without a zone.
const legacyTime = "2006-01-02T15:04:05.000000"

// FormatLine renders l as a line of output.log, without the newline, in
// W&B's legacy format: "[ERROR ]YYYY-MM-DDTHH:MM:SS.ffffff[ [label]] text",
// with "ERROR " for stderr and the time in UTC without "Z".
func FormatLine(l Line) string {
	var b strings.Builder
	b.Grow(len("ERROR ") + len(legacyTime) + len(l.Label) + len(l.Text) + 4)
	if l.Stream == StreamStderr {
		b.WriteString("ERROR ")
	}
	b.WriteString(l.Time.UTC().Format(legacyTime))
	if l.Label != "" {
		b.WriteString(" [")
		b.WriteString(l.Label)
		b.WriteByte(']')
	}
	b.WriteByte(' ')
	b.WriteString(l.Text)
	return b.String()
}

// splitter cuts a byte stream into lines (see the package comment).
type splitter struct {
	now  func() time.Time
	emit func(text []byte, t time.Time)
	max  int // line length limit; 0 means MaxLineBytes

	buf     []byte    // the pending line
	cr      bool      // a "\r" was seen: the next text replaces buf
	started bool      // buf holds a line begun at start
	start   time.Time // when the pending line began
}

// write consumes p.
func (s *splitter) write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			s.text(p)
			return
		}
		s.text(p[:i])
		if p[i] == '\n' {
			s.endLine()
		} else {
			s.cr = true
		}
		p = p[i+1:]
	}
}

// flush passes on a pending partial line.
func (s *splitter) flush() {
	if s.started {
		s.endLine()
	}
}

func (s *splitter) text(p []byte) {
	if len(p) == 0 {
		return
	}
	if s.cr {
		s.buf = s.buf[:0]
		s.cr = false
	}
	if !s.started {
		s.started = true
		s.start = s.now()
	}
	s.buf = append(s.buf, p...)
	limit := s.max
	if limit <= 0 {
		limit = MaxLineBytes
	}
	off := 0
	for len(s.buf)-off > limit {
		cut := runeCut(s.buf[off:], limit)
		s.emit(s.buf[off:off+cut], s.start)
		off += cut
		s.start = s.now()
	}
	if off > 0 {
		s.buf = append(s.buf[:0], s.buf[off:]...)
	}
}

func (s *splitter) endLine() {
	t := s.start
	if !s.started {
		t = s.now()
	}
	s.emit(s.buf, t)
	s.buf = s.buf[:0]
	s.cr = false
	s.started = false
}

// runeCut returns where to cut b (len(b) > n) to keep at most n bytes
// without splitting a UTF-8 sequence, unless b is not UTF-8 there.
func runeCut(b []byte, n int) int {
	for cut := n; cut > n-utf8.UTFMax && cut > 0; cut-- {
		if utf8.RuneStart(b[cut]) {
			return cut
		}
	}
	return n
}
