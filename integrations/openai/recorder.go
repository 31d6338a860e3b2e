package openai

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/gowandb/wandb"
)

// Recorder is a go-openai HTTPDoer that logs chat, completion and embedding
// calls into a run (see the package documentation) and hands everything
// else, and the calls themselves, to the HTTP client it wraps. It is safe
// for concurrent use, as go-openai needs.
type Recorder struct {
	run    *wandb.Run // nil: wandb.CurrentRun() at each call
	base   goopenai.HTTPDoer
	cfg    config
	seed   maphash.Seed
	prefix string // of generated call ids

	mu       sync.Mutex
	next     int64
	failed   map[uint64]attemptRef // the last retryable failure per request
	explicit map[string]int        // attempts so far per CallContext id
	stats    Stats

	defMu   sync.Mutex
	defined map[*wandb.Run]bool // runs whose usage metrics are defined

	tableMu sync.Mutex                  // orders AddRow and Log of shared tables
	tables  map[*wandb.Run]*wandb.Table // TableIncremental and TableMutable
}

type attemptRef struct {
	callID  string
	attempt int
}

// Stats counts what a Recorder has recorded.
type Stats struct {
	// Calls counts logical calls (first attempts); Attempts every request.
	Calls, Attempts int64
	// Retries counts attempts after the first of their call.
	Retries int64
	// Errors counts attempts that failed: an error status, no answer, or a
	// stream cut short or carrying an error.
	Errors int64
	// Token totals over the attempts whose usage is known.
	PromptTokens, CompletionTokens, TotalTokens int64
	// UnknownUsage counts successful attempts without usage (streams
	// without StreamOptions.IncludeUsage, bodies over MaxBodyBytes).
	UnknownUsage int64
	// Dropped counts attempts whose row the run refused (it had finished),
	// and LastError is the last such error.
	Dropped   int64
	LastError error
}

// HTTPClient wraps base (nil: a plain *http.Client, go-openai's default)
// in a Recorder logging into run; nil run means the default run
// (wandb.CurrentRun()) at each call, and no logging while there is none.
// Set it as openai.ClientConfig.HTTPClient. A Recorder given as base is
// replaced by the client it wraps, so that no call is logged twice.
func HTTPClient(run *wandb.Run, base goopenai.HTTPDoer, opts ...Option) *Recorder {
	if base == nil {
		base = &http.Client{}
	}
	if inner, ok := base.(*Recorder); ok {
		base = inner.base // wrapping twice would log each call twice
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Recorder{
		run: run, base: base, cfg: newConfig(opts), seed: maphash.MakeSeed(),
		prefix:   hex.EncodeToString(b[:]),
		failed:   map[uint64]attemptRef{},
		explicit: map[string]int{},
		defined:  map[*wandb.Run]bool{},
		tables:   map[*wandb.Run]*wandb.Table{},
	}
}

// Stats returns the counts so far.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// Do sends req through the wrapped client. For a call it logs, the
// response body it returns reads the same bytes as the wrapped client's
// and logs the call when it has been read to its end or closed.
func (r *Recorder) Do(req *http.Request) (*http.Response, error) {
	ep := endpointOf(req)
	if ep == "" {
		return r.base.Do(req)
	}
	run := r.run
	if run == nil {
		run = wandb.CurrentRun()
	}
	if run == nil || run.Disabled() {
		return r.base.Do(req)
	}
	body := requestBody(req)
	c := &call{rec: r, run: run, endpoint: ep, request: body}
	c.assign(req.Context())
	c.start = r.cfg.now()
	resp, err := r.base.Do(req)
	if err != nil {
		c.finish(r.cfg.now(), err)
		return resp, err
	}
	c.status = resp.StatusCode
	c.requestID = resp.Header.Get("X-Request-Id")
	c.retryAfter = retryAfter(resp.Header, c.start)
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/event-stream" && resp.StatusCode < 300 {
		c.sse = &sseAssembler{max: r.cfg.maxBody}
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		c.finish(r.cfg.now(), nil)
		return resp, nil
	}
	resp.Body = &teeBody{rc: resp.Body, c: c}
	return resp, nil
}

// endpointOf names the logged endpoint a request goes to, or "".
func endpointOf(req *http.Request) string {
	if req.Method != http.MethodPost || req.URL == nil {
		return ""
	}
	p := strings.TrimSuffix(req.URL.Path, "/")
	switch {
	case strings.HasSuffix(p, "/chat/completions"):
		return "chat"
	case strings.HasSuffix(p, "/completions"):
		return "completion"
	case strings.HasSuffix(p, "/embeddings"):
		return "embedding"
	}
	return ""
}

// requestBody returns a copy of the request body, leaving req able to send
// it: through GetBody when the request has it (go-openai's do), else by
// reading the body and putting back a reader that gives the same bytes
// and, if reading failed, the same error.
func requestBody(req *http.Request) []byte {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	var buf bytes.Buffer
	if req.ContentLength > 0 {
		buf.Grow(int(req.ContentLength))
	}
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			_, err = buf.ReadFrom(rc)
			rc.Close()
			if err == nil {
				return buf.Bytes()
			}
			buf.Reset()
		}
	}
	_, err := buf.ReadFrom(req.Body)
	req.Body.Close()
	b := buf.Bytes()
	var rd io.Reader = bytes.NewReader(b)
	if err != nil {
		rd = io.MultiReader(rd, errReader{err})
	} else {
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	req.Body = io.NopCloser(rd)
	return b
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// retryAfter is a Retry-After (or retry-after-ms) header in seconds, or nil.
func retryAfter(h http.Header, now time.Time) any {
	if ms := h.Get("Retry-After-Ms"); ms != "" {
		var v float64
		if _, err := fmt.Sscan(ms, &v); err == nil && v >= 0 {
			return v / 1000
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return nil
	}
	var secs float64
	if _, err := fmt.Sscan(v, &secs); err == nil && secs >= 0 {
		return secs
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now).Seconds(), 0)
	}
	return nil
}

// assign gives the attempt its call id and number (see Retries in the
// package documentation).
func (c *call) assign(ctx context.Context) {
	r := c.rec
	if id, ok := callIDFrom(ctx); ok {
		r.mu.Lock()
		if len(r.explicit) > maxTracked {
			clear(r.explicit)
		}
		r.explicit[id]++
		c.callID, c.attempt, c.explicit = id, r.explicit[id], true
		r.mu.Unlock()
		return
	}
	var h maphash.Hash
	h.SetSeed(r.seed)
	h.WriteString(c.endpoint)
	h.Write(c.request)
	c.key = h.Sum64()
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.failed[c.key]; ok {
		delete(r.failed, c.key)
		c.callID, c.attempt = prev.callID, prev.attempt+1
		return
	}
	r.next++
	c.callID, c.attempt = fmt.Sprintf("%s-%d", r.prefix, r.next), 1
}

// maxTracked bounds the failed attempts kept for grouping retries.
const maxTracked = 4096

// retryable says whether an answer invites a retry of the same request.
func retryable(status int) bool {
	return status == 0 || status == http.StatusRequestTimeout || status == http.StatusConflict ||
		status == http.StatusTooManyRequests || status >= 500
}

// teeBody hands the wrapped body's bytes through and gives the call a copy.
type teeBody struct {
	rc io.ReadCloser
	c  *call
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.c.observe(p[:n], err)
	return n, err
}

func (t *teeBody) Close() error {
	err := t.rc.Close()
	t.c.finish(t.c.rec.cfg.now(), nil)
	return err
}
