package wire_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gowandb/wandb/core/artifact"
	"github.com/gowandb/wandb/core/artifact/wire"
)

func TestLogVersionsAliasesAndDedup(t *testing.T) {
	e := newEnv(t)
	e.run(t, "alice", "p", "r1")
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()

	m0 := files(t, map[string]string{"a.txt": "alpha", "dir/b.txt": "beta"})
	res0, err := r.Log(ctx, logReq("p", "r1", "ds", "dataset", m0, "best"))
	if err != nil {
		t.Fatal(err)
	}
	v0 := res0.Version
	if res0.Existing || v0.Index != 0 || v0.Digest != m0.Digest() || !reflect.DeepEqual(v0.Aliases, []string{"best", "latest"}) {
		t.Fatalf("v0 = %+v existing=%v", v0, res0.Existing)
	}
	if v0.LoggedBy != (artifact.Scope{Entity: "alice", Project: "p", Run: "r1"}) {
		t.Fatalf("v0 logged by %+v", v0.LoggedBy)
	}

	// v1 changes one file: only it is uploaded.
	m1 := files(t, map[string]string{"a.txt": "alpha", "dir/b.txt": "beta, changed"})
	before := e.uploadBytes.Load()
	res1, err := r.Log(ctx, logReq("p", "r1", "ds", "dataset", m1))
	if err != nil {
		t.Fatal(err)
	}
	if res1.Version.Index != 1 || res1.Existing {
		t.Fatalf("v1 = %+v", res1)
	}
	manifestBytes := func(m *artifact.Manifest) int64 {
		_, b, _ := m.ManifestFileDigest()
		return int64(len(b))
	}
	// The manifest the client uploads carries birth artifact ids; count
	// the content bytes: the changed file only, plus its manifest.
	if got := e.uploadBytes.Load() - before; got < int64(len("beta, changed")) || got >= int64(len("beta, changed"))+manifestBytes(m1)+400 {
		t.Fatalf("v1 uploaded %d bytes: want the changed file and the manifest only", got)
	}
	if n := len(e.artifactBlobs(t)); n != 5 { // alpha, beta, beta changed, 2 manifests
		t.Fatalf("%d blobs stored, want 5: %v", n, e.artifactBlobs(t))
	}

	// The same content again is v1, with nothing uploaded.
	before = e.uploadBytes.Load()
	again, err := r.Log(ctx, logReq("p", "r1", "ds", "dataset", files(t, map[string]string{"a.txt": "alpha", "dir/b.txt": "beta, changed"})))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Existing || again.Version.Index != 1 || again.Version.ID != res1.Version.ID || e.uploadBytes.Load() != before {
		t.Fatalf("same content: %+v, %d bytes uploaded", again, e.uploadBytes.Load()-before)
	}

	// Aliases: latest moved to v1, best stayed on v0; re-logging v0's
	// content with "prod" adds prod to v0 without moving latest.
	prod, err := r.Log(ctx, logReq("p", "r1", "ds", "dataset", m0, "prod"))
	if err != nil {
		t.Fatal(err)
	}
	if !prod.Existing || prod.Version.Index != 0 || !reflect.DeepEqual(prod.Version.Aliases, []string{"best", "prod"}) {
		t.Fatalf("re-logged v0: %+v", prod.Version)
	}
	latest, err := r.Resolve(ctx, artifact.Path{Name: "ds"}, artifact.Scope{Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if latest.Index != 1 || !slices.Contains(latest.Aliases, "latest") {
		t.Fatalf("latest = %+v", latest)
	}
	if got := readAll(t, r, latest, "dir/b.txt"); got != "beta, changed" {
		t.Fatalf("dir/b.txt of v1 = %q", got)
	}
	v0r, err := r.Resolve(ctx, artifact.Path{Name: "ds", Version: "v0"}, artifact.Scope{Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r, v0r, "dir/b.txt"); got != "beta" {
		t.Fatalf("dir/b.txt of v0 = %q", got)
	}
	if e, _ := v0r.Manifest.Get("a.txt"); e.BirthArtifactID != v0.ID {
		t.Fatalf("birth artifact of a.txt = %q, want v0 %q", e.BirthArtifactID, v0.ID)
	}
}

func TestBlobsStoredOnceAcrossProjectsAndCollections(t *testing.T) {
	e := newEnv(t)
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	big := strings.Repeat("x", 100_000)
	if _, err := r.Log(ctx, logReq("p", "", "m", "model", files(t, map[string]string{"w.bin": big}))); err != nil {
		t.Fatal(err)
	}
	for _, target := range []struct{ project, name string }{{"q", "m"}, {"p", "other"}} {
		before := e.uploadBytes.Load()
		res, err := r.Log(ctx, logReq(target.project, "", target.name, "model", files(t, map[string]string{"w.bin": big})))
		if err != nil {
			t.Fatal(err)
		}
		if res.Existing || res.Version.Index != 0 {
			t.Fatalf("%+v: %+v", target, res)
		}
		if got := e.uploadBytes.Load() - before; got >= int64(len(big)) {
			t.Fatalf("%+v: %d bytes uploaded, the content was stored already", target, got)
		}
		if s := readAll(t, r, res.Version, "w.bin"); s != big {
			t.Fatalf("%+v: content differs", target)
		}
	}
	// One content blob and one manifest blob (the three manifests have
	// the same bytes but birth ids differ: at most three).
	keys := e.artifactBlobs(t)
	if len(keys) < 2 || len(keys) > 4 {
		t.Fatalf("blobs = %v", keys)
	}
}

func TestEveryNameFormResolves(t *testing.T) {
	e := newEnv(t)
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	m0 := files(t, map[string]string{"f": "0"})
	m1 := files(t, map[string]string{"f": "1"})
	v0, err := r.Log(ctx, logReq("p", "", "ds", "dataset", m0, "best"))
	if err != nil {
		t.Fatal(err)
	}
	v1, err := r.Log(ctx, logReq("p", "", "ds", "dataset", m1))
	if err != nil {
		t.Fatal(err)
	}
	defaults := artifact.Scope{Project: "p"} // entity: the viewer's
	for s, want := range map[string]string{
		"ds":                  v1.Version.ID,
		"ds:latest":           v1.Version.ID,
		"ds:v0":               v0.Version.ID,
		"ds:v1":               v1.Version.ID,
		"ds:best":             v0.Version.ID,
		"ds:" + m0.Digest():   v0.Version.ID,
		"p/ds:v0":             v0.Version.ID,
		"alice/p/ds:latest":   v1.Version.ID,
		"alice/p/ds:best":     v0.Version.ID,
		"alice/p/ds":          v1.Version.ID,
		"p/ds:" + m1.Digest(): v1.Version.ID,
	} {
		p, err := artifact.ParsePath(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		v, err := r.Resolve(ctx, p, defaults)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if v.ID != want || v.Manifest == nil || v.Type != "dataset" || v.Name != "ds" || v.Entity != "alice" || v.Project != "p" {
			t.Errorf("%q resolved to %+v, want id %s", s, v, want)
		}
	}
	for _, s := range []string{"ds:v2", "ds:nope", "nope", "q/ds", "alice/q/ds:v0", "ds:" + strings.Repeat("0", 32)} {
		p, _ := artifact.ParsePath(s)
		if _, err := r.Resolve(ctx, p, defaults); !errors.Is(err, artifact.ErrNotFound) {
			t.Errorf("%q: err = %v, want ErrNotFound", s, err)
		}
	}
}

func TestTypeMismatchIsAnError(t *testing.T) {
	e := newEnv(t)
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	if _, err := r.Log(ctx, logReq("p", "", "thing", "dataset", files(t, map[string]string{"f": "0"}))); err != nil {
		t.Fatal(err)
	}
	_, err := r.Log(ctx, logReq("p", "", "thing", "model", files(t, map[string]string{"f": "1"})))
	if err == nil || !strings.Contains(err.Error(), `has type "dataset", not "model"`) {
		t.Fatalf("logging a dataset name as a model: %v", err)
	}
}

func TestTwoRunsLogTheSameArtifactAtOnce(t *testing.T) {
	e := newEnv(t)
	e.run(t, "alice", "p", "r1")
	e.run(t, "alice", "p", "r2")
	ctx := context.Background()
	content := map[string]string{"a": strings.Repeat("a", 50_000), "b": strings.Repeat("b", 70_000), "c": "c"}
	var wg sync.WaitGroup
	results := make([]artifact.LogResult, 2)
	errs := make([]error, 2)
	for i, run := range []string{"r1", "r2"} {
		m := files(t, content)
		r := e.remote(t, e.aliceKey)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = r.Log(ctx, logReq("p", run, "shared", "dataset", m))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if results[0].Version.ID != results[1].Version.ID || results[0].Version.Index != 0 || results[1].Version.Index != 0 {
		t.Fatalf("results: %+v", results)
	}
	vs, err := e.st.ArtifactVersions(ctx, "alice", "p", "shared")
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
}

func TestEscapingNamesAndAliasesRefusedByServer(t *testing.T) {
	e := newEnv(t)
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	for _, bad := range []string{"../evil", "/etc/passwd", "a/../../b", `a\..\b`, "a//b", "./x"} {
		// A manifest built without its validation, as a hostile client
		// would send it.
		m := files(t, map[string]string{"ok": "fine"})
		good, _ := m.Get("ok")
		good.Path = bad
		m.Contents[bad] = good
		if _, err := r.Log(ctx, logReq("p", "", "esc", "dataset", m)); err == nil || !strings.Contains(err.Error(), "entry path") {
			t.Errorf("entry %q: %v", bad, err)
		}
		// A reference entry is not uploaded: the commit refuses it.
		ref := files(t, map[string]string{"ok": "fine2"})
		ref.Contents[bad] = artifact.Entry{Path: bad, Digest: "etag", Ref: "https://example.com/x"}
		if _, err := r.Log(ctx, logReq("p", "", "esc", "dataset", ref)); err == nil || !strings.Contains(err.Error(), "entry path") {
			t.Errorf("reference entry %q: %v", bad, err)
		}
	}
	for _, alias := range []string{"../x", "a/b", "v3", "a:b", "x\x00"} {
		if _, err := r.Log(ctx, logReq("p", "", "esc", "dataset", files(t, map[string]string{"f": alias}), alias)); err == nil || !strings.Contains(err.Error(), "alias") {
			t.Errorf("alias %q: %v", alias, err)
		}
	}
	if vs, _ := e.st.ArtifactVersions(ctx, "alice", "p", "esc"); len(vs) != 0 {
		t.Fatalf("versions committed: %+v", vs)
	}
	for _, k := range e.artifactBlobs(t) {
		if strings.Contains(k, "..") {
			t.Fatalf("blob %q", k)
		}
	}
}

func TestLineage(t *testing.T) {
	e := newEnv(t)
	for _, run := range []string{"producer", "c1", "c2"} {
		e.run(t, "alice", "p", run)
	}
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	req := logReq("p", "producer", "ds", "dataset", files(t, map[string]string{"f": "x"}))
	req.HistoryStep = 42
	res, err := r.Log(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version.HistoryStep != 42 {
		t.Fatalf("history step = %d", res.Version.HistoryStep)
	}
	for _, run := range []string{"c1", "c2", "c1"} {
		if err := r.Use(ctx, res.Version, artifact.Scope{Project: "p", Run: run}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := r.Lineage(ctx, artifact.Path{Name: "ds"}, artifact.Scope{Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	want := []artifact.Scope{{Entity: "alice", Project: "p", Run: "c1"}, {Entity: "alice", Project: "p", Run: "c2"}}
	if !reflect.DeepEqual(l.UsedBy, want) || l.Version.LoggedBy.Run != "producer" {
		t.Fatalf("lineage = %+v", l)
	}
	if err := r.Use(ctx, res.Version, artifact.Scope{Project: "p", Run: "nope"}); err == nil {
		t.Fatal("use by an unknown run accepted")
	}
}

func TestAccessIsLimitedToOwnEntities(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.remote(t, e.aliceKey), e.remote(t, e.bobKey)
	ctx := context.Background()
	res, err := alice.Log(ctx, logReq("p", "", "secret", "dataset", files(t, map[string]string{"f": "x"})))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Resolve(ctx, artifact.Path{Entity: "alice", Project: "p", Name: "secret"}, artifact.Scope{}); err == nil || errors.Is(err, artifact.ErrNotFound) {
		t.Fatalf("bob resolving alice's artifact: %v", err)
	}
	if _, err := bob.Open(ctx, res.Version, res.Version.Manifest.Entries()[0]); err == nil {
		t.Fatal("bob opened alice's file")
	}
	if _, err := bob.Log(ctx, logReq("p", "", "intrude", "dataset", files(t, map[string]string{"f": "y"}))); err == nil {
		t.Fatal("bob logged into alice's entity")
	}
	if _, err := wire.New(e.url, "wrong-key-wrong-key-wrong"); err != nil {
		t.Fatal(err)
	}
	bad, _ := wire.New(e.url, "wrong-key-wrong-key-wrong", retriers(0))
	if _, err := bad.Resolve(ctx, artifact.Path{Entity: "alice", Project: "p", Name: "secret"}, artifact.Scope{}); err == nil {
		t.Fatal("a wrong key resolved")
	}
}

func TestListLatestByTypeAndName(t *testing.T) {
	e := newEnv(t)
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	for _, x := range []struct{ name, typ, content string }{
		{"m", "model", "1"}, {"m", "model", "2"}, {"d", "dataset", "3"}, {"a", "model", "4"},
	} {
		if _, err := r.Log(ctx, logReq("p", "", x.name, x.typ, files(t, map[string]string{"f": x.content}))); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := r.List(ctx, artifact.Scope{Project: "p"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Type+":"+v.QualifiedName())
	}
	want := []string{"dataset:alice/p/d:v0", "model:alice/p/a:v0", "model:alice/p/m:v1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("list = %v, want %v", got, want)
	}
	models, err := r.List(ctx, artifact.Scope{Project: "p"}, "model")
	if err != nil || len(models) != 2 {
		t.Fatalf("models = %v, %v", models, err)
	}
}

func TestSignedURLsNeedNoCredentialsAndRejectForgery(t *testing.T) {
	e := newEnv(t)
	r := e.remote(t, e.aliceKey)
	ctx := context.Background()
	res, err := r.Log(ctx, logReq("p", "", "u", "dataset", files(t, map[string]string{"f": "content"})))
	if err != nil {
		t.Fatal(err)
	}
	// Open uses a client without credentials; a forged token is refused.
	if got := readAll(t, r, res.Version, "f"); got != "content" {
		t.Fatalf("got %q", got)
	}
	for _, path := range []string{"/artifacts/blob/x.y", "/artifacts/blob/" + strings.Repeat("A", 40) + ".AAAA"} {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
}

func TestDialRemoteIsSet(t *testing.T) {
	e := newEnv(t)
	if artifact.DialRemote == nil {
		t.Fatal("artifact.DialRemote not set by importing wire")
	}
	r, err := artifact.DialRemote(context.Background(), e.url, e.aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(artifact.Lister); !ok {
		t.Fatal("the dialled Remote does not list")
	}
	for _, bad := range []string{"", "ftp://x", "http://"} {
		if _, err := wire.New(bad, e.aliceKey); err == nil {
			t.Errorf("base URL %q accepted", bad)
		}
	}
	if _, err := wire.New(e.url, ""); err == nil {
		t.Error("empty key accepted")
	}
}
