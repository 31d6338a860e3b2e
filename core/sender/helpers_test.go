package sender

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gowandb/wandb/core/sender/sendertest"
)

// fakeSleep records waits instead of sleeping.
type fakeSleep struct{ waits []time.Duration }

func (f *fakeSleep) sleep(_ context.Context, d time.Duration) error {
	f.waits = append(f.waits, d)
	return nil
}

func testClient(s *sendertest.Server) (*Client, *fakeSleep) {
	fs := &fakeSleep{}
	r := GraphQLRetrier()
	r.Sleep = fs.sleep
	r.Backoff.Rand = func() float64 { return 0 }
	base, _ := url.Parse(s.URL)
	hc := &http.Client{Transport: NewAuthTransport(base, "KEY", "", s.Transport())}
	return &Client{BaseURL: s.URL, HTTP: hc, Retrier: r}, fs
}
