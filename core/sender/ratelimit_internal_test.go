package sender

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimitFromHeaders(t *testing.T) {
	var r rateLimit
	if r.interval() != 0 {
		t.Fatal("an unknown limit holds requests back")
	}
	h := func(rem, reset string) http.Header {
		return http.Header{"Ratelimit-Remaining": {rem}, "Ratelimit-Reset": {reset}}
	}
	r.update(h("10", "5")) // 2 requests/s
	if got := r.interval(); got != 500*time.Millisecond {
		t.Fatalf("interval %v, want 500ms", got)
	}
	r.update(h("1", "10")) // target 0.1/s, smoothed: 0.8*2 + 0.2*0.1 = 1.62/s
	if got := r.interval(); got < 617*time.Millisecond || got > 618*time.Millisecond {
		t.Fatalf("smoothed interval %v, want ~617ms", got)
	}
	for range 100 {
		r.update(h("0", "60")) // the server has nothing left: the floor holds
	}
	if got := r.interval(); got != 10*time.Second {
		t.Fatalf("interval at the floor %v, want 10s (0.1 request/s)", got)
	}
	before := r.rate
	for _, bad := range []http.Header{h("", "5"), h("x", "5"), h("5", "0"), h("-1", "5"), h("5", "-2"), h("NaN", "1"), {}} {
		r.update(bad)
	}
	if r.rate != before {
		t.Fatalf("malformed headers changed the rate to %v", r.rate)
	}
}

// The stream reads the headers of every answer.
func TestFileStreamReadsRateLimitHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit-Remaining", "3")
		w.Header().Set("RateLimit-Reset", "6")
		w.Write([]byte(`{"stopped":false}`))
	}))
	defer srv.Close()
	f := NewFileStream(FileStreamConfig{URL: srv.URL, HTTP: srv.Client(), TransmitInterval: time.Millisecond})
	defer f.Close()
	if err := f.send(&fsRequest{}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if got := f.rl.interval(); got != 2*time.Second {
		t.Fatalf("interval after the answer %v, want 2s (3 requests in 6 s)", got)
	}
}
