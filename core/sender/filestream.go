package sender

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// file_stream defaults (wandb-core's core/internal/filestream).
const (
	DefaultTransmitInterval  = 15 * time.Second
	DefaultHeartbeatInterval = 30 * time.Second
	DefaultMaxRequestBytes   = 10 << 20
	DefaultMaxLineBytes      = 10<<20 - 100<<10
	DefaultMaxQueuedLines    = 16384
)

// File names on the wire.
const (
	HistoryFile = "wandb-history.jsonl"
	EventsFile  = "wandb-events.jsonl"
	SummaryFile = "wandb-summary.json"
	OutputFile  = "output.log"
)

// Update is one kind of data for the file_stream; each kind lives in its
// own file (update_*.go). apply merges it into the pending request and
// returns ErrQueueFull if the queue cannot take it.
type Update interface {
	apply(p *pending) error
}

// Offsets are the first line numbers of the next lines sent per file; on
// resume they start at the server's counts (RunResumeStatus).
type Offsets struct {
	History, Events, Output, Summary int64
}

// FileStreamConfig configures a FileStream; zero fields take the defaults.
type FileStreamConfig struct {
	URL               string       // FileStreamURL(...)
	HTTP              *http.Client // with NewAuthTransport; nil = http.DefaultClient
	Retrier           *Retrier     // nil = FileStreamRetrier()
	TransmitInterval  time.Duration
	HeartbeatInterval time.Duration
	MaxRequestBytes   int
	MaxLineBytes      int
	MaxQueuedLines    int
	Offsets           Offsets
	// OnStopped is called once, from the stream's goroutine, when a
	// response says "stopped": true (the run was stopped from the UI).
	OnStopped func()
	// OnDead is called once when the stream gives up after its retries.
	OnDead func(error)
	// Warnf reports dropped lines; nil = log.Printf.
	Warnf func(format string, args ...any)
}

// FileStream sends run data to <base>/files/<e>/<p>/<r>/file_stream.
// Updates are merged; at most one request is in flight and at most one is
// sent per TransmitInterval, except that a request of MaxRequestBytes or
// one carrying preempting or complete goes at once; with nothing to send, a
// heartbeat "{}" goes after HeartbeatInterval. Safe for concurrent use.
type FileStream struct {
	cfg     FileStreamConfig
	retrier Retrier

	mu        sync.Mutex
	p         pending
	offsets   Offsets
	finishing bool
	closed    bool
	dead      error
	stopped   bool
	requests  int
	rl        rateLimit // from the server's RateLimit-* headers

	wake   chan struct{}
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
}

// NewFileStream starts a file_stream sender.
func NewFileStream(cfg FileStreamConfig) *FileStream {
	if cfg.TransmitInterval <= 0 {
		cfg.TransmitInterval = DefaultTransmitInterval
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = DefaultMaxLineBytes
	}
	if cfg.MaxQueuedLines <= 0 {
		cfg.MaxQueuedLines = DefaultMaxQueuedLines
	}
	if cfg.HTTP == nil {
		cfg.HTTP = http.DefaultClient
	}
	if cfg.Warnf == nil {
		cfg.Warnf = log.Printf
	}
	r := FileStreamRetrier()
	if cfg.Retrier != nil {
		r = *cfg.Retrier
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &FileStream{cfg: cfg, retrier: r, offsets: cfg.Offsets,
		wake: make(chan struct{}, 1), done: make(chan struct{}), ctx: ctx, cancel: cancel}
	f.p.maxLine = cfg.MaxLineBytes
	f.p.maxLines = cfg.MaxQueuedLines
	f.p.warnf = cfg.Warnf
	go f.loop()
	return f
}

// Push queues u. It returns ErrQueueFull when the queue is full (back off
// and re-read from the run log), ErrDead once the stream is dead, and
// ErrClosed after Finish.
func (f *FileStream) Push(u Update) error {
	f.mu.Lock()
	switch {
	case f.dead != nil:
		f.mu.Unlock()
		return fmt.Errorf("%w: %w", ErrDead, f.dead)
	case f.closed:
		f.mu.Unlock()
		return ErrClosed
	}
	err := u.apply(&f.p)
	f.mu.Unlock()
	if err != nil {
		return err
	}
	f.poke()
	return nil
}

func (f *FileStream) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Finish flushes what is queued without waiting for the transmit interval,
// sends the final request with "complete": true and "exitcode", and waits
// for it. If ctx ends first the stream is abandoned (its data stays in the
// run log) and ctx's error is returned. Finish is idempotent.
func (f *FileStream) Finish(ctx context.Context, exitCode int) error {
	return f.finish(ctx, &exitCode)
}

// End is Finish without "complete": it sends everything queued at once and
// stops the stream, leaving the run unfinished on the server (a crashed run
// being synced). It waits for the last request; it is idempotent.
func (f *FileStream) End(ctx context.Context) error {
	return f.finish(ctx, nil)
}

func (f *FileStream) finish(ctx context.Context, exitCode *int) error {
	f.mu.Lock()
	if !f.closed && f.dead == nil {
		f.closed = true
		f.finishing = true
		if exitCode != nil {
			_ = exitUpdate{*exitCode}.apply(&f.p)
		} else {
			f.p.end = true
		}
	}
	f.mu.Unlock()
	f.poke()
	select {
	case <-f.done:
	case <-ctx.Done():
		f.cancel()
		<-f.done
		return fmt.Errorf("sender: file_stream finish: %w", ctx.Err())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead != nil {
		return fmt.Errorf("%w: %w", ErrDead, f.dead)
	}
	return nil
}

// Close abandons the stream without sending complete.
func (f *FileStream) Close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	<-f.done
}

// Offsets returns the offsets of the next lines to send.
func (f *FileStream) Offsets() Offsets {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.offsets
}

// Stopped reports whether a response said the run was stopped (sticky).
func (f *FileStream) Stopped() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stopped
}

// Requests is the number of requests sent successfully.
func (f *FileStream) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Err is the error that killed the stream, or nil.
func (f *FileStream) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dead
}

func (f *FileStream) loop() {
	defer close(f.done)
	last := time.Now()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		f.mu.Lock()
		has := f.p.nonEmpty()
		urgent := f.finishing || f.p.preempting || f.p.nBytes >= f.cfg.MaxRequestBytes
		f.mu.Unlock()
		var wait time.Duration
		switch {
		case urgent:
		case has:
			f.mu.Lock()
			gap := max(f.cfg.TransmitInterval, f.rl.interval())
			f.mu.Unlock()
			wait = time.Until(last.Add(gap))
		default:
			wait = time.Until(last.Add(f.cfg.HeartbeatInterval))
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-f.wake:
				timer.Stop()
			case <-timer.C:
			case <-f.ctx.Done():
				timer.Stop()
				return
			}
			continue
		}
		f.mu.Lock()
		req, n, final := f.p.take(f.cfg.MaxRequestBytes, f.offsets)
		f.mu.Unlock()
		err := f.send(req)
		last = time.Now()
		f.mu.Lock()
		if err != nil {
			f.dead = err
			f.mu.Unlock()
			if f.cfg.OnDead != nil {
				f.cfg.OnDead(err)
			}
			return
		}
		f.requests++
		f.offsets.History += int64(n[kindHistory])
		f.offsets.Events += int64(n[kindEvents])
		f.offsets.Output += int64(n[kindOutput])
		f.mu.Unlock()
		if final {
			return
		}
	}
}

// rateLimit adapts the request rate to the server's RateLimit-Remaining
// and RateLimit-Reset headers (IETF draft), as wandb-core does: the target
// is remaining/reset requests per second, smoothed (factor 0.2), never
// below 0.1 per second. Requests carrying preempting or complete are not
// held back by it.
type rateLimit struct {
	rate float64 // requests per second; 0 = no limit known
}

const (
	rateSmoothing = 0.2
	rateFloor     = 0.1
)

func (r *rateLimit) update(h http.Header) {
	rem, err1 := strconv.ParseFloat(strings.TrimSpace(h.Get("RateLimit-Remaining")), 64)
	reset, err2 := strconv.ParseFloat(strings.TrimSpace(h.Get("RateLimit-Reset")), 64)
	if err1 != nil || err2 != nil || rem < 0 || reset <= 0 || math.IsInf(rem, 0) || math.IsNaN(rem) || math.IsInf(reset, 0) {
		return
	}
	target := rem / reset
	if r.rate == 0 {
		r.rate = target
	} else {
		r.rate = (1-rateSmoothing)*r.rate + rateSmoothing*target
	}
	r.rate = max(r.rate, rateFloor)
}

// interval is the least time between requests the limit allows (0: none).
func (r *rateLimit) interval() time.Duration {
	if r.rate <= 0 {
		return 0
	}
	return time.Duration(float64(time.Second) / r.rate)
}

type fsResponse struct {
	Stopped bool `json:"stopped"`
}

func (f *FileStream) send(req *fsRequest) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req); err != nil {
		return fmt.Errorf("sender: file_stream: encoding request: %w", err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	resp, err := f.retrier.Do(f.ctx, f.cfg.HTTP, http.MethodPost, f.cfg.URL, h, buf.Bytes())
	if err != nil {
		return fmt.Errorf("sender: file_stream: %w", err)
	}
	defer resp.Body.Close()
	f.mu.Lock()
	f.rl.update(resp.Header)
	f.mu.Unlock()
	var r fsResponse
	if json.NewDecoder(resp.Body).Decode(&r) == nil && r.Stopped {
		f.mu.Lock()
		first := !f.stopped
		f.stopped = true
		f.mu.Unlock()
		if first && f.cfg.OnStopped != nil {
			f.cfg.OnStopped()
		}
	}
	return nil
}

// fsRequest is the file_stream body; empty keys are omitted, so a request
// with nothing is the heartbeat "{}".
type fsRequest struct {
	Files      map[string]fsFile `json:"files,omitempty"`
	Uploaded   []string          `json:"uploaded,omitempty"`
	Preempting bool              `json:"preempting,omitempty"`
	Complete   bool              `json:"complete,omitempty"`
	ExitCode   *int              `json:"exitcode,omitempty"`
}

type fsFile struct {
	Offset  int64    `json:"offset"`
	Content []string `json:"content"`
}

type lineKind int

const (
	kindHistory lineKind = iota
	kindEvents
	kindOutput
	numKinds
)

var kindFile = [numKinds]string{HistoryFile, EventsFile, OutputFile}

// pending is the merged, not yet sent data; guarded by FileStream.mu.
type pending struct {
	lines      [numKinds][]string
	summary    *string
	uploaded   []string
	preempting bool
	complete   bool
	end        bool // End: the last request goes without complete
	exitCode   *int

	nLines, nBytes int
	maxLine        int
	maxLines       int
	warnf          func(string, ...any)
}

// reserve makes room for n more lines or returns ErrQueueFull. An update
// into an empty queue is always taken.
func (p *pending) reserve(n int) error {
	if p.nLines > 0 && p.nLines+n > p.maxLines {
		return ErrQueueFull
	}
	return nil
}

// appendLines adds lines of kind k, dropping (with a warning) any over the
// line limit.
func (p *pending) appendLines(k lineKind, lines []string) error {
	if err := p.reserve(len(lines)); err != nil {
		return err
	}
	for _, l := range lines {
		if len(l) > p.maxLine {
			p.warnf("sender: dropping a %s line of %d bytes (limit %d)", kindFile[k], len(l), p.maxLine)
			continue
		}
		p.lines[k] = append(p.lines[k], l)
		p.nLines++
		p.nBytes += len(l) + 3
	}
	return nil
}

func (p *pending) nonEmpty() bool {
	return p.nLines > 0 || p.summary != nil || p.preempting || p.complete
}

// take removes up to about max bytes of lines (at least one line) plus the
// summary, uploaded and preempting flags into a request. final reports that
// the request carries complete (everything else was sent).
func (p *pending) take(max int, off Offsets) (req *fsRequest, n [numKinds]int, final bool) {
	req = &fsRequest{}
	offs := [numKinds]int64{off.History, off.Events, off.Output}
	budget, taken := max, 0
	for k := range numKinds {
		ls := p.lines[k]
		i := 0
		for i < len(ls) {
			c := len(ls[i]) + 3
			if c > budget && taken > 0 {
				break
			}
			budget -= c
			i++
			taken++
		}
		if i == 0 {
			continue
		}
		if req.Files == nil {
			req.Files = map[string]fsFile{}
		}
		req.Files[kindFile[k]] = fsFile{Offset: offs[k], Content: slices.Clone(ls[:i])}
		for _, l := range ls[:i] {
			p.nBytes -= len(l) + 3
		}
		clear(ls[:i])
		p.nLines -= i
		n[k] = i
		if i == len(ls) {
			p.lines[k] = nil
		} else {
			p.lines[k] = ls[i:]
		}
	}
	if p.summary != nil {
		if req.Files == nil {
			req.Files = map[string]fsFile{}
		}
		req.Files[SummaryFile] = fsFile{Offset: off.Summary, Content: []string{*p.summary}}
		p.summary = nil
	}
	req.Uploaded, p.uploaded = p.uploaded, nil
	p.nLines -= len(req.Uploaded)
	req.Preempting, p.preempting = p.preempting, false
	if p.complete && p.nLines == 0 {
		req.Complete, req.ExitCode = true, p.exitCode
		p.complete = false
		final = true
	}
	if p.end && p.nLines == 0 {
		p.end = false
		final = true
	}
	return req, n, final
}
