package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/sender"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

const (
	aliceKey = "alice-key-0123456789abcdef"
	bobKey   = "bob-key-0123456789abcdef00"
)

type env struct {
	st    store.Store
	blobs store.Blobs
	srv   *httptest.Server
}

func newEnv(t *testing.T, opts ...server.Option) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wandb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := localblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, key string }{{"alice", aliceKey}, {"bob", bobKey}} {
		usr, err := st.CreateUser(ctx, u.name, u.name+"@example.com", u.name == "alice")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAPIKey(ctx, usr.ID, u.key, "test"); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(server.New(st, blobs, opts...).Handler())
	t.Cleanup(srv.Close)
	return &env{st: st, blobs: blobs, srv: srv}
}

func (e *env) httpClient(key string) *http.Client {
	base, _ := url.Parse(e.srv.URL)
	return &http.Client{Transport: sender.NewAuthTransport(base, key, "gowandb-test", http.DefaultTransport)}
}

func (e *env) client(key string) *sender.Client {
	return &sender.Client{BaseURL: e.srv.URL, HTTP: e.httpClient(key)}
}

func TestViewerAndFeatures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v, err := e.client(aliceKey).Viewer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Username != "alice" || v.Entity != "alice" || v.Email != "alice@example.com" {
		t.Fatalf("viewer %+v", v)
	}
	if _, err := e.client(aliceKey).ServerFeatures(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, key := range []string{"", "not-a-known-key-at-all"} {
		c := &sender.Client{BaseURL: e.srv.URL, HTTP: http.DefaultClient}
		if key != "" {
			c.HTTP = e.httpClient(key)
		}
		_, err := c.Viewer(ctx)
		if he, ok := errors.AsType[*sender.HTTPError](err); !ok || he.StatusCode != http.StatusUnauthorized {
			t.Errorf("key %q: %v, want 401", key, err)
		}
	}
	// bob may not use alice's entity.
	if _, err := e.client(aliceKey).UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "p", Name: "r1"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client(bobKey).CreateRunFiles(ctx, "alice", "p", "r1", []string{"a.txt"})
	if he, ok := errors.AsType[*sender.HTTPError](err); !ok || he.StatusCode != http.StatusForbidden {
		t.Errorf("bob CreateRunFiles on alice: %v, want 403", err)
	}
	resp, err := e.httpClient(bobKey).Post(sender.FileStreamURL(e.srv.URL, "alice", "p", "r1"), "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob file_stream on alice: %d, want 403", resp.StatusCode)
	}
}

func TestUnknownOperation(t *testing.T) {
	e := newEnv(t)
	// A query the schema does not allow is refused before any resolver
	// runs, with the validator's message naming the field.
	err := e.client(aliceKey).Do(context.Background(), "NoSuchOp", "query NoSuchOp { x }", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), `Cannot query field \"x\" on type \"Query\"`) {
		t.Fatalf("got %v, want HTTP 400 naming the unknown field", err)
	}
	// An operation name the document lacks is named too.
	err = e.client(aliceKey).Do(context.Background(), "Other", "query NoSuchOp { viewer { id } }", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), `no operation named \"Other\"`) {
		t.Fatalf("got %v, want an error naming the operation", err)
	}
}

func TestRunLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(aliceKey)
	b, err := c.UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "proj", Name: "run1",
		DisplayName: "first", Config: map[string]any{"lr": 0.1}, Tags: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Inserted || b.Name != "run1" || b.Project != "proj" || b.Entity != "alice" || b.DisplayName != "first" {
		t.Fatalf("bucket %+v", b)
	}
	if b2, err := c.UpsertBucket(ctx, sender.BucketInput{StorageID: b.StorageID, Notes: "n"}); err != nil || b2.Inserted || b2.Name != "run1" {
		t.Fatalf("update: %+v %v", b2, err)
	}
	run, err := e.st.Run(ctx, "alice", "proj", "run1")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(run.Config, &cfg); err != nil || cfg["lr"].(map[string]any)["value"] != 0.1 || run.Notes != "n" {
		t.Fatalf("run %+v config %s", run, run.Config)
	}

	fs := sender.NewFileStream(sender.FileStreamConfig{URL: sender.FileStreamURL(e.srv.URL, "alice", "proj", "run1"),
		HTTP: e.httpClient(aliceKey), Retrier: &sender.Retrier{}, TransmitInterval: 10 * time.Millisecond})
	defer fs.Close()
	for _, u := range []sender.Update{
		sender.HistoryUpdate{Lines: []string{`{"_step":0,"loss":1}`, `{"_step":1,"loss":0.5}`}},
		sender.SummaryUpdate{JSON: `{"loss":0.5}`},
	} {
		if err := fs.Push(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Finish(ctx, 0); err != nil {
		t.Fatal(err)
	}
	rows, err := e.st.HistoryRows(ctx, run.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1].Offset != 1 || rows[1].Step != 1 {
		t.Fatalf("rows %+v", rows)
	}
	run, _ = e.st.RunByID(ctx, run.ID)
	if run.State != store.StateFinished || run.ExitCode == nil || *run.ExitCode != 0 || string(run.Summary) != `{"loss":0.5}` {
		t.Fatalf("run after finish: state %s exit %v summary %s", run.State, run.ExitCode, run.Summary)
	}

	// A resend of offset 1 is not stored twice; a gap is refused.
	post := func(body string) (int, string) {
		resp, err := e.httpClient(aliceKey).Post(sender.FileStreamURL(e.srv.URL, "alice", "proj", "run1"), "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(`{"files":{"wandb-history.jsonl":{"offset":1,"content":["{\"_step\":1,\"loss\":0.5}","{\"_step\":2,\"loss\":0.25}"]}}}`); code != 200 || !strings.Contains(body, `"stopped":false`) {
		t.Fatalf("resend: %d %s", code, body)
	}
	if rows, _ = e.st.HistoryRows(ctx, run.ID, 0, 100); len(rows) != 3 || rows[2].Step != 2 {
		t.Fatalf("after resend: %+v", rows)
	}
	// W&B's summaries may hold NaN and Infinity tokens.
	if code, body := post(`{"files":{"wandb-summary.json":{"offset":0,"content":["{\"loss\":NaN,\"best\":Infinity}"]}}}`); code != 200 {
		t.Fatalf("NaN summary: %d %s", code, body)
	}
	if run, _ = e.st.RunByID(ctx, run.ID); string(run.Summary) != `{"loss":NaN,"best":Infinity}` {
		t.Fatalf("summary %s", run.Summary)
	}
	if code, body := post(`{"files":{"wandb-summary.json":{"offset":0,"content":["{\"loss\":0.5}"]}}}`); code != 200 {
		t.Fatalf("summary: %d %s", code, body)
	}
	for body, want := range map[string]int{
		`{"files":{"wandb-summary.json":{"offset":0,"content":["[1]"]}}}`: http.StatusBadRequest,
		`{"files":{"wandb-history.jsonl":{"offset":9,"content":["{}"]}}}`: http.StatusConflict,
		`{"files":`: http.StatusBadRequest,
		`{"files":{"wandb-history.jsonl":{"offset":3,"content":["nope"]}}}`: http.StatusBadRequest,
		`{"files":{"x.bin":{"offset":0,"content":[]}}}`:                     http.StatusBadRequest,
	} {
		if code, msg := post(body); code != want {
			t.Errorf("%s: %d %s, want %d", body, code, msg, want)
		}
	}
	resp, err := e.httpClient(aliceKey).Post(sender.FileStreamURL(e.srv.URL, "alice", "proj", "nope"), "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown run: %d, want 404", resp.StatusCode)
	}

	rs, err := c.RunResumeStatus(ctx, "alice", "proj", "run1")
	if err != nil || rs == nil || rs.HistoryLineCount != 3 || len(rs.HistoryTail) != 3 || rs.SummaryMetrics != `{"loss":0.5}` {
		t.Fatalf("resume %+v %v", rs, err)
	}
	if rs, err := c.RunResumeStatus(ctx, "alice", "proj", "missing"); err != nil || rs != nil {
		t.Fatalf("resume of a missing run: %+v %v", rs, err)
	}
}

func TestUpload(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(aliceKey)
	if _, err := c.UpsertBucket(ctx, sender.BucketInput{Entity: "alice", Project: "p", Name: "r"}); err != nil {
		t.Fatal(err)
	}
	rf, err := c.CreateRunFiles(ctx, "alice", "p", "r", []string{"media/x.txt"})
	if err != nil || len(rf.Targets) != 1 {
		t.Fatalf("%+v %v", rf, err)
	}
	up := &sender.Uploader{HTTP: http.DefaultClient} // no credentials
	if ok, err := up.Upload(ctx, rf.Targets[0], rf.Header, []byte("hello")); !ok || err != nil {
		t.Fatalf("upload: %v %v", ok, err)
	}
	rc, err := e.blobs.Get(ctx, "alice/p/r/media/x.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" {
		t.Fatalf("blob %q", b)
	}
	run, _ := e.st.Run(ctx, "alice", "p", "r")
	if f, err := e.st.File(ctx, run.ID, "media/x.txt"); err != nil || f.Size != 5 {
		t.Fatalf("file %+v %v", f, err)
	}
	bad := strings.Replace(rf.Targets[0].URL, "/upload/", "/upload/x", 1)
	req, _ := http.NewRequest(http.MethodPut, bad, strings.NewReader("evil"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("tampered token: %d", resp.StatusCode)
	}
}
