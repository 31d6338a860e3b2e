package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

// Calls queued while the writer is busy are written as one group; an
// error in one call (an offset gap, an unknown run) rolls back that call
// only.
func TestAppendHistoryGroupIsolatesErrors(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "wandb.db"), WithChunkSize(7))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateUser(ctx, "alice", "", false); err != nil {
		t.Fatal(err)
	}
	const runs = 8
	ids := make([]int64, runs)
	for i := range ids {
		r, err := s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: fmt.Sprint("r", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = r.ID
	}
	lines := func(from, n int) []string {
		var ls []string
		for i := from; i < from+n; i++ {
			ls = append(ls, fmt.Sprintf(`{"_step":%d,"loss":%d,"acc":0.5}`, i, i))
		}
		return ls
	}
	// Hold the only writer connection: the first call leads and waits for
	// it; the others queue behind it.
	conn, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type call struct {
		run    int64
		offset int
		lines  []string
	}
	calls := []call{{ids[0], 0, lines(0, 40)}} // the leader
	for i := 1; i < runs; i++ {
		switch i % 3 {
		case 0:
			calls = append(calls, call{ids[i], 5, lines(5, 3)}) // gap
		case 1:
			calls = append(calls, call{ids[i] + 1000, 0, lines(0, 3)}) // no such run
		default:
			calls = append(calls, call{ids[i], 0, lines(0, 33)})
		}
	}
	calls = append(calls, call{ids[0], 40, lines(40, 10)}) // the leader's run again, in the group
	results := make([]error, len(calls))
	totals := make([]int, len(calls))
	var wg sync.WaitGroup
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			totals[i], results[i] = s.AppendHistory(ctx, calls[i].run, calls[i].offset, calls[i].lines)
		}()
	}
	waitQueued := func(n int) {
		for {
			s.hist.mu.Lock()
			q := len(s.hist.queue)
			s.hist.mu.Unlock()
			if q == n {
				return
			}
			runtime.Gosched()
		}
	}
	start(0)
	waitQueued(0) // the leader took its own call and waits for the writer
	for {
		s.hist.mu.Lock()
		leading := s.hist.leading
		s.hist.mu.Unlock()
		if leading {
			break
		}
		runtime.Gosched()
	}
	for i := 1; i < len(calls)-1; i++ {
		start(i)
	}
	waitQueued(len(calls) - 2)
	start(len(calls) - 1)
	waitQueued(len(calls) - 1)
	conn.Close()
	wg.Wait()

	for i, c := range calls {
		err := results[i]
		switch {
		case i == 0 || i == len(calls)-1 || c.run <= ids[runs-1] && c.offset == 0:
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		case c.offset == 5:
			var oe *store.OffsetError
			if !errors.As(err, &oe) || oe.Expected != 0 {
				t.Errorf("call %d (gap): %v", i, err)
			}
		default:
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("call %d (unknown run): %v", i, err)
			}
		}
	}
	if totals[len(calls)-1] != 50 {
		t.Errorf("leader's run total = %d, want 50", totals[len(calls)-1])
	}
	for i, id := range ids {
		want := map[int]int{0: 0, 1: 0, 2: 33}[i%3]
		if i == 0 {
			want = 50
		}
		r, err := s.RunByID(ctx, id)
		if err != nil || r.HistoryLineCount != want {
			t.Errorf("run %d: %d lines, want %d (%v)", i, r.HistoryLineCount, want, err)
		}
		rows, err := s.HistoryRows(ctx, id, 0, 0)
		if err != nil || len(rows) != want {
			t.Errorf("run %d: %d rows, want %d (%v)", i, len(rows), want, err)
		}
		if want > 0 {
			bs, err := s.SampledHistory(ctx, id, "loss", "", 0, 1000, 1)
			if err != nil || len(bs) != 1 || bs[0].Count != want || bs[0].Max != float64(want-1) {
				t.Errorf("run %d: buckets %+v (%v)", i, bs, err)
			}
		}
	}
}
