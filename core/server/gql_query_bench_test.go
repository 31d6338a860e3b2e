package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

const qbKey = "bench-key-0123456789abcdef0123456789"

// qbClock is the store's clock in benchmarks: runs are seeded "an hour
// ago" (qbSeeded), then queried (qbNow), as on a server whose runs are
// done.
var qbClock atomic.Int64

func qbSeeded() { qbClock.Store(time.Now().Add(-time.Hour).UnixNano()) }
func qbNow()    { qbClock.Store(time.Now().UnixNano()) }

// qbServer is a server over SQLite with user "bench" and its handler.
func qbServer(b *testing.B) (store.Store, http.Handler) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	qbSeeded()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"), sqlite.WithClock(func() time.Time { return time.Unix(0, qbClock.Load()) }))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	blobs, err := localblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "bench", "bench@example.com", false)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.CreateAPIKey(ctx, u.ID, qbKey, "bench"); err != nil {
		b.Fatal(err)
	}
	return st, server.New(st, blobs).Handler()
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs f b.N times and reports the CPU time per call beside the wall
// time: on a shared machine the wall time includes waiting for a core.
func loop(b *testing.B, f func()) {
	start := cpuTime()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
}

// qbQuery posts a GraphQL query straight to the handler (server time, no
// network) and fails on any error.
func qbQuery(b *testing.B, h http.Handler, query string, vars map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.SetBasicAuth("api", qbKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || bytes.Contains(w.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("HTTP %d: %.500s", w.Code, w.Body.String())
	}
	return w.Body.Bytes()
}

// BenchmarkRunsList10k lists a page of 50 runs out of 10,000 runs with a
// 20-key config and a 20-key summary each: newest first (the default), and
// filtered on config and ordered by a summary metric (the parsed-run cache
// warm after the first request).
func BenchmarkRunsList10k(b *testing.B) {
	st, h := qbServer(b)
	ctx := context.Background()
	for i := range 10_000 {
		cfg, sum := map[string]any{}, map[string]any{}
		for k := range 20 {
			cfg[fmt.Sprintf("p%d", k)] = map[string]any{"value": float64((i*7+k)%97) / 100}
			sum[fmt.Sprintf("m%d", k)] = float64((i*13+k)%89) / 10
		}
		cb, _ := json.Marshal(cfg)
		sb, _ := json.Marshal(sum)
		state := store.StateFinished
		if _, err := st.UpsertRun(ctx, store.RunUpsert{Entity: "bench", Project: "p", Name: fmt.Sprintf("run%05d", i),
			Config: cb, Summary: sb, State: &state}); err != nil {
			b.Fatal(err)
		}
	}
	qbNow()
	const q = `query($filters: JSONString, $order: String) { project(name: "p", entityName: "bench") {
	  runs(filters: $filters, order: $order, first: 50) { edges { node { id name displayName state config summaryMetrics tags createdAt } cursor } pageInfo { endCursor hasNextPage } } } }`
	// The first request lists the project from the store and parses every
	// run's config and summary: logged, not benchmarked.
	cpu0, wall0 := cpuTime(), time.Now()
	qbQuery(b, h, q, map[string]any{"filters": `{"config.p3.value":{"$gt":0.2}}`, "order": "-summary_metrics.m1"})
	b.Logf("first request (cold caches): %.1f ms wall, %.1f ms CPU", float64(time.Since(wall0))/1e6, float64(cpuTime()-cpu0)/1e6)
	for _, tc := range []struct {
		name string
		vars map[string]any
	}{
		{"newest", map[string]any{}},
		{"filter+order", map[string]any{"filters": `{"$and":[{"config.p3.value":{"$gt":0.2}},{"summary_metrics.m5":{"$lt":8}}]}`, "order": "-summary_metrics.m1"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			out := qbQuery(b, h, q, tc.vars)
			if !strings.Contains(string(out), `"hasNextPage":true`) {
				b.Fatalf("unexpected page: %.300s", out)
			}
			loop(b, func() { qbQuery(b, h, q, tc.vars) })
		})
	}
}

// BenchmarkBucketedHistory1M asks for 1,000 min/max/last buckets of one
// metric of a 1,000,000-step run.
func BenchmarkBucketedHistory1M(b *testing.B) {
	st, h := qbServer(b)
	ctx := context.Background()
	state := store.StateRunning
	r, err := st.UpsertRun(ctx, store.RunUpsert{Entity: "bench", Project: "p", Name: "long", State: &state})
	if err != nil {
		b.Fatal(err)
	}
	const n, batch = 1_000_000, 10_000
	lines := make([]string, batch)
	for off := 0; off < n; off += batch {
		for i := range lines {
			s := off + i
			lines[i] = fmt.Sprintf(`{"_step":%d,"loss":%g,"acc":%g}`, s, 1/float64(s+1), float64(s%1000)/1000)
		}
		if _, err := st.AppendHistory(ctx, r.ID, off, lines); err != nil {
			b.Fatal(err)
		}
	}
	qbNow()
	const q = `{ project(name: "p", entityName: "bench") { run(name: "long") {
	  bucketedHistory(key: "loss", buckets: 1000) { start end min max last } } } }`
	out := qbQuery(b, h, q, nil)
	if c := strings.Count(string(out), `"start"`); c != 1000 {
		b.Fatalf("%d buckets", c)
	}
	loop(b, func() { qbQuery(b, h, q, nil) })
}
