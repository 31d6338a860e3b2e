package storetest

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/store"
)

// ArtifactStore is a store that also keeps artifacts.
type ArtifactStore interface {
	store.Store
	store.Artifacts
}

// RunArtifacts runs the store.Artifacts suite. newStore returns an empty
// store and registers its own cleanup with t.
func RunArtifacts(t *testing.T, newStore func(t *testing.T) ArtifactStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, ArtifactStore)
	}{
		{"VersionsInCommitOrder", testArtifactVersions},
		{"SameDigestIsSameVersion", testArtifactDedup},
		{"AliasesMoveAndLatestFollows", testArtifactAliases},
		{"ResolveEveryRef", testArtifactResolve},
		{"TypeMismatchIsConflict", testArtifactTypeMismatch},
		{"InvalidInputRefused", testArtifactInvalid},
		{"CommitChecksDigestAndPaths", testArtifactCommitChecks},
		{"CollectionsAndTypes", testArtifactCollections},
		{"Lineage", testArtifactLineage},
		{"ConcurrentSameContent", testArtifactConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// entries returns n manifest entries whose content is seed-dependent.
func entries(seed string, n int) []store.ArtifactEntry {
	var out []store.ArtifactEntry
	for i := range n {
		sum := md5.Sum([]byte(fmt.Sprintf("%s-%d", seed, i)))
		out = append(out, store.ArtifactEntry{Path: fmt.Sprintf("dir/f%d.txt", i),
			Digest: base64.StdEncoding.EncodeToString(sum[:]), Size: int64(10 + i)})
	}
	return out
}

func artInput(project, name, typ string, es []store.ArtifactEntry, aliases ...string) store.ArtifactInput {
	return store.ArtifactInput{Entity: "alice", Project: project, Type: typ, Collection: name,
		Digest: store.ArtifactDigest(es), Aliases: aliases}
}

// logArtifact creates and commits a version the way the server does.
func logArtifact(t *testing.T, s ArtifactStore, in store.ArtifactInput, es []store.ArtifactEntry) store.Artifact {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Entity(ctx, in.Entity); err != nil {
		must(s.CreateUser(ctx, in.Entity, "", false))(t)
	}
	a, _ := must2(s.CreateArtifact(ctx, in))(t)
	if a.State == store.ArtifactCommitted {
		return a
	}
	return must(s.CommitArtifact(ctx, a.ID, es))(t)
}

func must2[A, B any](a A, b B, err error) func(*testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func testArtifactVersions(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	newRun(t, s, "r1")
	for i := range 3 {
		es := entries(fmt.Sprint("v", i), i+1)
		a := logArtifact(t, s, artInput("p", "ds", "dataset", es), es)
		if a.Version != i || a.State != store.ArtifactCommitted || a.VersionName() != fmt.Sprint("v", i) {
			t.Fatalf("version %d: got %+v", i, a)
		}
		if a.FileCount != i+1 || a.Collection != "ds" || a.Type != "dataset" || a.Entity != "alice" || a.Project != "p" {
			t.Fatalf("version %d: %+v", i, a)
		}
		got := must(s.ArtifactEntries(ctx, a.ID))(t)
		if !reflect.DeepEqual(got, es) {
			t.Fatalf("entries = %+v, want %+v", got, es)
		}
	}
	vs := must(s.ArtifactVersions(ctx, "alice", "p", "ds"))(t)
	if len(vs) != 3 || vs[0].Version != 0 || vs[2].Version != 2 {
		t.Fatalf("versions = %+v", vs)
	}
	// A pending version has no index and is not listed.
	es := entries("pending", 1)
	must(s.Entity(ctx, "alice"))(t)
	p, created := must2(s.CreateArtifact(ctx, artInput("p", "ds", "dataset", es)))(t)
	if !created || p.State != store.ArtifactPending || p.Version != -1 || p.VersionName() != "" {
		t.Fatalf("pending = %+v, created %v", p, created)
	}
	if n := len(must(s.ArtifactVersions(ctx, "alice", "p", "ds"))(t)); n != 3 {
		t.Fatalf("%d versions listed with one pending", n)
	}
}

func testArtifactDedup(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	es := entries("same", 2)
	a := logArtifact(t, s, artInput("p", "m", "model", es), es)
	b, created := must2(s.CreateArtifact(ctx, artInput("p", "m", "model", es, "best")))(t)
	if created || b.ID != a.ID || b.State != store.ArtifactCommitted || b.Version != 0 {
		t.Fatalf("same digest again: %+v created=%v", b, created)
	}
	if !reflect.DeepEqual(b.Aliases, []string{"best", "latest"}) {
		t.Fatalf("aliases of a re-logged version = %v", b.Aliases)
	}
	// Committing again is idempotent.
	c := must(s.CommitArtifact(ctx, a.ID, es))(t)
	if c.Version != 0 {
		t.Fatalf("recommit: %+v", c)
	}
	// The same content in another collection is another version 0.
	d := logArtifact(t, s, artInput("p", "m2", "model", es), es)
	if d.ID == a.ID || d.Version != 0 {
		t.Fatalf("other collection: %+v", d)
	}
	if n := len(must(s.ArtifactVersions(ctx, "alice", "p", "m"))(t)); n != 1 {
		t.Fatalf("%d versions, want 1", n)
	}
}

func testArtifactAliases(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	e0, e1 := entries("a", 1), entries("b", 1)
	v0 := logArtifact(t, s, artInput("p", "m", "model", e0, "best", "latest"), e0)
	if !reflect.DeepEqual(v0.Aliases, []string{"best", "latest"}) {
		t.Fatalf("v0 aliases = %v", v0.Aliases)
	}
	v1 := logArtifact(t, s, artInput("p", "m", "model", e1, "prod"), e1)
	if !reflect.DeepEqual(v1.Aliases, []string{"latest", "prod"}) {
		t.Fatalf("v1 aliases = %v", v1.Aliases)
	}
	v0 = must(s.Artifact(ctx, v0.ID))(t)
	if !reflect.DeepEqual(v0.Aliases, []string{"best"}) {
		t.Fatalf("v0 aliases after v1 = %v, latest must move", v0.Aliases)
	}
	// Moving "best" to v1.
	v1 = must(s.AddArtifactAliases(ctx, v1.ID, []string{"best"}))(t)
	v0 = must(s.Artifact(ctx, v0.ID))(t)
	if !reflect.DeepEqual(v1.Aliases, []string{"best", "latest", "prod"}) || len(v0.Aliases) != 0 {
		t.Fatalf("after moving best: v0 %v v1 %v", v0.Aliases, v1.Aliases)
	}
	// Re-logging v0's content does not move latest.
	again, _ := must2(s.CreateArtifact(ctx, artInput("p", "m", "model", e0)))(t)
	if again.ID != v0.ID || contains(again.Aliases, "latest") {
		t.Fatalf("re-logged v0: %+v", again)
	}
	_, err := s.AddArtifactAliases(ctx, v0.ID, []string{"v1"})
	wantErr(t, err, store.ErrInvalid)
	p, _ := must2(s.CreateArtifact(ctx, artInput("p", "m", "model", entries("c", 1))))(t)
	_, err = s.AddArtifactAliases(ctx, p.ID, []string{"x"})
	wantErr(t, err, store.ErrConflict)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func testArtifactResolve(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	e0, e1 := entries("a", 1), entries("b", 2)
	v0 := logArtifact(t, s, artInput("p", "m", "model", e0, "best"), e0)
	v1 := logArtifact(t, s, artInput("p", "m", "model", e1), e1)
	for ref, want := range map[string]int64{"": v1.ID, "latest": v1.ID, "v0": v0.ID, "v1": v1.ID, "best": v0.ID,
		v0.Digest: v0.ID, v1.Digest: v1.ID} {
		a, err := s.ResolveArtifact(ctx, "alice", "p", "m", ref)
		if err != nil || a.ID != want {
			t.Errorf("resolve %q = %d, %v; want %d", ref, a.ID, err, want)
		}
	}
	for _, ref := range []string{"v2", "nope", "v01x", "0123456789abcdef0123456789abcdef"} {
		_, err := s.ResolveArtifact(ctx, "alice", "p", "m", ref)
		wantErr(t, err, store.ErrNotFound)
	}
	_, err := s.ResolveArtifact(ctx, "alice", "p", "other", "latest")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.ResolveArtifact(ctx, "bob", "p", "m", "latest")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.Artifact(ctx, 1<<40)
	wantErr(t, err, store.ErrNotFound)
}

func testArtifactTypeMismatch(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	es := entries("a", 1)
	logArtifact(t, s, artInput("p", "m", "model", es), es)
	_, _, err := s.CreateArtifact(ctx, artInput("p", "m", "dataset", entries("b", 1)))
	wantErr(t, err, store.ErrConflict)
	// The same name in another project is independent.
	logArtifact(t, s, artInput("q", "m", "dataset", es), es)
}

func testArtifactInvalid(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	must(s.CreateUser(ctx, "alice", "", false))(t)
	es := entries("a", 1)
	for name, in := range map[string]store.ArtifactInput{
		"name with slash":   artInput("p", "a/b", "model", es),
		"name with colon":   artInput("p", "a:b", "model", es),
		"name ..":           artInput("p", "..", "model", es),
		"empty name":        artInput("p", "", "model", es),
		"type with slash":   artInput("p", "m", "a/b", es),
		"empty type":        artInput("p", "m", "", es),
		"alias vN":          artInput("p", "m", "model", es, "v3"),
		"alias with slash":  artInput("p", "m", "model", es, "../x"),
		"alias with colon":  artInput("p", "m", "model", es, "a:b"),
		"alias with NUL":    artInput("p", "m", "model", es, "a\x00"),
		"bad digest":        {Entity: "alice", Project: "p", Type: "model", Collection: "m", Digest: "zz"},
		"metadata not obj":  {Entity: "alice", Project: "p", Type: "model", Collection: "m", Digest: store.ArtifactDigest(es), Metadata: json.RawMessage(`[1]`)},
		"project with ../":  artInput("..", "m", "model", es),
		"unknown run":       {Entity: "alice", Project: "p", Type: "model", Collection: "m", Digest: store.ArtifactDigest(es), RunID: 999999},
		"unknown entity":    {Entity: "nobody", Project: "p", Type: "model", Collection: "m", Digest: store.ArtifactDigest(es)},
		"project with NUL":  artInput("p\x00", "m", "model", es),
		"type with colon":   artInput("p", "m", "a:b", es),
		"long name":         artInput("p", string(make([]byte, 129)), "model", es),
		"alias backslash":   artInput("p", "m", "model", es, `a\b`),
		"alias dotdot":      artInput("p", "m", "model", es, ".."),
		"alias empty":       artInput("p", "m", "model", es, ""),
		"alias 129 bytes":   artInput("p", "m", "model", es, string(make([]byte, 129))),
		"alias v0":          artInput("p", "m", "model", es, "v0"),
		"name with space":   artInput("p", "a b", "model", es),
		"name with unicode": artInput("p", "é", "model", es),
	} {
		_, _, err := s.CreateArtifact(ctx, in)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if name == "unknown run" || name == "unknown entity" {
			wantErr(t, err, store.ErrNotFound)
		} else {
			wantErr(t, err, store.ErrInvalid)
		}
	}
	if cs := must(s.ArtifactCollections(ctx, "alice", "p", ""))(t); len(cs) != 0 {
		t.Fatalf("refused inputs left collections %+v", cs)
	}
}

func testArtifactCommitChecks(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	must(s.CreateUser(ctx, "alice", "", false))(t)
	for name, bad := range map[string]string{
		"dotdot": "../escape", "absolute": "/etc/passwd", "inner dotdot": "a/../../b", "backslash": `a\..\b`,
		"empty segment": "a//b", "dot": "./a", "NUL": "a\x00b", "drive": "C:/x", "trailing slash": "a/",
	} {
		es := []store.ArtifactEntry{{Path: bad, Digest: "1B2M2Y8AsgTpgAmY7PhCfg==", Size: 0}}
		a, _ := must2(s.CreateArtifact(ctx, artInput("p", "m", "model", es)))(t)
		_, err := s.CommitArtifact(ctx, a.ID, es)
		if err == nil {
			t.Errorf("%s: path %q committed", name, bad)
			continue
		}
		wantErr(t, err, store.ErrInvalid)
	}
	es := entries("a", 2)
	a, _ := must2(s.CreateArtifact(ctx, artInput("p", "m", "model", es)))(t)
	_, err := s.CommitArtifact(ctx, a.ID, entries("other", 2))
	wantErr(t, err, store.ErrInvalid)
	dup := []store.ArtifactEntry{es[0], es[0]}
	_, err = s.CommitArtifact(ctx, a.ID, dup)
	wantErr(t, err, store.ErrInvalid)
	_, err = s.CommitArtifact(ctx, 1<<40, es)
	wantErr(t, err, store.ErrNotFound)
	// The manifest digest is recorded and kept.
	must(0, s.SetArtifactManifest(ctx, a.ID, "1B2M2Y8AsgTpgAmY7PhCfg=="))(t)
	c := must(s.CommitArtifact(ctx, a.ID, es))(t)
	if c.ManifestDigest != "1B2M2Y8AsgTpgAmY7PhCfg==" || c.Size != es[0].Size+es[1].Size {
		t.Fatalf("committed: %+v", c)
	}
	wantErr(t, s.SetArtifactManifest(ctx, a.ID, "XUFAKrxLKna5cZ2REBfFkg=="), store.ErrConflict)
	wantErr(t, s.SetArtifactManifest(ctx, a.ID, "not-md5"), store.ErrInvalid)
	e := must(s.ArtifactEntry(ctx, a.ID, es[1].Path))(t)
	if !reflect.DeepEqual(e, es[1]) {
		t.Fatalf("entry = %+v", e)
	}
	_, err = s.ArtifactEntry(ctx, a.ID, "missing")
	wantErr(t, err, store.ErrNotFound)
}

func testArtifactCollections(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	e := entries("a", 1)
	logArtifact(t, s, artInput("p", "m1", "model", e), e)
	logArtifact(t, s, artInput("p", "m1", "model", entries("b", 1)), entries("b", 1))
	logArtifact(t, s, artInput("p", "d1", "dataset", e), e)
	if ts := must(s.ArtifactTypes(ctx, "alice", "p"))(t); !reflect.DeepEqual(ts, []string{"dataset", "model"}) {
		t.Fatalf("types = %v", ts)
	}
	cs := must(s.ArtifactCollections(ctx, "alice", "p", "model"))(t)
	if len(cs) != 1 || cs[0].Name != "m1" || cs[0].Versions != 2 || cs[0].Type != "model" {
		t.Fatalf("model collections = %+v", cs)
	}
	if all := must(s.ArtifactCollections(ctx, "alice", "p", ""))(t); len(all) != 2 || all[0].Name != "d1" {
		t.Fatalf("all collections = %+v", all)
	}
	c := must(s.ArtifactCollection(ctx, "alice", "p", "d1"))(t)
	if c.Type != "dataset" || c.Versions != 1 {
		t.Fatalf("collection = %+v", c)
	}
	_, err := s.ArtifactCollection(ctx, "alice", "p", "zz")
	wantErr(t, err, store.ErrNotFound)
}

func testArtifactLineage(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	producer := newRun(t, s, "prod1")
	c1, c2 := newRun(t, s, "cons1"), newRun(t, s, "cons2")
	es := entries("a", 1)
	in := artInput("p", "ds", "dataset", es)
	in.RunID = producer.ID
	step := int64(7)
	in.HistoryStep = &step
	a := logArtifact(t, s, in, es)
	if a.CreatedByRunID != producer.ID || a.HistoryStep == nil || *a.HistoryStep != 7 {
		t.Fatalf("created by %d step %v", a.CreatedByRunID, a.HistoryStep)
	}
	for _, r := range []store.Run{c1, c2, c1} {
		must(0, s.UseArtifact(ctx, a.ID, r.ID))(t)
	}
	users := must(s.ArtifactUsers(ctx, a.ID))(t)
	if len(users) != 2 || users[0].Name != "cons1" || users[1].Name != "cons2" {
		t.Fatalf("users = %+v", users)
	}
	if l := must(s.ArtifactsLoggedBy(ctx, producer.ID))(t); len(l) != 1 || l[0].ID != a.ID {
		t.Fatalf("logged by = %+v", l)
	}
	if u := must(s.ArtifactsUsedBy(ctx, c2.ID))(t); len(u) != 1 || u[0].ID != a.ID || !contains(u[0].Aliases, "latest") {
		t.Fatalf("used by = %+v", u)
	}
	if u := must(s.ArtifactsUsedBy(ctx, producer.ID))(t); len(u) != 0 {
		t.Fatalf("producer used %+v", u)
	}
	wantErr(t, s.UseArtifact(ctx, 1<<40, c1.ID), store.ErrNotFound)
}

func testArtifactConcurrent(t *testing.T, s ArtifactStore) {
	ctx := context.Background()
	must(s.CreateUser(ctx, "alice", "", false))(t)
	es := entries("shared", 3)
	const writers = 8
	ids := make([]int64, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, _, err := s.CreateArtifact(ctx, artInput("p", "shared", "dataset", es))
			if err == nil && a.State == store.ArtifactPending {
				a, err = s.CommitArtifact(ctx, a.ID, es)
			}
			ids[i] = a.ID
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("writers got different versions: %v", ids)
		}
	}
	if vs := must(s.ArtifactVersions(ctx, "alice", "p", "shared"))(t); len(vs) != 1 || vs[0].Version != 0 {
		t.Fatalf("versions = %+v", vs)
	}
}
