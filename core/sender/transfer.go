package sender

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// DoStream is Do for bodies too large to hold in memory: open is called
// for every attempt and returns the body from its start (an
// io.SectionReader over a file, typically); size is its length
// (Content-Length). The response of a 2xx is returned unread: the caller
// streams and closes its body. No per-attempt timeout applies (transfers
// of large files take as long as they take; ctx bounds them).
func (r *Retrier) DoStream(ctx context.Context, c *http.Client, method, url string, header http.Header,
	open func() (io.ReadCloser, error), size int64) (*http.Response, error) {
	policy := r.Policy
	if policy == nil {
		policy = RetryMostFailures
	}
	if c == nil {
		c = http.DefaultClient
	}
	var waited int64
	for attempt := 0; ; attempt++ {
		resp, err := r.streamAttempt(ctx, c, method, url, header, open, size)
		if err == nil && resp.StatusCode/100 == 2 {
			return resp, nil
		}
		if oe, ok := errors.AsType[*openError](err); ok {
			// The local side is gone (a staged file deleted): retrying
			// cannot help.
			return nil, fmt.Errorf("sender: %s %s: %w", method, url, oe.err)
		}
		var final error
		if err != nil {
			final = fmt.Errorf("sender: %s %s: %w", method, url, err)
		} else {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBody))
			resp.Body.Close()
			final = &HTTPError{Method: method, URL: url, StatusCode: resp.StatusCode, Body: string(b)}
		}
		if ctx.Err() != nil || attempt >= r.MaxRetries || !policy(resp, err) {
			return nil, final
		}
		d := r.Backoff.Wait(attempt, resp, r.now())
		if r.Budget > 0 && waited+int64(d) > int64(r.Budget) {
			return nil, fmt.Errorf("%w after %d attempts: %w", ErrRetryBudget, attempt+1, final)
		}
		waited += int64(d)
		if err := r.sleep(ctx, d); err != nil {
			return nil, fmt.Errorf("sender: %s %s: %w (last: %w)", method, url, err, final)
		}
	}
}

func (r *Retrier) streamAttempt(ctx context.Context, c *http.Client, method, url string, header http.Header,
	open func() (io.ReadCloser, error), size int64) (*http.Response, error) {
	var body io.ReadCloser
	if open != nil {
		b, err := open()
		if err != nil {
			return nil, &openError{err}
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
			body.Close()
		}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return c.Do(req)
}

// openError is a failure to open the local body: final, not retried.
type openError struct{ err error }

func (e *openError) Error() string { return e.err.Error() }
func (e *openError) Unwrap() error { return e.err }

// PutStream uploads size bytes from open (called again on every retry) to
// a pre-signed url: no credentials are added (Authorization is dropped
// from header).
func (u *Uploader) PutStream(ctx context.Context, url string, header http.Header, size int64, open func() (io.ReadCloser, error)) error {
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Del("Authorization")
	resp, err := u.Retrier.DoStream(ctx, u.HTTP, http.MethodPut, url, h, open, size)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return nil
}

// GetStream opens url (a pre-signed download URL) for reading, retrying
// until the response headers of a 2xx arrive. The caller reads and closes
// the body, which is not buffered.
func (u *Uploader) GetStream(ctx context.Context, url string) (io.ReadCloser, error) {
	resp, err := u.Retrier.DoStream(ctx, u.HTTP, http.MethodGet, url, nil, nil, 0)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
