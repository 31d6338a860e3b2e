package runstate

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/record"
	"github.com/gowandb/wandb/core/record/recordpb"
)

// harness collects the records a handler emits.
type harness struct {
	t     *testing.T
	h     *Handler
	recs  []*recordpb.Record
	warns []string
	clock time.Time
}

func newHarness(t *testing.T, mod ...func(*Options)) *harness {
	hs := &harness{t: t, clock: time.Unix(1700000000, 0)}
	opts := Options{
		StartTime: hs.clock,
		Now:       func() time.Time { return hs.clock },
		Warn:      func(m string) { hs.warns = append(hs.warns, m) },
		Emit: func(b []byte) {
			r, err := record.Unmarshal(b)
			if err != nil {
				t.Fatalf("emitted record does not decode: %v", err)
			}
			hs.recs = append(hs.recs, r)
		},
	}
	for _, m := range mod {
		m(&opts)
	}
	hs.h = NewHandler(opts)
	return hs
}

// records drains the handler and returns every record emitted so far.
func (hs *harness) records() []*recordpb.Record {
	hs.h.Drain()
	return hs.recs
}

// rows returns the history rows emitted, as step → flat key → JSON.
func (hs *harness) rows() []map[string]string {
	var out []map[string]string
	for _, r := range hs.records() {
		h := r.GetHistory()
		if h == nil {
			continue
		}
		m := map[string]string{}
		for _, it := range h.Item {
			k := it.Key
			if len(it.NestedKey) > 0 {
				k = strings.Join(it.NestedKey, ".")
			}
			m[k] = record.ItemJSON(it)
		}
		if got, want := h.GetStep().GetNum(), m["_step"]; want != itoa(got) {
			hs.t.Fatalf("record step %d but _step %s", got, want)
		}
		out = append(out, m)
	}
	return out
}

func itoa(i int64) string { return Value{Kind: KindInt, I: i}.JSON() }

// user keys of a row, without _step/_runtime/_timestamp.
func userKeys(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if !strings.HasPrefix(k, "_") {
			out[k] = v
		}
	}
	return out
}

type call struct {
	data map[string]any
	opts LogOptions
}

func step(n int64) LogOptions  { return LogOptions{Step: n, HasStep: true} }
func commit(c bool) LogOptions { return LogOptions{Commit: c, HasCommit: true} }
func stepCommit(n int64, c bool) LogOptions {
	return LogOptions{Step: n, HasStep: true, Commit: c, HasCommit: true}
}

// TestStepCommitRules is wandb-behaviour.md §3.1, rule by rule, and the
// examples of the reference's log documentation.
func TestStepCommitRules(t *testing.T) {
	type row struct {
		step int64
		data map[string]string
	}
	tests := []struct {
		name     string
		calls    []call
		want     []row
		wantStep int64
		dropped  int64
	}{
		{"basic usage increments the step", []call{
			{map[string]any{"accuracy": 0.9, "epoch": 5}, LogOptions{}},
			{map[string]any{"accuracy": 0.8}, LogOptions{}},
		}, []row{{0, map[string]string{"accuracy": "0.9", "epoch": "5"}}, {1, map[string]string{"accuracy": "0.8"}}}, 2, 0},
		{"incremental logging: commit=false then log", []call{
			{map[string]any{"loss": 0.2}, commit(false)},
			{map[string]any{"accuracy": 0.8}, LogOptions{}},
		}, []row{{0, map[string]string{"loss": "0.2", "accuracy": "0.8"}}}, 1, 0},
		{"same-step keys overwrite", []call{
			{map[string]any{"loss": 0.5}, commit(false)},
			{map[string]any{"loss": 0.4}, commit(false)},
			{map[string]any{}, commit(true)},
		}, []row{{0, map[string]string{"loss": "0.4"}}}, 1, 0},
		{"explicit step accumulates without committing", []call{
			{map[string]any{"a": 1}, step(5)},
			{map[string]any{"b": 2}, step(5)},
		}, nil, 5, 0},
		{"a higher step commits the pending row", []call{
			{map[string]any{"a": 1}, step(5)},
			{map[string]any{"b": 2}, step(7)},
		}, []row{{5, map[string]string{"a": "1"}}}, 7, 0},
		{"explicit step persists earlier uncommitted data", []call{
			{map[string]any{"a": 1}, commit(false)},
			{map[string]any{"b": 2}, step(3)},
			{map[string]any{"c": 3}, LogOptions{}},
		}, []row{{0, map[string]string{"a": "1"}}, {3, map[string]string{"b": "2", "c": "3"}}}, 4, 0},
		{"step with commit=true commits that step", []call{
			{map[string]any{"a": 1}, stepCommit(2, true)},
		}, []row{{2, map[string]string{"a": "1"}}}, 3, 0},
		{"lower step is dropped", []call{
			{map[string]any{"a": 1}, LogOptions{}},
			{map[string]any{"a": 2}, LogOptions{}},
			{map[string]any{"a": 99}, step(0)},
			{map[string]any{"a": 3}, LogOptions{}},
		}, []row{{0, map[string]string{"a": "1"}}, {1, map[string]string{"a": "2"}}, {2, map[string]string{"a": "3"}}}, 3, 1},
		{"step equal to current adds to the row", []call{
			{map[string]any{"a": 1}, commit(false)},
			{map[string]any{"b": 2}, step(0)},
			{map[string]any{}, LogOptions{}},
		}, []row{{0, map[string]string{"a": "1", "b": "2"}}}, 1, 0},
		{"an empty commit advances the step", []call{
			{map[string]any{}, LogOptions{}},
			{map[string]any{"a": 1}, LogOptions{}},
		}, []row{{1, map[string]string{"a": "1"}}}, 2, 0},
		{"commit=false with an explicit step", []call{
			{map[string]any{"a": 1}, stepCommit(4, false)},
			{map[string]any{"a": 2}, stepCommit(4, false)},
			{map[string]any{}, commit(true)},
		}, []row{{4, map[string]string{"a": "2"}}}, 5, 0},
		{"user _step is ignored", []call{
			{map[string]any{"_step": 42, "a": 1}, LogOptions{}},
		}, []row{{0, map[string]string{"a": "1"}}}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t)
			for _, c := range tc.calls {
				if err := hs.h.Log(c.data, c.opts); err != nil {
					t.Fatal(err)
				}
			}
			rows := hs.rows()
			if len(rows) != len(tc.want) {
				t.Fatalf("got %d rows %v, want %d", len(rows), rows, len(tc.want))
			}
			for i, w := range tc.want {
				if rows[i]["_step"] != itoa(w.step) {
					t.Errorf("row %d: _step %s, want %d", i, rows[i]["_step"], w.step)
				}
				if got := userKeys(rows[i]); !reflect.DeepEqual(got, w.data) {
					t.Errorf("row %d: %v, want %v", i, got, w.data)
				}
				for _, k := range []string{"_runtime", "_timestamp"} {
					if _, ok := rows[i][k]; !ok {
						t.Errorf("row %d lacks %s", i, k)
					}
				}
			}
			if got := hs.h.Step(); got != tc.wantStep {
				t.Errorf("step = %d, want %d", got, tc.wantStep)
			}
			if got := hs.h.Dropped(); got != tc.dropped {
				t.Errorf("dropped = %d, want %d", got, tc.dropped)
			}
			if tc.dropped > 0 && (len(hs.warns) == 0 || !strings.Contains(hs.warns[0], "monotonically")) {
				t.Errorf("no warning for a dropped step: %v", hs.warns)
			}
		})
	}
}

func TestStrictStepsReturnsError(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.Strict = true })
	_ = hs.h.Log(map[string]any{"a": 1}, step(5))
	err := hs.h.Log(map[string]any{"a": 2}, step(4))
	if !errors.Is(err, ErrStepNotMonotonic) {
		t.Fatalf("err = %v, want ErrStepNotMonotonic", err)
	}
	if !strings.Contains(err.Error(), "step 4") || !strings.Contains(err.Error(), "current step 5") {
		t.Fatalf("error does not name the steps: %v", err)
	}
}

func TestCloseFlushesPendingRow(t *testing.T) {
	hs := newHarness(t)
	_ = hs.h.Log(map[string]any{"a": 1}, step(3))
	hs.h.Close()
	rows := hs.rows()
	if len(rows) != 1 || rows[0]["_step"] != "3" {
		t.Fatalf("rows = %v, want the pending step 3 row", rows)
	}
	if err := hs.h.Log(map[string]any{"a": 1}, LogOptions{}); err == nil {
		t.Fatal("Log after Close succeeded")
	}
	hs.h.Close() // idempotent
	n := 0
	for _, r := range hs.records() {
		if r.GetSummary() != nil {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d summary records after two Close calls, want 1", n)
	}
}

func TestRuntimeAndTimestamp(t *testing.T) {
	hs := newHarness(t, func(o *Options) { o.RuntimeOffset = 10 * time.Second })
	hs.clock = hs.clock.Add(2500 * time.Millisecond)
	_ = hs.h.Log(map[string]any{"a": 1}, LogOptions{})
	_ = hs.h.Log(map[string]any{"a": 1, "_timestamp": 12.5}, LogOptions{})
	rows := hs.rows()
	if rows[0]["_runtime"] != "12.5" {
		t.Fatalf("_runtime = %s, want 12.5 (offset + elapsed)", rows[0]["_runtime"])
	}
	if rows[0]["_timestamp"] != "1700000002.5" {
		t.Fatalf("_timestamp = %s", rows[0]["_timestamp"])
	}
	if rows[1]["_timestamp"] != "12.5" {
		t.Fatalf("a user _timestamp is kept: got %s", rows[1]["_timestamp"])
	}
}

// TestValueConversion covers what each Go type becomes in history JSON.
func TestValueConversion(t *testing.T) {
	type point struct{ X, Y int }
	tm := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	long := make([]float64, 40)
	for i := range long {
		long[i] = float64(i)
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"float64", 0.5, "0.5"},
		{"float32 keeps its digits", float32(0.1), "0.1"},
		{"int", 42, "42"},
		{"int64 beyond 2^53", int64(1) << 60, "1152921504606846976"},
		{"uint64 max", uint64(math.MaxUint64), "18446744073709551615"},
		{"bool", true, "true"},
		{"string", "a\"b\n", `"a\"b\n"`},
		{"nil", nil, "null"},
		{"NaN", math.NaN(), "NaN"},
		{"+Inf", math.Inf(1), "Infinity"},
		{"-Inf", math.Inf(-1), "-Infinity"},
		{"tiny float", 1e-7, "1e-7"},
		{"huge float", 1e22, "1e+22"},
		{"time", tm, `"2026-01-02T03:04:05Z"`},
		{"duration is seconds", 1500 * time.Millisecond, "1.5"},
		{"short slice stays a list", []float64{1, 2.5}, "[1.0,2.5]"},
		{"integral float stays a float", 3.0, "3.0"},
		{"int slice", []int{1, 2, 3}, "[1,2,3]"},
		{"string slice", []string{"a", "b"}, `["a","b"]`},
		{"array", [2]int{1, 2}, "[1,2]"},
		{"slice of any", []any{1, "x", nil, math.NaN()}, `[1,"x",null,NaN]`},
		{"map in a list", []map[string]int{{"b": 2, "a": 1}}, `[{"a":1,"b":2}]`},
		{"pointer", func() *int { i := 3; return &i }(), "3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Convert("k", tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.JSON(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("long slice becomes a 32-bin histogram", func(t *testing.T) {
		v, err := Convert("k", long)
		if err != nil {
			t.Fatal(err)
		}
		x, err := DecodeJSON([]byte(v.JSON()))
		if err != nil {
			t.Fatal(err)
		}
		m := x.(map[string]any)
		if m["_type"] != "histogram" || len(m["values"].([]any)) != 32 || len(m["bins"].([]any)) != 33 {
			t.Fatalf("histogram = %v", m)
		}
		var total int64
		for _, c := range m["values"].([]any) {
			total += c.(int64)
		}
		if total != 40 {
			t.Fatalf("counts sum to %d, want 40", total)
		}
	})
	bad := []struct {
		name string
		in   any
		want error
		msg  string
	}{
		{"channel", make(chan int), ErrUnsupportedType, "chan int"},
		{"func", func() {}, ErrUnsupportedType, "func()"},
		{"struct", point{1, 2}, ErrUnsupportedType, "runstate.point"},
		{"complex", complex(1, 2), ErrUnsupportedType, "complex128"},
		{"non-UTF-8 string", "\xff\xfe", ErrInvalidValue, "UTF-8"},
		{"huge string", strings.Repeat("x", MaxValueBytes+1), ErrInvalidValue, "limit"},
		{"map with int keys", map[int]int{1: 1}, ErrUnsupportedType, "int keys"},
	}
	for _, tc := range bad {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := Convert("mykey", tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), `"mykey"`) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q does not name the key and %q", err, tc.msg)
			}
		})
	}
}

// TestBadValuesDoNotStopOtherKeys: one bad key is reported, the rest land.
func TestBadValuesDoNotStopOtherKeys(t *testing.T) {
	hs := newHarness(t)
	err := hs.h.Log(map[string]any{"good": 1, "bad": make(chan int), "also": "ok", "\xff": 1}, LogOptions{})
	if !errors.Is(err, ErrUnsupportedType) || !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("err = %v", err)
	}
	rows := hs.rows()
	if got := userKeys(rows[0]); !reflect.DeepEqual(got, map[string]string{"good": "1", "also": `"ok"`}) {
		t.Fatalf("row = %v", got)
	}
}

func TestNestedMapsStayNested(t *testing.T) {
	hs := newHarness(t)
	_ = hs.h.Log(map[string]any{"dataset-1": map[string]any{"acc": 0.9, "loss": 0.3}, "dataset-2": map[string]any{"acc": 0.8, "deep": map[string]any{"x": 1}}, "empty": map[string]any{}}, LogOptions{})
	got := userKeys(hs.rows()[0])
	want := map[string]string{"dataset-1.acc": "0.9", "dataset-1.loss": "0.3", "dataset-2.acc": "0.8", "dataset-2.deep.x": "1", "empty": "{}"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	sum := hs.h.Summary().Map()
	if sum["dataset-2"].(map[string]any)["deep"].(map[string]any)["x"] != int64(1) {
		t.Fatalf("summary is not nested: %v", sum)
	}
}

func TestConcurrentLog(t *testing.T) {
	hs := newHarness(t)
	var mu sync.Mutex
	hs.h.opts.Emit = func(b []byte) { mu.Lock(); defer mu.Unlock(); hs.recs = append(hs.recs, nil) }
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				_ = hs.h.Log(map[string]any{"g": g, "i": i}, LogOptions{})
			}
		}()
	}
	wg.Wait()
	if hs.h.Step() != 8000 || hs.h.Rows() != 8000 {
		t.Fatalf("step %d rows %d, want 8000", hs.h.Step(), hs.h.Rows())
	}
}

func FuzzConvert(f *testing.F) {
	f.Add("key", 1.5, int64(3), "text", true)
	f.Add("\xff", math.NaN(), int64(-1), "\xfe", false)
	f.Fuzz(func(t *testing.T, key string, fl float64, i int64, s string, b bool) {
		for _, x := range []any{fl, i, s, b, []float64{fl, fl}, []any{s, fl}, map[string]any{s: fl}} {
			v, err := Convert(key, x)
			if err != nil {
				if !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrUnsupportedType) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				continue
			}
			js := v.JSON()
			back, err := DecodeJSON([]byte(js))
			if err != nil {
				t.Fatalf("Convert(%#v) = %s, which does not decode: %v", x, js, err)
			}
			if f, ok := x.(float64); ok {
				g, _ := back.(float64)
				if gi, ok := back.(int64); ok {
					g = float64(gi)
				}
				if !(g == f || (math.IsNaN(f) && math.IsNaN(g))) {
					t.Fatalf("float %v round-trips to %v via %s", f, back, js)
				}
			}
			if str, ok := x.(string); ok && back != str {
				t.Fatalf("string %q round-trips to %q", str, back)
			}
		}
		hs := newHarness(t)
		_ = hs.h.Log(map[string]any{key: fl, "s": s}, LogOptions{})
	})
}
