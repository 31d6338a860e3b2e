// Package storetest is the conformance suite for store.Store
// implementations: every backend (SQLite now, PostgreSQL later) runs the
// same tests through Run, so they behave alike. Modelled on the public
// test-helper packages of prometheus/client_golang (testutil).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/store"
)

// Run runs the suite. newStore returns an empty store; it registers its own
// cleanup with t. Stores whose chunk size is small (a few points) exercise
// chunk edges best; the suite makes no assumption about the chunk size.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"UsersAndKeys", testUsers},
		{"Teams", testTeams},
		{"Projects", testProjects},
		{"RunUpsertIsIdempotent", testRunUpsert},
		{"RunStates", testRunStates},
		{"ListRuns", testListRuns},
		{"AppendHistoryIdempotentByOffset", testAppendIdempotent},
		{"AppendHistoryRejectsBadLines", testAppendInvalid},
		{"HistoryKeysFlattened", testKeys},
		{"SampledHistoryMatchesBruteForce", testSampled},
		{"SampledHistoryXKey", testSampledXKey},
		{"ConcurrentAppends", testConcurrent},
		{"EventsAndOutputLines", testLines},
		{"Files", testFiles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// must(v, err)(t) fails t on err and returns v.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
	if !strings.HasPrefix(err.Error(), "store: ") {
		t.Fatalf("err %q lacks the \"store: \" prefix", err)
	}
}

func newRun(t *testing.T, s store.Store, name string) store.Run {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Entity(ctx, "alice"); err != nil {
		must(s.CreateUser(ctx, "alice", "a@example.com", false))(t)
	}
	return must(s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: name}))(t)
}

func testUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	u := must(s.CreateUser(ctx, "alice", "a@example.com", true))(t)
	if u.ID == 0 || !u.Admin || u.Name != "alice" {
		t.Fatalf("user = %+v", u)
	}
	_, err := s.CreateUser(ctx, "alice", "", false)
	wantErr(t, err, store.ErrConflict)
	_, err = s.CreateUser(ctx, "a/b", "", false)
	wantErr(t, err, store.ErrInvalid)
	_, err = s.UserByName(ctx, "bob")
	wantErr(t, err, store.ErrNotFound)
	got := must(s.UserByName(ctx, "alice"))(t)
	if got.ID != u.ID || got.Email != "a@example.com" {
		t.Fatalf("UserByName = %+v", got)
	}
	const secret = "0123456789abcdef0123456789abcdef01234567"
	k := must(s.CreateAPIKey(ctx, u.ID, secret, "first"))(t)
	_, err = s.CreateAPIKey(ctx, u.ID, secret, "again")
	wantErr(t, err, store.ErrConflict)
	_, err = s.CreateAPIKey(ctx, u.ID+100, secret+"x", "")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.CreateAPIKey(ctx, u.ID, "short", "")
	wantErr(t, err, store.ErrInvalid)
	ku, kk, err := s.UserByAPIKey(ctx, secret)
	if err != nil || ku.ID != u.ID || kk.ID != k.ID || kk.Description != "first" {
		t.Fatalf("UserByAPIKey = %+v %+v %v", ku, kk, err)
	}
	_, _, err = s.UserByAPIKey(ctx, secret+"x")
	wantErr(t, err, store.ErrNotFound)
	if err := s.DeleteAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.UserByAPIKey(ctx, secret)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteAPIKey(ctx, k.ID), store.ErrNotFound)
}

func testTeams(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := must(s.CreateUser(ctx, "alice", "", false))(t)
	b := must(s.CreateUser(ctx, "bob", "", false))(t)
	must(s.CreateTeam(ctx, "lab"))(t)
	_, err := s.CreateTeam(ctx, "bob")
	wantErr(t, err, store.ErrConflict)
	_, err = s.CreateUser(ctx, "lab", "", false)
	wantErr(t, err, store.ErrConflict)
	for range 2 { // idempotent
		if err := s.AddMember(ctx, "lab", a.ID); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.AddMember(ctx, "nope", a.ID), store.ErrNotFound)
	wantErr(t, s.AddMember(ctx, "bob", a.ID), store.ErrInvalid)
	es := must(s.EntitiesOf(ctx, a.ID))(t)
	if len(es) != 2 || es[0].Name != "alice" || es[0].IsTeam || es[1].Name != "lab" || !es[1].IsTeam {
		t.Fatalf("EntitiesOf(alice) = %+v", es)
	}
	for _, c := range []struct {
		user   int64
		entity string
		want   bool
	}{{a.ID, "alice", true}, {a.ID, "lab", true}, {a.ID, "bob", false}, {b.ID, "lab", false}, {b.ID, "bob", true}, {a.ID, "nope", false}} {
		if got := must(s.CanAccess(ctx, c.user, c.entity))(t); got != c.want {
			t.Errorf("CanAccess(%d, %q) = %v, want %v", c.user, c.entity, got, c.want)
		}
	}
}

func testProjects(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(s.CreateUser(ctx, "alice", "", false))(t)
	p1 := must(s.UpsertProject(ctx, "alice", "mnist"))(t)
	p2 := must(s.UpsertProject(ctx, "alice", "mnist"))(t)
	if p1.ID != p2.ID || p1.Entity != "alice" {
		t.Fatalf("upsert twice: %+v %+v", p1, p2)
	}
	must(s.UpsertProject(ctx, "alice", "cifar"))(t)
	_, err := s.UpsertProject(ctx, "nobody", "x")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.UpsertProject(ctx, "alice", "..")
	wantErr(t, err, store.ErrInvalid)
	_, err = s.Project(ctx, "alice", "nope")
	wantErr(t, err, store.ErrNotFound)
	ps := must(s.ListProjects(ctx, "alice"))(t)
	if len(ps) != 2 || ps[0].Name != "cifar" || ps[1].Name != "mnist" {
		t.Fatalf("ListProjects = %+v", ps)
	}
}

func ptr[T any](v T) *T { return &v }

func testRunUpsert(t *testing.T, s store.Store) {
	ctx := context.Background()
	must(s.CreateUser(ctx, "alice", "", false))(t)
	u := store.RunUpsert{Entity: "alice", Project: "p", Name: "abc123", DisplayName: ptr("brisk-fox-1"),
		Tags: ptr([]string{"a", "b"}), Group: ptr("g"), JobType: ptr("train"), Notes: ptr("n"),
		Config: json.RawMessage(`{"lr":{"value":0.1}}`)}
	r1 := must(s.UpsertRun(ctx, u))(t)
	r2 := must(s.UpsertRun(ctx, u))(t)
	if r1.ID != r2.ID || r2.State != store.StateRunning || r2.DisplayName != "brisk-fox-1" || r2.Group != "g" ||
		r2.JobType != "train" || r2.Notes != "n" || !reflect.DeepEqual(r2.Tags, []string{"a", "b"}) ||
		string(r2.Config) != `{"lr":{"value":0.1}}` || string(r2.Summary) != "{}" || r2.Entity != "alice" || r2.Project != "p" {
		t.Fatalf("upsert: %+v / %+v", r1, r2)
	}
	// Partial update keeps the other fields.
	r3 := must(s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: "abc123", Summary: json.RawMessage(`{"loss":1}`)}))(t)
	if r3.DisplayName != "brisk-fox-1" || string(r3.Summary) != `{"loss":1}` {
		t.Fatalf("partial upsert: %+v", r3)
	}
	got := must(s.Run(ctx, "alice", "p", "abc123"))(t)
	if got.ID != r1.ID {
		t.Fatalf("Run = %+v", got)
	}
	_, err := s.Run(ctx, "alice", "p", "zzz")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.RunByID(ctx, r1.ID+1000)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: "x", Config: json.RawMessage(`[1]`)})
	wantErr(t, err, store.ErrInvalid)
	_, err = s.UpsertRun(ctx, store.RunUpsert{Entity: "nobody", Project: "p", Name: "x"})
	wantErr(t, err, store.ErrNotFound)
	_, err = s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: "a/b"})
	wantErr(t, err, store.ErrInvalid)
}

func testRunStates(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r1")
	r2 := newRun(t, s, "r2")
	wantErr(t, s.SetRunState(ctx, r.ID, "sleeping", nil), store.ErrInvalid)
	wantErr(t, s.SetRunState(ctx, r.ID+1000, store.StateFinished, nil), store.ErrNotFound)
	if err := s.SetRunState(ctx, r.ID, store.StateFailed, ptr(3)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.StopRun(ctx, r2.ID); err != nil {
			t.Fatal(err)
		}
	}
	got := must(s.RunByID(ctx, r.ID))(t)
	if got.State != store.StateFailed || got.ExitCode == nil || *got.ExitCode != 3 || got.Stopped {
		t.Fatalf("after SetRunState: %+v", got)
	}
	if !must(s.RunByID(ctx, r2.ID))(t).Stopped {
		t.Fatal("StopRun did not set Stopped")
	}
	// Heartbeats: r2 alive now, a third run silent since long ago.
	r3 := newRun(t, s, "r3")
	old := time.Unix(1000, 0)
	now := time.Now()
	if err := s.Heartbeat(ctx, r3.ID, old); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, r2.ID, now); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Heartbeat(ctx, r.ID+1000, now), store.ErrNotFound)
	if hb := must(s.RunByID(ctx, r3.ID))(t).HeartbeatAt; !hb.Equal(old) {
		t.Fatalf("HeartbeatAt = %v, want %v", hb, old)
	}
	// A fourth run is preempting, then silent: it ends preempted, not crashed.
	r4 := newRun(t, s, "r4")
	if err := s.MarkPreempting(ctx, r4.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Heartbeat(ctx, r4.ID, old); err != nil {
		t.Fatal(err)
	}
	if st := must(s.RunByID(ctx, r4.ID))(t).State; st != store.StatePreempting {
		t.Fatalf("after MarkPreempting: %s", st)
	}
	wantErr(t, s.MarkPreempting(ctx, r.ID+1000), store.ErrNotFound)
	if err := s.MarkPreempting(ctx, r.ID); err != nil { // failed stays failed
		t.Fatal(err)
	}
	if st := must(s.RunByID(ctx, r.ID))(t).State; st != store.StateFailed {
		t.Fatalf("MarkPreempting changed a failed run to %s", st)
	}
	n := must(s.MarkCrashed(ctx, now.Add(-time.Minute)))(t)
	if n != 2 || must(s.RunByID(ctx, r3.ID))(t).State != store.StateCrashed || must(s.RunByID(ctx, r2.ID))(t).State != store.StateRunning ||
		must(s.RunByID(ctx, r4.ID))(t).State != store.StatePreempted {
		t.Fatalf("MarkCrashed changed %d runs", n)
	}
}

func testListRuns(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := range 5 {
		r := newRun(t, s, fmt.Sprintf("run%d", i))
		tags := []string{"even"}
		if i%2 == 1 {
			tags = []string{"odd"}
		}
		must(s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "p", Name: r.Name, Tags: &tags, Group: ptr(fmt.Sprint("g", i%3))}))(t)
	}
	must(s.UpsertRun(ctx, store.RunUpsert{Entity: "alice", Project: "q", Name: "other"}))(t)
	if err := s.SetRunState(ctx, must(s.Run(ctx, "alice", "p", "run1"))(t).ID, store.StateFinished, ptr(0)); err != nil {
		t.Fatal(err)
	}
	names := func(f store.RunFilter) string {
		rs := must(s.ListRuns(ctx, f))(t)
		var ns []string
		for _, r := range rs {
			ns = append(ns, r.Name)
		}
		sortStrings(ns)
		return strings.Join(ns, ",")
	}
	for _, c := range []struct {
		f    store.RunFilter
		want string
	}{
		{store.RunFilter{Entity: "alice", Project: "p"}, "run0,run1,run2,run3,run4"},
		{store.RunFilter{Entity: "alice"}, "other,run0,run1,run2,run3,run4"},
		{store.RunFilter{Project: "p", State: store.StateFinished}, "run1"},
		{store.RunFilter{Project: "p", Tag: "odd"}, "run1,run3"},
		{store.RunFilter{Project: "p", Group: "g0"}, "run0,run3"},
		{store.RunFilter{Entity: "bob"}, ""},
	} {
		if got := names(c.f); got != c.want {
			t.Errorf("ListRuns(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
	p1 := must(s.ListRuns(ctx, store.RunFilter{Project: "p", Limit: 2}))(t)
	p2 := must(s.ListRuns(ctx, store.RunFilter{Project: "p", Limit: 2, Offset: 2}))(t)
	p3 := must(s.ListRuns(ctx, store.RunFilter{Project: "p", Limit: 2, Offset: 4}))(t)
	if len(p1) != 2 || len(p2) != 2 || len(p3) != 1 || p1[0].ID == p2[0].ID {
		t.Fatalf("paging: %d %d %d", len(p1), len(p2), len(p3))
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func line(step int, v float64) string {
	return fmt.Sprintf(`{"_step":%d,"loss":%g,"acc":%g,"nested":{"a":%d},"name":"x","img":{"_type":"image-file","width":3}}`, step, v, -v, step*2)
}

func testAppendIdempotent(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r")
	var lines []string
	for i := range 20 {
		lines = append(lines, line(i, float64(i)))
	}
	if n := must(s.AppendHistory(ctx, r.ID, 0, lines[:10]))(t); n != 10 {
		t.Fatalf("count = %d", n)
	}
	// Resend overlapping 5..14: only 10..14 are new.
	if n := must(s.AppendHistory(ctx, r.ID, 5, lines[5:15]))(t); n != 15 {
		t.Fatalf("count = %d", n)
	}
	// Full resend: no-op.
	if n := must(s.AppendHistory(ctx, r.ID, 0, lines[:15]))(t); n != 15 {
		t.Fatalf("count = %d", n)
	}
	// Gap: offset 17 when 15 are stored.
	_, err := s.AppendHistory(ctx, r.ID, 17, lines[17:])
	wantErr(t, err, store.ErrConflict)
	var oe *store.OffsetError
	if !errors.As(err, &oe) || oe.Expected != 15 || oe.Got != 17 || !strings.Contains(err.Error(), "expected offset 15, got 17") {
		t.Fatalf("gap error = %v", err)
	}
	must(s.AppendHistory(ctx, r.ID, 15, lines[15:]))(t)
	_, err = s.AppendHistory(ctx, r.ID+1000, 0, lines[:1])
	wantErr(t, err, store.ErrNotFound)

	rows := must(s.HistoryRows(ctx, r.ID, 0, 0))(t)
	if len(rows) != 20 {
		t.Fatalf("%d rows, want 20", len(rows))
	}
	for i, h := range rows {
		if h.Offset != i || h.Step != int64(i) || h.JSON != lines[i] {
			t.Fatalf("row %d = %+v", i, h)
		}
	}
	if got := must(s.HistoryRows(ctx, r.ID, 18, 5))(t); len(got) != 2 || got[0].Offset != 18 {
		t.Fatalf("HistoryRows(18, 5) = %+v", got)
	}
	tail := must(s.HistoryTail(ctx, r.ID, 3))(t)
	if len(tail) != 3 || tail[0].Offset != 17 || tail[2].Offset != 19 {
		t.Fatalf("HistoryTail = %+v", tail)
	}
	if got := must(s.RunByID(ctx, r.ID))(t).HistoryLineCount; got != 20 {
		t.Fatalf("HistoryLineCount = %d", got)
	}
	// The chunks hold each point once despite the resends.
	bs := must(s.SampledHistory(ctx, r.ID, "loss", "", 0, 19, 1))(t)
	if len(bs) != 1 || bs[0].Count != 20 || bs[0].Min != 0 || bs[0].Max != 19 || bs[0].Last != 19 {
		t.Fatalf("buckets = %+v", bs)
	}
}

func testAppendInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r")
	for _, bad := range []string{`not json`, `[1,2]`, `{"a":1} {"b":2}`, ``, `{"a":`} {
		_, err := s.AppendHistory(ctx, r.ID, 0, []string{line(0, 1), bad})
		wantErr(t, err, store.ErrInvalid)
	}
	_, err := s.AppendHistory(ctx, r.ID, -1, []string{line(0, 1)})
	wantErr(t, err, store.ErrInvalid)
	if got := must(s.RunByID(ctx, r.ID))(t).HistoryLineCount; got != 0 {
		t.Fatalf("a rejected batch stored %d lines", got)
	}
	// W&B's NaN/Infinity tokens are accepted but are not points.
	must(s.AppendHistory(ctx, r.ID, 0, []string{`{"_step":0,"x":NaN,"y":Infinity,"z":1}`}))(t)
	bs := must(s.SampledHistory(ctx, r.ID, "x", "", 0, 10, 1))(t)
	if len(bs) != 0 {
		t.Fatalf("NaN became a point: %+v", bs)
	}
}

func testKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r")
	must(s.AppendHistory(ctx, r.ID, 0, []string{line(0, 1), `{"_step":1,"_runtime":1.5,"deep":{"er":{"k":2}},"flag":true}`}))(t)
	got := must(s.Keys(ctx, r.ID))(t)
	want := []string{"_runtime", "acc", "deep.er.k", "loss", "nested.a"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Keys = %q, want %q", got, want)
	}
}

// brute computes the expected buckets from the points directly.
func brute(steps []int64, vals []float64, minStep, maxStep int64, n int) []store.Bucket {
	sm, err := store.NewSampler(minStep, maxStep, n)
	if err != nil {
		panic(err)
	}
	for i := range steps {
		sm.AddPoint(steps[i], vals[i])
	}
	return sm.Result()
}

func testSampled(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r")
	// 3000 lines in uneven batches, steps with gaps (step = 2*i), a sine.
	var steps []int64
	var vals []float64
	var lines []string
	for i := range 3000 {
		v := math.Sin(float64(i)/37) * float64(i%101)
		steps, vals = append(steps, int64(2*i)), append(vals, v)
		lines = append(lines, fmt.Sprintf(`{"_step":%d,"loss":%v}`, 2*i, v))
	}
	for off, size := 0, 1; off < len(lines); size = size*3 + 1 {
		end := min(off+size, len(lines))
		must(s.AppendHistory(ctx, r.ID, off, lines[off:end]))(t)
		off = end
	}
	for _, c := range []struct {
		min, max int64
		n        int
	}{
		{0, 5998, 1}, {0, 5998, 7}, {0, 5998, 1000}, {0, 5998, 3000}, {0, 5998, 10000},
		{1, 5997, 13}, {100, 200, 3}, {5000, 100000, 50}, {7000, 8000, 10}, {0, 0, 1},
	} {
		got := must(s.SampledHistory(ctx, r.ID, "loss", "_step", c.min, c.max, c.n))(t)
		want := brute(steps, vals, c.min, c.max, c.n)
		if len(want) == 0 {
			want = []store.Bucket{}
		}
		if len(got) == 0 {
			got = []store.Bucket{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SampledHistory(%d, %d, %d): %d buckets, want %d", c.min, c.max, c.n, len(got), len(want))
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("bucket %d = %+v, want %+v", i, got[i], want[i])
					break
				}
			}
		}
	}
	for _, c := range []struct {
		min, max int64
		n        int
	}{{10, 5, 3}, {-1, 5, 3}, {0, 5, 0}, {0, 5, store.MaxBuckets + 1}} {
		_, err := s.SampledHistory(ctx, r.ID, "loss", "", c.min, c.max, c.n)
		wantErr(t, err, store.ErrInvalid)
	}
	if bs := must(s.SampledHistory(ctx, r.ID, "nope", "", 0, 10, 2))(t); len(bs) != 0 {
		t.Fatalf("unknown key: %+v", bs)
	}
}

func testSampledXKey(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r")
	var lines []string
	for i := range 100 {
		lines = append(lines, fmt.Sprintf(`{"_step":%d,"loss":%d,"_runtime":%g}`, i, i, float64(i)/2))
	}
	must(s.AppendHistory(ctx, r.ID, 0, lines))(t)
	bs := must(s.SampledHistory(ctx, r.ID, "loss", "_runtime", 0, 99, 10))(t)
	if len(bs) != 10 {
		t.Fatalf("%d buckets", len(bs))
	}
	for i, b := range bs {
		if b.LastStep != int64(10*i+9) || b.X != float64(10*i+9)/2 || b.Min != float64(10*i) || b.Max != float64(10*i+9) {
			t.Fatalf("bucket %d = %+v", i, b)
		}
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const runs, batches, per = 4, 10, 25
	ids := make([]int64, runs)
	for i := range ids {
		ids[i] = newRun(t, s, fmt.Sprint("c", i)).ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, runs*2)
	for _, id := range ids {
		wg.Add(2)
		go func() { // writer
			defer wg.Done()
			for b := range batches {
				var ls []string
				for i := range per {
					ls = append(ls, line(b*per+i, float64(i)))
				}
				if _, err := s.AppendHistory(ctx, id, b*per, ls); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // reader beside it
			defer wg.Done()
			for range batches {
				if _, err := s.SampledHistory(ctx, id, "loss", "", 0, 1000, 10); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range ids {
		if n := must(s.RunByID(ctx, id))(t).HistoryLineCount; n != batches*per {
			t.Fatalf("run %d has %d lines", id, n)
		}
	}
}

func testFiles(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r")
	at := time.Unix(1700000000, 0).UTC()
	for _, f := range []store.File{
		{RunID: r.ID, Name: "output.log", Size: 1, MD5: "a", UpdatedAt: at},
		{RunID: r.ID, Name: "media/images/x.png", Size: 2, MD5: "b", UpdatedAt: at},
		{RunID: r.ID, Name: "output.log", Size: 3, MD5: "c", UpdatedAt: at},
	} {
		if err := s.PutFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	fs := must(s.ListFiles(ctx, r.ID))(t)
	want := []store.File{
		{RunID: r.ID, Name: "media/images/x.png", Size: 2, MD5: "b", UpdatedAt: at},
		{RunID: r.ID, Name: "output.log", Size: 3, MD5: "c", UpdatedAt: at},
	}
	if !reflect.DeepEqual(fs, want) {
		t.Fatalf("ListFiles = %+v", fs)
	}
	if f := must(s.File(ctx, r.ID, "output.log"))(t); f.Size != 3 {
		t.Fatalf("File = %+v", f)
	}
	_, err := s.File(ctx, r.ID, "nope")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.PutFile(ctx, store.File{RunID: r.ID + 1000, Name: "x"}), store.ErrNotFound)
	wantErr(t, s.PutFile(ctx, store.File{RunID: r.ID}), store.ErrInvalid)
}

func testLines(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := newRun(t, s, "r")
	out := []string{"epoch 1", "", "naïve \x1b[1mbold\x1b[0m", "epoch 2"}
	if n := must(s.AppendLines(ctx, r.ID, store.StreamOutput, 0, out[:3]))(t); n != 3 {
		t.Fatalf("count = %d", n)
	}
	if n := must(s.AppendLines(ctx, r.ID, store.StreamOutput, 1, out[1:]))(t); n != 4 {
		t.Fatalf("count after resend = %d", n)
	}
	_, err := s.AppendLines(ctx, r.ID, store.StreamOutput, 9, out)
	var oe *store.OffsetError
	if !errors.As(err, &oe) || oe.Expected != 4 || oe.Got != 9 || oe.Stream != "output" {
		t.Fatalf("gap: %v", err)
	}
	wantErr(t, err, store.ErrConflict)
	if got := must(s.ReadLines(ctx, r.ID, store.StreamOutput, 0, 0))(t); !reflect.DeepEqual(got, out) {
		t.Fatalf("ReadLines = %q", got)
	}
	if got := must(s.ReadLines(ctx, r.ID, store.StreamOutput, 2, 1))(t); !reflect.DeepEqual(got, out[2:3]) {
		t.Fatalf("ReadLines(2, 1) = %q", got)
	}
	ev := []string{`{"system.cpu":12.5,"_wandb":true}`, `{"system.gpu.0.temp":NaN}`}
	must(s.AppendLines(ctx, r.ID, store.StreamEvents, 0, ev))(t)
	_, err = s.AppendLines(ctx, r.ID, store.StreamEvents, 2, []string{"not json"})
	wantErr(t, err, store.ErrInvalid)
	_, err = s.AppendLines(ctx, r.ID, "bogus", 0, out)
	wantErr(t, err, store.ErrInvalid)
	_, err = s.AppendLines(ctx, r.ID+1000, store.StreamOutput, 0, out)
	wantErr(t, err, store.ErrNotFound)
	got := must(s.RunByID(ctx, r.ID))(t)
	if got.LogLineCount != 4 || got.EventsLineCount != 2 || got.HistoryLineCount != 0 {
		t.Fatalf("counts: %+v", got)
	}
	if evs := must(s.ReadLines(ctx, r.ID, store.StreamEvents, 0, 0))(t); !reflect.DeepEqual(evs, ev) {
		t.Fatalf("events = %q", evs)
	}
}
