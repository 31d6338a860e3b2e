package online_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gowandb/wandb/core/online"
	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
	"github.com/gowandb/wandb/core/runlog"
	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/sender/sendertest"
)

// TestUploaderSeesStopWithin15s: with the default intervals, an idle run
// learns that it was stopped within 15 s (W&B's Python SDK polls every
// 15 s): the idle file stream's heartbeat carries the answer. Time is the
// synctest bubble's, so the bound is exact, not a guess about a loaded
// machine.
func TestUploaderSeesStopWithin15s(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "run-x.wandb")
		w, err := runlog.Create(path, runlog.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := record.Marshal(&recordpb.Record{RecordType: &recordpb.Record_Run{Run: &recordpb.RunRecord{
			RunId: "x", Project: "p", Entity: "alice"}}})
		if err != nil {
			t.Fatal(err)
		}
		w.Append(b)
		if err := w.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		defer w.Close(ctx)

		s := sendertest.New()
		c := &sender.Client{BaseURL: s.URL, HTTP: &http.Client{Transport: s.Transport()}, Retrier: sender.GraphQLRetrier()}
		stopped := make(chan struct{})
		u := online.Start(online.Config{Client: c, LogPath: path, Entity: "alice", Project: "p",
			OnStopped: func() { close(stopped) }})
		defer u.Close()
		time.Sleep(online.DefaultInterval) // the first pass registers the run and opens the stream
		synctest.Wait()
		if len(s.FileStream()) != 0 {
			t.Fatal("an idle run sent data")
		}

		s.SetStopped(true)
		start := time.Now()
		select {
		case <-stopped:
		case <-time.After(time.Minute):
			t.Fatal("the stop was never seen")
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("stop seen after %s, want within 15s", d)
		}
		if fr := s.FileStream(); len(fr) == 0 || !fr[len(fr)-1].IsHeartbeat() {
			t.Errorf("the stop did not come with a heartbeat: %+v", fr)
		}
	})
}
