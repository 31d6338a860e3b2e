package sender

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
)

// Uploader PUTs run files to server-provided URLs. Its HTTP client must not
// carry credentials (upload URLs are pre-signed); use a plain client, or one
// whose transport is NewAuthTransport, which leaves other hosts alone.
type Uploader struct {
	HTTP    *http.Client // nil = http.DefaultClient
	Retrier Retrier      // e.g. TransferRetrier()
}

// Upload PUTs body to t.URL with header. A target with no URL (null
// uploadUrl) is skipped and reported as not uploaded.
func (u *Uploader) Upload(ctx context.Context, t UploadTarget, header http.Header, body []byte) (uploaded bool, err error) {
	if t.URL == "" {
		return false, nil
	}
	hc := u.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Del("Authorization")
	if body == nil {
		body = []byte{}
	}
	resp, err := u.Retrier.Do(ctx, hc, http.MethodPut, t.URL, h, body)
	if err != nil {
		return false, fmt.Errorf("sender: upload %s: %w", t.Name, err)
	}
	resp.Body.Close()
	return true, nil
}

// UploadFile uploads the file at path, streamed from disk (reopened for
// every retry), never held in memory whatever its size.
func (u *Uploader) UploadFile(ctx context.Context, t UploadTarget, header http.Header, path string) (bool, error) {
	if t.URL == "" {
		return false, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("sender: upload %s: %w", t.Name, err)
	}
	// The size at the start is sent: a file growing meanwhile (a live file)
	// is cut there, and uploaded again once its new content is seen.
	size := st.Size()
	open := func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(f, size), f}, nil
	}
	if err := u.PutStream(ctx, t.URL, header, size, open); err != nil {
		return false, fmt.Errorf("sender: upload %s: %w", t.Name, err)
	}
	return true, nil
}
