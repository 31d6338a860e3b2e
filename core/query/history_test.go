package query_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/gowandb/wandb/core/query"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/wjson"
)

func historyRun(t *testing.T, n int) (*env, *query.Run, []string) {
	e := startServer(t)
	rows := historyRows(n)
	e.seedRun(t, "alice", "p", "h", nil, `{}`, store.StateFinished, nil, rows)
	r, err := e.client(t, aliceKey).Run(t.Context(), "alice/p/h")
	if err != nil {
		t.Fatal(err)
	}
	return e, r, rows
}

func decoded(t *testing.T, line string) query.HistoryRow {
	v, err := wjson.Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

// Scan returns every row as logged, across pages.
func TestScanReadsEveryRow(t *testing.T) {
	_, r, rows := historyRun(t, 2*query.ScanPageSize+17)
	var got []query.HistoryRow
	for row, err := range r.Scan(t.Context(), query.HistoryQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row)
	}
	if len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
	for i := range rows {
		want := decoded(t, rows[i])
		a, _ := json.Marshal(got[i])
		b, _ := json.Marshal(want)
		if string(a) != string(b) {
			t.Fatalf("row %d: %s, want %s", i, a, b)
		}
	}
	// A step range, and keys: rows lacking "val" are skipped.
	all, err := r.History(t.Context(), query.HistoryQuery{Keys: []string{"val"}, MinStep: 100, MaxStep: 200})
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	for _, row := range all {
		if len(row) != 2 {
			t.Errorf("row %v has more than _step and val", row)
		}
		steps = append(steps, row.Step())
	}
	if want := []int64{100, 110, 120, 130, 140, 150, 160, 170, 180, 190}; !slices.Equal(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
}

func TestSampledHistory(t *testing.T) {
	_, r, _ := historyRun(t, 1000)
	ctx := t.Context()
	// Whole rows, spread evenly: first and last included.
	rows, err := r.History(ctx, query.HistoryQuery{Samples: 5})
	if err != nil {
		t.Fatal(err)
	}
	var steps []int64
	for _, row := range rows {
		steps = append(steps, row.Step())
	}
	if !slices.Equal(steps, []int64{0, 249, 499, 749, 999}) {
		t.Errorf("samples 5: steps %v", steps)
	}
	// W&B's sampledHistory: rows holding every key, only those keys.
	rows, err = r.History(ctx, query.HistoryQuery{Keys: []string{"loss", "val"}, Samples: 10, MinStep: 0, MaxStep: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 10 {
		t.Fatalf("%d rows, want 10", len(rows))
	}
	for _, row := range rows {
		s := row.Step()
		if s%10 != 0 || s >= 500 || row["val"] != s || row["loss"] != 1/float64(s+1) || len(row) != 3 {
			t.Errorf("row %v", row)
		}
	}
	// Nested keys by path.
	rows, err = r.History(ctx, query.HistoryQuery{Keys: []string{"opt.lr"}, Samples: 3})
	if err != nil || len(rows) != 3 || rows[0]["opt.lr"] != 0.1 {
		t.Errorf("nested: %v %v", rows, err)
	}
	// Bad ranges are refused.
	if _, err := r.History(ctx, query.HistoryQuery{Samples: 3, MinStep: 10, MaxStep: 5}); err == nil {
		t.Error("empty range accepted")
	}
}

func TestNonFiniteValues(t *testing.T) {
	e := startServer(t)
	e.seedRun(t, "alice", "p", "nan", nil, `{"best":NaN}`, store.StateFinished, nil,
		[]string{`{"_step":0,"x":NaN}`, `{"_step":1,"x":Infinity}`, `{"_step":2,"x":-Infinity}`, `{"_step":3,"x":1}`})
	r, err := e.client(t, aliceKey).Run(t.Context(), "alice/p/nan")
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(r.Summary["best"].(float64)) {
		t.Errorf("summary %v", r.Summary)
	}
	for _, q := range []query.HistoryQuery{{}, {Keys: []string{"x"}, Samples: 10}} {
		rows, err := r.History(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || !math.IsNaN(rows[0]["x"].(float64)) || !math.IsInf(rows[1]["x"].(float64), 1) ||
			!math.IsInf(rows[2]["x"].(float64), -1) || rows[3]["x"] != int64(1) {
			t.Errorf("%+v: rows %v", q, rows)
		}
	}
}

func TestBucketsAndKeys(t *testing.T) {
	_, r, _ := historyRun(t, 1000)
	ctx := t.Context()
	keys, last, err := r.HistoryKeys(ctx)
	if err != nil || last != 999 || !slices.Equal(keys, []string{"acc", "loss", "opt.lr", "val"}) {
		t.Fatalf("keys %v last %d err %v", keys, last, err)
	}
	bs, err := r.Buckets(ctx, "loss", query.BucketQuery{Buckets: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 10 {
		t.Fatalf("%d buckets", len(bs))
	}
	b := bs[0]
	if b.Start != 0 || b.End != 99 || b.Count != 100 || b.Max != 1 || b.Min != 1.0/100 || b.Last != 1.0/100 || b.LastStep != 99 {
		t.Errorf("bucket 0 %+v", b)
	}
	// x by another key; a sub-range.
	bs, err = r.Buckets(ctx, "val", query.BucketQuery{XKey: "acc", MinStep: 500, MaxStep: 599, Buckets: 2})
	if err != nil || len(bs) != 2 || bs[0].Count != 5 || bs[1].Last != 590 || bs[1].X != 0.599 {
		t.Errorf("val by acc: %+v %v", bs, err)
	}
	if _, err := r.Buckets(ctx, "loss", query.BucketQuery{Buckets: store.MaxBuckets + 1}); err == nil {
		t.Error("too many buckets accepted")
	}
	_ = context.Background
}
