package sender

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gowandb/wandb/core/sender/sendertest"
)

func newTestStream(s *sendertest.Server, cfg FileStreamConfig) *FileStream {
	cfg.URL = FileStreamURL(s.URL, "e", "p", "r")
	cfg.HTTP = &http.Client{Transport: s.Transport()}
	if cfg.Warnf == nil {
		cfg.Warnf = func(string, ...any) {}
	}
	return NewFileStream(cfg)
}

func TestFileStreamBatchingOffsetsComplete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sendertest.New()
		f := newTestStream(s, FileStreamConfig{Offsets: Offsets{History: 100}})
		for i := range 3 {
			if err := f.Push(HistoryUpdate{Lines: []string{`{"_step":` + string(rune('0'+i)) + `}`}}); err != nil {
				t.Fatal(err)
			}
		}
		f.Push(EventsUpdate{Lines: []string{`{"_wandb":true}`}})
		f.Push(SummaryUpdate{JSON: `{"a":1}`})
		f.Push(SummaryUpdate{JSON: `{"a":2}`})
		f.Push(OutputUpdate{Lines: []string{"hello"}})
		f.Push(UploadedUpdate{Paths: []string{"media/x.png"}})
		synctest.Wait()
		if n := len(s.FileStream()); n != 0 {
			t.Fatalf("sent %d before the transmit interval", n)
		}
		time.Sleep(15 * time.Second)
		synctest.Wait()
		got := s.FileStream()
		if len(got) != 1 {
			t.Fatalf("requests %d", len(got))
		}
		r := got[0]
		h := r.Files[HistoryFile]
		if h.Offset != 100 || len(h.Content) != 3 || r.Files[SummaryFile].Content[0] != `{"a":2}` ||
			r.Files[EventsFile].Offset != 0 || r.Files[OutputFile].Content[0] != "hello" ||
			len(r.Uploaded) != 1 || r.Complete {
			t.Errorf("request %+v", r)
		}
		f.Push(HistoryUpdate{Lines: []string{`{"_step":3}`}})
		if err := f.Finish(context.Background(), 3); err != nil {
			t.Fatal(err)
		}
		got = s.FileStream()
		last := got[len(got)-1]
		if len(got) != 2 || last.Files[HistoryFile].Offset != 103 || !last.Complete || last.ExitCode == nil || *last.ExitCode != 3 {
			t.Errorf("final %+v", last)
		}
		if o := f.Offsets(); o.History != 104 || o.Events != 1 || o.Output != 1 {
			t.Errorf("offsets %+v", o)
		}
		if err := f.Push(HistoryUpdate{}); !errors.Is(err, ErrClosed) {
			t.Errorf("push after finish: %v", err)
		}
	})
}

func TestFileStreamHeartbeatPreemptStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sendertest.New()
		stopped := 0
		f := newTestStream(s, FileStreamConfig{OnStopped: func() { stopped++ }})
		defer f.Close()
		time.Sleep(29 * time.Second)
		synctest.Wait()
		if len(s.FileStream()) != 0 {
			t.Fatal("heartbeat too early")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		fr := s.FileStream()
		if len(fr) != 1 || !fr[0].IsHeartbeat() || string(s.Requests()[0].Body) != "{}\n" {
			t.Fatalf("heartbeat %+v", fr)
		}
		f.Push(PreemptingUpdate{})
		synctest.Wait()
		fr = s.FileStream()
		if len(fr) != 2 || !fr[1].Preempting {
			t.Fatalf("preempting not sent at once: %+v", fr)
		}
		s.SetStopped(true)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if !f.Stopped() || stopped != 1 {
			t.Errorf("stopped %v, callbacks %d", f.Stopped(), stopped)
		}
	})
}

func TestFileStreamDead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sendertest.New()
		s.Script(sendertest.RouteFileStream,
			sendertest.Response{Status: 500}, sendertest.Response{Status: 429}, sendertest.Response{Status: 503})
		r := FileStreamRetrier()
		r.MaxRetries = 2
		var dead error
		f := newTestStream(s, FileStreamConfig{Retrier: &r, OnDead: func(err error) { dead = err }})
		f.Push(HistoryUpdate{Lines: []string{"{}"}})
		err := f.Finish(context.Background(), 0)
		var he *HTTPError
		if !errors.Is(err, ErrDead) || !errors.As(err, &he) || he.StatusCode != 503 || dead == nil {
			t.Fatalf("err %v dead %v", err, dead)
		}
		if err := f.Push(HistoryUpdate{Lines: []string{"{}"}}); !errors.Is(err, ErrDead) {
			t.Errorf("push: %v", err)
		}
	})
}

func TestFileStreamRetryThenSucceed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sendertest.New()
		s.Script(sendertest.RouteFileStream, sendertest.Response{Status: 429, Header: http.Header{"Retry-After": {"120"}}})
		f := newTestStream(s, FileStreamConfig{})
		f.Push(HistoryUpdate{Lines: []string{"{}"}})
		start := time.Now()
		if err := f.Finish(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 120*time.Second {
			t.Errorf("waited %v", d)
		}
		if fr := s.FileStream(); len(fr) != 1 || !fr[0].Complete || fr[0].Files[HistoryFile].Offset != 0 {
			t.Errorf("%+v", fr)
		}
	})
}

func TestFileStreamLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sendertest.New()
		var warned []string
		f := newTestStream(s, FileStreamConfig{MaxLineBytes: 50, MaxRequestBytes: 100, MaxQueuedLines: 10,
			Warnf: func(format string, _ ...any) { warned = append(warned, format) }})
		f.Push(HistoryUpdate{Lines: []string{strings.Repeat("x", 51)}})
		if len(warned) != 1 {
			t.Errorf("no warning for long line")
		}
		line := strings.Repeat("y", 37) // 40 bytes with overhead
		for range 2 {
			if err := f.Push(HistoryUpdate{Lines: []string{line}}); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if n := len(s.FileStream()); n != 0 {
			t.Fatalf("sent %d below the size limit", n)
		}
		if err := f.Push(HistoryUpdate{Lines: []string{line, line, line, line, line, line, line, line, line}}); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("queue: %v", err)
		}
		f.Push(HistoryUpdate{Lines: []string{line}}) // 120 bytes >= 100: sent at once, split
		synctest.Wait()
		fr := s.FileStream()
		if len(fr) != 1 || len(fr[0].Files[HistoryFile].Content) != 2 {
			t.Fatalf("size-triggered send %+v", fr)
		}
		if err := f.Finish(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		fr = s.FileStream()
		if len(fr) != 2 || fr[1].Files[HistoryFile].Offset != 2 || !fr[1].Complete {
			t.Fatalf("%+v", fr)
		}
	})
}

// TestFileStreamEndWithoutComplete: End sends what is queued at once and
// stops the stream without "complete" (a crashed run being synced).
func TestFileStreamEndWithoutComplete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := sendertest.New()
		f := newTestStream(s, FileStreamConfig{})
		f.Push(HistoryUpdate{Lines: []string{`{"_step":0}`, `{"_step":1}`}})
		f.Push(SummaryUpdate{JSON: `{"a":1}`})
		if err := f.End(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := s.FileStream()
		if len(got) != 1 {
			t.Fatalf("requests %d", len(got))
		}
		r := got[0]
		if len(r.Files[HistoryFile].Content) != 2 || r.Files[SummaryFile].Content[0] != `{"a":1}` || r.Complete || r.ExitCode != nil {
			t.Errorf("request %+v", r)
		}
		if err := f.End(context.Background()); err != nil {
			t.Errorf("second End: %v", err)
		}
		if err := f.Push(HistoryUpdate{}); !errors.Is(err, ErrClosed) {
			t.Errorf("push after End: %v", err)
		}
	})
}
