package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gowandb/wandb/core/query"
	"github.com/gowandb/wandb/core/server"
	"github.com/gowandb/wandb/core/store"
	"github.com/gowandb/wandb/core/store/localblob"
	"github.com/gowandb/wandb/core/store/sqlite"
)

const (
	aliceKey = "alice-key-0123456789abcdef0123456789abcdef"
	bobKey   = "bob-key-0123456789abcdef0123456789abcdef00"
)

// env is a real tracking server (core/server over SQLite and a blob
// directory) on loopback, with users alice (member of team "lab") and bob.
type env struct {
	st    store.Store
	blobs store.Blobs
	url   string
	clock *atomic.Int64 // the server's Unix time
}

func startServer(t *testing.T) *env {
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
		usr, err := st.CreateUser(ctx, u.name, u.name+"@example.com", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAPIKey(ctx, usr.ID, u.key, "test"); err != nil {
			t.Fatal(err)
		}
		if u.name == "alice" {
			if _, err := st.CreateTeam(ctx, "lab"); err != nil {
				t.Fatal(err)
			}
			if err := st.AddMember(ctx, "lab", usr.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock := &atomic.Int64{}
	clock.Store(time.Now().Unix())
	srv := httptest.NewServer(server.New(st, blobs,
		server.WithClock(func() time.Time { return time.Unix(clock.Load(), 0) })).Handler())
	t.Cleanup(srv.Close)
	return &env{st: st, blobs: blobs, url: srv.URL, clock: clock}
}

// client returns a query client for the server with key, reading no
// environment.
func (e *env) client(t *testing.T, key string) *query.Client {
	t.Helper()
	c, err := query.New(query.WithEnv([]string{"HOME=" + t.TempDir()}), query.WithBaseURL(e.url), query.WithAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seedRun stores a run with config (plain values), summary and history
// rows.
func (e *env) seedRun(t *testing.T, entity, project, name string, cfg map[string]any, summary string, state store.RunState, tags []string, rows []string) store.Run {
	t.Helper()
	ctx := context.Background()
	wrapped := map[string]any{"_wandb": map[string]any{"value": map[string]any{"cli_version": "x"}}}
	for k, v := range cfg {
		wrapped[k] = map[string]any{"value": v, "desc": nil}
	}
	cb, _ := json.Marshal(wrapped)
	display := "disp-" + name
	r, err := e.st.UpsertRun(ctx, store.RunUpsert{Entity: entity, Project: project, Name: name, DisplayName: &display,
		Tags: &tags, Config: cb, Summary: json.RawMessage(summary), State: &state})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) > 0 {
		if _, err := e.st.AppendHistory(ctx, r.ID, 0, rows); err != nil {
			t.Fatal(err)
		}
	}
	r, err = e.st.RunByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// seedFile stores a run file.
func (e *env) seedFile(t *testing.T, r store.Run, name, content string) {
	t.Helper()
	ctx := context.Background()
	size, md5, err := e.blobs.Put(ctx, r.Entity+"/"+r.Project+"/"+r.Name+"/"+name, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.PutFile(ctx, store.File{RunID: r.ID, Name: name, Size: size, MD5: md5, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// historyRows is n rows: _step i, loss 1/(i+1), acc i/n, a nested object,
// and "val" only on every 10th row.
func historyRows(n int) []string {
	rows := make([]string, n)
	for i := range n {
		extra := ""
		if i%10 == 0 {
			extra = fmt.Sprintf(`,"val":%d`, i)
		}
		rows[i] = fmt.Sprintf(`{"_step":%d,"loss":%g,"acc":%g,"opt":{"lr":0.1}%s}`, i, 1/float64(i+1), float64(i)/float64(n), extra)
	}
	return rows
}
