package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy decides whether an attempt that ended with resp (nil on a
// transport error) or err is retried. resp is never 2xx.
type RetryPolicy func(resp *http.Response, err error) bool

// RetryMostFailures is W&B's default policy: never retry 400, 401, 403, 404,
// 409, 410, 413, 422 or 501; retry every other status (4xx, 5xx, 0, >= 600)
// and transport errors (a per-attempt timeout included) other than a
// cancelled context.
func RetryMostFailures(resp *http.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled) // a per-attempt timeout is retried
	}
	switch resp.StatusCode {
	case 400, 401, 403, 404, 409, 410, 413, 422, 501:
		return false
	}
	return true
}

// RetryUpsertBucket is UpsertBucket's special case: 409 is retried (the run
// is being created concurrently), 400, 410 and 422 are not; otherwise
// RetryMostFailures.
func RetryUpsertBucket(resp *http.Response, err error) bool {
	if err == nil && resp.StatusCode == http.StatusConflict {
		return true
	}
	return RetryMostFailures(resp, err)
}

// RetryTransfer is the file-transfer policy: transport errors, 429 and 5xx
// other than 501.
func RetryTransfer(resp *http.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled)
	}
	c := resp.StatusCode
	return c == http.StatusTooManyRequests || (c >= 500 && c != 501)
}

// Backoff is min·2^attempt·(1+U[0,0.25)) capped at Max; a Retry-After
// header (seconds or HTTP date) overrides it.
type Backoff struct {
	Min, Max time.Duration
	// Rand returns U[0,1); nil means math/rand/v2.
	Rand func() float64
}

// Wait is the delay before retry number attempt (0-based) after resp
// (may be nil); now is used for Retry-After dates.
func (b Backoff) Wait(attempt int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			return d
		}
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	d := float64(b.Min) * math.Pow(2, float64(attempt)) * (1 + 0.25*r())
	if b.Max > 0 && d > float64(b.Max) {
		return b.Max
	}
	return time.Duration(d)
}

func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// Retrier sends requests with retries. The zero value is not useful; start
// from GraphQLRetrier, FileStreamRetrier or TransferRetrier.
type Retrier struct {
	MaxRetries     int           // retries after the first attempt
	Budget         time.Duration // total waiting allowed; 0 = unlimited
	AttemptTimeout time.Duration // per attempt; 0 = none
	Backoff        Backoff
	Policy         RetryPolicy // nil = RetryMostFailures
	// Now and Sleep are the clock; nil means time.Now and a timer that
	// honours ctx. Tests inject both so that nothing sleeps.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// GraphQLRetrier is wandb-core's GraphQL setting: 20 retries, 2 s..60 s,
// 30 s per attempt.
func GraphQLRetrier() Retrier {
	return Retrier{MaxRetries: 20, AttemptTimeout: 30 * time.Second,
		Backoff: Backoff{Min: 2 * time.Second, Max: 60 * time.Second}}
}

// FileStreamRetrier is wandb-core's file_stream setting: 10085 retries
// (about 7 days), 2 s..60 s, 180 s per attempt.
func FileStreamRetrier() Retrier {
	return Retrier{MaxRetries: 10085, AttemptTimeout: 180 * time.Second,
		Backoff: Backoff{Min: 2 * time.Second, Max: 60 * time.Second}}
}

// TransferRetrier is the upload setting: 20 retries, 2 s..60 s, RetryTransfer.
func TransferRetrier() Retrier {
	return Retrier{MaxRetries: 20, Policy: RetryTransfer,
		Backoff: Backoff{Min: 2 * time.Second, Max: 60 * time.Second}}
}

func (r *Retrier) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Retrier) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxErrBody is how much of a failed response's body an HTTPError keeps.
const maxErrBody = 512

// Do sends the request built by method, url, body and header until it gets
// a 2xx, the policy refuses, retries or budget run out, or ctx ends. On
// success the caller owns resp.Body (already fully read into memory, so
// the per-attempt timeout does not cut it). A final non-2xx is *HTTPError.
func (r *Retrier) Do(ctx context.Context, c *http.Client, method, url string, header http.Header, body []byte) (*http.Response, error) {
	policy := r.Policy
	if policy == nil {
		policy = RetryMostFailures
	}
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		resp, err := r.attempt(ctx, c, method, url, header, body)
		if err == nil && resp.StatusCode/100 == 2 {
			return resp, nil
		}
		var final error
		if err != nil {
			final = fmt.Errorf("sender: %s %s: %w", method, url, err)
		} else {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBody))
			final = &HTTPError{Method: method, URL: url, StatusCode: resp.StatusCode, Body: string(b)}
		}
		if ctx.Err() != nil || attempt >= r.MaxRetries || !policy(resp, err) {
			return nil, final
		}
		d := r.Backoff.Wait(attempt, resp, r.now())
		if r.Budget > 0 && waited+d > r.Budget {
			return nil, fmt.Errorf("%w after %d attempts: %w", ErrRetryBudget, attempt+1, final)
		}
		waited += d
		if err := r.sleep(ctx, d); err != nil {
			return nil, fmt.Errorf("sender: %s %s: %w (last: %w)", method, url, err, final)
		}
	}
}

func (r *Retrier) attempt(ctx context.Context, c *http.Client, method, url string, header http.Header, body []byte) (*http.Response, error) {
	if r.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.AttemptTimeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}
