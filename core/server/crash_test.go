package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
)

// fakeClock is the server's clock in these tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestSilentRunsAreMarkedCrashed: a running run whose last file_stream
// request is older than the limit becomes crashed; a run that keeps
// sending and a finished run do not.
func TestSilentRunsAreMarkedCrashed(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, server.WithClock(clock.Now))
	c := e.client(aliceKey)
	runs := map[string]store.Run{}
	for _, name := range []string{"silent", "alive", "done"} {
		if _, err := c.UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "proj", Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	push := func(name string, finish bool) {
		t.Helper()
		fs := sender.NewFileStream(sender.FileStreamConfig{
			URL:  sender.FileStreamURL(e.srv.URL, "alice", "proj", name),
			HTTP: e.httpClient(aliceKey),
		})
		if err := fs.Push(sender.HistoryUpdate{Lines: []string{`{"_step":0}`}}); err != nil {
			t.Fatal(err)
		}
		var err error
		if finish {
			err = fs.Finish(ctx, 0)
		} else {
			err = fs.End(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	push("silent", false)
	push("alive", false)
	push("done", true)
	clock.Advance(4 * time.Minute)
	// "alive" sends again (its offset moves on): its heartbeat is fresh.
	fs := sender.NewFileStream(sender.FileStreamConfig{
		URL: sender.FileStreamURL(e.srv.URL, "alice", "proj", "alive"), HTTP: e.httpClient(aliceKey),
		Offsets: sender.Offsets{History: 1},
	})
	if err := fs.Push(sender.HistoryUpdate{Lines: []string{`{"_step":1}`}}); err != nil {
		t.Fatal(err)
	}
	if err := fs.End(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)

	srv := server.New(e.st, mustBlobs(t), server.WithClock(clock.Now))
	if n := srv.MarkSilentRunsCrashed(ctx, 5*time.Minute); n != 1 {
		t.Fatalf("marked %d runs, want 1", n)
	}
	list, err := e.st.ListRuns(ctx, store.RunFilter{Entity: "alice", Project: "proj"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		runs[r.Name] = r
	}
	want := map[string]store.RunState{"silent": store.StateCrashed, "alive": store.StateRunning, "done": store.StateFinished}
	for name, st := range want {
		if runs[name].State != st {
			t.Errorf("%s: state %s, want %s", name, runs[name].State, st)
		}
	}
	// Marking is done once: a second sweep finds nothing new.
	if n := srv.MarkSilentRunsCrashed(ctx, 5*time.Minute); n != 0 {
		t.Errorf("second sweep marked %d", n)
	}
}

func mustBlobs(t *testing.T) store.Blobs {
	t.Helper()
	b, err := localblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return b
}
