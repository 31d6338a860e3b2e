package openai

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gowandb/wandb"
)

// call is one attempt being recorded: from Do until its response body is
// read to the end or closed (or no answer came).
type call struct {
	rec      *Recorder
	run      *wandb.Run
	endpoint string
	request  []byte

	callID   string
	attempt  int
	explicit bool   // callID came from CallContext
	key      uint64 // request hash, for grouping retries

	start      time.Time
	status     int
	requestID  string
	retryAfter any

	mu   sync.Mutex
	done bool
	eof  bool   // the body was read to its end
	body []byte // non-stream response copy
	over bool   // body passed MaxBodyBytes
	sse  *sseAssembler
}

// observe takes a copy of what the client read, and ends the call at the
// end of the body or on a read error.
func (c *call) observe(p []byte, err error) {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	if len(p) > 0 {
		switch {
		case c.sse != nil:
			c.sse.write(p)
		case c.over:
		case len(c.body)+len(p) > c.rec.cfg.maxBody:
			c.over, c.body = true, nil
		default:
			c.body = append(c.body, p...)
		}
	}
	if errors.Is(err, io.EOF) {
		c.eof, err = true, nil
		c.mu.Unlock()
		c.finish(c.rec.cfg.now(), nil)
		return
	}
	c.mu.Unlock()
	if err != nil {
		c.finish(c.rec.cfg.now(), err)
	}
}

// finish records the attempt once: err is the transport or read error.
func (c *call) finish(end time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return
	}
	c.done = true
	o := c.outcome(err)
	c.body = nil
	c.rec.record(c, o, end)
}

// outcome is what an attempt's answer says.
type outcome struct {
	model    string
	response any // string, or nil when unknown or redacted
	usage    *usageJSON
	errMsg   string
}

func (c *call) outcome(readErr error) outcome {
	var o outcome
	switch {
	case c.status == 0:
		if readErr != nil {
			o.errMsg = readErr.Error()
		}
	case c.sse != nil:
		o = c.sse.outcome()
		if o.errMsg == "" && c.eof && !c.sse.done {
			o.errMsg = "the stream ended without [DONE]"
		}
	case c.over:
		// The answer was longer than MaxBodyBytes: nothing is known.
	default:
		o = parseResponse(c.endpoint, c.body)
	}
	if c.status >= 400 {
		msg := o.errMsg
		switch {
		case msg != "":
		case c.over:
			msg = fmt.Sprintf("a body over %d bytes", c.rec.cfg.maxBody)
		case len(bytes.TrimSpace(c.body)) == 0:
			msg = "empty body"
		case c.rec.cfg.redact:
			msg = fmt.Sprintf("a %d-byte body that is not an OpenAI error (not recorded: Redact)", len(c.body))
		default:
			msg = cellText(bytes.TrimSpace(c.body), 1024)
		}
		o.errMsg = fmt.Sprintf("%d %s: %s", c.status, http.StatusText(c.status), msg)
		o.response, o.usage = nil, nil
	}
	if readErr != nil && c.status != 0 {
		o.errMsg = joinMsg(o.errMsg, "reading the response: "+readErr.Error())
	}
	if o.model == "" {
		o.model = requestModel(c.request)
	}
	if c.rec.cfg.redact {
		o.response = nil
	}
	return o
}

func joinMsg(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// columns are the stats table's: W&B's autolog columns, then ours.
var columns = []string{
	"request", "response", "model", "start_time", "end_time", "request_id", "api_type",
	"session_id", "elapsed_time", "prompt_tokens", "completion_tokens", "total_tokens",
	"endpoint", "stream", "status", "error", "call_id", "attempt", "retry_after",
}

// Usage metric keys, defined against _timestamp.
const (
	KeyElapsedTime      = "usage/elapsed_time"
	KeyPromptTokens     = "usage/prompt_tokens"
	KeyCompletionTokens = "usage/completion_tokens"
	KeyTotalTokens      = "usage/total_tokens"
	// KeyStats is the history key of the stats table.
	KeyStats = "stats"
)

// record logs an attempt's row and scalars and counts it.
func (r *Recorder) record(c *call, o outcome, end time.Time) {
	elapsed := end.Sub(c.start).Seconds()
	failed := o.errMsg != ""
	r.mu.Lock()
	s := &r.stats
	s.Attempts++
	if c.attempt == 1 {
		s.Calls++
	} else {
		s.Retries++
	}
	if failed {
		s.Errors++
	}
	if o.usage != nil {
		s.PromptTokens += o.usage.PromptTokens
		s.CompletionTokens += o.usage.CompletionTokens
		s.TotalTokens += o.usage.TotalTokens
	} else if !failed {
		s.UnknownUsage++
	}
	switch {
	case c.explicit && (!failed || !retryable(c.status)):
		delete(r.explicit, c.callID)
	case !c.explicit && failed && retryable(c.status):
		if len(r.failed) >= maxTracked {
			clear(r.failed)
		}
		r.failed[c.key] = attemptRef{callID: c.callID, attempt: c.attempt}
	}
	r.mu.Unlock()

	var pt, ct, tt any
	data := map[string]any{KeyElapsedTime: elapsed}
	if u := o.usage; u != nil {
		pt, ct, tt = u.PromptTokens, u.CompletionTokens, u.TotalTokens
		data[KeyPromptTokens], data[KeyCompletionTokens], data[KeyTotalTokens] = pt, ct, tt
	}
	row := []any{
		r.requestCell(c.request), o.response, o.model, c.start, end, c.requestID, r.cfg.apiType,
		c.run.ID(), elapsed, pt, ct, tt,
		c.endpoint, c.sse != nil, c.status, o.errMsg, c.callID, c.attempt, c.retryAfter,
	}
	if err := r.log(c.run, row, data); err != nil {
		r.mu.Lock()
		r.stats.Dropped++
		r.stats.LastError = err
		r.mu.Unlock()
	}
}

// log defines the usage metrics on a run's first call, then logs the row.
func (r *Recorder) log(run *wandb.Run, row []any, data map[string]any) error {
	r.defMu.Lock()
	if !r.defined[run] {
		r.defined[run] = true
		for _, k := range []string{KeyElapsedTime, KeyPromptTokens, KeyCompletionTokens, KeyTotalTokens} {
			if err := run.DefineMetric(k, wandb.StepMetric("_timestamp")); err != nil {
				r.defMu.Unlock()
				return fmt.Errorf("openai: %w", err)
			}
		}
	}
	r.defMu.Unlock()

	if r.cfg.mode == wandb.TableImmutable {
		t, err := wandb.NewTable(columns, [][]any{row})
		if err != nil {
			return fmt.Errorf("openai: stats row: %w", err)
		}
		data[KeyStats] = t
		if err := run.Log(data); err != nil {
			return fmt.Errorf("openai: %w", err)
		}
		return nil
	}
	r.tableMu.Lock()
	defer r.tableMu.Unlock()
	t := r.tables[run]
	if t == nil {
		var err error
		if t, err = wandb.NewTable(columns, nil, wandb.LogMode(r.cfg.mode)); err != nil {
			return fmt.Errorf("openai: stats table: %w", err)
		}
		r.tables[run] = t
	}
	if err := t.AddRow(row...); err != nil {
		return fmt.Errorf("openai: stats row: %w", err)
	}
	data[KeyStats] = t
	if err := run.Log(data); err != nil {
		return fmt.Errorf("openai: %w", err)
	}
	return nil
}
