//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

// ingestRow is a W&B-shaped history row: 10 metrics plus _step, _runtime
// and _timestamp, as the W&B client writes them.
func ingestRow(buf []byte, step int) []byte {
	buf = append(buf[:0], `{"_step":`...)
	buf = strconv.AppendInt(buf, int64(step), 10)
	buf = append(buf, `,"_runtime":`...)
	buf = strconv.AppendFloat(buf, float64(step)*0.01, 'g', -1, 64)
	buf = append(buf, `,"_timestamp":`...)
	buf = strconv.AppendFloat(buf, 1.7e9+float64(step)*0.01, 'g', -1, 64)
	for k := range 10 {
		buf = append(buf, `,"train/metric_`...)
		buf = strconv.AppendInt(buf, int64(k), 10)
		buf = append(buf, `":`...)
		buf = strconv.AppendFloat(buf, math.Sin(float64(step+k)/100)*float64(k+1), 'g', -1, 64)
	}
	return append(buf, '}')
}

// BenchmarkServerIngest is the whole ingest path of `wandb server` over
// SQLite: 20 runs post file_stream requests concurrently on loopback HTTP,
// each request a batch of history rows of 10 metrics at the next offset,
// as the W&B client sends them. b.N is the number of rows over all runs;
// metric-values/s counts the 10 metrics of each row. Request bodies are
// built before the timer starts, so the client's JSON encoding is not
// counted. Run with -benchtime=200000x (10 000 rows a run).
//
// On a shared machine the wall-clock rate depends on the other load, so
// the benchmark also reports the process's CPU time (getrusage: server,
// SQLite and the HTTP clients together) per row, and values/cpu-s, the
// metric values ingested per second of that CPU time: the rate one idle
// core would sustain (the SQLite writer is one thread; parsing, HTTP and
// JSON decoding run beside it on the other cores).
func BenchmarkServerIngest(b *testing.B) {
	for _, rows := range []int{100, 1000} {
		b.Run(fmt.Sprint("rows_per_request=", rows), func(b *testing.B) { benchIngest(b, 20, rows) })
	}
}

func benchIngest(b *testing.B, runs, perReq int) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	blobs, err := localblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "bench", "", false)
	if err != nil {
		b.Fatal(err)
	}
	const key = "bench-key-0123456789abcdef"
	if _, err := st.CreateAPIKey(ctx, u.ID, key, ""); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, runs)
	for i := range ids {
		r, err := st.UpsertRun(ctx, store.RunUpsert{Entity: "bench", Project: "ingest", Name: fmt.Sprint("run", i)})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = r.ID
	}
	srv := httptest.NewServer(server.New(st, blobs).Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: runs, MaxConnsPerHost: runs}}
	defer client.CloseIdleConnections()

	per := max(b.N/runs, 1)
	type fsFile struct {
		Offset  int      `json:"offset"`
		Content []string `json:"content"`
	}
	bodies := make([][][]byte, runs) // per run, its requests
	var row []byte
	for r := range runs {
		for off := 0; off < per; off += perReq {
			content := make([]string, 0, perReq)
			for i := off; i < min(off+perReq, per); i++ {
				row = ingestRow(row, i)
				content = append(content, string(row))
			}
			body, err := json.Marshal(map[string]any{"files": map[string]fsFile{"wandb-history.jsonl": {off, content}}})
			if err != nil {
				b.Fatal(err)
			}
			bodies[r] = append(bodies[r], body)
		}
	}
	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, runs)
	for r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := fmt.Sprintf("%s/files/bench/ingest/run%d/file_stream", srv.URL, r)
			for _, body := range bodies[r] {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.SetBasicAuth("api", key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("run%d: %s: %s", r, resp.Status, msg)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for _, id := range ids {
		if r, err := st.RunByID(ctx, id); err != nil || r.HistoryLineCount != per {
			b.Fatalf("run %d: %d lines stored, want %d (%v)", id, r.HistoryLineCount, per, err)
		}
	}
	total := float64(per * runs)
	b.ReportMetric(total/el.Seconds(), "rows/s")
	b.ReportMetric(total*10/el.Seconds(), "metric-values/s")
	b.ReportMetric(cpu.Seconds()*1e6/total, "cpu-µs/row")
	b.ReportMetric(total*10/cpu.Seconds(), "values/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
