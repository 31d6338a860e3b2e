package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// Open a store, register a run, append history (a resend is ignored) and
// ask for a chart's min/max/last per bucket.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "store-example")
	defer os.RemoveAll(dir)
	s, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	u, _ := s.CreateUser(ctx, "alice", "alice@example.com", true)
	_, _ = s.CreateAPIKey(ctx, u.ID, "0123456789abcdef0123456789abcdef", "laptop")
	r, _ := s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "mnist", Name: "1a2b3c4d"})

	var lines []string
	for step := range 10 {
		lines = append(lines, fmt.Sprintf(`{"_step":%d,"loss":%d,"acc":{"top1":0.5}}`, step, 10-step))
	}
	n, _ := s.AppendHistory(ctx, r.ID, 0, lines[:6])
	n, _ = s.AppendHistory(ctx, r.ID, 4, lines[4:]) // lines 4 and 5 resent
	fmt.Println("lines:", n)

	keys, _ := s.Keys(ctx, r.ID)
	fmt.Println("keys:", keys)

	buckets, _ := s.SampledHistory(ctx, r.ID, "loss", "_step", 0, 9, 2)
	for _, b := range buckets {
		fmt.Printf("steps %d-%d: min %g max %g last %g\n", b.Start, b.End, b.Min, b.Max, b.Last)
	}
	// Output:
	// lines: 10
	// keys: [acc.top1 loss]
	// steps 0-4: min 6 max 10 last 6
	// steps 5-9: min 1 max 5 last 1
}
