package sender

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/sender/sendertest"
)

func TestRetryMostFailures(t *testing.T) {
	for code := 400; code < 610; code++ {
		want := true
		switch code {
		case 400, 401, 403, 404, 409, 410, 413, 422, 501:
			want = false
		}
		if got := RetryMostFailures(&http.Response{StatusCode: code}, nil); got != want {
			t.Errorf("%d: %v", code, got)
		}
	}
	if !RetryUpsertBucket(&http.Response{StatusCode: 409}, nil) ||
		RetryUpsertBucket(&http.Response{StatusCode: 400}, nil) ||
		RetryUpsertBucket(&http.Response{StatusCode: 410}, nil) ||
		RetryUpsertBucket(&http.Response{StatusCode: 422}, nil) {
		t.Error("UpsertBucket policy")
	}
	if !RetryMostFailures(nil, errors.New("conn reset")) || RetryMostFailures(nil, context.Canceled) {
		t.Error("transport errors")
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Min: 2 * time.Second, Max: 60 * time.Second, Rand: func() float64 { return 0.5 }}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []time.Duration{2250 * time.Millisecond, 4500 * time.Millisecond, 9 * time.Second, 18 * time.Second, 36 * time.Second, 60 * time.Second}
	for i, w := range want {
		if got := b.Wait(i, nil, now); got != w {
			t.Errorf("attempt %d: %v, want %v", i, got, w)
		}
	}
	r := &http.Response{Header: http.Header{"Retry-After": {"7"}}}
	if got := b.Wait(5, r, now); got != 7*time.Second {
		t.Errorf("Retry-After seconds: %v", got)
	}
	r.Header.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if got := b.Wait(0, r, now); got != 90*time.Second {
		t.Errorf("Retry-After date: %v", got)
	}
}

func TestRetriesWithRetryAfter(t *testing.T) {
	s := sendertest.New()
	s.Script(sendertest.RouteGraphQL,
		sendertest.Response{Status: 500},
		sendertest.Response{Status: 429, Header: http.Header{"Retry-After": {"30"}}},
		sendertest.Response{Status: 502})
	c, fs := testClient(s)
	if _, err := c.Viewer(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{2 * time.Second, 30 * time.Second, 8 * time.Second}; !reflect.DeepEqual(fs.waits, want) {
		t.Errorf("waits %v, want %v", fs.waits, want)
	}
	if n := len(s.Requests()); n != 4 {
		t.Errorf("requests %d", n)
	}
}

func TestNoRetryAndBudget(t *testing.T) {
	s := sendertest.New()
	s.Script(sendertest.RouteGraphQL, sendertest.Response{Status: 401, Body: "bad key"})
	c, fs := testClient(s)
	_, err := c.Viewer(context.Background())
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 || he.Body != "bad key" || len(fs.waits) != 0 {
		t.Fatalf("err %v waits %v", err, fs.waits)
	}
	// UpsertBucket retries 409; Viewer would not.
	s.Script(sendertest.RouteGraphQL, sendertest.Response{Status: 409})
	if _, err := c.UpsertBucket(context.Background(), BucketInput{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	// Budget 5 s: 2 s fits, 2 s + 4 s does not, so one wait.
	c.Retrier.Budget = 5 * time.Second
	fs.waits = nil
	s.Script(sendertest.RouteGraphQL, sendertest.Response{Status: 500}, sendertest.Response{Status: 500})
	_, err = c.Viewer(context.Background())
	if !errors.Is(err, ErrRetryBudget) || !errors.As(err, &he) || len(fs.waits) != 1 {
		t.Fatalf("budget: %v %v", err, fs.waits)
	}
	// Max retries.
	c.Retrier.Budget, c.Retrier.MaxRetries = 0, 1
	s.Script(sendertest.RouteGraphQL, sendertest.Response{Status: 500}, sendertest.Response{Status: 503})
	if _, err := c.Viewer(context.Background()); !errors.As(err, &he) || he.StatusCode != 503 {
		t.Fatalf("max retries: %v", err)
	}
}
